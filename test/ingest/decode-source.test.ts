// One source through lines, wrappers, framing and decoding; stack traces joined to their error record.
import { describe, expect, it } from "vitest";
import { DecodeMemo, type DecodeOptions } from "../../src/decode/index.js";
import { decodeSource } from "../../src/ingest/decode-source.js";
import type { LogRecord } from "../../src/model.js";

async function decode(text: string, options: DecodeOptions = {}) {
  const records: LogRecord[] = [];
  const skips: string[] = [];
  async function* chunks() {
    yield Buffer.from(text);
  }
  const lines = await decodeSource(
    chunks(),
    "app.log",
    options,
    {
      record: (r) => records.push(r),
      skip: (reason, line) => skips.push(`${line}: ${reason}`),
    },
    new DecodeMemo(),
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
    // The joined trace is also the record's error: type and message from its exception line.
    expect(records[0]!.error).toEqual({
      type: "ValueError",
      message: "card declined",
      stack: [
        "Traceback (most recent call last):",
        '  File "/app/pay.py", line 12, in charge',
        '    raise ValueError("card declined")',
        "ValueError: card declined",
      ].join("\n"),
    });
    expect(records[1]!.error).toBeUndefined();
  });

  it("fills a Java stack trace printed after an error record into its error, keeping what the record said", async () => {
    const { records } = await decode(
      [
        '{"@timestamp":"2026-11-24T01:05:26.084Z","log.level":"ERROR","message":"request failed","error.code":"E42"}',
        "java.lang.IllegalStateException: pool exhausted",
        "\tat com.acme.Pool.take(Pool.java:88)",
        "\tat com.acme.Api.handle(Api.java:12)",
      ].join("\n"),
    );
    expect(records).toHaveLength(1);
    expect(records[0]!.message.split("\n")).toHaveLength(4);
    expect(records[0]!.error).toMatchObject({
      type: "java.lang.IllegalStateException",
      message: "pool exhausted",
      code: "E42",
    });
    expect(records[0]!.error?.stack).toMatch(
      /^java\.lang\.IllegalStateException.*\n\tat com\.acme\.Pool/,
    );
  });

  it("keeps a plain line after a record that is not an error as a record of its own; a lone stack line is skipped", async () => {
    const { records, skips } = await decode(
      [
        '{"msg":"ok","level":30,"time":1795482162056}',
        "    at something (x.js:1:1)",
        "2026-11-30 12:00:01,250 WARNING retrying job job_8f3k2a9x1 (attempt 2)",
        "Agent B: Processing data received: 12345",
        "",
      ].join("\n"),
      { joinKeys: true },
    );
    expect(records.map((r) => [r.line, r.message, r.level, r.plain])).toEqual([
      [1, "ok", "info", undefined],
      [3, "retrying job job_8f3k2a9x1 (attempt 2)", "warn", true],
      [4, "Agent B: Processing data received: 12345", "info", true],
    ]);
    expect(records[1]!.time).toMatchObject({ ms: Date.UTC(2026, 10, 30, 12, 0, 1, 250) });
    expect(records[2]!.time).toBeUndefined();
    expect(records[1]!.keys).toEqual(["text", "job_8f3k2a9x1"]);
    expect(records[2]!.keys).toEqual(["text", "12345"]);
    expect(skips).toEqual(["2: not JSON"]);
  });

  it("frames each pod's multi-line object on its own when kubectl --prefix interleaves them", async () => {
    const span = (name: string, id: string) =>
      JSON.stringify(
        {
          name,
          context: { trace_id: `0x${"ab".repeat(16)}`, span_id: `0x${id}`, trace_state: "[]" },
          parent_id: null,
          start_time: "2026-11-24T01:05:40.998814Z",
          end_time: "2026-11-24T01:05:41.001753Z",
          resource: { attributes: { "service.name": name } },
        },
        null,
        4,
      ).split("\n");
    const a = span("agent-a", "1".repeat(16)).map((l) => `[pod/agent-a-0/agent-a] ${l}`);
    const b = span("agent-b", "2".repeat(16)).map((l) => `[pod/agent-b-0/agent-b] ${l}`);
    const merged = a.flatMap((l, i) => [l, b[i]!]);
    const { records, skips } = await decode(merged.join("\n"));
    expect(skips).toEqual([]);
    expect(records.map((r) => [r.line, r.service, r.spanId])).toEqual([
      [1, "agent-a", "1".repeat(16)],
      [2, "agent-b", "2".repeat(16)],
    ]);
  });

  it("joins a stack trace to the error record of its own pod only", async () => {
    const { records, skips } = await decode(
      [
        '[pod/pay-0/pay] {"event": "payment failed", "level": "error"}',
        '[pod/web-0/web] {"event": "page served", "level": "info"}',
        "[pod/pay-0/pay] Traceback (most recent call last):",
        "[pod/web-0/web] Traceback (most recent call last):",
        '[pod/pay-0/pay]   File "/app/pay.py", line 12, in charge',
        "[pod/pay-0/pay] ValueError: card declined",
      ].join("\n"),
    );
    // The error record is handed on once its stack trace has ended, whole.
    expect(records.map((r) => [r.service, r.message.split("\n").length])).toEqual([
      ["web", 1],
      ["pay", 4],
    ]);
    // The other pod's traceback line has no error record of its own to join: skipped, not a record.
    expect(skips).toEqual(["4: not JSON"]);
  });
});

describe("decodeSource on a live stream", () => {
  it("hands on a held error record once its chunk is read, while the stream stays open", async () => {
    const records: LogRecord[] = [];
    let more!: () => void;
    const waiting = new Promise<void>((resolve) => (more = resolve));
    async function* chunks() {
      yield Buffer.from('{"msg": "step", "level": "info"}\n{"msg": "crashed", "level": "error"}\n');
      // The writer goes quiet (a crashed service): the stream stays open until `more`.
      await waiting;
      yield Buffer.from("    at run (app.js:1:1)\n");
    }
    const sink = { record: (r: LogRecord) => records.push(r), skip: () => {} };
    const done = decodeSource(chunks(), "app.log", {}, sink, new DecodeMemo(), true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(records.map((r) => r.message)).toEqual(["step", "crashed"]);
    more();
    await done;
    // A stack trace that comes in a later chunk is no longer joined: the record was handed on.
    expect(records.map((r) => r.message)).toEqual(["step", "crashed"]);
  });

  it("still joins a stack trace that comes in the same chunk", async () => {
    const records: LogRecord[] = [];
    async function* chunks() {
      yield Buffer.from('{"msg": "crashed", "level": "error"}\n    at run (app.js:1:1)\n');
    }
    const sink = { record: (r: LogRecord) => records.push(r), skip: () => {} };
    await decodeSource(chunks(), "app.log", {}, sink, new DecodeMemo(), true);
    expect(records.map((r) => r.message)).toEqual(["crashed\n    at run (app.js:1:1)"]);
  });
});
