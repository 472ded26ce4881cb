// Nesting for spans whose records name no parent (pino/winston/MDC logs carry trace and span ids only):
// each span's candidate parents are scored on what is known of them (time, the call graph learned from all
// traces, lines that announce a call) with weights fitted on the development systems (parent-weights.ts).
import { toEpochMs } from "../util/instant.js";
import { PARENT_WEIGHTS } from "./parent-weights.js";
import type { SpanDraft, SpanSet } from "./spans.js";

/** Statistics over every trace of the input, used to judge each candidate parent. */
export interface CallModel {
  /** caller service → callee service → how often the caller was the last other service active before the callee entered. */
  calls: Map<string, Map<string, number>>;
  /** service → first-line template → [times it opened the service's work in a trace, times seen]. */
  entries: Map<string, Map<string, [number, number]>>;
  /** service → line template → [times the next span to start was another service's, times seen]: lines that announce a call. */
  announces: Map<string, Map<string, [number, number]>>;
  /** service → share of its spans that opened the service's work in a trace (the base rate for `entries`). */
  entryRates: Map<string, number>;
  /** Message → template, computed once per message (one log statement, many records). */
  templates: Map<string, string>;
}

/** A message's template (`messageTemplate`), computed once per message. */
function template(model: CallModel, message: string): string {
  let t = model.templates.get(message);
  if (t === undefined) {
    t = messageTemplate(message);
    if (model.templates.size > 100_000) model.templates.clear();
    model.templates.set(message, t);
  }
  return t;
}

/** A message with its variable parts (numbers, ids, quoted values) masked: one log statement's lines compare equal. */
export function messageTemplate(message: string): string {
  return message
    .slice(0, 80)
    .replace(/"[^"]*"|'[^']*'/g, "?")
    .replace(/[0-9a-f]{8,}|[\d.:-]+/gi, "#");
}

/** When a span's work shows first and last: its log lines, else (an exported span) its start and end. */
function firstMs(s: SpanDraft): number {
  return toEpochMs(s.firstRecord ?? s.start);
}

function lastMs(s: SpanDraft): number {
  return toEpochMs(s.lastRecord ?? s.end);
}

/** The spans inference works with — those with log lines, and exported ones — by when they begin. */
function timeline(set: SpanSet): SpanDraft[] {
  return [...set.spans.values()]
    .filter((s) => s.firstRecord || s.timing === "measured")
    .sort((a, b) => firstMs(a) - firstMs(b));
}

function bump<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function count(
  map: Map<string, Map<string, [number, number]>>,
  service: string,
  key: string,
  hit: boolean,
): void {
  const c = bump(
    bump(map, service, () => new Map<string, [number, number]>()),
    key,
    () => [0, 0] as [number, number],
  );
  if (hit) c[0]++;
  c[1]++;
}

/** The record of `spans` (other than `except`'s service) logged last at or before t, with its span. */
function lastOtherActivity(
  spans: SpanDraft[],
  except: SpanDraft,
  t: number,
): SpanDraft | undefined {
  return mostRecent(
    spans.filter((p) => p.service !== except.service),
    t,
  );
}

/** The call model's statistics settle long before this many traces; more would only cost time. */
const LEARN_FROM = 4000;

/** Up to LEARN_FROM traces, evenly spread over the input, keeping only those with spans to nest. */
function sample(sets: SpanSet[]): SpanSet[] {
  const withLogSpans = sets.filter((set) => set.spans.size > 1);
  if (withLogSpans.length <= LEARN_FROM) return withLogSpans;
  const step = withLogSpans.length / LEARN_FROM;
  return Array.from({ length: LEARN_FROM }, (_, k) => withLogSpans[Math.floor(k * step)]!);
}

