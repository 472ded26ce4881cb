// The heuristic join: records that share a learned key value within the time window become one operation
// (union-find over records); operations that also hold explicit traces join or repair those traces.
import type { Finding, LogRecord } from "../../model.js";
import { buildClusters, familyOf, timeMs, type ValueCluster } from "./clusters.js";
import { type FieldRejection, learnKeys } from "./learn.js";
import { syntheticId } from "./synthetic-id.js";

export interface JoinSettings {
  /** Pause that ends an operation, ms; chosen from the data when absent. */
  windowMs?: number;
  /** Only these fields join (`--join-keys`), taken as given. */
  keys?: string[];
  /** Fields never used (`--ignore-keys`). */
  ignore?: string[];
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
  breaks: Finding[];
  /** Whether the trace also holds records placed by explicit ids. */
  explicit: boolean;
}

export interface Merge {
  into: string;
  /** The upstream span that shares the linking key: the caller the downstream root would have had. */
  callerSpanId?: string;
}

export interface JoinOutcome {
  /** Records that had no trace id and now have one. */
  placed: LogRecord[];
  /** Explicit traces folded into another one (broken propagation), by the folded trace's id. */
  merges: Map<string, Merge>;
  traces: Map<string, TraceJoin>;
  windowMs: number;
  droppedFields: FieldRejection[];
}

const EXPLAIN_LIMIT = 12;

class RecordSets {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[rb] = ra;
  }
}

/** A field joins when it or its family is wanted, and neither it nor its family is ignored. */
function allowedFields(settings: JoinSettings): (family: string, field: string) => boolean {
  const only = settings.keys && new Set(settings.keys.flatMap((k) => [k, familyOf(k)]));
  const never = new Set((settings.ignore ?? []).flatMap((k) => [k, familyOf(k)]));
  return (family, field) =>
    !never.has(family) && !never.has(field) && (!only || only.has(family) || only.has(field));
}

/**
 * Joins `keyed` (every record with candidate keys, with or without explicit ids). Sets `traceId`,
 * `spanId` and `idSource` on the records it places; `servicesOf` gives an explicit trace's services.
 */
export function joinRecords(
  keyed: LogRecord[],
  servicesOf: (traceId: string) => Set<string>,
  settings: JoinSettings = {},
): JoinOutcome {
  const times = Float64Array.from(keyed, timeMs);
  const allowed = allowedFields(settings);
  const { clusters, windowMs } = buildClusters(keyed, times, allowed, settings.windowMs);
  const recClusters: number[][] = keyed.map(() => []);
  clusters.forEach((c, ci) => {
    for (const i of c.recs) recClusters[i]!.push(ci);
  });
  const droppedFields = learnKeys(clusters, recClusters, settings.keys !== undefined);

  const sets = new RecordSets(keyed.length);
  for (const c of clusters) {
    if (c.rejected) continue;
    for (let k = 1; k < c.recs.length; k++) sets.union(c.recs[0]!, c.recs[k]!);
  }
  const components = new Map<number, number[]>();
  for (let i = 0; i < keyed.length; i++) {
    if (recClusters[i]!.length === 0) continue;
    const root = sets.find(i);
    const list = components.get(root);
    if (list) list.push(i);
    else components.set(root, [i]);
  }

  const outcome: JoinOutcome = {
    placed: [],
    merges: new Map(),
    traces: new Map(),
    windowMs,
    droppedFields,
  };
  for (const members of components.values()) {
    if (members.length < 2) continue;
    resolveComponent(members, keyed, clusters, recClusters, servicesOf, outcome);
  }
  return outcome;
}

/** The finest accepted cluster of a record: the one with the fewest records. */
function finest(
  i: number,
  clusters: ValueCluster[],
  recClusters: number[][],
): ValueCluster | undefined {
  let best: ValueCluster | undefined;
  for (const ci of recClusters[i]!) {
    const c = clusters[ci]!;
    if (!c.rejected && (!best || c.recs.length < best.recs.length)) best = c;
  }
  return best;
}

