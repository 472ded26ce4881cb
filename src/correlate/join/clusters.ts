// Keys → value clusters: the records sharing one key value, split where they fall apart in time (a task id
// re-run an hour later is another operation). Column arrays, one entry per cluster.
import { IntColumn, type KeyTable } from "./key-table.js";

const MIN_WINDOW_MS = 1000;
const MAX_WINDOW_MS = 30 * 60_000;

/** Why a cluster joins nothing (0: it joins). */
export const Reason = {
  none: 0,
  tooMany: 1,
  tooLong: 2,
  fieldDropped: 3,
  oneToOne: 4,
  bundle: 5,
  lingering: 6,
  idle: 7,
  split: 8,
  pool: 9,
} as const;

export interface Clusters {
  size: number;
  /** Cluster c's records are `recs[offset[c]]` … `recs[offset[c + 1] - 1]`, in time order. */
  offset: Int32Array;
  recs: Int32Array;
  key: Int32Array;
  first: Float64Array;
  last: Float64Array;
  maxGap: Float64Array;
  /** Distinct services among the cluster's records, and which (bit i: service i; exact up to 32). */
  services: Uint8Array;
  serviceMask: Uint32Array;
  masksExact: boolean;
  /** A `Reason` code. */
  rejected: Uint8Array;
  /** For `oneToOne`, `bundle` and `idle`: how many values of which family the cluster ties together. */
  partners: Int32Array;
  partnerFamily: Int32Array;
  windowMs: number;
}

/** Record times (epoch ms, NaN when untimed) and service ids, by record index of the table. */
export interface RecordFacts {
  times: Float64Array;
  service: Int32Array;
  serviceNames: string[];
}

export function recordFacts(table: KeyTable): RecordFacts {
  const n = table.size;
  const times = new Float64Array(n);
  const service = new Int32Array(n);
  const ids = new Map<string, number>();
  const serviceNames: string[] = [];
  for (let i = 0; i < n; i++) {
    times[i] = table.timeMsOf(i);
    const name = table.serviceOf(i) ?? "";
    let id = ids.get(name);
    if (id === undefined) {
      id = serviceNames.length;
      ids.set(name, id);
      serviceNames.push(name);
    }
    service[i] = id;
  }
  return { times, service, serviceNames };
}

/** The records of each key, grouped by a counting sort and ordered by time. */
function recordsByKey(
  table: KeyTable,
  times: Float64Array,
): { start: Int32Array; recs: Int32Array } {
  const keys = table.keyValue.length;
  const occKey = table.occKey.view();
  const occRec = table.occRec.view();
  const start = new Int32Array(keys + 1);
  for (let i = 0; i < occKey.length; i++) start[occKey[i]! + 1]!++;
  for (let k = 0; k < keys; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, keys);
  const recs = new Int32Array(occKey.length);
  for (let i = 0; i < occKey.length; i++) recs[fill[occKey[i]!]!++] = occRec[i]!;
  const byTime = (a: number, b: number): number => {
    const ta = times[a]!;
    const tb = times[b]!;
    if (Number.isNaN(ta) || Number.isNaN(tb)) {
      return Number.isNaN(ta) ? (Number.isNaN(tb) ? a - b : 1) : -1;
    }
    return ta - tb || a - b;
  };
  for (let k = 0; k < keys; k++) {
    const from = start[k]!;
    const to = start[k + 1]!;
    // Records arrive mostly in time order: checking is cheaper than sorting.
    for (let i = from + 1; i < to; i++) {
      if (byTime(recs[i - 1]!, recs[i]!) > 0) {
        recs.subarray(from, to).sort(byTime);
        break;
      }
    }
  }
  return { start, recs };
}

