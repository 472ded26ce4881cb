// The heuristic join: records that share a learned key value within the time window become one operation
// (union-find over records); operations that also hold explicit traces join or repair those traces.
import type { ContextBreak, LogRecord } from "../../model.js";
import type { Placement } from "../placement.js";
import {
  buildClusters,
  type Clusters,
  clustersByRecord,
  type RecordFacts,
  Reason,
  recordFacts,
} from "./clusters.js";
import { findAliases } from "./aliases.js";
import { familyOf, KeyTable } from "./key-table.js";
import { type FieldRejection, formatMs, learnKeys, spreadOf, type Typical } from "./learn.js";
import { syntheticId } from "./synthetic-id.js";

export interface JoinSettings {
  /** Pause that ends an operation, ms; chosen from the data when absent. */
  windowMs?: number;
  /** Only these fields join (`--join-keys`), taken as given. */
  keys?: string[];
  /** Fields never used (`--ignore-keys`). */
  ignore?: string[];
  /** List, per trace, the key values that joined it and those turned down (default true). */
  explain?: boolean;
}

export interface JoinedKey {
  key: string;
  value: string;
  services: string[];
  records: number;
  maxGapMs: number;
}

export interface RejectedKey {
  key: string;
  value: string;
  reason: string;
}

/** What the join did for one trace. */
export interface TraceJoin {
  joinKeys: string[];
  joined: JoinedKey[];
  rejected: RejectedKey[];
  breaks: ContextBreak[];
  /** Whether the trace also holds records placed by explicit ids. */
  explicit: boolean;
}

export interface Merge {
  into: string;
  /** The upstream span that shares the linking key: the caller the downstream root would have had. */
  callerSpanId?: string;
}

export interface JoinOutcome {
  /** Records no id placed that the join placed, in input order. */
  placed: Placement[];
  /** Explicit traces folded into another one (broken propagation), by the folded trace's id. */
  merges: Map<string, Merge>;
  traces: Map<string, TraceJoin>;
  windowMs: number;
  droppedFields: FieldRejection[];
}

const EXPLAIN_LIMIT = 12;

/** A field joins when it or its family is wanted, and neither it nor its family is ignored. */
export function allowedFields(settings: JoinSettings): (family: string, field: string) => boolean {
  const only = settings.keys && new Set(settings.keys.flatMap((k) => [k, familyOf(k)]));
  const never = new Set((settings.ignore ?? []).flatMap((k) => [k, familyOf(k)]));
  return (family, field) =>
    !never.has(family) && !never.has(field) && (!only || only.has(family) || only.has(field));
}

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]!]!;
    x = parent[x]!;
  }
  return x;
}

/** The part a record of a split value belongs to: the one it carries, else the one open (or nearest) at `t`. */
function partOf(
  cl: Clusters,
  byRecord: { from: Int32Array; list: Int32Array },
  parts: number[],
  r: number,
  t: number,
): number {
  for (let i = byRecord.from[r]!; i < byRecord.from[r + 1]!; i++) {
    if (parts.includes(byRecord.list[i]!)) return byRecord.list[i]!;
  }
  if (Number.isNaN(t)) return -1;
  let best = -1;
  let bestDistance = Infinity;
  for (const p of parts) {
    const distance = t < cl.first[p]! ? cl.first[p]! - t : t > cl.last[p]! ? t - cl.last[p]! : 0;
    // Open at `t` (distance 0): the latest to have begun is the one the record continues.
    if (distance < bestDistance || (distance === 0 && cl.first[p]! > cl.first[best]!)) {
      best = p;
      bestDistance = distance;
    }
  }
  return best;
}

