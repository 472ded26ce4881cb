// --follow's heuristic join over a sliding window, replayed with the stream's clock following the logs'
// own times: it must rebuild the operations the batch join rebuilds over the whole input.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Correlator } from "../../src/correlate/index.js";
import { LiveCorrelator, type LiveEvent } from "../../src/correlate/live.js";
import { ingest } from "../../src/ingest/index.js";
import type { LogRecord, Trace } from "../../src/model.js";
import { resolveInputs } from "../../src/sources/resolve.js";
import { pairwiseF1 } from "../helpers/score.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
const TICK_MS = 250;

async function records(set: string, mode: "auto" | "heuristic"): Promise<LogRecord[]> {
  const { sources } = resolveInputs([`${FIXTURES}/${set}`]);
  const out: LogRecord[] = [];
  const options = { joinKeys: true, explicitIds: mode !== "heuristic" };
  await ingest(sources, process.stdin, options, { record: (r) => out.push(r), problem: () => {} });
  return out;
}

const ms = (r: LogRecord): number => r.time?.ms ?? 0;

/** `source:line` → trace id, for every record of the traces. */
function grouping(traces: Trace[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of traces)
    for (const r of [...t.records, ...t.spans.flatMap((s) => s.records)])
      out.set(`${r.source}:${r.line}`, t.traceId);
  return out;
}

/** The records in time order through a LiveCorrelator whose clock is the records' time. */
function replay(input: LogRecord[], mode: "auto" | "heuristic"): LiveEvent[] {
  const sorted = [...input].sort((a, b) => ms(a) - ms(b));
  const live = new LiveCorrelator({ idleMs: 5000, maxWaitMs: 60_000, maxOpen: 10_000, join: mode });
  const events: LiveEvent[] = [];
  let tick = ms(sorted[0]!);
  for (const r of sorted) {
    for (; tick <= ms(r); tick += TICK_MS) events.push(...live.tick(tick));
    events.push(...live.add(r, ms(r)));
  }
  events.push(...live.flush(tick + 3_600_000));
  return events;
}

describe("--follow joins records without trace ids over a sliding window", () => {
  for (const [set, mode, least] of [
    ["heuristic", "heuristic", 0.99],
    ["broken-propagation", "auto", 0.99],
    // Conversations whose messages come with idle time between: the window sees fewer of them than
    // the whole input does, so a few messages of one conversation are taken as one operation.
    ["threaded-agents", "heuristic", 0.9],
  ] as const) {
    it(`${set}, --join ${mode}: the batch join's operations (pairwise F1 ≥ ${least})`, async () => {
      const input = await records(set, mode);
      const events = replay(input, mode);
      const traces = events.flatMap((e) => (e.kind === "trace" ? [e.trace] : []));
      const unmatched = events.flatMap((e) => (e.kind === "unmatched" ? e.records : []));
      const late = events.flatMap((e) => (e.kind === "continuation" ? e.records : []));
      // Every record comes out once: in a trace, as a late record, or unmatched.
      expect(grouping(traces).size + unmatched.length + late.length, "records handed out").toBe(
        input.length,
      );
      const batch = new Correlator({ join: mode });
      for (const r of input) batch.add(r);
      const { f1 } = pairwiseF1(grouping(traces), grouping(batch.finish().traces));
      expect(f1).toBeGreaterThanOrEqual(least);
      if (set === "broken-propagation")
        expect(traces.filter((t) => t.contextBreaks?.length).length).toBeGreaterThan(0);
    });
  }
});