/** Pause that separates two operations, from the data: a multiple of the usual longest pause within one key value. */
function chooseWindow(start: Int32Array, recs: Int32Array, times: Float64Array): number {
  const gaps: number[] = [];
  for (let k = 0; k + 1 < start.length; k++) {
    if (start[k + 1]! - start[k]! < 2) continue;
    let max = 0;
    for (let i = start[k]! + 1; i < start[k + 1]!; i++) {
      const gap = times[recs[i]!]! - times[recs[i - 1]!]!;
      if (gap > max) max = gap;
    }
    gaps.push(max);
  }
  if (gaps.length === 0) return MIN_WINDOW_MS;
  const sorted = Float64Array.from(gaps).sort();
  const p90 = sorted[Math.floor(sorted.length * 0.9)]!;
  return Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, 3 * p90));
}

export function buildClusters(table: KeyTable, facts: RecordFacts, windowMs?: number): Clusters {
  const { times, service } = facts;
  const { start, recs: byKey } = recordsByKey(table, times);
  const window = windowMs ?? chooseWindow(start, byKey, times);
  const offset = new IntColumn();
  const key = new IntColumn();
  const recs = new Int32Array(byKey.length);
  let used = 0;
  const emit = (k: number, from: number, to: number): void => {
    if (to - from < 2) return;
    offset.push(used);
    key.push(k);
    for (let i = from; i < to; i++) recs[used++] = byKey[i]!;
  };
  for (let k = 0; k + 1 < start.length; k++) {
    let from = start[k]!;
    const to = start[k + 1]!;
    let prev = Number.NaN;
    for (let i = from; i < to; i++) {
      const t = times[byKey[i]!]!;
      if (t - prev > window) {
        emit(k, from, i);
        from = i;
      }
      if (!Number.isNaN(t)) prev = t;
    }
    emit(k, from, to);
  }
  offset.push(used);
  const size = key.length;
  const first = new Float64Array(size);
  const last = new Float64Array(size);
  const maxGap = new Float64Array(size);
  const services = new Uint8Array(size);
  const serviceMask = new Uint32Array(size);
  const seen = new Int32Array(facts.serviceNames.length).fill(-1);
  const off = offset.view();
  for (let c = 0; c < size; c++) {
    let a = Number.NaN;
    let b = Number.NaN;
    let gap = 0;
    let distinct = 0;
    let mask = 0;
    for (let i = off[c]!; i < off[c + 1]!; i++) {
      const r = recs[i]!;
      if (seen[service[r]!] !== c) {
        seen[service[r]!] = c;
        distinct++;
        mask |= 1 << (service[r]! % 32);
      }
      const t = times[r]!;
      if (Number.isNaN(t)) continue;
      if (!Number.isNaN(b)) gap = Math.max(gap, t - b);
      if (Number.isNaN(a)) a = t;
      b = t;
    }
    first[c] = a;
    last[c] = b;
    maxGap[c] = gap;
    services[c] = Math.min(255, distinct);
    serviceMask[c] = mask >>> 0;
  }
  return {
    size,
    offset: off,
    recs: recs.subarray(0, used),
    key: key.view(),
    first,
    last,
    maxGap,
    services,
    serviceMask,
    masksExact: facts.serviceNames.length <= 32,
    rejected: new Uint8Array(size),
    partners: new Int32Array(size),
    partnerFamily: new Int32Array(size),
    windowMs: window,
  };
}

/** Each record's clusters: `list[from[r]]` … `list[from[r + 1] - 1]`. */
export function clustersByRecord(
  cl: Clusters,
  records: number,
): { from: Int32Array; list: Int32Array } {
  const from = new Int32Array(records + 1);
  for (let i = 0; i < cl.recs.length; i++) from[cl.recs[i]! + 1]!++;
  for (let r = 0; r < records; r++) from[r + 1]! += from[r]!;
  const fill = from.slice(0, records);
  const list = new Int32Array(cl.recs.length);
  for (let c = 0; c < cl.size; c++) {
    for (let i = cl.offset[c]!; i < cl.offset[c + 1]!; i++) list[fill[cl.recs[i]!]!++] = c;
  }
  return { from, list };
}