/** Learns the call model; `templates` carries the message templates over from an earlier model. */
export function learnCallModel(
  sets: SpanSet[],
  templates: Map<string, string> = new Map(),
): CallModel {
  const model: CallModel = {
    calls: new Map(),
    entries: new Map(),
    announces: new Map(),
    entryRates: new Map(),
    templates,
  };
  const timelines = sample(sets).map(timeline);
  // Pass 1: which first lines open a service's work (the first span of a service that is not the trace's first).
  for (const spans of timelines) {
    const seen = new Set<string>();
    for (const s of spans) {
      count(
        model.entries,
        s.service,
        template(model, s.name),
        seen.size > 0 && !seen.has(s.service),
      );
      seen.add(s.service);
    }
  }
  for (const [service, counts] of model.entries) {
    let first = 0;
    let seen = 0;
    for (const [f, n] of counts.values()) {
      first += f;
      seen += n;
    }
    model.entryRates.set(service, first / seen);
  }
  // Pass 2: who calls whom (the other service active last before an entry), and which lines announce a call.
  for (const spans of timelines) {
    const seen = new Set<string>();
    for (const [i, s] of spans.entries()) {
      const entering = seen.size > 0 && (!seen.has(s.service) || isEntryLike(model, s));
      seen.add(s.service);
      if (!entering) continue;
      const caller = lastOtherActivity(near(spans, i, 0, undefined), s, firstMs(s));
      if (!caller) continue;
      const row = bump(model.calls, caller.service, () => new Map<string, number>());
      row.set(s.service, (row.get(s.service) ?? 0) + 1);
    }
    const events = spans
      .flatMap((p) =>
        p.records.filter((r) => r.time && !r.span).map((r) => ({ p, r, at: toEpochMs(r.time!) })),
      )
      .sort((a, b) => a.at - b.at);
    const starts = spans.map((p) => ({ p, at: firstMs(p) }));
    let k = 0;
    for (const e of events) {
      while (k < starts.length && starts[k]!.at <= e.at) k++;
      const next = starts[k];
      if (next)
        count(
          model.announces,
          e.p.service,
          template(model, e.r.message),
          next.p.service !== e.p.service,
        );
    }
  }
  return model;
}

/** Whether a line of this template is usually followed by work starting in another service. */
function announcesCall(model: CallModel, service: string, message: string): boolean {
  const c = model.announces.get(service)?.get(template(model, message));
  return c !== undefined && c[1] >= 3 && c[0] / c[1] >= 0.6;
}

/** The span with the latest record at or before t, and that record's message. */
function latestLine(
  candidates: SpanDraft[],
  t: number,
): { span: SpanDraft; message: string } | undefined {
  let best: { span: SpanDraft; message: string } | undefined;
  let bestAt = Number.NEGATIVE_INFINITY;
  for (const p of candidates) {
    for (const r of p.records) {
      if (!r.time || r.span) continue;
      const at = toEpochMs(r.time);
      if (at > t) break;
      if (at > bestAt) {
        bestAt = at;
        best = { span: p, message: r.message };
      }
    }
  }
  return best;
}

/**
 * Whether a span's first line marks work entering its service (an incoming call): its template opens the
 * service's work in a trace clearly more often than the service's lines do on average.
 */
function isEntryLike(model: CallModel, s: SpanDraft): boolean {
  const c = model.entries.get(s.service)?.get(template(model, s.name));
  if (!c || c[0] < 2) return false;
  return c[0] / c[1] >= 1.5 * (model.entryRates.get(s.service) ?? 1);
}

/** The candidate that logged most recently before t. */
function mostRecent(candidates: SpanDraft[], t: number): SpanDraft | undefined {
  return latestLine(candidates, t)?.span;
}

function isOpenAt(p: SpanDraft, t: number): boolean {
  return firstMs(p) <= t && t <= lastMs(p);
}

/**
 * The trace's root among spans with no stated parent: a measured one if any, else the span whose records
 * cover the trace best (a root often logs its first line late but its last line at the very end).
 */
function chooseRoot(spans: SpanDraft[]): SpanDraft | undefined {
  const measured = spans.find((s) => s.timing === "measured" && !s.parentSpanId);
  if (measured) return measured;
  const start = spans[0] ? firstMs(spans[0]) : 0;
  let best: SpanDraft | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const s of spans) {
    if (s.parentSpanId) continue;
    const first = firstMs(s);
    const score = lastMs(s) - first - 2 * (first - start);
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Spans considered as a span's parent: the WINDOW spans that began logging just before it (and, for a
 * caller that logs late, just after it), plus the root. Keeps huge traces linear; parents are near.
 */
const WINDOW = 64;

function near(
  spans: SpanDraft[],
  i: number,
  ahead: number,
  root: SpanDraft | undefined,
): SpanDraft[] {
  const out = spans.slice(Math.max(0, i - WINDOW), Math.min(spans.length, i + 1 + ahead));
  if (root && !out.includes(root)) out.push(root);
  return out;
}

/** The span the trace's operation is named after: its root, as inference would choose it. */
export function rootOf(set: SpanSet): SpanDraft | undefined {
  return chooseRoot(timeline(set));
}

