import type { Instant } from "../model.js";

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * What one run's time parsing remembers (one per run, never module-level: caches belong to a run).
 * Without one, the parsers below compute the same instants without caching.
 */
export class TimeMemo {
  /**
   * The instant last handed out when it is the same one again. Log lines arrive many per millisecond
   * and instants are never modified, so neighbours share one object instead of each holding its own.
   */
  #last: Instant = { ms: Number.NaN, ns: 0, digits: 0 };
  /** The last `YYYY-MM-DDTHH:MM:SS` seen and its epoch ms: consecutive log lines mostly share it. */
  head = "";
  base = 0;

  share(ms: number, ns: number, digits: number): Instant {
    const last = this.#last;
    if (last.ms !== ms || last.ns !== ns || last.digits !== digits) {
      return (this.#last = { ms, ns, digits });
    }
    return last;
  }
}

function shared(memo: TimeMemo | undefined, ms: number, ns: number, digits: number): Instant {
  return memo ? memo.share(ms, ns, digits) : { ms, ns, digits };
}

/** Rounds a fraction-digit count up to the 0/3/6/9 grid used for output. */
function gridDigits(n: number): number {
  if (n <= 0) return 0;
  if (n <= 3) return 3;
  if (n <= 6) return 6;
  return 9;
}

const TAIL = /^(?:[.,](\d+))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

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

/** `.fff…Z` after a known head, read without regex or slicing (the common case); undefined otherwise. */
function fastUtcTail(text: string, base: number, memo: TimeMemo | undefined): Instant | undefined {
  let i = 19;
  let ms = 0;
  let sub = 0;
  let digits = 0;
  const sep = text.charCodeAt(i);
  if (sep === 46 /* . */ || sep === 44 /* , */) {
    if (!(text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) return undefined;
    for (i++; i < text.length; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (digits < 3) ms = ms * 10 + c;
      else if (digits < 9) sub = sub * 10 + c;
      digits++;
    }
  }
  const zone = text.charCodeAt(i);
  if (
    !(i === text.length || ((zone === 90 || zone === 122) && i === text.length - 1)) ||
    digits > 9
  ) {
    return undefined;
  }
  for (let d = digits; d < 3; d++) ms *= 10;
  for (let d = Math.max(digits, 3); d < 9; d++) sub *= 10;
  return shared(memo, base + ms, sub, gridDigits(digits));
}

/** Two or four ASCII digits at i, or -1. */
function num(text: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = text.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch ms of a canonical `YYYY-MM-DDTHH:MM:SS` head (T or space), read by character codes; -1 if not one. */
function canonicalHead(text: string): number {
  if (text.length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return -1;
  const t = text.charCodeAt(10);
  if ((t !== 84 && t !== 32) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return -1;
  const y = num(text, 0, 4);
  const mo = num(text, 5, 2);
  const d = num(text, 8, 2);
  const h = num(text, 11, 2);
  const mi = num(text, 14, 2);
  const sec = num(text, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]! || h < 0 || h > 23)
    return -1;
  if (mi < 0 || mi > 59 || sec < 0 || sec > 60) return -1;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return -1;
  return Date.UTC(y, mo - 1, d, h, mi, sec);
}

/**
 * Parses RFC 3339 / ISO 8601 text (also `YYYY-MM-DD HH:MM:SS,mmm`). Zone-less text is read as UTC.
 * With the run's memo, a head equal to the last one is not read again.
 */
export function parseIsoInstant(input: string, memo?: TimeMemo): Instant | undefined {
  const text = input.trim();
  let head = memo?.head ?? "";
  let headMs = memo?.base ?? 0;
  if (head === "" || !text.startsWith(head)) {
    const canonical = canonicalHead(text);
    if (canonical >= 0) {
      head = text.slice(0, 19);
      headMs = canonical;
      if (memo) {
        memo.head = head;
        memo.base = headMs;
      }
    }
  }
  if (head !== "" && text.startsWith(head)) {
    const fast = fastUtcTail(text, headMs, memo);
    if (fast) return fast;
    const tail = TAIL.exec(text.slice(19));
    if (tail) return withTail(headMs, tail[1], tail[2]);
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
  if (memo && s !== undefined && text.length >= 19) {
    memo.head = text.slice(0, 19);
    memo.base = base;
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

/** A safe-integer epoch count, unit by magnitude (as epochDigitsInstant, without going through text). */
function epochIntegerInstant(n: number, memo: TimeMemo | undefined): Instant | undefined {
  if (n >= 1e13 && n < 1e16) return { ms: Math.floor(n / 1000), ns: (n % 1000) * 1000, digits: 6 };
  if (n >= 1e10 && n < 1e13) return shared(memo, n, 0, 3);
  if (n >= 1e8 && n < 1e10) return { ms: n * 1000, ns: 0, digits: 0 };
  return n >= 1e16 ? epochDigitsInstant(String(n)) : undefined;
}

/** Floating epoch seconds (zap `ts`, structlog, python `created`): µs precision is what they carry. */
export function epochSecondsFloat(value: number): Instant {
  const us = Math.round(value * 1e6);
  return { ms: Math.floor(us / 1000), ns: (us % 1000) * 1000, digits: 6 };
}

/** Fractional epoch milliseconds (a computed time), to the microsecond, shown with `digits` digits. */
export function epochMsInstant(ms: number, digits: number): Instant {
  return { ...epochSecondsFloat(ms / 1000), digits };
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

/**
 * Reads any time value found in a log: ISO text, epoch number (unit by magnitude), numeric text.
 * `memo` is the run's (`new TimeMemo()` once per run), so neighbouring lines share their work.
 */
export function parseTimeValue(value: unknown, memo: TimeMemo): Instant | undefined {
  if (typeof value === "string") {
    // ISO text (`YYYY-…`) is the common case: skip the numeric checks for it.
    if (value.charCodeAt(4) === 45) return parseIsoInstant(value, memo);
    if (/^\d{9,19}$/.test(value)) return epochDigitsInstant(value);
    if (/^\d{9,10}\.\d+$/.test(value)) return epochSecondsFloat(Number(value));
    return parseIsoInstant(value, memo);
  }
  if (typeof value === "number" && Number.isFinite(value) && value > 0) {
    if (Number.isInteger(value)) return epochIntegerInstant(value, memo);
    if (value < 1e11) return epochSecondsFloat(value);
    // Fractional milliseconds (e.g. performance-derived).
    const us = Math.round(value * 1000);
    return { ms: Math.floor(us / 1000), ns: (us % 1000) * 1000, digits: 6 };
  }
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("$date" in o) return parseTimeValue(o.$date, memo);
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
