// Ids for operations and spans that the join made up: hex like real ids, and the same on every run.

/** FNV-1a, 32 bits, with a seed so that several of them make a longer id. */
function fnv(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A `length`-hex-digit id derived from where a record is (its source, line and service). */
export function syntheticId(
  at: { source: string; line: number; service?: string | undefined },
  length: 16 | 32,
): string {
  const text = `${at.source}\u0000${at.line}\u0000${at.service ?? ""}`;
  let out = "";
  for (let seed = 0; out.length < length; seed++)
    out += fnv(text, seed).toString(16).padStart(8, "0");
  return out;
}
