// One source through lines, wrappers, framing and decoding; stack traces joined to their error record.
import { describe, expect, it } from "vitest";
import { decodeSource } from "../../src/ingest/decode-source.js";
import type { LogRecord } from "../../src/model.js";

async function decode(text: string) {
  const records: LogRecord[] = [];
  const skips: string[] = [];
  async function* chunks() {
    yield Buffer.from(text);
  }
  const lines = await decodeSource(
    chunks(),
    "app.log",
    {},
    {
      record: (r) => records.push(r),
      skip: (reason, line) => skips.push(`${line}: ${reason}`),
    },
  );
  return { lines, records, skips };
}

describe("decodeSource", () => {
  it("joins a Python traceback printed after an error record to that record", async () => {
    const { records, skips } = await decode(
      [
        '{"event": "payment failed", "level": "error", "timestamp": "2026-11-24T01:05:26.084855Z"}',
        "Traceback (most recent call last):",
        '  File "/app/pay.py", line 12, in charge',
        '    raise ValueError("card declined")',
        "ValueError: card declined",
        '{"event": "next", "level": "info", "timestamp": "2026-11-24T01:05:27Z"}',
      ].join("\n"),
    );
    expect(records.map((r) => r.message.split("\n").length)).toEqual([5, 1]);
    expect(records[0]!.message).toContain("ValueError: card declined");
    expect(skips).toEqual([]);
  });

  it("leaves plain lines after a record that is not an error as skipped text", async () => {
    const { records, skips } = await decode(
      [
        '{"msg":"ok","level":30,"time":1795482162056}',
        "    at something (x.js:1:1)",
        "banner",
      ].join("\n"),
    );
    expect(records[0]!.message).toBe("ok");
    expect(skips).toEqual(["2: not JSON", "3: not JSON"]);
  });
});