/** Records grouped by union-find over the accepted clusters: `members[from[c]]` … per component c. */
function components(
  cl: Clusters,
  records: number,
  byRecord: { from: Int32Array; list: Int32Array },
  splits: Map<number, number[]>,
  times: Float64Array,
) {
  const parent = new Int32Array(records);
  for (let i = 0; i < records; i++) parent[i] = i;
  const union = (a: number, b: number): void => {
    const ra = find(parent, a);
    const rb = find(parent, b);
    if (ra !== rb) parent[rb] = ra;
  };
  for (let c = 0; c < cl.size; c++) {
    if (cl.rejected[c]) continue;
    for (let i = cl.offset[c]! + 1; i < cl.offset[c + 1]!; i++)
      union(cl.recs[cl.offset[c]!]!, cl.recs[i]!);
  }
  // A value split between its parts: each of its records joins the part it names, else the one open then.
  for (const [c, parts] of splits) {
    for (let i = cl.offset[c]!; i < cl.offset[c + 1]!; i++) {
      const r = cl.recs[i]!;
      const part = partOf(cl, byRecord, parts, r, times[r]!);
      if (part >= 0 && !cl.rejected[part]) union(cl.recs[cl.offset[part]!]!, r);
    }
  }
  const size = new Int32Array(records);
  for (let r = 0; r < records; r++)
    if (byRecord.from[r + 1]! > byRecord.from[r]!) size[find(parent, r)]!++;
  const from: number[] = [];
  const slot = new Int32Array(records).fill(-1);
  let used = 0;
  for (let r = 0; r < records; r++) {
    if (size[r]! < 2) continue;
    slot[r] = from.length;
    from.push(used);
    used += size[r]!;
  }
  from.push(used);
  const fill = Int32Array.from(from);
  const members = new Int32Array(used);
  for (let r = 0; r < records; r++) {
    const root = find(parent, r);
    if (size[root]! >= 2 && byRecord.from[r + 1]! > byRecord.from[r]!)
      members[fill[slot[root]!]!++] = r;
  }
  return { from: Int32Array.from(from), members };
}

/**
 * Joins the keyed records (with or without explicit ids): places those no id placed, and folds traces
 * that continue another; `servicesOf` gives an explicit trace's services.
 */
export function joinRecords(
  keyed: LogRecord[] | KeyTable,
  servicesOf: (traceId: string) => Set<string>,
  settings: JoinSettings = {},
): JoinOutcome {
  const table = keyed instanceof KeyTable ? keyed : KeyTable.of(keyed, allowedFields(settings));
  const facts = recordFacts(table);
  let cl = buildClusters(table, facts, settings.windowMs);
  // Fields named by the user join as given; otherwise fields that hold the same ids are read as one.
  if (settings.keys === undefined) {
    const root = findAliases(table, cl.windowMs);
    if (root.some((r, f) => r !== f)) {
      table.mergeFamilies(root);
      cl = buildClusters(table, facts, cl.windowMs);
    }
  }
  const byRecord = clustersByRecord(cl, table.size);
  const { typical, dropped, splits } = learnKeys(
    cl,
    table,
    byRecord,
    facts,
    settings.keys !== undefined,
  );
  const groups = components(cl, table.size, byRecord, splits, facts.times);
  const explicit = new Uint8Array(table.size);
  for (let r = 0; r < table.size; r++) explicit[r] = table.traceIdOf(r) ? 1 : 0;
  const ctx: Context = {
    table,
    facts,
    cl,
    byRecord,
    typical,
    dropped,
    servicesOf,
    explain: settings.explain ?? true,
    explicit,
    stamp: new Int32Array(cl.size).fill(-1),
    idSources: new Map(),
    joinKeyLists: new Map(),
    folds: [],
    placedInto: new Set(),
    place: {
      trace: new Int32Array(table.size).fill(-1),
      span: new Int32Array(table.size).fill(-1),
      via: new Int32Array(table.size),
      ids: [],
    },
  };
  const outcome: JoinOutcome = {
    placed: [],
    merges: new Map(),
    traces: new Map(),
    windowMs: cl.windowMs,
    droppedFields: dropped,
  };
  for (let g = 0; g + 1 < groups.from.length; g++) {
    resolve(groups.members.subarray(groups.from[g]!, groups.from[g + 1]!), g, ctx, outcome);
  }
  // Placed in input order, the order records lie in memory: a million records visited operation by
  // operation would each be a cache miss.
  const { place } = ctx;
  for (let r = 0; r < table.size; r++) {
    if (place.trace[r]! < 0) continue;
    outcome.placed.push({
      record: table.recordOf(r),
      traceId: place.ids[place.trace[r]!]!,
      spanId: place.span[r]! >= 0 ? place.ids[place.span[r]!]! : undefined,
      via: idSourceOf(ctx, place.via[r]!),
    });
  }
  commitFolds(ctx, outcome);
  return outcome;
}

