// `--attach-by-time`: a record with no id at all joins the operation its own process/thread was working on
// at that moment: the one its lane's records just before and just after it belong to.
import type { LogRecord } from "../../model.js";
import type { SpanBuilder } from "../spans.js";
import { timeMs } from "./key-table.js";

function laneKey(r: LogRecord): string {
  return `${r.source}\u0000${r.service ?? ""}\u0000${r.lane ?? ""}`;
}

/** Places what it can (setting `traceId`, `spanId`, `idSource: "time"`); returns the records still unmatched. */
export function attachByTime(
  groups: Map<string, SpanBuilder>,
  unmatched: LogRecord[],
): LogRecord[] {
  const wanted = new Set<string>();
  for (const r of unmatched) if (r.time) wanted.add(laneKey(r));
  if (wanted.size === 0) return unmatched;
  const lanes = new Map<string, LogRecord[]>();
  for (const builder of groups.values()) {
    for (const r of builder.records()) {
      if (!r.time || r.span) continue;
      const key = laneKey(r);
      if (!wanted.has(key)) continue;
      const list = lanes.get(key);
      if (list) list.push(r);
      else lanes.set(key, [r]);
    }
  }
  // An event loop interleaves many operations: there, time says nothing about whose a line is.
  for (const [key, list] of lanes) {
    list.sort(byTimeThenLine);
    if (!isSequential(list)) lanes.delete(key);
  }
  const still: LogRecord[] = [];
  const placed: LogRecord[] = [];
  for (const r of unmatched) {
    const lane = r.time ? lanes.get(laneKey(r)) : undefined;
    const owner = lane && ownerAt(lane, r);
    if (!owner) {
      still.push(r);
      continue;
    }
    r.traceId = owner.traceId!;
    if (owner.spanId) r.spanId = owner.spanId;
    r.idSource = "time";
    placed.push(r);
  }
  for (const r of placed) groups.get(r.traceId!)!.add(r);
  return still;
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
function isSequential(lane: LogRecord[]): boolean {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  lane.forEach((r, i) => {
    if (!first.has(r.traceId!)) first.set(r.traceId!, i);
    last.set(r.traceId!, i);
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
function ownerAt(lane: LogRecord[], r: LogRecord): LogRecord | undefined {
  let lo = 0;
  let hi = lane.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byTimeThenLine(lane[mid]!, r) <= 0) lo = mid + 1;
    else hi = mid;
  }
  const before = lane[lo - 1];
  const after = lane[lo];
  return before && after && before.traceId === after.traceId ? before : undefined;
}
