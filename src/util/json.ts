// Lossless, prototype-safe JSON parsing for untrusted log text.

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Characters that continue a number after its integer part: digits, `.`, `e`, `E`, `+`, `-`. */
function isNumberChar(c: number): boolean {
  return isDigit(c) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
}

/** Integers of 16+ digits (ns timestamps, 64-bit decimal ids) exceed 2^53: turn them into strings. */
export function quoteLongIntegers(text: string): string {
  let out = "";
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    const isStart = (c >= 48 && c <= 57) || c === 45; /* digit or - */
    if (!isStart) continue;
    let j = i + (c === 45 ? 1 : 0);
    while (j < text.length && isDigit(text.charCodeAt(j))) j++;
    const digitsEnd = j;
    // A fraction or exponent makes it a float: consume it whole, never quote it.
    while (j < text.length && isNumberChar(text.charCodeAt(j))) j++;
    if (j === digitsEnd && digitsEnd - i >= 16) {
      out += `${text.slice(last, i)}"${text.slice(i, j)}"`;
      last = j;
    }
    i = j - 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

function dropProtoKeys(key: string, value: unknown): unknown {
  return key === "__proto__" || key === "constructor" ? undefined : value;
}

const UNSAFE_NUMBER = 1;
const PROTO_KEY = 2;

/** What the parsed value holds that a plain JSON.parse gets wrong: integers past 2^53, prototype keys. */
function hazards(value: unknown, depth: number): number {
  if (typeof value === "number")
    return Number.isSafeInteger(value) || !Number.isInteger(value) ? 0 : UNSAFE_NUMBER;
  if (value === null || typeof value !== "object" || depth > 64) return 0;
  let found = 0;
  if (Array.isArray(value)) {
    for (const v of value) found |= hazards(v, depth + 1);
    return found;
  }
  for (const key in value) {
    if (key === "__proto__" || key === "constructor") found |= PROTO_KEY;
    found |= hazards((value as Record<string, unknown>)[key], depth + 1);
  }
  return found;
}

/**
 * JSON.parse that keeps integers past 2^53 exact (as strings) and drops `__proto__`/`constructor` keys.
 * Parses once, and again only when the first result shows such a hazard. Throws on invalid JSON.
 */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  const found = hazards(value, 0);
  if (found === 0) return value;
  const safe = found & UNSAFE_NUMBER ? quoteLongIntegers(text) : text;
  return found & PROTO_KEY ? JSON.parse(safe, dropProtoKeys) : JSON.parse(safe);
}
