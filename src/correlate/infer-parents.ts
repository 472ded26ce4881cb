// Nesting for spans whose records name no parent (pino/winston/MDC logs carry trace and span ids only).
// Learned from all traces at once: which service calls which, and which first lines mark an incoming call.
import { diffMs, toEpochMs } from "../util/instant.js";
import type { SpanDraft, SpanSet } from "./spans.js";

/** Statistics over every trace of the input, used to judge each candidate parent. */
export interface CallModel {
  /** caller service → callee service → how often the caller was the last other service active before the callee entered. */
  calls: Map<string, Map<string, number>>;
  /** service → first-line template → [times it opened the service's work in a trace, times seen]. */
  entries: Map<string, Map<string, [number, number]>>;
}

/** A message with its variable parts (numbers, ids, quoted values) masked, so lines of one log statement compare equal. */
export function template(message: string): string {
  return message
    .slice(0, 80)
    .replace(/"[^"]*"|'[^']*'/g, "?")
    .replace(/[0-9a-f]{8,}|[\d.:-]+/gi, "#");
}

function timeline(set: SpanSet): SpanDraft[] {
  return [...set.spans.values()]
    .filter((s) => s.firstRecord)
    .sort((a, b) => diffMs(a.firstRecord!, b.firstRecord!));
}

function bump<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

export function learnCallModel(sets: SpanSet[]): CallModel {
  const calls: CallModel["calls"] = new Map();
  const entries: CallModel["entries"] = new Map();
  for (const set of sets) {
    const spans = timeline(set);
    const seen = new Set<string>();
    let lastOther = new Map<string, string>(); // service → last different service active before it
    let prevService: string | undefined;
    for (const s of spans) {
      const counts = bump(entries, s.service, () => new Map<string, [number, number]>());
      const c = bump(counts, template(s.name), () => [0, 0] as [number, number]);
      c[1]++;
      if (!seen.has(s.service)) {
        seen.add(s.service);
        if (prevService !== undefined) {
          c[0]++;
          const caller = prevService === s.service ? lastOther.get(s.service) : prevService;
          if (caller) {
            const row = bump(calls, caller, () => new Map<string, number>());
            row.set(s.service, (row.get(s.service) ?? 0) + 1);
          }
        }
      }
      if (prevService !== undefined && prevService !== s.service) {
        lastOther = new Map(lastOther).set(s.service, prevService);
      }
      prevService = s.service;
    }
  }
  return { calls, entries };
}

function callWeight(model: CallModel, caller: string, callee: string): number {
  const row = model.calls.get(caller);
  if (!row) return 0;
  let total = 0;
  for (const n of model.calls.values()) total += n.get(callee) ?? 0;
  return total === 0 ? 0 : (row.get(callee) ?? 0) / total;
}

/** How strongly a span's first line marks work entering its service (an incoming call). */
function entryScore(model: CallModel, s: SpanDraft): number {
  const c = model.entries.get(s.service)?.get(template(s.name));
  return c && c[1] >= 2 ? c[0] / c[1] : 0;
}

function isOpenAt(p: SpanDraft, t: number): boolean {
  return toEpochMs(p.firstRecord!) <= t && t <= toEpochMs(p.lastRecord!);
}

/** Picks the innermost open span, else the most recently active one, among candidates active at or before t. */
function nearestActive(candidates: SpanDraft[], t: number): SpanDraft | undefined {
  let best: SpanDraft | undefined;
  let bestKey = Number.NEGATIVE_INFINITY;
  for (const p of candidates) {
    const first = toEpochMs(p.firstRecord!);
    if (first > t) continue;
    // Open spans rank above closed ones; among open the latest started, among closed the latest active.
    const key = isOpenAt(p, t) ? 1e15 + first : toEpochMs(p.lastRecord!);
    if (key > bestKey) {
      best = p;
      bestKey = key;
    }
  }
  return best;
}

/** Sets `parentSpanId` (marked inferred) on every span of the set that has none, except the first. */
export function inferParents(set: SpanSet, model: CallModel): void {
  const spans = timeline(set);
  const firstOfService = new Map<string, SpanDraft>();
  for (const s of spans) if (!firstOfService.has(s.service)) firstOfService.set(s.service, s);
  const root = spans.find((s) => !s.parentSpanId);
  for (const s of spans) {
    if (s.parentSpanId || s === root) continue;
    const t = toEpochMs(s.firstRecord!);
    const before = spans.filter((p) => p !== s && diffMs(p.firstRecord!, s.firstRecord!) <= 0);
    const entering = firstOfService.get(s.service) === s || entryScore(model, s) >= 0.5;
    let parent: SpanDraft | undefined;
    if (entering) {
      const others = spans.filter((p) => p.service !== s.service && p !== s);
      const callers = others.filter((p) => callWeight(model, p.service, s.service) > 0);
      parent =
        nearestActive(callers, t) ??
        nearestActive(others, t) ??
        bestOverlap(callers.length ? callers : others, s);
    } else {
      const same = before.filter((p) => p.service === s.service);
      parent = nearestActive(same, t) ?? nearestActive(before, t);
    }
    parent ??= root;
    if (parent && parent !== s) {
      s.parentSpanId = parent.spanId;
      s.parentInferred = true;
    }
  }
}

/** A caller that logged its first line only after the callee: the one whose activity overlaps the callee most. */
function bestOverlap(candidates: SpanDraft[], s: SpanDraft): SpanDraft | undefined {
  let best: SpanDraft | undefined;
  let bestOverlapMs = Number.NEGATIVE_INFINITY;
  for (const p of candidates) {
    const overlap =
      Math.min(toEpochMs(p.lastRecord!), toEpochMs(s.lastRecord!)) -
      Math.max(toEpochMs(p.firstRecord!), toEpochMs(s.firstRecord!));
    if (
      overlap > bestOverlapMs ||
      (overlap === bestOverlapMs && best && diffMs(p.firstRecord!, best.firstRecord!) < 0)
    ) {
      best = p;
      bestOverlapMs = overlap;
    }
  }
  return best;
}
