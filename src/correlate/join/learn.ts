// Which value clusters really name one operation, learned from all of them. Turned down: a field whose
// few values linger across the input (a tenant); a value far bigger or longer than its field's usual
// one; a value over several values of a field otherwise one-to-one with it (a retried task id), over
// several that each reach all its services (a user, a session), or open far longer than the finer
// values under it (a user's sequential orders). Split: a value running through parts that begin where it
// begins, one after another (a conversation through its messages).
import { type Clusters, type RecordFacts, Reason } from "./clusters.js";
import type { KeyTable } from "./key-table.js";

/** How many times the usual record count, or the usual time spread, makes a value too coarse. */
const COARSE_COUNT = 10;
const COARSE_SPREAD = 30;
/** A field with this many times fewer values open at once than the busiest field lingers. */
const COARSE_CONCURRENCY = 8;
/**
 * A field whose values are each open for this share of the input or more, while those of the least open
 * field are this many times less so, counts or pools (small ids restarting in every operation, a few
 * users): not an operation's id.
 */
const POOL_OPEN_SHARE = 0.5;
const POOL_RATIO = 10;
/** Share of a field's values that must be too coarse for the whole field to be dropped. */
const FIELD_COARSE_SHARE = 0.5;
/** A field pair is one-to-one (or many-to-one) when this share of values sees exactly one partner. */
const FUNCTIONAL = 0.85;
/** Pairs seen fewer times than this say nothing. */
const MIN_EVIDENCE = 5;
/** Share of a value's time with none of its parts open that makes those parts separate operations. */
const IDLE_SHARE = 0.3;
/** How many times more of a field's values open at once than of a finer field's means idle time between. */
const IDLE_RATIO = 3;
/** Keys per record that are paired up: a record with many keys must not make the pairs quadratic. */
const MAX_PAIRED = 4;

