// Python logging libraries with the OpenTelemetry logging instrumentation (python-json-logger, structlog),
// beside the service's ConsoleSpanExporter output: each line lands in the span it was written in.
import { describe, expect, it } from "vitest";
import { parseDocument } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";
import { readJsonLines } from "../helpers/score.js";

interface TruthLine {
  file: string;
  line: number;
  traceId: string | null;
  spanId: string | null;
}
interface Doc {
  traces: {
    traceId: string;
    spans: { spanId: string; records: { source: string; line: number }[] }[];
  }[];
  unmatched: { source: string; line: number }[];
}

describe("python logging fixtures", () => {
  it("places every line in the trace and span it was logged in; lines outside spans stay unmatched", async () => {
    const r = await agtrace(["correlate", "fixtures/python-logging", "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = parseDocument(r.stdout) as Doc;
    const where = new Map<string, { traceId: string; spanId: string }>();
    for (const t of doc.traces) {
      for (const s of t.spans) {
        for (const x of s.records)
          where.set(`${x.source}:${x.line}`, { traceId: t.traceId, spanId: s.spanId });
      }
    }
    const unmatched = new Set(doc.unmatched.map((x) => `${x.source}:${x.line}`));
    const truth = readJsonLines<TruthLine>("fixtures/truth/python-logging.jsonl");
    expect(truth.length).toBeGreaterThan(30);
    for (const t of truth) {
      const key = `fixtures/python-logging/${t.file}:${t.line}`;
      if (t.traceId) expect(where.get(key), key).toEqual({ traceId: t.traceId, spanId: t.spanId });
      else expect(unmatched.has(key), key).toBe(true);
    }
  });
});