/** What is known of a candidate parent `p` of span `s`, as numbers (see `candidateFeatures`). */
export const PARENT_FEATURES = [
  "open when it begins",
  "contains it",
  "same service",
  "its service calls this one",
  "its last line before announces a call",
  "logged just before",
  "the root",
  "same service, and it begins like an incoming call",
  "begins after it",
  "finished before it began",
  "logged last before it, of all candidates",
  "begins like an incoming call",
  "the rules' choice",
  "the latest to begin of those containing it",
  "the latest to begin of those open when it begins",
  "a single line: its end unknown",
  "the latest of its own service to begin before it",
  "it is internal work, this the latest incoming call of its service before it",
] as const;

/** The latest line of `p` at or before t (time and message), if any: its records are in time order. */
function lineBefore(p: SpanDraft, t: number): { at: number; message: string } | undefined {
  const records = p.records;
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const time = records[mid]!.time;
    if (time && toEpochMs(time) <= t) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo - 1; k >= 0; k--) {
    const r = records[k]!;
    if (r.time && !r.span) return { at: toEpochMs(r.time), message: r.message };
  }
  return undefined;
}

/** Each service seen calling `callee`, with its share of the calls into it. */
function callerShares(model: CallModel, callee: string): Map<string, number> {
  const counts = new Map<string, number>();
  let total = 0;
  for (const [caller, row] of model.calls) {
    const n = row.get(callee);
    if (!n) continue;
    counts.set(caller, n);
    total += n;
  }
  for (const [caller, n] of counts) counts.set(caller, n / total);
  return counts;
}

/** Writes candidate k's features into `out`, in PARENT_FEATURES order. */
export type CandidateFeatures = (k: number, out: Float64Array) => void;

/**
 * The features of the candidate parents of `s`, written row by row into a buffer of the caller's (a
 * trace of many spans has millions of candidate rows: none is kept).
 */
export function candidateFeatures(
  model: CallModel,
  s: SpanDraft,
  candidates: SpanDraft[],
  root: SpanDraft | undefined,
  ruled: SpanDraft | undefined,
  callers: Map<string, number>,
): CandidateFeatures {
  const t = firstMs(s);
  const end = lastMs(s);
  const entry = isEntryLike(model, s);
  // What each candidate's features read, worked out once.
  const n = candidates.length;
  const first = new Float64Array(n);
  const last = new Float64Array(n);
  const entryLike = new Uint8Array(n);
  const lines = candidates.map((p, k) => {
    first[k] = firstMs(p);
    last[k] = lastMs(p);
    entryLike[k] = isEntryLike(model, p) ? 1 : 0;
    return lineBefore(p, t);
  });
  let latest = Number.NEGATIVE_INFINITY;
  for (const l of lines) if (l && l.at > latest) latest = l.at;
  /** The candidate passing `test` that began last (-1 for none). */
  const innermost = (test: (k: number) => boolean): number => {
    let best = -1;
    for (let k = 0; k < n; k++) if (test(k) && (best < 0 || first[k]! > first[best]!)) best = k;
    return best;
  };
  const same = (k: number): boolean => candidates[k]!.service === s.service;
  const open = (k: number): boolean => first[k]! <= t && t <= last[k]!;
  const contains = (k: number): boolean => first[k]! <= t && last[k]! >= end;
  const container = innermost(contains);
  const openest = innermost(open);
  const sameBefore = innermost((k) => same(k) && first[k]! <= t);
  const receiver = entry ? -1 : innermost((k) => same(k) && first[k]! <= t && entryLike[k] === 1);
  return (k, out) => {
    const p = candidates[k]!;
    const line = lines[k];
    const single = p.timing === "inferred" && first[k] === last[k];
    out[0] = open(k) ? 1 : 0;
    out[1] = contains(k) ? 1 : 0;
    out[2] = same(k) ? 1 : 0;
    out[3] = callers.get(p.service) ?? 0;
    out[4] = line && announcesCall(model, p.service, line.message) ? 1 : 0;
    out[5] = line ? -Math.log2(1 + Math.max(0, t - line.at)) : -20;
    out[6] = p === root ? 1 : 0;
    out[7] = same(k) && entry ? 1 : 0;
    out[8] = first[k]! > t ? 1 : 0;
    // A single line says when a span began, not when it ended.
    out[9] = last[k]! < t && !single ? 1 : 0;
    out[10] = line && line.at === latest ? 1 : 0;
    out[11] = entryLike[k]!;
    out[12] = p === ruled ? 1 : 0;
    out[13] = k === container ? 1 : 0;
    out[14] = k === openest ? 1 : 0;
    out[15] = single ? 1 : 0;
    out[16] = k === sameBefore ? 1 : 0;
    out[17] = k === receiver ? 1 : 0;
  };
}

