// Where time, level, message and service live across logging libraries (FORMATS.md §2–§7, §10, §11).
import type { Instant, Level } from "../model.js";
import {
  epochSecondsFloat,
  fromSecondsNanos,
  parseTimeValue,
  type TimeMemo,
} from "../util/instant.js";
import { type Path, path, read } from "./lookup.js";

export const TIME_KEYS = [
  "@timestamp",
  "timestamp",
  "time",
  "ts",
  "@t",
  "T",
  "Timestamp",
  "t.$date",
  "instant",
  "date",
  "datetime",
  "_timestamp",
  "eventTime",
  "timeUnixNano",
  "observedTimeUnixNano",
  "ObservedTimestamp",
  "isoTime",
  "asctime",
  "published_date",
] as const;
export const TIME_PATHS = TIME_KEYS.map(path);

/** Single fields read in special cases. */
const P = {
  timestampSeconds: path("timestampSeconds"),
  timestampSecond: path("timestampSecond"),
  timestampNanos: path("timestampNanos"),
  created: path("created"),
  name: path("name"),
  level: path("level"),
  hostname: path("hostname"),
};

/**
 * Reads the record's time from the first time-like field that parses. `used`, when given, receives
 * the fields the time was read from (they are left out of the record's attributes).
 */
export function pickTime(
  obj: Record<string, unknown>,
  memo: TimeMemo,
  paths = TIME_PATHS,
  used?: Path[],
): Instant | undefined {
  for (const p of paths) {
    const v = read(obj, p);
    if (v === undefined) continue;
    const time = parseTimeValue(v, memo);
    if (time) {
      used?.push(p);
      return time;
    }
  }
  // Fluent Bit's split Stackdriver fields.
  const seconds =
    read(obj, P.timestampSeconds) !== undefined ? P.timestampSeconds : P.timestampSecond;
  const splitSeconds = read(obj, seconds);
  if (splitSeconds !== undefined) {
    used?.push(seconds, P.timestampNanos);
    return fromSecondsNanos(Number(splitSeconds), Number(read(obj, P.timestampNanos) ?? 0));
  }
  const created = read(obj, P.created);
  if (typeof created === "number") {
    used?.push(P.created);
    return epochSecondsFloat(created);
  }
  return undefined;
}

export const LEVEL_KEYS = [
  "level",
  "log.level",
  "severity",
  "levelname",
  "severityText",
  "severity_text",
  "SeverityText",
  "@l",
  "L",
  "s",
  "lvl",
  "loglevel",
  "log_level",
  "levelno",
  "@fields.level",
  "severityNumber",
  "severity_number",
  "Severity",
] as const;
export const LEVEL_PATHS = LEVEL_KEYS.map(path);

const LEVEL_WORDS: Record<string, Level> = {
  trace: "trace",
  trc: "trace",
  silly: "trace",
  verbose: "debug",
  finest: "trace",
  finer: "debug",
  fine: "debug",
  debug: "debug",
  dbg: "debug",
  http: "debug",
  info: "info",
  information: "info",
  informational: "info",
  notice: "info",
  default: "info",
  config: "info",
  warn: "warn",
  warning: "warn",
  wrn: "warn",
  error: "error",
  err: "error",
  eror: "error",
  severe: "error",
  fatal: "fatal",
  critical: "fatal",
  crit: "fatal",
  alert: "fatal",
  emergency: "fatal",
  emerg: "fatal",
  panic: "fatal",
  dpanic: "fatal",
  // Single letters: MongoDB `s`, zap dev `L` initials, Serilog-style abbreviations.
  t: "trace",
  d: "debug",
  i: "info",
  w: "warn",
  e: "error",
  f: "fatal",
  c: "fatal",
};

/** pino/bunyan numbers (10..60). */
function nodeLevel(n: number): Level {
  if (n >= 60) return "fatal";
  if (n >= 50) return "error";
  if (n >= 40) return "warn";
  if (n >= 30) return "info";
  if (n >= 20) return "debug";
  return "trace";
}

/** Python levelno (10..50). */
function pythonLevel(n: number): Level {
  if (n >= 50) return "fatal";
  if (n >= 40) return "error";
  if (n >= 30) return "warn";
  if (n >= 20) return "info";
  if (n >= 10) return "debug";
  return "trace";
}