export interface FieldRejection {
  field: string;
  reason: string;
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

/** What a usual value of each field family looks like, for the rules and the reasons given. */
export interface Typical {
  count: Float64Array;
  spreadMs: Float64Array;
  /** How many of the family's values are open at once, on average over the input's time span. */
  concurrency: Float64Array;
  /** Share of the input during which one of its values is open, on average (0: too few values to tell). */
  openShare: Float64Array;
}

function typicalByFamily(
  cl: Clusters,
  table: KeyTable,
  counts: Float64Array,
  spreads: Float64Array,
): Typical {
  const families = table.families.length;
  const members: number[][] = Array.from({ length: families }, () => []);
  let from = Infinity;
  let to = -Infinity;
  for (let c = 0; c < cl.size; c++) {
    members[table.keyFamily[cl.key[c]!]!]!.push(c);
    if (cl.first[c]! < from) from = cl.first[c]!;
    if (cl.last[c]! > to) to = cl.last[c]!;
  }
  const span = Math.max(1, to - from);
  const typical: Typical = {
    count: new Float64Array(families),
    spreadMs: new Float64Array(families),
    concurrency: new Float64Array(families),
    openShare: new Float64Array(families),
  };
  members.forEach((list, f) => {
    typical.count[f] = median(Float64Array.from(list, (c) => counts[c]!));
    typical.spreadMs[f] = median(Float64Array.from(list, (c) => spreads[c]!));
    let open = 0;
    for (const c of list) open += spreads[c]!;
    typical.concurrency[f] = open / span;
  });
  return typical;
}

/**
 * Marks coarse clusters: a whole field whose few values each stay open across much of the input with
 * many records (a tenant, a user: far fewer open at once than the busiest field's), and, within a
 * field, a value with far more records or far longer than its field's usual one (a hot user, a
 * replayed id). The scale is each field's own: steps of an operation (a tool call on two lines) must
 * not make the operation's id look coarse.
 */
function rejectCoarse(cl: Clusters, table: KeyTable): Typical {
  const counts = new Float64Array(cl.size);
  const spreads = new Float64Array(cl.size);
  for (let c = 0; c < cl.size; c++) {
    counts[c] = cl.offset[c + 1]! - cl.offset[c]!;
    spreads[c] = spreadOf(cl, c);
  }
  const typical = typicalByFamily(cl, table, counts, spreads);
  const overall = median(counts.slice());
  const families = table.families.length;
  const clustersOf = new Int32Array(families);
  for (let c = 0; c < cl.size; c++) clustersOf[table.keyFamily[cl.key[c]!]!]!++;
  let busiest = 0;
  for (let f = 0; f < families; f++) busiest = Math.max(busiest, typical.concurrency[f]!);
  const lingering = (f: number): boolean =>
    typical.concurrency[f]! * COARSE_CONCURRENCY < busiest &&
    typical.count[f]! > COARSE_COUNT * Math.max(overall, 2);
  const share = fillOpenShares(cl, table, typical);
  let leastOpen = Infinity;
  for (let f = 0; f < families; f++) if (share[f]! > 0) leastOpen = Math.min(leastOpen, share[f]!);
  const pooled = (f: number): boolean =>
    share[f]! >= POOL_OPEN_SHARE && share[f]! >= POOL_RATIO * leastOpen;
  for (let c = 0; c < cl.size; c++) {
    const f = table.keyFamily[cl.key[c]!]!;
    const n = counts[c]!;
    if (lingering(f)) cl.rejected[c] = Reason.lingering;
    else if (pooled(f)) cl.rejected[c] = Reason.pool;
    else if (clustersOf[f]! < MIN_EVIDENCE) continue;
    else if (n > Math.max(COARSE_COUNT * typical.count[f]!, 20)) cl.rejected[c] = Reason.tooMany;
    else if (
      spreads[c]! > COARSE_SPREAD * Math.max(typical.spreadMs[f]!, 1) &&
      n > 2 * typical.count[f]!
    ) {
      cl.rejected[c] = Reason.tooLong;
    }
  }
  return typical;
}

/**
 * Fills, per field with enough values to tell, the share of the input during which one of its values is
 * open, on average (`typical.openShare`; 0 for the others), and returns it.
 */
function fillOpenShares(cl: Clusters, table: KeyTable, typical: Typical): Float64Array {
  const values = new Int32Array(table.families.length);
  const seen = new Uint8Array(table.keyValue.length);
  for (let c = 0; c < cl.size; c++) {
    const k = cl.key[c]!;
    if (seen[k]) continue;
    seen[k] = 1;
    values[table.keyFamily[k]!]!++;
  }
  const share = typical.openShare;
  for (let f = 0; f < values.length; f++)
    if (values[f]! >= MIN_EVIDENCE) share[f] = typical.concurrency[f]! / values[f]!;
  return share;
}

/** Drops, as a whole, each field most of whose values were turned down, saying why. */
function dropFields(cl: Clusters, table: KeyTable): FieldRejection[] {
  const families = table.families.length;
  const total = new Int32Array(families);
  const byReason = Array.from({ length: families }, () => new Int32Array(REASONS));
  for (let c = 0; c < cl.size; c++) {
    const f = table.keyFamily[cl.key[c]!]!;
    total[f]!++;
    byReason[f]![cl.rejected[c]!]!++;
  }
  const dropped: FieldRejection[] = [];
  const isDropped = new Uint8Array(families);
  for (let f = 0; f < families; f++) {
    const rejected = total[f]! - byReason[f]![Reason.none]!;
    if (rejected === 0 || rejected < total[f]! * FIELD_COARSE_SHARE) continue;
    isDropped[f] = 1;
    const field = table.fields[table.fieldFamily.indexOf(f)]!;
    let main: number = Reason.tooMany;
    for (let r = 1; r < REASONS; r++) if (byReason[f]![r]! > byReason[f]![main]!) main = r;
    dropped.push({
      field,
      reason: `${FIELD_REASON[main] ?? "turned down"} (${rejected} of ${total[f]})`,
    });
  }
  for (let c = 0; c < cl.size; c++) {
    if (!cl.rejected[c] && isDropped[table.keyFamily[cl.key[c]!]!])
      cl.rejected[c] = Reason.fieldDropped;
  }
  return dropped;
}

const REASONS = 10;
const FIELD_REASON: Record<number, string> = {
  [Reason.lingering]:
    "its values stay open across much of the input, each on many records: a tenant or user, not an operation",
  [Reason.tooMany]: "most values are shared by far more records than usual",
  [Reason.tooLong]: "most values are spread over far longer than usual",
  [Reason.oneToOne]: "most values name several separate operations",
  [Reason.bundle]: "most values bundle several whole operations",
  [Reason.idle]: "most values stay open across idle time between several operations",
  // Split values still join, part by part; but a field most of whose values need splitting is not
  // trusted where the split could not tell (the rest of its values are dropped).
  [Reason.split]: "most values run through several operations one after another",
  [Reason.pool]:
    "its values are each open for most of the input: a counter or a pool, not an operation's id",
};

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

/** Calls `visit(a, family, partners)` for each cluster and each family it shares records with. */
function eachPartnerFamily(
  cl: Clusters,
  pairs: Float64Array,
  familyOfCluster: Int32Array,
  visit: (a: number, family: number, partners: number[]) => void,
): void {
  const size = cl.size;
  const fams: number[] = [];
  const lists: number[][] = [];
  let current = -1;
  const flush = (): void => {
    for (let i = 0; i < fams.length; i++) visit(current, fams[i]!, lists[i]!);
    fams.length = 0;
    lists.length = 0;
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
      lists.push([b]);
    } else lists[at]!.push(b);
  }
  flush();
}