function resolveComponent(
  members: number[],
  keyed: LogRecord[],
  clusters: ValueCluster[],
  recClusters: number[][],
  servicesOf: (traceId: string) => Set<string>,
  outcome: JoinOutcome,
): void {
  // Explicit traces present, earliest first.
  const firstSeen = new Map<string, number>();
  for (const i of members) {
    const id = keyed[i]!.traceId;
    if (!id) continue;
    const t = timeMs(keyed[i]!);
    const known = firstSeen.get(id);
    if (known === undefined || t < known) firstSeen.set(id, Number.isNaN(t) ? Infinity : t);
  }
  const traceIds = [...firstSeen.keys()].sort((a, b) => firstSeen.get(a)! - firstSeen.get(b)!);
  const memberSet = new Set(members);
  const clusterIds = new Set<number>();
  for (const i of members) for (const ci of recClusters[i]!) clusterIds.add(ci);

  let target: string;
  const breaks: Finding[] = [];
  if (traceIds.length === 0) {
    target = syntheticId(keyed[members[0]!]!, 32);
  } else {
    target = traceIds[0]!;
    // A trace that shares no service with the first one continues it: its service started afresh.
    const upstream = servicesOf(target);
    for (const other of traceIds.slice(1)) {
      const own = servicesOf(other);
      if ([...own].some((s) => upstream.has(s))) continue;
      const { finding, callerSpanId } = breakFinding(other, keyed, clusters, clusterIds);
      outcome.merges.set(other, callerSpanId ? { into: target, callerSpanId } : { into: target });
      breaks.push(finding);
    }
  }
  const into = (id: string | undefined): string | undefined =>
    id === undefined ? undefined : (outcome.merges.get(id)?.into ?? id);
  const resolvedTraces = new Set(traceIds.map(into));

  for (const i of members) {
    const r = keyed[i]!;
    if (r.traceId) continue;
    const via = finest(i, clusters, recClusters);
    if (!via) continue;
    let traceId: string | undefined = resolvedTraces.size <= 1 ? target : undefined;
    // Several unrelated traces in one component: follow the record's own finest key to one of them.
    if (!traceId) {
      const own = recClusters[i]!.map((ci) => clusters[ci]!).filter((c) => !c.rejected);
      own.sort((a, b) => a.recs.length - b.recs.length);
      for (const c of own) {
        const holder = c.recs.find((k) => keyed[k]!.traceId && memberSet.has(k));
        if (holder !== undefined) {
          traceId = into(keyed[holder]!.traceId);
          break;
        }
      }
    }
    if (!traceId) continue;
    r.traceId = traceId;
    r.idSource = `join:${via.field}`;
    const spanId =
      traceIds.length === 0
        ? syntheticId({ source: traceId, line: 0, service: r.service ?? "" }, 16)
        : sameServiceSpan(r, via, keyed);
    if (spanId) r.spanId = spanId;
    outcome.placed.push(r);
  }

  const joined = [...clusterIds]
    .map((ci) => clusters[ci]!)
    .filter((c) => !c.rejected)
    .sort((a, b) => b.services.length - a.services.length || a.start - b.start);
  const rejected = [...clusterIds].map((ci) => clusters[ci]!).filter((c) => c.rejected);
  const joinKeys = [...new Set(joined.map((c) => c.field))];
  const placedHere = members.some((i) => keyed[i]!.idSource?.startsWith("join:"));
  if (!placedHere && breaks.length === 0) return;
  const entry: TraceJoin = {
    joinKeys,
    joined: joined.slice(0, EXPLAIN_LIMIT).map((c) => ({
      key: c.field,
      value: c.value,
      services: c.services,
      records: c.recs.length,
      maxGapMs: c.maxGapMs,
    })),
    rejected: rejected
      .slice(0, EXPLAIN_LIMIT)
      .map((c) => ({ key: c.field, value: c.value, reason: c.rejected! })),
    breaks,
    explicit: traceIds.length > 0,
  };
  const previous = outcome.traces.get(target);
  if (previous) {
    previous.joinKeys = [...new Set([...previous.joinKeys, ...entry.joinKeys])];
    previous.breaks.push(...breaks);
  } else outcome.traces.set(target, entry);
}

/** The span of a record of the same service that shares the record's key, if one has a span. */
function sameServiceSpan(r: LogRecord, via: ValueCluster, keyed: LogRecord[]): string | undefined {
  for (const k of via.recs) {
    const other = keyed[k]!;
    if (other.spanId && other.service === r.service && !other.idSource?.startsWith("join:"))
      return other.spanId;
  }
  return undefined;
}

function breakFinding(
  downstream: string,
  keyed: LogRecord[],
  clusters: ValueCluster[],
  clusterIds: Set<number>,
): { finding: Finding; callerSpanId?: string } {
  for (const ci of clusterIds) {
    const c = clusters[ci]!;
    if (c.rejected) continue;
    const down = c.recs.find((k) => keyed[k]!.traceId === downstream);
    const up = c.recs.find((k) => keyed[k]!.traceId && keyed[k]!.traceId !== downstream);
    if (down === undefined || up === undefined) continue;
    const from = keyed[up]!;
    const to = keyed[down]!;
    const services = [from.service ?? "?", to.service ?? "?"];
    const finding: Finding = {
      kind: "propagation-break",
      severity: "warn",
      message: `context lost ${services[0]} → ${services[1]}: joined on ${c.field}=${c.value} (${services[1]} started trace ${downstream.slice(0, 8)}…)`,
      services,
      key: c.field,
      value: c.value,
      linkedTraceId: downstream,
      records: [
        { source: from.source, line: from.line },
        { source: to.source, line: to.line },
      ],
    };
    if (from.spanId && to.spanId) finding.spanIds = [from.spanId, to.spanId];
    return from.spanId ? { finding, callerSpanId: from.spanId } : { finding };
  }
  return {
    finding: {
      kind: "propagation-break",
      severity: "warn",
      message: `context lost: trace ${downstream.slice(0, 8)}… continues this one`,
      linkedTraceId: downstream,
    },
  };
}
