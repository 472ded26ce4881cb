// The JSON document as written: indented, one log record per line, and the same value as the traces.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Correlator } from "../../src/correlate/index.js";
import { ingest } from "../../src/ingest/index.js";
import { renderJson, traceJson } from "../../src/output/json.js";
import { resolveInputs } from "../../src/sources/resolve.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");

describe("renderJson", () => {
  it("writes the traces' values, each record on a line of its own", async () => {
    const { sources } = resolveInputs([`${FIXTURES}/errors`, `${FIXTURES}/two-agents`]);
    const c = new Correlator();
    await ingest(sources, process.stdin, {}, { record: (r) => c.add(r), problem: () => {} });
    const { traces, unmatched } = c.finish();
    const stats = { sources: 2, lines: 0, records: 0, skipped: 0, traces: traces.length };
    const text = [...renderJson(traces, unmatched, stats, [])].join("");
    const doc = JSON.parse(text) as { traces: unknown[] };
    expect(doc.traces).toEqual(traces.map((t) => JSON.parse(JSON.stringify(traceJson(t)))));
    const recordLines = text.split("\n").filter((l) => l.trimStart().startsWith('{"source":'));
    const records = traces.reduce(
      (n, t) => n + t.records.length + t.spans.reduce((m, s) => m + s.records.length, 0),
      unmatched.length,
    );
    expect(recordLines).toHaveLength(records);
    for (const l of recordLines) expect(() => JSON.parse(l.trim().replace(/,$/, ""))).not.toThrow();
  });
});
