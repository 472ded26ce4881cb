export type Scalar = string | number | boolean;
export type Flat = Record<string, Scalar>;

const MAX_DEPTH = 6;
const MAX_KEYS = 256;
const MAX_ARRAY = 16;

/** Flattens nested objects to dotted keys (`log.level`, `dd.trace_id`), so literal dotted keys and nesting read alike. */
export function flatten(value: Record<string, unknown>): Flat {
  const out: Flat = Object.create(null);
  let count = 0;
  const walk = (obj: Record<string, unknown> | unknown[], prefix: string, depth: number): void => {
    const entries = Array.isArray(obj) ? obj.slice(0, MAX_ARRAY).entries() : Object.entries(obj);
    for (const [k, v] of entries) {
      if (count >= MAX_KEYS) return;
      const key = prefix ? `${prefix}.${k}` : String(k);
      if (v === null || v === undefined) continue;
      if (typeof v === "object") {
        if (depth < MAX_DEPTH) walk(v as Record<string, unknown>, key, depth + 1);
      } else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
        out[key] = v;
        count++;
      }
    }
  };
  walk(value, "", 0);
  return out;
}
