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

/**
 * What one operation's key value looks like: the median over the values of fields that cross services
 * (those are the ones that tie an operation together), else over all values. Fine-grained ids of the
 * steps inside an operation (tool calls, each on two lines) must not set the scale.
 */
function typicalValue(
  cl: Clusters,
  table: KeyTable,
  counts: Float64Array,
  spreads: Float64Array,
): Typical {
  const families = table.families.length;
  const crossing = new Float64Array(families);
  const all = new Float64Array(families);
  for (let c = 0; c < cl.size; c++) {
    const f = table.keyFamily[cl.key[c]!]!;
    all[f]!++;
    if (cl.services[c]! > 1) crossing[f]!++;
  }
  const pick = (f: number): boolean => crossing[f]! * 2 >= all[f]!;
  let chosen = 0;
  for (let c = 0; c < cl.size; c++) if (pick(table.keyFamily[cl.key[c]!]!)) chosen++;
  if (chosen === 0) return { count: median(counts.slice()), spreadMs: median(spreads.slice()) };
  const n = new Float64Array(chosen);
  const s = new Float64Array(chosen);
  let i = 0;
  for (let c = 0; c < cl.size; c++) {
    if (!pick(table.keyFamily[cl.key[c]!]!)) continue;
    n[i] = counts[c]!;
    s[i++] = spreads[c]!;
  }
  return { count: median(n), spreadMs: median(s) };
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
  const families = table.families.length;
  const typical = typicalValue(cl, table, counts, spreads);
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

/** Whether cluster `b`'s records cover every service of cluster `a`'s. */
function covers(cl: Clusters, b: number, a: number): boolean {
  if (!cl.masksExact) return cl.services[b]! >= cl.services[a]!;
  return (cl.serviceMask[b]! & cl.serviceMask[a]!) >>> 0 === cl.serviceMask[a];
}

/**
 * Calls `visit(a, family, partners, covering)` for each cluster and each family it shares records with:
 * how many distinct clusters of that family, and whether each of them covers all of `a`'s services.
 */
function eachPartnerFamily(
  cl: Clusters,
  pairs: Float64Array,
  familyOfCluster: Int32Array,
  visit: (a: number, family: number, partners: number, covering: boolean) => void,
): void {
  const size = cl.size;
  const fams: number[] = [];
  const counts: number[] = [];
  const covering: boolean[] = [];
  let current = -1;
  const flush = (): void => {
    for (let i = 0; i < fams.length; i++) visit(current, fams[i]!, counts[i]!, covering[i]!);
    fams.length = 0;
    counts.length = 0;
    covering.length = 0;
  };
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    const a = Math.floor(p / size);
    const b = p - a * size;
    const g = familyOfCluster[b]!;
    if (a !== current) {
      flush();
      current = a;
    }
    const at = fams.indexOf(g);
    if (at < 0) {
      fams.push(g);
      counts.push(1);
      covering.push(covers(cl, b, a));
    } else {
      counts[at]!++;
      covering[at] = covering[at]! && covers(cl, b, a);
    }
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
  eachPartnerFamily(cl, pairs, familyOfCluster, (a, g, n) => {
    const k = familyOfCluster[a]! * families + g;
    meet[k]!++;
    if (n === 1) one[k]!++;
  });
  const functional = (f: number, g: number): boolean | undefined => {
    const k = f * families + g;
    return meet[k]! < MIN_EVIDENCE ? undefined : one[k]! >= FUNCTIONAL * meet[k]!;
  };
  eachPartnerFamily(cl, pairs, familyOfCluster, (a, g, n, covering) => {
    if (n < 2 || cl.rejected[a]) return;
    const f = familyOfCluster[a]!;
    const down = functional(g, f);
    const up = functional(f, g);
    let reason = 0;
    if (down && up) reason = Reason.oneToOne;
    // A value over several values of a finer field, each of which reaches every service this one does,
    // bundles whole operations (a user, a session); a value over steps that stay within fewer services
    // (tool calls of one request) does not. Too few values to tell counts as not one to one.
    else if (down && up !== true && covering) reason = Reason.bundle;
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
