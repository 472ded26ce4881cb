// Small hand-built records for the correlate unit tests: a record is a draft filled in by the test,
// handed on as a `LogRecord`; times are milliseconds after a fixed epoch.
import type { SpanBuilder } from "../../src/correlate/spans.js";
import type { Instant, LogRecord, RecordDraft, SpanFacts } from "../../src/model.js";

export const EPOCH = 1_795_000_000_000;

/** The instant `ms` milliseconds after EPOCH. */
export function at(ms: number): Instant {
  return { ms: EPOCH + ms, ns: 0, digits: 3 };
}

/** What a test says of a record: any of its fields, with the time as `at` (ms after EPOCH) or `time`. */
export type Spec = Partial<RecordDraft> & { at?: number };

let lines = 0;

/** A record; each gets the next line of its source unless the spec names one. */
export function rec(spec: Spec = {}): LogRecord {
  const { at: ms, ...fields } = spec;
  const r: RecordDraft = {
    source: "s.jsonl",
    line: ++lines,
    level: "info",
    message: "m",
    ...fields,
  };
  if (ms !== undefined) r.time = at(ms);
  return r;
}

/** What a span export says of its span, timed in ms after EPOCH. */
export function facts(
  spec: Omit<Partial<SpanFacts>, "start" | "end"> & { start: number; end: number },
): SpanFacts {
  const { start, end, ...rest } = spec;
  return { name: "op", status: "unset", ...rest, start: at(start), end: at(end) };
}

/** Keys as a record holds them, from `field=value` pairs. */
export function keys(...pairs: string[]): string[] {
  return pairs.flatMap((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]);
}

/** A hex id of `width` digits made from n (distinct n, distinct ids). */
export function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** A builder's records as far as it keeps them: its spans' lines, then the loose ones. */
export function builderRecords(b: SpanBuilder): LogRecord[] {
  return [...[...b.spans.values()].flatMap((s) => s.records), ...b.loose];
}