/**
 * Share of `a`'s time during which none of `partners` is open: the idle time between them. Only for
 * partners that begin in the service `a` begins in (its entry): the parts `a` may be a sequence of.
 */
function idleShare(cl: Clusters, facts: RecordFacts, a: number, partners: number[]): number {
  const entry = (c: number): number => facts.service[cl.recs[cl.offset[c]!]!]!;
  const span = cl.last[a]! - cl.first[a]!;
  if (!(span > 0) || partners.some((b) => entry(b) !== entry(a))) return 0;
  const sorted = [...partners].sort((x, y) => cl.first[x]! - cl.first[y]!);
  let covered = 0;
  let reach = cl.first[a]!;
  for (const b of sorted) {
    const from = Math.max(reach, cl.first[b]!);
    const to = Math.min(cl.last[a]!, cl.last[b]!);
    if (to > from) covered += to - from;
    reach = Math.max(reach, to);
  }
  return 1 - covered / span;
}

/** Marks clusters that glue together what a finer or same-level field keeps apart. */
function rejectAmbiguous(
  cl: Clusters,
  table: KeyTable,
  byRecord: { from: Int32Array; list: Int32Array },
  typical: Typical,
  facts: RecordFacts,
): Map<number, number[]> {
  const splits = new Map<number, number[]>();
  const families = table.families.length;
  const familyOfCluster = new Int32Array(cl.size);
  for (let c = 0; c < cl.size; c++) familyOfCluster[c] = table.keyFamily[cl.key[c]!]!;
  const pairs = sharedPairs(cl, familyOfCluster, byRecord);
  // For each family pair F→G: how many F values meet G at all, and how many meet exactly one G value.
  const meet = new Int32Array(families * families);
  const one = new Int32Array(families * families);
  eachPartnerFamily(cl, pairs, familyOfCluster, (a, g, partners) => {
    const k = familyOfCluster[a]! * families + g;
    meet[k]!++;
    if (partners.length === 1) one[k]!++;
  });
  const functional = (f: number, g: number): boolean | undefined => {
    const k = f * families + g;
    return meet[k]! < MIN_EVIDENCE ? undefined : one[k]! >= FUNCTIONAL * meet[k]!;
  };
  eachPartnerFamily(cl, pairs, familyOfCluster, (a, g, partners) => {
    const n = partners.length;
    if (n < 2 || cl.rejected[a]) return;
    const covering = partners.every((b) => covers(cl, b, a));
    const wider = partners.some((b) => cl.services[b]! > cl.services[a]!);
    const f = familyOfCluster[a]!;
    const down = functional(g, f);
    const up = functional(f, g);
    let reason = 0;
    const coarser = down && up !== true;
    if (down && up) reason = Reason.oneToOne;
    // A value over several values of a finer field, each of which reaches every service this one does,
    // bundles whole operations (a user, a session); a value over steps that stay within fewer services
    // (tool calls of one request) does not. Values all within one and the same service tell nothing
    // this way. Too few values to tell counts as not one to one.
    else if (coarser && covering && (wider || cl.services[a]! > 1)) reason = Reason.bundle;
    // Values that stay open far longer than the finer values under them sum up to (steps of an
    // operation tile it; operations of a user leave it idle in between) hold separate operations.
    else if (coarser && typical.concurrency[f]! > IDLE_RATIO * typical.concurrency[g]!) {
      reason = Reason.idle;
    }
    // Parts at its own entry with idle time between them (the messages of a conversation): each part
    // is an operation, and the value's other records go with the part open at their time.
    else if (coarser && idleShare(cl, facts, a, partners) >= IDLE_SHARE) {
      reason = Reason.split;
      splits.set(a, partners);
    }
    if (!reason) return;
    cl.rejected[a] = reason;
    cl.partners[a] = n;
    cl.partnerFamily[a] = g;
  });
  return splits;
}

/** Decides which clusters join records (unless `forced`: fields named by the user join as they are). */
export interface Learned {
  typical: Typical;
  dropped: FieldRejection[];
  /** Clusters split between the parts they run through, with those parts. */
  splits: Map<number, number[]>;
}

export function learnKeys(
  cl: Clusters,
  table: KeyTable,
  byRecord: { from: Int32Array; list: Int32Array },
  facts: RecordFacts,
  forced: boolean,
): Learned {
  if (forced) {
    const none = new Float64Array(table.families.length);
    return {
      typical: { count: none, spreadMs: none, concurrency: none, openShare: none },
      dropped: [],
      splits: new Map(),
    };
  }
  const typical = rejectCoarse(cl, table);
  const splits = rejectAmbiguous(cl, table, byRecord, typical, facts);
  return { typical, dropped: dropFields(cl, table), splits };
}
