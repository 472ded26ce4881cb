// Which traces to show and in what order (--trace, --service, --errors, --min-duration, --since/--until, --sort, --limit).
import type { AssembledTrace } from "../correlate/index.js";
import { diffMs, toEpochMs } from "../util/instant.js";

export interface Selection {
  trace?: string[];
  service?: string[];
  errors: boolean;
  minDuration?: number;
  since?: number;
  until?: number;
  sort: "start" | "duration" | "errors";
  limit?: number;
}

/** Whether a trace passes the filters (everything but order and limit). */
export function matches(t: AssembledTrace, sel: Selection, prefixes = prefixesOf(sel)): boolean {
  if (prefixes && !prefixes.some((p) => t.traceId.startsWith(p))) return false;
  if (sel.service && !t.services.some((s) => sel.service!.includes(s))) return false;
  if (sel.errors && t.status !== "error") return false;
  const duration = diffMs(t.end, t.start);
  if (sel.minDuration !== undefined && duration < sel.minDuration) return false;
  if (sel.since !== undefined && toEpochMs(t.end) < sel.since) return false;
  if (sel.until !== undefined && toEpochMs(t.start) > sel.until) return false;
  return true;
}

function prefixesOf(sel: Selection): string[] | undefined {
  return sel.trace?.map((p) => p.toLowerCase().replaceAll("-", ""));
}

export function selectTraces(traces: AssembledTrace[], sel: Selection): AssembledTrace[] {
  const prefixes = prefixesOf(sel);
  const shown = traces.filter((t) => matches(t, sel, prefixes));
  const byStart = (a: AssembledTrace, b: AssembledTrace): number =>
    diffMs(a.start, b.start) || (a.traceId < b.traceId ? -1 : 1);
  if (sel.sort === "duration")
    shown.sort((a, b) => diffMs(b.end, b.start) - diffMs(a.end, a.start) || byStart(a, b));
  else if (sel.sort === "errors")
    shown.sort((a, b) => b.errorCount - a.errorCount || byStart(a, b));
  else shown.sort(byStart);
  return sel.limit !== undefined ? shown.slice(0, sel.limit) : shown;
}