interface Context {
  table: KeyTable;
  facts: RecordFacts;
  cl: Clusters;
  byRecord: { from: Int32Array; list: Int32Array };
  typical: Typical;
  dropped: FieldRejection[];
  servicesOf: (traceId: string) => Set<string>;
  explain: boolean;
  /** 1 for records that came with a trace id. */
  explicit: Uint8Array;
  /** Per cluster, the last component that listed it. */
  stamp: Int32Array;
  /** Candidate folds of traces that lost their context, and the traces id-less records were placed in. */
  folds: { from: string; into: string; brk: ContextBreak; callerSpanId?: string }[];
  placedInto: Set<string>;
  /** Per record placed in a trace: its trace and span (indexes in `ids`, -1 for none) and its key's cluster. */
  place: { trace: Int32Array; span: Int32Array; via: Int32Array; ids: string[] };
  /** One `join:<field>` string per field, one joinKeys list per distinct list. */
  idSources: Map<number, string>;
  joinKeyLists: Map<string, string[]>;
}

function sizeOf(cl: Clusters, c: number): number {
  return cl.offset[c + 1]! - cl.offset[c]!;
}

function fieldOf(ctx: Context, c: number): string {
  return ctx.table.fields[ctx.table.keyField[ctx.cl.key[c]!]!]!;
}

/** The finest accepted cluster of a record: the one with the fewest records. */
function finest(ctx: Context, r: number): number {
  const { from, list } = ctx.byRecord;
  let best = -1;
  for (let i = from[r]!; i < from[r + 1]!; i++) {
    const c = list[i]!;
    if (!ctx.cl.rejected[c] && (best < 0 || sizeOf(ctx.cl, c) < sizeOf(ctx.cl, best))) best = c;
  }
  return best;
}

function resolve(members: Int32Array, component: number, ctx: Context, outcome: JoinOutcome): void {
  const { table, explicit } = ctx;
  // The common case with trace ids: every record already in the one trace. Nothing to do.
  const only = table.traceIdOf(members[0]!);
  if (only !== undefined && members.every((r) => explicit[r] && table.traceIdOf(r) === only))
    return;
  // The component's clusters, each once.
  const clusters: number[] = [];
  for (const r of members) {
    for (let i = ctx.byRecord.from[r]!; i < ctx.byRecord.from[r + 1]!; i++) {
      const c = ctx.byRecord.list[i]!;
      if (ctx.stamp[c] === component) continue;
      ctx.stamp[c] = component;
      clusters.push(c);
    }
  }
  // Explicit traces present, earliest first.
  const firstSeen = new Map<string, number>();
  for (const r of members) {
    if (!explicit[r]) continue;
    const id = table.traceIdOf(r)!;
    const t = ctx.facts.times[r]!;
    const at = Number.isNaN(t) ? Infinity : t;
    const known = firstSeen.get(id);
    if (known === undefined || at < known) firstSeen.set(id, at);
  }
  const traceIds = [...firstSeen.keys()].sort((a, b) => firstSeen.get(a)! - firstSeen.get(b)!);

  let target: string;
  /** Traces of this component that continue another (their context was lost), folded after all components. */
  const folds = new Map<string, string>();
  if (traceIds.length === 0) {
    const first = members[0]!;
    target = syntheticId({ ...table.originOf(first), service: table.serviceOf(first) }, 32);
  } else {
    target = traceIds[0]!;
    // A trace that shares no service with the first one continues it: its service started afresh.
    // But when another trace of the first one's services is linked too, the keys tie several upstream
    // operations together (a batch consumer over many requests): then nothing is folded.
    const upstream = ctx.servicesOf(target);
    const overlaps = (id: string): boolean => [...ctx.servicesOf(id)].some((s) => upstream.has(s));
    const others = traceIds.slice(1);
    const fanIn = others.some(overlaps);
    for (const other of others) {
      if (fanIn || overlaps(other)) continue;
      folds.set(other, target);
      ctx.folds.push({ from: other, into: target, ...contextBreak(other, target, ctx, clusters) });
    }
  }
  const into = (id: string): string => folds.get(id) ?? id;
  const resolved = new Set(traceIds.map(into));
  const spanOfService = new Map<string, string>();

  // Where each record goes is noted here and written into the records after every component.
  const { place } = ctx;
  const idIndex = new Map<string, number>();
  const indexOf = (id: string): number => {
    let i = idIndex.get(id);
    if (i === undefined) {
      i = place.ids.push(id) - 1;
      idIndex.set(id, i);
    }
    return i;
  };
  let placedHere = false;
  for (const r of members) {
    if (explicit[r]) continue;
    const via = finest(ctx, r);
    if (via < 0) continue;
    let traceId: string | undefined = resolved.size <= 1 ? target : undefined;
    // Several unrelated traces in one component: follow the record's own finest key to one of them.
    if (!traceId) traceId = traceThroughOwnKeys(ctx, r, into);
    if (!traceId) continue;
    let spanId: string | undefined;
    if (traceIds.length === 0) {
      // One span per service of the operation.
      const service = ctx.facts.serviceNames[ctx.facts.service[r]!]!;
      spanId = spanOfService.get(service);
      if (!spanId) {
        spanId = syntheticId({ source: traceId, line: 0, service }, 16);
        spanOfService.set(service, spanId);
      }
    } else spanId = sameServiceSpan(ctx, r, via);
    place.trace[r] = indexOf(traceId);
    if (spanId) place.span[r] = indexOf(spanId);
    place.via[r] = via;
    placedHere = true;
  }
  if (!placedHere && folds.size === 0) return;
  if (placedHere) ctx.placedInto.add(target);
  const entry = describe(ctx, clusters, [], traceIds.length > 0);
  const previous = outcome.traces.get(target);
  if (previous) previous.joinKeys = [...new Set([...previous.joinKeys, ...entry.joinKeys])];
  else outcome.traces.set(target, entry);
}