/** The callers among `shares` (callerShares) that make at least a fifth of the strongest one's calls. */
function likelyCallers(shares: Map<string, number>): Set<string> {
  const max = Math.max(0, ...shares.values());
  return new Set([...shares].filter(([, share]) => share >= 0.2 * max).map(([c]) => c));
}

/** A caller that logged its first line only after the callee: the one whose activity overlaps the callee most. */
function bestOverlap(candidates: SpanDraft[], s: SpanDraft): SpanDraft | undefined {
  let best: SpanDraft | undefined;
  let bestOverlapMs = Number.NEGATIVE_INFINITY;
  for (const p of candidates) {
    const overlap = Math.min(lastMs(p), lastMs(s)) - Math.max(firstMs(p), firstMs(s));
    if (
      overlap > bestOverlapMs ||
      (overlap === bestOverlapMs && best && firstMs(p) < firstMs(best))
    ) {
      best = p;
      bestOverlapMs = overlap;
    }
  }
  return best;
}

/**
 * The parent the rules choose (one feature of the model): for work entering a service, the caller
 * service's span that announced the call, else the one open, else the latest to log; for work inside a
 * service, the innermost span of that service still open.
 */
function ruleParent(
  model: CallModel,
  s: SpanDraft,
  around: SpanDraft[],
  root: SpanDraft | undefined,
  firstOfService: boolean,
  shares: Map<string, number>,
): SpanDraft | undefined {
  const t = firstMs(s);
  const same = around.filter((p) => firstMs(p) <= t && p.service === s.service);
  // Work of the root's service before the root's own first line: the root is the one waiting for it.
  if (same.length === 0 && !firstOfService && root?.service === s.service) return root;
  if (firstOfService || same.length === 0 || isEntryLike(model, s)) {
    const callers = likelyCallers(shares);
    const others = around.filter((p) => p.service !== s.service);
    const pool = others.filter((p) => callers.has(p.service));
    const candidates = pool.length > 0 ? pool : others;
    const announcer = latestLine(candidates, t);
    const open = candidates.filter((p) => isOpenAt(p, t));
    return (
      (announcer && announcesCall(model, announcer.span.service, announcer.message)
        ? announcer.span
        : undefined) ??
      mostRecent(open, t) ??
      mostRecent(candidates, t) ??
      bestOverlap(candidates, s) ??
      root
    );
  }
  const open = same.filter((p) => isOpenAt(p, t));
  const entries = same.filter((p) => isEntryLike(model, p));
  return mostRecent(open, t) ?? mostRecent(entries, t) ?? mostRecent(same, t) ?? root;
}

/** Each span of the set to nest (not the root, no stated parent) with its candidate parents. */
export function* parentChoices(
  set: SpanSet,
  model: CallModel,
): Generator<{ span: SpanDraft; candidates: SpanDraft[]; features: CandidateFeatures }> {
  const spans = timeline(set);
  const root = chooseRoot(spans);
  const entered = new Set<string>(root ? [root.service] : []);
  // One span at a time: a trace of many spans never holds every span's candidates at once.
  for (const [i, s] of spans.entries()) {
    const firstOfService = !entered.has(s.service);
    entered.add(s.service);
    if (s.parentSpanId || s === root) continue;
    const candidates = near(spans, i, WINDOW, root).filter((p) => p !== s);
    const shares = callerShares(model, s.service);
    const ruled = ruleParent(model, s, candidates, root, firstOfService, shares);
    const features = candidateFeatures(model, s, candidates, root, ruled, shares);
    yield { span: s, candidates, features };
  }
}

/**
 * Sets `parentSpanId` (marked inferred) on every span of the set that has none, except the root: the
 * candidate whose features score highest under the fitted weights (parent-weights.ts).
 */
export function inferParents(
  set: SpanSet,
  model: CallModel,
  weights: readonly number[] = PARENT_WEIGHTS,
): void {
  const row = new Float64Array(PARENT_FEATURES.length);
  for (const { span, candidates, features } of parentChoices(set, model)) {
    if (candidates.length === 0) continue;
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    const scores = new Float64Array(candidates.length);
    for (let k = 0; k < candidates.length; k++) {
      features(k, row);
      let score = 0;
      for (let i = 0; i < row.length; i++) score += weights[i]! * row[i]!;
      scores[k] = score;
      if (score > bestScore) {
        best = k;
        bestScore = score;
      }
    }
    // The model's probability of its choice among the candidates (a softmax over their scores).
    let sum = 0;
    for (const score of scores) sum += Math.exp(score - bestScore);
    span.parentSpanId = candidates[best]!.spanId;
    span.parentInferred = true;
    span.parentConfidence = 1 / sum;
  }
}
