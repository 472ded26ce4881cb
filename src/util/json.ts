// Lossless, prototype-safe JSON parsing for untrusted log text.

const LONG_DIGITS = /\d{16}/;
const PROTO_KEYS = /"(?:__proto__|constructor)"/;

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
    while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    const next = text.charCodeAt(j);
    const isInteger = next !== 46 && next !== 101 && next !== 69; /* . e E */
    if (isInteger && j - i >= 16) {
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

/** JSON.parse that keeps long integers exact and drops `__proto__`/`constructor` keys. Throws on invalid JSON. */
export function parseJson(text: string): unknown {
  const safe = LONG_DIGITS.test(text) ? quoteLongIntegers(text) : text;
  return PROTO_KEYS.test(safe) ? JSON.parse(safe, dropProtoKeys) : JSON.parse(safe);
}
