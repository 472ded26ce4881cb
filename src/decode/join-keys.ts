// Candidate join keys of a record: id-like fields (`request_id`, `jobId`, `x-request-id`) and id-shaped
// values wherever they stand (UUIDs, ULIDs, long hex, `req_8f3k…`). Which of them really join
// operations is learned later from all records (src/correlate/join).
import { DURATION_FIELDS, durationOf } from "./duration.js";

/** `request_id`, `requestId`, `x-request-id`, `idempotency_key`, `orderRef`, `uuid`. */
const ID_NAME =
  /(?:^|[._-])(?:id|ids|uuid|guid|key|ref)$|[a-z0-9](?:Id|ID|Uuid|UUID|Key|Ref)$|^(?:uuid|guid)$/;
/** Trace context is the explicit-id stage's business; infrastructure ids name machines, not work. */
const NOT_A_KEY =
  /trace|span|^(?:host|hostname|pid|ppid|tid|thread|process|container|k8s|kubernetes|pod|cloud|service|os|telemetry|resource|dd|otel|logger|caller|file|line|level|v|port)(?:$|\.)/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_IN_TEXT = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const HEX = /^[0-9a-f]{16,64}$/i;
/**
 * `req_01HX…`, `job-3fa2c9d1`, `acct_0022`, `INV-2026-004101`: a word, a separator, then 4+ characters
 * with a digit (a second separator and more such characters allowed).
 */
const PREFIXED =
  /^[A-Za-z][A-Za-z0-9]{0,15}[-_:](?=[A-Za-z0-9]*\d)[A-Za-z0-9]{4,}(?:[-_][A-Za-z0-9]*\d[A-Za-z0-9]*)?$/;
/** Placeholder values that must never glue records together. */
const EMPTY = new Set([
  "",
  "null",
  "none",
  "nil",
  "undefined",
  "unknown",
  "n/a",
  "na",
  "-",
  "0",
  "default",
  "anonymous",
  "true",
  "false",
]);

const MAX_KEYS = 8;
const LONGEST_EMPTY = 9;
const MAX_DEPTH = 3;
const MAX_VALUE = 128;

/** Fields that hold what the other decoders read (time, message, level): never keys. */
const READ_ELSEWHERE =
  /^(?:msg|message|time|timestamp|@timestamp|ts|@t|@m|@mt|date|severity|levelname|name|stack|err|error)$/i;

/** Whether a value is an identifier by its shape alone: such values join whatever field holds them. */
export function isIdShaped(value: string): boolean {
  const n = value.length;
  if (n < 8 || n > 64) return false;
  if (n === 36 && value.charCodeAt(8) === 45) return UUID.test(value);
  return (n === 26 && ULID.test(value)) || HEX.test(value) || PREFIXED.test(value);
}

/** What a field name says: never a key, a key whatever its value, or a key if the value is id-shaped. */
const NEVER = 0;
const ID = 1;
const BY_VALUE = 2;
/** A field the other decoders read: its text is no key, but an object under it (a received payload) may hold some. */
const OBJECTS_ONLY = 3;
/** How long the record's work took (`ms`, `durationMs`): read in the same pass, no key. */
const DURATION = 4;
/** The process or thread that wrote the record (`pid`, `threadName`): read in the same pass, no key. */
const LANE = 5;
type NameKind =
  typeof NEVER | typeof ID | typeof BY_VALUE | typeof OBJECTS_ONLY | typeof DURATION | typeof LANE;

const MAX_NAMES = 4096;

function classify(name: string): NameKind {
  return LANE_FIELDS.has(name)
    ? LANE
    : DURATION_FIELDS.has(name)
      ? DURATION
      : NOT_A_KEY.test(name) || name.includes("=")
        ? NEVER
        : READ_ELSEWHERE.test(name)
          ? OBJECTS_ONLY
          : ID_NAME.test(name)
            ? ID
            : BY_VALUE;
}

/**
 * One run's field-name classes. Field names repeat on every line: classify each once (up to a
 * bound, so odd inputs cannot grow it).
 */
export class NameKinds {
  readonly #kinds = new Map<string, NameKind>();

