// The normalized data model shared by every pipeline stage (see README "Architecture").

export type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

export const LEVEL_RANK: Record<Level, number> = {
  trace: 0,
  debug: 1,
  info: 2,
  warn: 3,
  error: 4,
  fatal: 5,
};

/** A point in time: integer epoch milliseconds plus the nanoseconds inside that millisecond. */
export interface Instant {
  ms: number;
  ns: number;
  /** Fraction digits the input had (0, 3, 6 or 9), kept so output shows the same precision. */
  digits: number;
}

export type SpanStatus = "ok" | "error" | "unset";

/** A JSON value as a record wrote it (integers past 2^53 are kept exact as text). */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A record's attributes: its fields as written, nested (log lines) or flat (span exports). */
export type Attributes = Readonly<Record<string, JsonValue>>;

/** The error a record reports, read from whichever shape its library wrote (src/decode/error.ts). */
export interface RecordError {
  readonly type?: string;
  readonly message?: string;
  readonly code?: string;
  readonly stack?: string;
}

/** An event of an exported span (an `exception`, a retry, …). */
export interface SpanEvent {
  readonly name: string;
  readonly time?: Instant;
  readonly attributes?: Attributes;
}

/** What a span-shaped record (an exported span, a LangSmith run) says about its span. */
export interface SpanFacts {
  name: string;
  start: Instant;
  end?: Instant;
  kind?: string;
  status: SpanStatus;
  statusMessage?: string;
  /** The span's events, in the order exported. */
  events?: readonly SpanEvent[];
}

/**
 * One decoded record. A value: decoded once (stack trace joined, platform context applied) and never
 * written to again; where correlation puts it is a placement held beside it (src/correlate).
 */
export interface LogRecord {
  /** The input as named on the command line (`-` for stdin). */
  readonly source: string;
  /** 1-based physical line where the record's JSON text starts. */
  readonly line: number;
  readonly time?: Instant;
  readonly level: Level;
  readonly service?: string;
  readonly message: string;
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
  readonly parentSpanId?: string | undefined;
  /** Which field or dialect the ids came from, e.g. `trace_id`, `traceparent@trace_context`, `dd`. */
  readonly idSource?: string | undefined;
  /** Set when the record is itself a span export rather than a log line. */
  readonly span?: SpanFacts;
  /** How long the work the record reports on took (`"ms": 230`), when it says. */
  readonly durationMs?: number | undefined;
  /** Candidate join keys as `[field, value, …]` (src/decode/join-keys.ts). */
  readonly keys?: readonly string[] | undefined;
  /** The process/thread that wrote the record, when it says (`1234/main`). */
  readonly lane?: string;
  /**
   * Every other field: a log line's fields as written (nested, less those read into the fields
   * above), a span export's attributes (flat, as OTel defines them). Bounded (src/decode/attributes.ts).
   */
  readonly attributes?: Attributes | undefined;
  /** The error the record reports (its `err`, `exception`, stack trace …), when it reports one. */
  readonly error?: RecordError | undefined;
  /** The attributes of the resource that wrote it (OTLP, SDK exporters: `service.name`, `host.name` …). */
  readonly resource?: Attributes | undefined;
  /** Set for a plain-text line (not JSON): its message is the line (src/decode/text-line.ts). */
  readonly plain?: true | undefined;
}

/** A record while decoding builds it; handed on, it is a `LogRecord`. */
export type RecordDraft = { -readonly [K in keyof LogRecord]: LogRecord[K] };

export type Timing = "measured" | "inferred";

export interface Span {
  spanId: string;
  parentSpanId?: string;
  parentInferred: boolean;
  /** For a parent chosen among candidates (src/correlate/infer-parents.ts): the model's probability, 0–1. */
  parentConfidence?: number | undefined;
  service: string;
  name: string;
  start: Instant;
  end: Instant;
  timing: Timing;
  status: SpanStatus;
  statusMessage?: string;
  kind?: string;
  attributes: Attributes;
  records: readonly LogRecord[];
  /** Set when the span's stated parent is not in the trace. */
  orphan: boolean;
  /** False when none of its records has a time (start and end are then the trace's, or unknown). */
  timed: boolean;
}

export type Severity = "info" | "warn" | "error";

export interface Finding {
  kind: string;
  severity: Severity;
  message: string;
  spanIds?: string[];
  records?: { source: string; line: number }[];
  [extra: string]: unknown;
}

export type Correlation = "ids" | "heuristic" | "mixed";

/**
 * A service that started a fresh trace for work continuing another service's operation (it did not
 * extract the context it was sent): the join linked the two by a business id and folded the fresh
 * trace into the upstream one.
 */
export interface ContextBreak {
  /** Upstream (the caller), downstream (the service that started afresh). */
  services: [string, string];
  key?: string;
  value?: string;
  /** The fresh trace the downstream service started. */
  downstreamTraceId: string;
  /** A line of each side that holds the key. */
  records?: { source: string; line: number }[];
  spanIds?: string[];
}

export interface Trace {
  traceId: string;
  correlation: Correlation;
  name: string;
  services: string[];
  start: Instant;
  end: Instant;
  status: "ok" | "error";
  errorCount: number;
  /** False when no record of the trace has a time: start and end are unknown. */
  timed: boolean;
  /** Spans in tree order (parents before children, siblings by start). */
  spans: Span[];
  /** Records of the trace that belong to no span. */
  records: readonly LogRecord[];
  findings: Finding[];
  /** Fields whose shared values joined the trace's records (heuristic and mixed traces). */
  joinKeys?: string[];
  /** Why the join linked what it did, and which candidate keys it turned down (`--explain`). */
  join?: JoinExplanation;
  /** Fresh downstream traces the join folded into this one (see `propagation-break`). */
  contextBreaks?: ContextBreak[];
}

export interface JoinExplanation {
  joined: { key: string; value: string; services: string[]; records: number; maxGapMs: number }[];
  rejected: { key: string; value: string; reason: string }[];
}
