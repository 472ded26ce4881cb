// Which value clusters really name one operation, learned from all of them: a value shared by far more
// records or over far longer than usual (a user, a tenant) is too coarse, and so is a value that ties
// together several values of a field that is otherwise one-to-one with it (a retried task id) or
// that each cross services on their own (a session around its requests).
import type { ValueCluster } from "./clusters.js";

/** How many times the usual record count, or the usual time spread, makes a value too coarse. */
const COARSE_COUNT = 10;
const COARSE_SPREAD = 30;
/** Share of a field's values that must be too coarse for the whole field to be dropped. */
const FIELD_COARSE_SHARE = 0.5;
/** A field pair is one-to-one (or many-to-one) when this share of values sees exactly one partner. */
const FUNCTIONAL = 0.85;
/** Pairs seen fewer times than this say nothing. */
const MIN_EVIDENCE = 5;

export interface FieldRejection {
  field: string;
  reason: string;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function spread(c: ValueCluster): number {
  return Number.isNaN(c.start) ? 0 : c.end - c.start;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** Marks coarse clusters, and whole fields whose values mostly are. */
function rejectCoarse(clusters: ValueCluster[]): FieldRejection[] {
  const typicalCount = median(clusters.map((c) => c.recs.length));
  const typicalSpread = median(clusters.map(spread));
  const perFamily = new Map<string, { field: string; total: number; coarse: number }>();
  for (const c of clusters) {
    const n = c.recs.length;
    const s = spread(c);
    if (n > Math.max(COARSE_COUNT * typicalCount, 20)) {
      c.rejected = `shared by ${n} records (a typical key value: ${typicalCount})`;
    } else if (s > COARSE_SPREAD * Math.max(typicalSpread, 1) && n > 2 * typicalCount) {
      c.rejected = `spread over ${formatMs(s)} (a typical key value: ${formatMs(typicalSpread)})`;
    }
    const f = perFamily.get(c.family) ?? { field: c.field, total: 0, coarse: 0 };
    f.total++;
    if (c.rejected) f.coarse++;
    perFamily.set(c.family, f);
  }
  const dropped: FieldRejection[] = [];
  for (const [family, f] of perFamily) {
    if (f.coarse === 0 || f.coarse < f.total * FIELD_COARSE_SHARE) continue;
    const reason = `most ${f.field} values are shared by too many records or too long (${f.coarse} of ${f.total})`;
    dropped.push({ field: f.field, reason });
    for (const c of clusters) if (c.family === family && !c.rejected) c.rejected = reason;
  }
  return dropped;
}

/** Per cluster, the other clusters it shares a record with, by family. */
function partners(clusters: ValueCluster[], recClusters: number[][]): Map<string, Set<number>>[] {
  const out = clusters.map(() => new Map<string, Set<number>>());
  for (const list of recClusters) {
    if (list.length < 2) continue;
    for (const a of list) {
      if (clusters[a]!.rejected) continue;
      for (const b of list) {
        const cb = clusters[b]!;
        if (a === b || cb.rejected || cb.family === clusters[a]!.family) continue;
        const byFamily = out[a]!;
        const set = byFamily.get(cb.family) ?? new Set<number>();
        set.add(b);
        byFamily.set(cb.family, set);
      }
    }
  }
  return out;
}

/** Marks clusters that glue together what a finer or same-level field keeps apart. */
function rejectAmbiguous(clusters: ValueCluster[], recClusters: number[][]): void {
  const near = partners(clusters, recClusters);
  // For each family pair F→G: how many F values meet G at all, and how many meet exactly one G value.
  const seen = new Map<string, { meet: number; one: number }>();
  const services = new Map<string, { sum: number; n: number }>();
  clusters.forEach((c, i) => {
    if (c.rejected) return;
    const s = services.get(c.family) ?? { sum: 0, n: 0 };
    s.sum += c.services.length;
    s.n++;
    services.set(c.family, s);
    for (const [g, set] of near[i]!) {
      const k = `${c.family}\u0000${g}`;
      const e = seen.get(k) ?? { meet: 0, one: 0 };
      e.meet++;
      if (set.size === 1) e.one++;
      seen.set(k, e);
    }
  });
  const functional = (f: string, g: string): boolean | undefined => {
    const e = seen.get(`${f}\u0000${g}`);
    return !e || e.meet < MIN_EVIDENCE ? undefined : e.one >= FUNCTIONAL * e.meet;
  };
  const width = (f: string): number => {
    const s = services.get(f);
    return s ? s.sum / s.n : 0;
  };
  clusters.forEach((c, i) => {
    if (c.rejected) return;
    for (const [g, set] of near[i]!) {
      if (set.size < 2) continue;
      const down = functional(g, c.family);
      const up = functional(c.family, g);
      const gField = clusters[[...set][0]!]!.field;
      if (down && up) {
        c.rejected = `names ${set.size} ${gField} values, which otherwise pair one to one with it: separate operations (a retry or a duplicate)`;
        return;
      }
      // Too few values of this field to tell (one user behind every request) counts as not one to one:
      // this value alone already names several of the wider operations.
      if (down && up !== true && width(g) > width(c.family)) {
        c.rejected = `spans ${set.size} ${gField} values, each an operation across services of its own`;
        return;
      }
    }
  });
}

/** Decides which clusters join records; returns the fields dropped as a whole. */
export function learnKeys(
  clusters: ValueCluster[],
  recClusters: number[][],
  forced: boolean,
): FieldRejection[] {
  if (forced) return [];
  const dropped = rejectCoarse(clusters);
  rejectAmbiguous(clusters, recClusters);
  return dropped;
}
