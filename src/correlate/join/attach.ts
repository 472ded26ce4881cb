// `--attach-by-time`: a record with no id at all joins the operation its own process/thread was working on
// at that moment: the one its lane's records just before and just after it belong to.
import type { LogRecord } from "../../model.js";
import { timeMs } from "./clusters.js";

function laneKey(r: LogRecord): string {
  return `${r.source}\u0000${r.service ?? ""}\u0000${r.lane ?? ""}`;
}

/** Places what it can (setting `traceId`, `spanId`, `idSource: "time"`); returns the records still unmatched. */
export function attachByTime(
  groups: Map<string, LogRecord[]>,
  unmatched: LogRecord[],
): LogRecord[] {
  const wanted = new Set<string>();
  for (const r of unmatched) if (r.time) wanted.add(laneKey(r));
  if (wanted.size === 0) return unmatched;
  const lanes = new Map<string, LogRecord[]>();
  for (const records of groups.values()) {
    for (const r of records) {
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
  for (const r of placed) groups.get(r.traceId!)!.push(r);
  return still;
}

function byTimeThenLine(a: LogRecord, b: LogRecord): number {
  return timeMs(a) - timeMs(b) || a.line - b.line;
}

/** Share of a lane's records that may resume an operation after another one's records. */
const MAX_RESUMES = 0.05;

/** Whether the lane did one operation at a time (a thread), rather than many at once (an event loop). */
function isSequential(lane: LogRecord[]): boolean {
  const seen = new Set<string>();
  let resumes = 0;
  for (let i = 0; i < lane.length; i++) {
    const id = lane[i]!.traceId!;
    if (i > 0 && lane[i - 1]!.traceId !== id && seen.has(id)) resumes++;
    seen.add(id);
  }
  return resumes <= lane.length * MAX_RESUMES;
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
