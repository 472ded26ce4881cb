// Candidate keys → value clusters: the records sharing one key value, split where they fall apart in time
// (a task id re-run an hour later is another operation).
import { isIdShaped } from "../../decode/join-keys.js";
import type { LogRecord } from "../../model.js";

export interface ValueCluster {
  /** The field as first written (`requestId`), for explanations. */
  field: string;
  /** The field's family: its last segment lowercased, separators and an `x-` header prefix dropped. */
  family: string;
  value: string;
  /** Indices of the cluster's records, in time order. */
  recs: number[];
  /** First and last record time (epoch ms); NaN when untimed. */
  start: number;
  end: number;
  services: string[];
  /** The longest pause between consecutive records, ms. */
  maxGapMs: number;
  /** Why the cluster does not join its records, when it does not. */
  rejected?: string;
}

const MIN_WINDOW_MS = 1000;
const MAX_WINDOW_MS = 30 * 60_000;

export function familyOf(field: string): string {
  const last = field.slice(field.lastIndexOf(".") + 1);
  const bare = last.toLowerCase().replace(/[^a-z0-9]/g, "");
  return /^x[-_]/i.test(last) ? bare.slice(1) : bare;
}

export function timeMs(r: LogRecord): number {
  return r.time ? r.time.ms + r.time.ns / 1e6 : Number.NaN;
}

interface KeyOccurrences {
  field: string;
  family: string;
  value: string;
  recs: number[];
}

/** Groups the records' `field=value` entries by key: id-shaped values by value alone, others by family too. */
function collectKeys(
  records: LogRecord[],
  allowed: (family: string, field: string) => boolean,
): KeyOccurrences[] {
  const byKey = new Map<string, KeyOccurrences>();
  records.forEach((r, i) => {
    for (const entry of r.keys ?? []) {
      const eq = entry.indexOf("=");
      const field = entry.slice(0, eq);
      const value = entry.slice(eq + 1);
      const family = familyOf(field);
      if (!allowed(family, field)) continue;
      const canonical = isIdShaped(value) ? value : `${family}=${value}`;
      const known = byKey.get(canonical);
      if (!known) byKey.set(canonical, { field, family, value, recs: [i] });
      else if (known.recs[known.recs.length - 1] !== i) known.recs.push(i);
    }
  });
  return [...byKey.values()].filter((k) => k.recs.length > 1);
}

/** Pause length that separates two operations, from the data: a multiple of the usual longest pause within one key value. */
export function chooseWindow(keys: { recs: number[] }[], times: Float64Array): number {
  const gaps: number[] = [];
  for (const k of keys) {
    let max = 0;
    let prev = Number.NaN;
    for (const i of k.recs) {
      const t = times[i]!;
      if (!Number.isNaN(prev) && !Number.isNaN(t)) max = Math.max(max, t - prev);
      prev = t;
    }
    gaps.push(max);
  }
  if (gaps.length === 0) return MIN_WINDOW_MS;
  gaps.sort((a, b) => a - b);
  const p90 = gaps[Math.floor(gaps.length * 0.9)]!;
  return Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, 3 * p90));
}

export interface ClusterSet {
  clusters: ValueCluster[];
  windowMs: number;
}

export function buildClusters(
  records: LogRecord[],
  times: Float64Array,
  allowed: (family: string, field: string) => boolean,
  windowMs?: number,
): ClusterSet {
  const keys = collectKeys(records, allowed);
  const byTime = (a: number, b: number): number => {
    const ta = times[a]!;
    const tb = times[b]!;
    if (Number.isNaN(ta) || Number.isNaN(tb))
      return Number.isNaN(ta) ? (Number.isNaN(tb) ? a - b : 1) : -1;
    return ta - tb || a - b;
  };
  for (const k of keys) k.recs.sort(byTime);
  const window = windowMs ?? chooseWindow(keys, times);
  const clusters: ValueCluster[] = [];
  for (const k of keys) {
    let current: number[] = [];
    const flush = (): void => {
      if (current.length > 1) clusters.push(makeCluster(k, current, records, times));
      current = [];
    };
    let prev = Number.NaN;
    for (const i of k.recs) {
      const t = times[i]!;
      if (!Number.isNaN(prev) && !Number.isNaN(t) && t - prev > window) flush();
      current.push(i);
      if (!Number.isNaN(t)) prev = t;
    }
    flush();
  }
  return { clusters, windowMs: window };
}

function makeCluster(
  k: KeyOccurrences,
  recs: number[],
  records: LogRecord[],
  times: Float64Array,
): ValueCluster {
  const services: string[] = [];
  let start = Number.NaN;
  let end = Number.NaN;
  let maxGapMs = 0;
  for (const i of recs) {
    const s = records[i]!.service ?? "";
    if (!services.includes(s) && services.length < 16) services.push(s);
    const t = times[i]!;
    if (Number.isNaN(t)) continue;
    if (!Number.isNaN(end)) maxGapMs = Math.max(maxGapMs, t - end);
    if (Number.isNaN(start)) start = t;
    end = t;
  }
  return { field: k.field, family: k.family, value: k.value, recs, start, end, services, maxGapMs };
}
