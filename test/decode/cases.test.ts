// Every logging family of FORMATS.md: records shaped exactly as the library writes them (cases/*.json),
// decoded through the same path as the CLI (lossless JSON parse → decoder registry). A case states
// only the fields it names (`attributes`, `error`, `events`, `resource` included). errors-node.json and
// errors-python.json are lines written by the real libraries (pino 10.4.0, bunyan 2.0.5, winston 3.19.0,
// python-json-logger 4.2.0, structlog 26.1.0, run in a scratch directory outside the repo), copied as is;
// so are the pino 10.4.0 and winston 3.19.0 lines of context-anywhere.json.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DecodeMemo, decodeValue } from "../../src/decode/index.js";
import type { LogRecord } from "../../src/model.js";
import { formatInstant } from "../../src/util/instant.js";
import { parseJson } from "../../src/util/json.js";

interface Expect {
  traceId?: string | null;
  spanId?: string | null;
  parentSpanId?: string | null;
  time?: string | null;
  level?: string;
  service?: string | null;
  message?: string;
  spanName?: string;
  spanStart?: string;
  spanEnd?: string;
  /** The record's attributes (null when it has none). */
  attributes?: Record<string, unknown> | null;
  error?: Record<string, string> | null;
  /** A span export's events, times as RFC 3339. */
  events?: { name: string; time?: string; attributes?: Record<string, unknown> }[] | null;
  resource?: Record<string, unknown> | null;
}
interface Case {
  name: string;
  input: string;
  expect: Expect | Expect[];
}

const DIR = new URL("./cases/", import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith(".json") && !f.startsWith("w3c-"));

/** The normalized fields a case can state, read off a decoded record. */
function actual(r: LogRecord): Record<keyof Expect, unknown> {
  return {
    traceId: r.traceId ?? null,
    spanId: r.spanId ?? null,
    parentSpanId: r.parentSpanId ?? null,
    time: r.time ? formatInstant(r.time) : null,
    level: r.level,
    service: r.service ?? null,
    message: r.message,
    spanName: r.span?.name,
    spanStart: r.span ? formatInstant(r.span.start) : undefined,
    spanEnd: r.span?.end ? formatInstant(r.span.end) : undefined,
    attributes: r.attributes ?? null,
    error: r.error ?? null,
    events:
      r.span?.events?.map((e) => ({
        name: e.name,
        ...(e.time && { time: formatInstant(e.time) }),
        ...(e.attributes && { attributes: e.attributes }),
      })) ?? null,
    resource: r.resource ?? null,
  };
}

function pick(record: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, record[k]]));
}

describe.each(files)("%s", (file) => {
  const cases = JSON.parse(readFileSync(new URL(file, DIR), "utf8")) as Case[];
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const records = decodeValue(parseJson(c.input), {
      source: "case",
      line: 1,
      options: {},
      memo: new DecodeMemo(),
    });
    const expected = Array.isArray(c.expect) ? c.expect : [c.expect];
    expect(records).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      const keys = Object.keys(e);
      expect(pick(actual(records[i]!), keys)).toEqual(e);
    });
  });
});
