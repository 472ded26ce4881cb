// Fields that hold the same ids under different names (`acct` in one service, `account` in the next):
// found from the data alone — many values seen in both fields, each at about the same time in both — so
// their values join across them like id-shaped values do. Values that only look alike (page numbers in
// one field, turn numbers in another) are seen all through the input: they are not counted.
import { isIdShaped } from "../../decode/join-keys.js";
import type { KeyTable } from "./key-table.js";

/** Shared values, at about the same time in both fields, needed before two fields count as one. */
const MIN_SHARED = 5;
/** Share of the smaller field's values that must be so shared. */
const MIN_SHARE = 0.5;
/** A value seen over longer than this many windows names no one thing (a pool, a counter): not counted. */
const MAX_WINDOWS = 2;

/** Each family's alias root: itself, or the family whose name it is read under from now on. */
export function findAliases(table: KeyTable, windowMs: number): Int32Array {
  const families = table.families.length;
  const root = Int32Array.from({ length: families }, (_, f) => f);
  // Each value of a family-scoped key (not id-shaped: it joins only within its family), and when it is seen.
  const byValue = new Map<string, number[]>();
  const values = new Int32Array(families);
  for (let k = 0; k < table.keyValue.length; k++) {
    const value = table.keyValue[k]!;
    if (isIdShaped(value)) continue;
    values[table.keyFamily[k]!]!++;
    const keys = byValue.get(value);
    if (keys) keys.push(k);
    else byValue.set(value, [k]);
  }
  // Only values seen in two fields or more can tie fields together: only their keys' times are read.
  const wanted = new Set<number>();
  for (const keys of byValue.values()) {
    const family = table.keyFamily[keys[0]!]!;
    if (keys.some((k) => table.keyFamily[k] !== family)) for (const k of keys) wanted.add(k);
  }
  if (wanted.size === 0) return root;
  const times = timesByKey(table, wanted);
  const shared = new Map<number, number>();
  for (const keys of byValue.values()) {
    for (let i = 0; i < keys.length; i++) {
      for (let j = i + 1; j < keys.length; j++) {
        const a = keys[i]!;
        const b = keys[j]!;
        const fa = table.keyFamily[a]!;
        const fb = table.keyFamily[b]!;
        if (fa === fb) continue;
        const ta = times.get(a);
        const tb = times.get(b);
        if (!ta || !tb || !near(ta, tb, windowMs)) continue;
        if (spread(ta) > MAX_WINDOWS * windowMs || spread(tb) > MAX_WINDOWS * windowMs) continue;
        const pair = Math.min(fa, fb) * families + Math.max(fa, fb);
        shared.set(pair, (shared.get(pair) ?? 0) + 1);
      }
    }
  }
  const find = (f: number): number => {
    while (root[f] !== f) f = root[f]!;
    return f;
  };
  for (const [pair, n] of shared) {
    const a = Math.floor(pair / families);
    const b = pair % families;
    if (n < MIN_SHARED || n < MIN_SHARE * Math.min(values[a]!, values[b]!)) continue;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) root[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  for (let f = 0; f < families; f++) root[f] = find(f);
  return root;
}

/** Sorted times (epoch ms) of the records of each wanted key. */
function timesByKey(table: KeyTable, wanted: Set<number>): Map<number, Float64Array> {
  const lists = new Map<number, number[]>();
  const occKey = table.occKey.view();
  const occRec = table.occRec.view();
  for (let i = 0; i < occKey.length; i++) {
    if (!wanted.has(occKey[i]!)) continue;
    const t = table.timeMsOf(occRec[i]!);
    if (Number.isNaN(t)) continue;
    const list = lists.get(occKey[i]!);
    if (list) list.push(t);
    else lists.set(occKey[i]!, [t]);
  }
  const out = new Map<number, Float64Array>();
  for (const [k, list] of lists) out.set(k, Float64Array.from(list).sort());
  return out;
}

function spread(times: Float64Array): number {
  return times[times.length - 1]! - times[0]!;
}

/** Whether some time of `a` is within `windowMs` of some time of `b` (both sorted). */
function near(a: Float64Array, b: Float64Array, windowMs: number): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (Math.abs(a[i]! - b[j]!) <= windowMs) return true;
    if (a[i]! < b[j]!) i++;
    else j++;
  }
  return false;
}
