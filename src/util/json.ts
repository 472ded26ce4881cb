// Lossless, prototype-safe JSON parsing for untrusted log text.

const LONG_DIGITS = /\d{16}/;
const PROTO_KEYS = /"(?:__proto__|constructor)"/;

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

/** JSON.parse that keeps long integers exact and drops `__proto__`/`constructor` keys. Throws on invalid JSON. */
export function parseJson(text: string): unknown {
  const safe = LONG_DIGITS.test(text) ? quoteLongIntegers(text) : text;
  return PROTO_KEYS.test(safe) ? JSON.parse(safe, dropProtoKeys) : JSON.parse(safe);
}
