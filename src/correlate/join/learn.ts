// Which value clusters really name one operation, learned from all of them: a value shared by far more
// records or over far longer than usual (a user, a tenant) is too coarse, and so is a value that ties
// together several values of a field that is otherwise one-to-one with it (a retried task id) or
// that each cross services on their own (a session around its requests).
import { type Clusters, Reason } from "./clusters.js";
import type { KeyTable } from "./key-table.js";

/** How many times the usual record count, or the usual time spread, makes a value too coarse. */
const COARSE_COUNT = 10;
const COARSE_SPREAD = 30;
/** Share of a field's values that must be too coarse for the whole field to be dropped. */
const FIELD_COARSE_SHARE = 0.5;
/** A field pair is one-to-one (or many-to-one) when this share of values sees exactly one partner. */
const FUNCTIONAL = 0.85;
/** Pairs seen fewer times than this say nothing. */
const MIN_EVIDENCE = 5;
/** Keys per record that are paired up: a record with many keys must not make the pairs quadratic. */
const MAX_PAIRED = 4;

export interface FieldRejection {
  field: string;
  reason: string;
}

/** What a usual key value looks like, for the reasons given. */
export interface Typical {
  count: number;
  spreadMs: number;
}

function median(values: Float64Array): number {
  if (values.length === 0) return 0;
  return values.sort()[Math.floor(values.length / 2)]!;
}

export function spreadOf(cl: Clusters, c: number): number {
  const s = cl.last[c]! - cl.first[c]!;
  return Number.isNaN(s) ? 0 : s;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** Marks coarse clusters, and whole fields whose values mostly are. */
function rejectCoarse(
  cl: Clusters,
  table: KeyTable,
): { typical: Typical; dropped: FieldRejection[] } {
  const counts = new Float64Array(cl.size);
  const spreads = new Float64Array(cl.size);
  for (let c = 0; c < cl.size; c++) {
    counts[c] = cl.offset[c + 1]! - cl.offset[c]!;
    spreads[c] = spreadOf(cl, c);
  }
  const typical = { count: median(counts.slice()), spreadMs: median(spreads.slice()) };
  const families = table.families.length;
  const total = new Int32Array(families);
  const coarse = new Int32Array(families);
  for (let c = 0; c < cl.size; c++) {
    const n = counts[c]!;
    if (n > Math.max(COARSE_COUNT * typical.count, 20)) cl.rejected[c] = Reason.tooMany;
    else if (spreads[c]! > COARSE_SPREAD * Math.max(typical.spreadMs, 1) && n > 2 * typical.count) {
      cl.rejected[c] = Reason.tooLong;
    }
    const f = table.keyFamily[cl.key[c]!]!;
    total[f]!++;
    if (cl.rejected[c]) coarse[f]!++;
  }
  const dropped: FieldRejection[] = [];
  for (let f = 0; f < families; f++) {
    if (coarse[f] === 0 || coarse[f]! < total[f]! * FIELD_COARSE_SHARE) continue;
    const field = table.fields[table.fieldFamily.indexOf(f)]!;
    dropped.push({
      field,
      reason: `most ${field} values are shared by too many records or too long (${coarse[f]} of ${total[f]})`,
    });
  }
  if (dropped.length > 0) {
    const isDropped = new Uint8Array(families);
    for (let f = 0; f < families; f++) {
      if (coarse[f]! > 0 && coarse[f]! >= total[f]! * FIELD_COARSE_SHARE) isDropped[f] = 1;
    }
    for (let c = 0; c < cl.size; c++) {
      if (!cl.rejected[c] && isDropped[table.keyFamily[cl.key[c]!]!])
        cl.rejected[c] = Reason.fieldDropped;
    }
  }
  return { typical, dropped };
}

/**
 * Pairs of accepted clusters that share a record, across families, as sorted unique numbers
 * `a * size + b`: sorting one Float64Array is far cheaper than a set per cluster.
 */
function sharedPairs(
  cl: Clusters,
  familyOfCluster: Int32Array,
  byRecord: { from: Int32Array; list: Int32Array },
): Float64Array {
  const { from, list } = byRecord;
  let n = 0;
  for (let r = 0; r + 1 < from.length; r++) {
    const k = Math.min(MAX_PAIRED, from[r + 1]! - from[r]!);
    if (k > 1) n += k * (k - 1);
  }
  const pairs = new Float64Array(n);
  let used = 0;
  for (let r = 0; r + 1 < from.length; r++) {
    const a0 = from[r]!;
    const a1 = Math.min(from[r + 1]!, a0 + MAX_PAIRED);
    if (a1 - a0 < 2) continue;
    for (let i = a0; i < a1; i++) {
      const a = list[i]!;
      if (cl.rejected[a]) continue;
      for (let j = a0; j < a1; j++) {
        const b = list[j]!;
        if (i === j || cl.rejected[b] || familyOfCluster[a] === familyOfCluster[b]) continue;
        pairs[used++] = a * cl.size + b;
      }
    }
  }
  const sorted = pairs.subarray(0, used).sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i]!;
  }
  return sorted.subarray(0, unique);
}