  kind(name: string): NameKind {
    let kind = this.#kinds.get(name);
    if (kind !== undefined) return kind;
    kind = classify(name);
    if (this.#kinds.size < MAX_NAMES) this.#kinds.set(name, kind);
    return kind;
  }

  /** Whether the name has been classified (and kept). */
  has(name: string): boolean {
    return this.#kinds.has(name);
  }

  get size(): number {
    return this.#kinds.size;
  }
}

/** What one pass over a record's fields finds for the heuristic join. */
export interface RecordScan {
  /** Candidate keys as `[field, value, field, value, …]`: the parsed object's own strings, none built. */
  keys: string[] | undefined;
  /** How long the work the record reports on took, ms. */
  durationMs: number | undefined;
  /** The process/thread that wrote it, `1234/main`. */
  lane: string | undefined;
}

/** An object's candidate keys (undefined when there are none); `names` is the run's. */
export function joinKeysOf(
  obj: Record<string, unknown>,
  names: NameKinds,
  message?: string,
): string[] | undefined {
  return scanRecord(obj, names, message).keys;
}

/** One walk over the record's fields for its candidate keys, stated duration and lane. */
export function scanRecord(
  obj: Record<string, unknown>,
  names: NameKinds,
  message?: string,
): Readonly<RecordScan> {
  const scan: RecordScan = { keys: undefined, durationMs: undefined, lane: undefined };
  walk(scan, names, obj, "", 0);
  // "processing 3f2a…": a UUID inside the text names the work as well as a field would.
  if (message && message.length >= 36 && message.includes("-")) {
    for (const m of message.matchAll(UUID_IN_TEXT)) addKey(scan, "message", m[0]);
  }
  return scan;
}

function addKey(scan: RecordScan, field: string, value: string): void {
  const out = scan.keys;
  if (!out) {
    scan.keys = [field, value];
    return;
  }
  if (out.length >= 2 * MAX_KEYS) return;
  for (let i = 0; i < out.length; i += 2) if (out[i] === field && out[i + 1] === value) return;
  out.push(field, value);
}

/** One level of a record's fields (module-level, not a closure per record: it runs on every line). */
function walk(
  scan: RecordScan,
  names: NameKinds,
  o: Record<string, unknown>,
  prefix: string,
  depth: number,
): void {
  for (const name in o) {
    const kind = names.kind(name);
    if (kind === NEVER) continue;
    const v = o[name];
    if (kind === DURATION) {
      if (depth === 0) scan.durationMs ??= durationOf(name, v);
    } else if (kind === LANE) {
      if (depth === 0 && (typeof v === "string" || typeof v === "number")) {
        scan.lane = scan.lane === undefined ? String(v) : `${scan.lane}/${v}`;
      }
    } else if (typeof v === "string") {
      if (kind === ID) {
        // Placeholders are short: longer values need no lowercased copy to be told apart.
        const empty = v.length <= LONGEST_EMPTY && EMPTY.has(v.toLowerCase());
        if (v.length <= MAX_VALUE && !empty) addKey(scan, prefix ? prefix + name : name, v);
      } else if (kind === BY_VALUE && isIdShaped(v)) addKey(scan, prefix ? prefix + name : name, v);
    } else if (typeof v === "number") {
      if (kind === ID && Number.isSafeInteger(v) && v !== 0) {
        addKey(scan, prefix ? prefix + name : name, String(v));
      }
    } else if (v !== null && typeof v === "object" && !Array.isArray(v) && depth < MAX_DEPTH) {
      walk(scan, names, v as Record<string, unknown>, `${prefix}${name}.`, depth + 1);
    }
  }
}

/** Fields naming the process or thread that wrote a record. */
const LANE_FIELDS = new Set([
  "pid",
  "process.pid",
  "thread",
  "threadName",
  "thread_name",
  "thread.name",
  "tid",
  "goroutine",
]);

/** Which process/thread wrote the record (`1234/main`), for attaching id-less records by time. */
export function laneOf(obj: Record<string, unknown>, names: NameKinds): string | undefined {
  return scanRecord(obj, names).lane;
}
