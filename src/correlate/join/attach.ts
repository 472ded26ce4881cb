// `--attach-by-time`: a record with no id at all joins the operation its own process/thread was working on
// at that moment: the one its lane's records just before and just after it belong to.
import type { LogRecord } from "../../model.js";
import type { Placement } from "../placement.js";
import type { SpanBuilder } from "../spans.js";
import { timeMs } from "./key-table.js";

function laneKey(r: LogRecord): string {
  return `${r.source}\u0000${r.service ?? ""}\u0000${r.lane ?? ""}`;
}

/** A record of a lane, with the trace and span it was put in. */
interface LaneEntry {
  record: LogRecord;
  traceId: string;
  spanId: string | undefined;
}

/** Placements for the records whose lane was working on one operation at their time. */
export function attachByTime(
  groups: Map<string, SpanBuilder>,
  unmatched: readonly LogRecord[],
): Placement[] {
  const wanted = new Set<string>();
  for (const r of unmatched) if (r.time) wanted.add(laneKey(r));
  if (wanted.size === 0) return [];
  const lanes = new Map<string, LaneEntry[]>();
  for (const [traceId, builder] of groups) {
    const add = (record: LogRecord, spanId: string | undefined): void => {
      if (!record.time || record.span) return;
      const key = laneKey(record);
      if (!wanted.has(key)) return;
      const entry = { record, traceId, spanId };
      const list = lanes.get(key);
      if (list) list.push(entry);
      else lanes.set(key, [entry]);
    };
    for (const s of builder.spans.values()) for (const r of s.records) add(r, s.spanId);
    for (const r of builder.loose) add(r, r.spanId);
  }
  // An event loop interleaves many operations: there, time says nothing about whose a line is.
  for (const [key, list] of lanes) {
    list.sort((a, b) => byTimeThenLine(a.record, b.record));
    if (!isSequential(list)) lanes.delete(key);
  }
  const placed: Placement[] = [];
  for (const record of unmatched) {
    const lane = record.time ? lanes.get(laneKey(record)) : undefined;
    const owner = lane && ownerAt(lane, record);
    if (owner) placed.push({ record, traceId: owner.traceId, spanId: owner.spanId, via: "time" });
  }
  return placed;
}

function byTimeThenLine(a: LogRecord, b: LogRecord): number {
  return timeMs(a) - timeMs(b) || a.line - b.line;
}

/** Share of a lane's operations that may interleave with the next before the lane counts as an event loop. */
const MAX_INTERLEAVED = 0.05;

/**
 * Whether the lane did one operation at a time (a thread), rather than many at once (an event loop).
 * A thread of a pool may come back to an operation after finishing another (one range inside the
 * other); an event loop runs them crosswise: one starts, the next starts, the first ends, then the next.
 */
function isSequential(lane: LaneEntry[]): boolean {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  lane.forEach((e, i) => {
    if (!first.has(e.traceId)) first.set(e.traceId, i);
    last.set(e.traceId, i);
  });
  const ops = [...first.keys()].sort((a, b) => first.get(a)! - first.get(b)!);
  let crosswise = 0;
  for (let k = 1; k < ops.length; k++) {
    const prevEnd = last.get(ops[k - 1]!)!;
    if (first.get(ops[k]!)! < prevEnd && last.get(ops[k]!)! > prevEnd) crosswise++;
  }
  return crosswise <= ops.length * MAX_INTERLEAVED;
}

/** In a lane that works one operation at a time, the operation around `r`: its neighbours agree on it. */
function ownerAt(lane: LaneEntry[], r: LogRecord): LaneEntry | undefined {
  let lo = 0;
  let hi = lane.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byTimeThenLine(lane[mid]!.record, r) <= 0) lo = mid + 1;
    else hi = mid;
  }
  const before = lane[lo - 1];
  const after = lane[lo];
  return before && after && before.traceId === after.traceId ? before : undefined;
}