/**
 * Calls `visit(a, family, partners)` for each cluster and each family it shares records with, with the
 * number of distinct clusters of that family.
 */
function eachPartnerFamily(
  pairs: Float64Array,
  size: number,
  familyOfCluster: Int32Array,
  visit: (a: number, family: number, partners: number) => void,
): void {
  const fams: number[] = [];
  const counts: number[] = [];
  let current = -1;
  const flush = (): void => {
    for (let i = 0; i < fams.length; i++) visit(current, fams[i]!, counts[i]!);
    fams.length = 0;
    counts.length = 0;
  };
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    const a = Math.floor(p / size);
    const g = familyOfCluster[p - a * size]!;
    if (a !== current) {
      flush();
      current = a;
    }
    const at = fams.indexOf(g);
    if (at < 0) {
      fams.push(g);
      counts.push(1);
    } else counts[at]!++;
  }
  flush();
}

/** Marks clusters that glue together what a finer or same-level field keeps apart. */
function rejectAmbiguous(
  cl: Clusters,
  table: KeyTable,
  byRecord: { from: Int32Array; list: Int32Array },
): void {
  const families = table.families.length;
  const familyOfCluster = new Int32Array(cl.size);
  for (let c = 0; c < cl.size; c++) familyOfCluster[c] = table.keyFamily[cl.key[c]!]!;
  const pairs = sharedPairs(cl, familyOfCluster, byRecord);
  // For each family pair F→G: how many F values meet G at all, and how many meet exactly one G value.
  const meet = new Int32Array(families * families);
  const one = new Int32Array(families * families);
  eachPartnerFamily(pairs, cl.size, familyOfCluster, (a, g, n) => {
    const k = familyOfCluster[a]! * families + g;
    meet[k]!++;
    if (n === 1) one[k]!++;
  });
  const widthSum = new Float64Array(families);
  const widthN = new Float64Array(families);
  for (let c = 0; c < cl.size; c++) {
    if (cl.rejected[c]) continue;
    widthSum[familyOfCluster[c]!]! += cl.services[c]!;
    widthN[familyOfCluster[c]!]!++;
  }
  const width = (f: number): number => (widthN[f]! > 0 ? widthSum[f]! / widthN[f]! : 0);
  const functional = (f: number, g: number): boolean | undefined => {
    const k = f * families + g;
    return meet[k]! < MIN_EVIDENCE ? undefined : one[k]! >= FUNCTIONAL * meet[k]!;
  };
  eachPartnerFamily(pairs, cl.size, familyOfCluster, (a, g, n) => {
    if (n < 2 || cl.rejected[a]) return;
    const f = familyOfCluster[a]!;
    const down = functional(g, f);
    const up = functional(f, g);
    let reason = 0;
    if (down && up) reason = Reason.oneToOne;
    // Too few values of this field to tell (one user behind every request) counts as not one to one:
    // this value alone already names several of the wider operations.
    else if (down && up !== true && width(g) > width(f)) reason = Reason.wider;
    if (!reason) return;
    cl.rejected[a] = reason;
    cl.partners[a] = n;
    cl.partnerFamily[a] = g;
  });
}

/** Decides which clusters join records (unless `forced`: fields named by the user join as they are). */
export function learnKeys(
  cl: Clusters,
  table: KeyTable,
  byRecord: { from: Int32Array; list: Int32Array },
  forced: boolean,
): { typical: Typical; dropped: FieldRejection[] } {
  if (forced) return { typical: { count: 0, spreadMs: 0 }, dropped: [] };
  const learned = rejectCoarse(cl, table);
  rejectAmbiguous(cl, table, byRecord);
  return learned;
}
