// How long the work a record reports on took (`"ms": 230`, `"elapsed": "1.2s"`): a line logged at the end
// of its work then also tells when the work began.

/**
 * Fields whose unit the name states, with the factor to milliseconds; `null`: read only as text with
 * units (`1.2s`, `2m3.5s`), since bare numbers there differ by library (zap: seconds; slog: nanoseconds).
 */
export const DURATION_FIELDS: ReadonlyMap<string, number | null> = new Map([
  ["duration_ms", 1],
  ["durationMs", 1],
  ["elapsed_ms", 1],
  ["elapsedMs", 1],
  ["took_ms", 1],
  ["tookMs", 1],
  ["latency_ms", 1],
  ["latencyMs", 1],
  ["response_time_ms", 1],
  ["responseTime", 1],
  ["time_ms", 1],
  ["ms", 1],
  ["duration_s", 1000],
  ["duration_seconds", 1000],
  ["elapsed_s", 1000],
  ["elapsed_seconds", 1000],
  ["duration_us", 0.001],
  ["duration_ns", 0.000001],
  ["duration", null],
  ["elapsed", null],
  ["took", null],
  ["latency", null],
]);

const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000001,
};
const PART = /(\d+(?:\.\d+)?)\s*(ms|us|µs|ns|h|m|s)/y;

/** `230ms`, `1.2s`, Go's `2m3.5s`: milliseconds, or undefined when the text is anything else. */
export function parseDurationText(text: string): number | undefined {
  let total = 0;
  let at = 0;
  const s = text.trim();
  while (at < s.length) {
    PART.lastIndex = at;
    const m = PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART.lastIndex;
  }
  return at > 0 ? total : undefined;
}

function positive(ms: number): number | undefined {
  return Number.isFinite(ms) && ms > 0 && ms < 31 * 86_400_000 ? ms : undefined;
}

/** The duration a field of a record states, in milliseconds, if `name` is a duration field. */
export function durationOf(name: string, value: unknown): number | undefined {
  const factor = DURATION_FIELDS.get(name);
  if (factor === undefined) return undefined;
  if (typeof value === "string") {
    const text = parseDurationText(value);
    if (text !== undefined) return positive(text);
    return factor === null || value === "" ? undefined : positive(Number(value) * factor);
  }
  return typeof value === "number" && factor !== null ? positive(value * factor) : undefined;
}
