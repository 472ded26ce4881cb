import type { Instant } from "../model.js";

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Rounds a fraction-digit count up to the 0/3/6/9 grid used for output. */
function gridDigits(n: number): number {
  if (n <= 0) return 0;
  if (n <= 3) return 3;
  if (n <= 6) return 6;
  return 9;
}

const TAIL = /^(?:[.,](\d+))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The last `YYYY-MM-DDTHH:MM:SS` seen and its epoch ms: consecutive log lines mostly share it. */
let lastHead = "";
let lastBase = 0;

/** Applies the fraction and zone to the epoch ms of the date and time. */
function withTail(base: number, frac: string | undefined, zone: string | undefined): Instant {
  let ms = base;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0);
    ms -= sign * offsetMin * 60_000;
  }
  let ns = 0;
  if (frac) {
    const nine = frac.slice(0, 9).padEnd(9, "0");
    ms += Number(nine.slice(0, 3));
    ns = Number(nine.slice(3));
  }
  return { ms, ns, digits: gridDigits(frac?.length ?? 0) };
}

/** Parses RFC 3339 / ISO 8601 text (also `YYYY-MM-DD HH:MM:SS,mmm`). Zone-less text is read as UTC. */
export function parseIsoInstant(input: string): Instant | undefined {
  const text = input.trim();
  if (lastHead !== "" && text.startsWith(lastHead)) {
    const tail = TAIL.exec(text.slice(19));
    if (tail) return withTail(lastBase, tail[1], tail[2]);
  }
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const parts = [
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s ?? 0),
  ] as const;
  const base = Date.UTC(...parts);
  // Date.UTC rolls impossible dates over (Feb 30 → Mar 1): reject them instead.
  const check = new Date(base);
  if (
    check.getUTCMonth() !== parts[1] ||
    check.getUTCDate() !== parts[2] ||
    parts[3] > 23 ||
    parts[4] > 59 ||
    parts[5] > 60
  ) {
    return undefined;
  }
  if (s !== undefined && text.length >= 19) {
    lastHead = text.slice(0, 19);
    lastBase = base;
  }
  return withTail(base, frac, zone);
}

/** Builds an instant from an epoch count whose unit is told by its digit count (s, ms, µs, ns). */
export function epochDigitsInstant(digits: string): Instant | undefined {
  const len = digits.length;
  if (len >= 17 && len <= 19) {
    const ns = BigInt(digits);
    return { ms: Number(ns / 1_000_000n), ns: Number(ns % 1_000_000n), digits: 9 };
  }
  const n = Number(digits);
  if (len >= 14 && len <= 16) return { ms: Math.floor(n / 1000), ns: (n % 1000) * 1000, digits: 6 };
  if (len >= 11 && len <= 13) return { ms: n, ns: 0, digits: 3 };
  if (len >= 9 && len <= 10) return { ms: n * 1000, ns: 0, digits: 0 };
  return undefined;
}

/** Floating epoch seconds (zap `ts`, structlog, python `created`): µs precision is what they carry. */
export function epochSecondsFloat(value: number): Instant {
  const us = Math.round(value * 1e6);
  return { ms: Math.floor(us / 1000), ns: (us % 1000) * 1000, digits: 6 };
}

/** Nanoseconds since epoch given as a decimal string (OTLP `*UnixNano`). Zero means unset. */
export function unixNanoInstant(text: string | number): Instant | undefined {
  const s = String(text);
  if (!/^\d+$/.test(s) || /^0+$/.test(s)) return undefined;
  const ns = BigInt(s);
  return { ms: Number(ns / 1_000_000n), ns: Number(ns % 1_000_000n), digits: 9 };
}

export function fromSecondsNanos(seconds: number, nanos: number): Instant {
  return { ms: seconds * 1000 + Math.floor(nanos / 1e6), ns: nanos % 1e6, digits: 9 };
}

/** Reads any time value found in a log: ISO text, epoch number (unit by magnitude), numeric text. */
export function parseTimeValue(value: unknown): Instant | undefined {
  if (typeof value === "string") {
    if (/^\d{9,19}$/.test(value)) return epochDigitsInstant(value);
    if (/^\d{9,10}\.\d+$/.test(value)) return epochSecondsFloat(Number(value));
    return parseIsoInstant(value);
  }
  if (typeof value === "number" && Number.isFinite(value) && value > 0) {
    if (Number.isInteger(value)) return epochDigitsInstant(String(value));
    if (value < 1e11) return epochSecondsFloat(value);
    // Fractional milliseconds (e.g. performance-derived).
    const us = Math.round(value * 1000);
    return { ms: Math.floor(us / 1000), ns: (us % 1000) * 1000, digits: 6 };
  }
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("$date" in o) return parseTimeValue(o.$date);
    if (typeof o.seconds === "number" || typeof o.seconds === "string") {
      return fromSecondsNanos(Number(o.seconds), Number(o.nanos ?? 0));
    }
    if (typeof o.epochSecond === "number") {
      return fromSecondsNanos(o.epochSecond, Number(o.nanoOfSecond ?? 0));
    }
  }
  return undefined;
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.ms - b.ms || a.ns - b.ns;
}

/** a − b in milliseconds (fractional). */
export function diffMs(a: Instant, b: Instant): number {
  return a.ms - b.ms + (a.ns - b.ns) / 1e6;
}

export function minInstant(a: Instant, b: Instant): Instant {
  return compareInstants(a, b) <= 0 ? a : b;
}

export function maxInstant(a: Instant, b: Instant): Instant {
  return compareInstants(a, b) >= 0 ? a : b;
}

/** RFC 3339 UTC with the precision the input had. */
export function formatInstant(t: Instant): string {
  const seconds = Math.floor(t.ms / 1000);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (t.digits === 0) return `${base}Z`;
  const msPart = String(t.ms - seconds * 1000).padStart(3, "0");
  const frac = `${msPart}${String(t.ns).padStart(6, "0")}`.slice(0, t.digits);
  return `${base}.${frac}Z`;
}

/** Instant as fractional epoch milliseconds, for arithmetic on a time axis. */
export function toEpochMs(t: Instant): number {
  return t.ms + t.ns / 1e6;
}
