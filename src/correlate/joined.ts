// Applying what the heuristic join found to the open traces: folds of traces that continue another,
// the callers their roots hang under, and how each trace was put together. Shared by batch and --follow.
import type { AssembledTrace } from "./assemble.js";
import type { TraceCore } from "./core.js";
import type { JoinOutcome, TraceJoin } from "./join/index.js";
import type { SpanBuilder, SpanSet } from "./spans.js";

export function servicesOfTraces(core: TraceCore): (traceId: string) => Set<string> {
  const cache = new Map<string, Set<string>>();
  return (traceId) => {
    let set = cache.get(traceId);
    if (!set) {
      set = core.builderIfOpen(traceId)?.services() ?? new Set<string>();
      cache.set(traceId, set);
    }
    return set;
  };
}

export function buildersOf(core: TraceCore): Map<string, SpanBuilder> {
  return new Map([...core.open()].map(([id, t]) => [id, t.builder]));
}

/**
 * Folds the traces the join merged into their upstream one. Returns, per receiving trace, the spans of
 * the folded traces and the caller each root of them is to hang under.
 */
export function foldTraces(join: JoinOutcome, core: TraceCore): Map<string, Map<string, string>> {
  // A trace folded into one that was itself folded (two components, one shared trace) ends in the last.
  const finalOf = (id: string): string => {
    let cur = id;
    for (let hops = 0; hops < 64; hops++) {
      const next = join.merges.get(cur)?.into;
      if (next === undefined) break;
      cur = next;
    }
    return cur;
  };
  const callers = new Map<string, Map<string, string>>();
  for (const [from, { callerSpanId }] of join.merges) {
    const into = finalOf(from);
    const folded = core.builderIfOpen(from);
    if (!folded || !core.builderIfOpen(into) || into === from) continue;
    const spans = callers.get(into) ?? new Map<string, string>();
    callers.set(into, spans);
    if (callerSpanId) for (const spanId of folded.spans.keys()) spans.set(spanId, callerSpanId);
    core.merge(from, into);
  }
  for (const [id, entry] of join.traces) {
    const into = finalOf(id);
    if (into === id) continue;
    const target = join.traces.get(into);
    if (target) {
      target.joinKeys = [...new Set([...target.joinKeys, ...entry.joinKeys])];
      target.breaks.push(...entry.breaks);
    } else join.traces.set(into, entry);
    join.traces.delete(id);
  }
  return callers;
}

/** A folded trace's root spans hang under the upstream span that shares their key (an inferred edge). */
export function hangUnderCallers(set: SpanSet, callers: Map<string, string> | undefined): void {
  if (!callers) return;
  for (const [spanId, caller] of callers) {
    const span = set.spans.get(spanId);
    if (!span || span.parentSpanId || !set.spans.has(caller)) continue;
    span.parentSpanId = caller;
    span.parentInferred = true;
  }
}

/** How a trace was put together: `heuristic`, `mixed`, or (untouched) `ids`. */
export function describeJoin(
  trace: AssembledTrace,
  entry: TraceJoin | undefined,
  attached: boolean,
): void {
  const byTime =
    attached &&
    [...trace.records, ...trace.spans.flatMap((s) => s.records)].some((r) => r.idSource === "time");
  if (!entry) {
    if (byTime) trace.correlation = "mixed";
    return;
  }
  trace.correlation = entry.explicit ? "mixed" : "heuristic";
  trace.joinKeys = entry.joinKeys;
  trace.join = { joined: entry.joined, rejected: entry.rejected };
  if (entry.breaks.length > 0) trace.contextBreaks = entry.breaks;
}
