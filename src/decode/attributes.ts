// A record's other fields, kept as written but bounded: what says *why* survives decoding, and no line
// can make a record huge (README "JSON output" documents the caps).
import type { Attributes, JsonValue } from "../model.js";
import { isSafeKey } from "./record.js";

/** Longest string kept whole; longer ones keep their start and say how much was cut. */
export const MAX_STRING = 4096;
/** Objects and arrays deeper than this (the attributes themselves are level 0) become `TOO_DEEP`. */
export const MAX_DEPTH = 8;
/** Entries kept of one object or array; the rest are counted under `MORE_KEY`. */
export const MAX_ENTRIES = 256;
export const TOO_DEEP = "[nested too deep]";
export const MORE_KEY = "…";

/** `text` cut to `max` characters (not inside a surrogate pair), with how many were cut. */
export function capString(text: string, max = MAX_STRING): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…(${text.length - end} more chars)`;
}

const moreMarker = (n: number): { [MORE_KEY]: string } => ({ [MORE_KEY]: `${n} more` });

/**
 * A JSON value within the caps. Returns the value itself when it is within them (no copy: parsed
 * values are shared, not duplicated), a bounded copy otherwise, undefined for non-JSON values.
 */
export function capValue(v: unknown, depth: number): JsonValue | undefined {
  switch (typeof v) {
    case "string":
      return v.length > MAX_STRING ? capString(v) : v;
    case "number":
      return Number.isFinite(v) ? v : String(v);
    case "boolean":
      return v;
    case "bigint":
      return v.toString();
    case "object":
      if (v === null) return null;
      if (depth > MAX_DEPTH) return TOO_DEEP;
      return Array.isArray(v) ? capArray(v, depth) : capObject(v as Record<string, unknown>, depth);
    default:
      return undefined;
  }
}

function capArray(arr: readonly unknown[], depth: number): JsonValue[] {
  const n = Math.min(arr.length, MAX_ENTRIES);
  let out: JsonValue[] | undefined = arr.length > MAX_ENTRIES ? [] : undefined;
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    const capped = capValue(v, depth + 1) ?? null;
    if (out === undefined && capped !== v) out = arr.slice(0, i) as JsonValue[];
    if (out !== undefined) out.push(capped);
  }
  if (out === undefined) return arr as JsonValue[];
  if (arr.length > MAX_ENTRIES) out.push(moreMarker(arr.length - MAX_ENTRIES));
  return out;
}

function capObject(obj: Record<string, unknown>, depth: number): Attributes {
  let out: Record<string, JsonValue> | undefined;
  let kept = 0;
  let seen = 0;
  for (const key in obj) {
    seen++;
    const v = obj[key];
    const capped = isSafeKey(key) && kept < MAX_ENTRIES ? capValue(v, depth + 1) : undefined;
    if (out === undefined && (capped !== v || kept >= MAX_ENTRIES)) {
      // The first change: copy what was kept so far and continue in the copy.
      out = {};
      let i = 0;
      for (const k in obj) {
        if (i++ >= seen - 1) break;
        out[k] = obj[k] as JsonValue;
      }
    }
    if (capped === undefined) continue;
    kept++;
    if (out !== undefined) out[key] = capped;
  }
  if (out === undefined) return obj as Attributes;
  if (seen > kept && kept >= MAX_ENTRIES) Object.assign(out, moreMarker(seen - kept));
  return out;
}

/** Field paths (segments from the top) read into a record's normalized fields, left out of its attributes. */
export type UsedPaths = readonly (readonly string[])[];

/**
 * A log line's attributes: every field but the `used` ones, nested as written and within the caps;
 * an object left empty once its used fields are out is left out too. Undefined when nothing is left.
 */
export function attributesOf(
  obj: Record<string, unknown>,
  used: UsedPaths,
): Attributes | undefined {
  const out: Record<string, JsonValue> = {};
  let kept = 0;
  let seen = 0;
  for (const key in obj) {
    if (!isSafeKey(key)) continue;
    let inner: string[][] | undefined;
    let whole = false;
    for (const p of used) {
      if (p[0] !== key) continue;
      if (p.length === 1) whole = true;
      else (inner ??= []).push(p.slice(1));
    }
    if (whole) continue;
    seen++;
    if (kept >= MAX_ENTRIES) continue;
    const v = obj[key];
    const value =
      inner && v !== null && typeof v === "object" && !Array.isArray(v)
        ? nestedWithout(v as Record<string, unknown>, inner, 1)
        : capValue(v, 1);
    if (value === undefined) {
      seen--;
      continue;
    }
    out[key] = value;
    kept++;
  }
  if (seen > kept) Object.assign(out, moreMarker(seen - kept));
  return kept > 0 ? out : undefined;
}

/** An object less the used paths inside it (capped), or undefined when nothing is left. */
function nestedWithout(
  obj: Record<string, unknown>,
  used: UsedPaths,
  depth: number,
): Attributes | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const rest = attributesOf(obj, used);
  // attributesOf caps its values as top-level ones: cap again at the depth they really sit at.
  return rest === undefined ? undefined : (capValue(rest, depth) as Attributes);
}

/**
 * A span export's attributes, flat as OTel has them: nested objects become dotted keys (LangSmith
 * `extra.metadata.x`), arrays and scalars stay as they are; within the caps.
 */
export function flatAttributes(value: unknown): Attributes {
  const out: Record<string, JsonValue> = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) return out;
  let kept = 0;
  let dropped = 0;
  const walk = (obj: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const k in obj) {
      if (!isSafeKey(k)) continue;
      const v = obj[k];
      const key = prefix + k;
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        if (depth < MAX_DEPTH) walk(v as Record<string, unknown>, `${key}.`, depth + 1);
        else if (kept < MAX_ENTRIES) {
          out[key] = TOO_DEEP;
          kept++;
        } else dropped++;
        continue;
      }
      const capped = capValue(v, depth + 1);
      if (capped === undefined) continue;
      if (kept >= MAX_ENTRIES) dropped++;
      else if (isSafeKey(key)) {
        out[key] = capped;
        kept++;
      }
    }
  };
  walk(value as Record<string, unknown>, "", 0);
  if (dropped > 0) Object.assign(out, moreMarker(dropped));
  return out;
}