/**
 * Folds the traces that lost their context into the one they continue — unless a trace continues
 * several (a batch consumer over many requests, linked through different components): that is fan-in,
 * not a lost context.
 */
function commitFolds(ctx: Context, outcome: JoinOutcome): void {
  const targets = new Map<string, Set<string>>();
  for (const f of ctx.folds) {
    const set = targets.get(f.from) ?? new Set<string>();
    set.add(f.into);
    targets.set(f.from, set);
  }
  for (const f of ctx.folds) {
    if (targets.get(f.from)!.size !== 1 || outcome.merges.has(f.from)) continue;
    outcome.merges.set(
      f.from,
      f.callerSpanId ? { into: f.into, callerSpanId: f.callerSpanId } : { into: f.into },
    );
    outcome.traces.get(f.into)?.breaks.push(f.brk);
  }
  // A trace kept only for a fold that did not happen was not joined after all.
  for (const [id, entry] of outcome.traces) {
    if (entry.explicit && entry.breaks.length === 0 && !ctx.placedInto.has(id))
      outcome.traces.delete(id);
  }
}

function idSourceOf(ctx: Context, c: number): string {
  const field = ctx.table.keyField[ctx.cl.key[c]!]!;
  let text = ctx.idSources.get(field);
  if (!text) {
    text = `join:${ctx.table.fields[field]}`;
    ctx.idSources.set(field, text);
  }
  return text;
}

function traceThroughOwnKeys(
  ctx: Context,
  r: number,
  into: (id: string) => string,
): string | undefined {
  const { from, list } = ctx.byRecord;
  const own: number[] = [];
  for (let i = from[r]!; i < from[r + 1]!; i++) if (!ctx.cl.rejected[list[i]!]) own.push(list[i]!);
  own.sort((a, b) => sizeOf(ctx.cl, a) - sizeOf(ctx.cl, b));
  for (const c of own) {
    for (let i = ctx.cl.offset[c]!; i < ctx.cl.offset[c + 1]!; i++) {
      const k = ctx.cl.recs[i]!;
      if (ctx.explicit[k]) return into(ctx.table.traceIdOf(k)!);
    }
  }
  return undefined;
}

/** The span of an explicit record of the same service that shares the record's key. */
function sameServiceSpan(ctx: Context, r: number, via: number): string | undefined {
  const { service } = ctx.facts;
  for (let i = ctx.cl.offset[via]!; i < ctx.cl.offset[via + 1]!; i++) {
    const k = ctx.cl.recs[i]!;
    const spanId = ctx.explicit[k] ? ctx.table.spanIdOf(k) : undefined;
    if (spanId && service[k] === service[r]) return spanId;
  }
  return undefined;
}