/** OpenTelemetry SeverityNumber (1..24). */
export function otelSeverityLevel(n: number): Level | undefined {
  if (n <= 0 || n > 24) return undefined;
  return (["trace", "debug", "info", "warn", "error", "fatal"] as const)[Math.floor((n - 1) / 4)];
}

/** GCP LogSeverity numbers (0..800). */
function gcpLevel(n: number): Level {
  if (n >= 600) return "fatal";
  if (n >= 500) return "error";
  if (n >= 400) return "warn";
  if (n >= 200 || n === 0) return "info";
  return "debug";
}

/** Words whose meaning depends on the dialect: Serilog's Verbose is its lowest level, winston's sits above debug. */
const LEVEL_WORDS_BY_KEY: Record<string, Record<string, Level>> = { "@l": { verbose: "trace" } };

export function levelFromText(text: string, key?: string): Level | undefined {
  const lower = text.trim().toLowerCase();
  const word = (key ? LEVEL_WORDS_BY_KEY[key]?.[lower] : undefined) ?? LEVEL_WORDS[lower];
  if (word) return word;
  // slog `INFO+2`, `DEBUG-4`; MongoDB `D1`..`D5`; `Warning:`-style suffixes.
  const base = /^([a-z]+)/.exec(lower)?.[1];
  return base ? LEVEL_WORDS[base] : undefined;
}

const OTEL_NUMBER_KEYS = new Set(["severityNumber", "severity_number", "Severity"]);

/** The record's level, interpreting numbers by the key they came from. */
export function pickLevel(
  obj: Record<string, unknown>,
  paths = LEVEL_PATHS,
  used?: Path[],
): Level | undefined {
  for (const p of paths) {
    const key = p.key;
    const v = read(obj, p);
    if (v === undefined) continue;
    let level: Level | undefined;
    if (typeof v === "number") {
      if (key === "levelno") level = pythonLevel(v);
      else if (OTEL_NUMBER_KEYS.has(key)) level = otelSeverityLevel(v);
      else if (key === "severity") level = gcpLevel(v);
      else if (key === "level") level = nodeLevel(v);
    } else if (typeof v === "string") {
      level = /^\d+$/.test(v) ? nodeLevel(Number(v)) : levelFromText(v, key);
    }
    if (level) {
      used?.push(p);
      return level;
    }
  }
  return undefined;
}

export const MESSAGE_KEYS = [
  "msg",
  "message",
  "event",
  "@m",
  "@mt",
  "M",
  "body",
  "Body",
  "text",
  "log",
  // Logstash's event format (winston's `format.logstash()`): `@message`, the rest under `@fields`.
  "@message",
] as const;
export const MESSAGE_PATHS = MESSAGE_KEYS.map(path);

/** The record's message; an object-valued `message` is summarized as JSON by the caller. */
export function pickMessage(
  obj: Record<string, unknown>,
  paths = MESSAGE_PATHS,
  used?: Path[],
): string | undefined {
  for (const p of paths) {
    const v = read(obj, p);
    if (typeof v !== "string" && typeof v !== "number") continue;
    used?.push(p);
    return typeof v === "string" ? v : String(v);
  }
  return undefined;
}

export const SERVICE_KEYS = [
  "service.name",
  "resource.service.name",
  "resource.attributes.service.name",
  "otelServiceName",
  "dd.service",
  "serviceName",
  "service_name",
  "service",
  "app",
  "application",
  "app_name",
  "logging.googleapis.com/labels.service",
  "kubernetes.container_name",
  "kubernetes.container.name",
] as const;
export const SERVICE_PATHS = SERVICE_KEYS.map(path);

export function pickService(
  obj: Record<string, unknown>,
  paths = SERVICE_PATHS,
  used?: Path[],
): string | undefined {
  for (const p of paths) {
    const v = read(obj, p);
    if (typeof v === "string" && v !== "" && v !== "unknown_service") {
      used?.push(p);
      return v;
    }
  }
  // pino and bunyan: `name` is the app's logger name; their lines have a numeric level and a hostname.
  const name = read(obj, P.name);
  if (
    typeof name === "string" &&
    typeof read(obj, P.level) === "number" &&
    read(obj, P.hostname) !== undefined
  ) {
    used?.push(P.name);
    return name;
  }
  return undefined;
}
