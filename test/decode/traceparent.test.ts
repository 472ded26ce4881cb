// W3C traceparent validation against the vectors of the W3C test suite (FORMATS.md §8).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTraceparent } from "../../src/decode/ids.js";
import { DecodeMemo, decodeValue } from "../../src/decode/index.js";

interface Vector {
  header?: string;
  value: string;
  valid: boolean;
  traceId?: string;
  spanId?: string;
}

const vectors = JSON.parse(
  readFileSync(new URL("./cases/w3c-traceparent-vectors.json", import.meta.url), "utf8"),
) as Vector[];

describe("parseTraceparent", () => {
  it.each(vectors.filter((v) => !v.header).map((v) => [JSON.stringify(v.value), v] as const))(
    "%s",
    (_label, v) => {
      const ctx = parseTraceparent(v.value);
      if (!v.valid) expect(ctx).toBeUndefined();
      else expect(ctx).toMatchObject({ traceId: v.traceId, spanId: v.spanId });
    },
  );
});

describe("traceparent in a request's headers (header name case-insensitive, other spellings ignored)", () => {
  it.each(vectors.filter((v) => v.header).map((v) => [v.header!, v] as const))(
    "%s",
    (header, v) => {
      const [record] = decodeValue(
        { msg: "request", headers: { [header]: v.value } },
        { source: "t", line: 1, options: {}, memo: new DecodeMemo() },
      );
      if (!v.valid) expect(record?.traceId).toBeUndefined();
      else expect(record).toMatchObject({ traceId: v.traceId, parentSpanId: v.spanId });
    },
  );
});