function servicesOfCluster(ctx: Context, c: number): string[] {
  const out: string[] = [];
  for (let i = ctx.cl.offset[c]!; i < ctx.cl.offset[c + 1]!; i++) {
    const name = ctx.facts.serviceNames[ctx.facts.service[ctx.cl.recs[i]!]!]!;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

function describe(
  ctx: Context,
  clusters: number[],
  breaks: ContextBreak[],
  explicit: boolean,
): TraceJoin {
  const { cl, table } = ctx;
  const joined = clusters.filter((c) => !cl.rejected[c]);
  joined.sort((a, b) => cl.services[b]! - cl.services[a]! || cl.first[a]! - cl.first[b]!);
  const names = [...new Set(joined.map((c) => fieldOf(ctx, c)))];
  const listKey = names.join("\u0000");
  let joinKeys = ctx.joinKeyLists.get(listKey);
  if (!joinKeys) {
    joinKeys = names;
    ctx.joinKeyLists.set(listKey, joinKeys);
  }
  if (!ctx.explain) return { joinKeys, joined: [], rejected: [], breaks, explicit };
  const value = (c: number): string => table.keyValue[cl.key[c]!]!;
  return {
    joinKeys,
    joined: joined.slice(0, EXPLAIN_LIMIT).map((c) => ({
      key: fieldOf(ctx, c),
      value: value(c),
      services: servicesOfCluster(ctx, c),
      records: sizeOf(cl, c),
      maxGapMs: cl.maxGap[c]!,
    })),
    rejected: clusters
      .filter((c) => cl.rejected[c])
      .slice(0, EXPLAIN_LIMIT)
      .map((c) => ({ key: fieldOf(ctx, c), value: value(c), reason: reasonOf(ctx, c) })),
    breaks,
    explicit,
  };
}

function reasonOf(ctx: Context, c: number): string {
  const { cl, typical, table } = ctx;
  const f = table.keyFamily[cl.key[c]!]!;
  const partner = (): string =>
    `${cl.partners[c]} ${table.fields[table.fieldFamily.indexOf(cl.partnerFamily[c]!)]} values`;
  switch (cl.rejected[c]) {
    case Reason.lingering:
      return `stays open across much of the input (about ${typical.concurrency[f]!.toFixed(1)} such values at once), on ${sizeOf(cl, c)} records: a tenant or user, not an operation`;
    case Reason.tooMany:
      return `shared by ${sizeOf(cl, c)} records (a typical value of the field: ${typical.count[f]})`;
    case Reason.tooLong:
      return `spread over ${formatMs(spreadOf(cl, c))} (a typical value of the field: ${formatMs(typical.spreadMs[f]!)})`;
    case Reason.fieldDropped:
      return ctx.dropped.find((d) => familyOf(d.field) === table.families[f])!.reason;
    case Reason.split:
      return `runs through ${partner()} one after another, with idle time between: split between them`;
    case Reason.idle:
      return `stays open across ${partner()} with idle time between them: separate operations`;
    case Reason.pool:
      return `its field's values are each open for about ${Math.round(100 * typical.openShare[f]!)}% of the input: a counter or a pool, not an operation's id`;
    case Reason.oneToOne:
      return `names ${partner()}, which otherwise pair one to one with it: separate operations (a retry or a duplicate)`;
    default:
      return `spans ${partner()}, each reaching all the services it does: whole operations, not steps of one`;
  }
}

/** How the downstream trace is linked to the component's upstream one: the key both hold. */
function contextBreak(
  downstream: string,
  upstream: string,
  ctx: Context,
  clusters: number[],
): { brk: ContextBreak; callerSpanId?: string } {
  const { cl, table } = ctx;
  for (const c of clusters) {
    if (cl.rejected[c]) continue;
    let down = -1;
    let up = -1;
    for (let i = cl.offset[c]!; i < cl.offset[c + 1]!; i++) {
      const k = cl.recs[i]!;
      if (!ctx.explicit[k]) continue;
      if (table.traceIdOf(k) === downstream) down = down < 0 ? k : down;
      else up = up < 0 ? k : up;
    }
    if (down < 0 || up < 0) continue;
    const brk: ContextBreak = {
      services: [table.serviceOf(up) ?? "?", table.serviceOf(down) ?? "?"],
      key: fieldOf(ctx, c),
      value: ctx.table.keyValue[cl.key[c]!]!,
      downstreamTraceId: downstream,
      records: [table.originOf(up), table.originOf(down)],
    };
    const fromSpan = table.spanIdOf(up);
    const toSpan = table.spanIdOf(down);
    if (fromSpan && toSpan) brk.spanIds = [fromSpan, toSpan];
    return fromSpan ? { brk, callerSpanId: fromSpan } : { brk };
  }
  const first = (id: string): string => ctx.servicesOf(id).values().next().value ?? "?";
  return { brk: { services: [first(upstream), first(downstream)], downstreamTraceId: downstream } };
}
