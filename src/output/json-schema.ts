// The `--format json` document (DESIGN.md "Output contract") as a runtime schema and the types
// inferred from it. Strict where the contract is (required fields, enums, RFC 3339 times, 1-based
// lines); open where it is additive: objects accept keys they do not name, so a later additive
// field (`attributes`, …) does not break a reader validating with this schema.
import { z } from "zod";
import type { JsonValue } from "../model.js";

/** RFC 3339 UTC (`…Z`) with any number of fraction digits, or `null` when the input had no time. */
const time = z.iso.datetime({ offset: false, local: false }).nullable();
const id = z.string().min(1);
const count = z.int().nonnegative();

export const levelSchema = z.enum(["trace", "debug", "info", "warn", "error", "fatal"]);
export const severitySchema = z.enum(["info", "warn", "error"]);
export const correlationSchema = z.enum(["ids", "heuristic", "mixed"]);
export const timingSchema = z.enum(["measured", "inferred"]);
export const spanStatusSchema = z.enum(["ok", "error", "unset"]);
export const traceStatusSchema = z.enum(["ok", "error"]);

/** Where a record starts: the path as given on the command line (`-` for stdin), 1-based line. */
export const recordRefSchema = z.looseObject({
  source: z.string().min(1),
  line: z.int().positive(),
});

/** Any JSON value (attributes keep what the record wrote, nested as written). */
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValueSchema),
    z.record(z.string(), jsonValueSchema),
  ]),
);
export const attributesSchema = z.record(z.string(), jsonValueSchema);

/** The error a record reports, normalized from its library's shape (`err`, `exception`, `error.*` …). */
export const errorSchema = z.looseObject({
  type: z.string().optional(),
  message: z.string().optional(),
  code: z.string().optional(),
  stack: z.string().optional(),
});

/** An event of an exported span (`exception`, …). */
export const spanEventSchema = z.looseObject({
  name: z.string(),
  time,
  attributes: attributesSchema.optional(),
});

export const recordSchema = z.looseObject({
  source: z.string().min(1),
  line: z.int().positive(),
  time,
  level: levelSchema,
  message: z.string(),
  service: z.string().nullable(),
  spanId: id.optional(),
  /** Which field or dialect the ids came from (`trace_id`, `join:request_id`, `time`, …). */
  idSource: z.string().min(1).optional(),
  /** `span` for a span export, `text` for a plain-text line; absent for a JSON log line. */
  kind: z.enum(["span", "text"]).optional(),
  /** The record's other fields (omitted when none): see README "JSON output". */
  attributes: attributesSchema.optional(),
  error: errorSchema.optional(),
  /** A span export's events. */
  events: z.array(spanEventSchema).optional(),
  /** The attributes of the resource that wrote the record (OTLP, SDK exporters). */
  resource: attributesSchema.optional(),
});

/** `{kind, severity, message, spanIds?, records?}` plus the fields of its kind. */
export const findingSchema = z
  .object({
    kind: z.string().min(1),
    severity: severitySchema,
    message: z.string(),
    spanIds: z.array(id).optional(),
    records: z.array(recordRefSchema).optional(),
  })
  .catchall(z.unknown());

export const spanSchema = z.looseObject({
  spanId: id,
  parentSpanId: id.nullable(),
  parentInferred: z.boolean(),
  /** For a parent chosen among candidates: the model's probability that it is the right one. */
  parentConfidence: z.number().min(0).max(1).optional(),
  service: z.string(),
  name: z.string(),
  startTime: time,
  endTime: time,
  durationMs: z.number().nullable(),
  timing: timingSchema,
  status: spanStatusSchema,
  statusMessage: z.string().optional(),
  kind: z.string().optional(),
  /** Set when the span's stated parent is not in the trace. */
  orphan: z.literal(true).optional(),
  records: z.array(recordSchema),
});

/** Closed rows (a parse keeps only these keys; unknown ones are still accepted, not kept). */
export const joinExplanationSchema = z.object({
  joined: z.array(
    z.object({
      key: z.string(),
      value: z.string(),
      services: z.array(z.string()),
      records: count,
      maxGapMs: z.number(),
    }),
  ),
  rejected: z.array(z.object({ key: z.string(), value: z.string(), reason: z.string() })),
});

export const traceSchema = z.looseObject({
  traceId: id,
  correlation: correlationSchema,
  name: z.string(),
  services: z.array(z.string()),
  startTime: time,
  durationMs: z.number().nullable(),
  status: traceStatusSchema,
  errorCount: count,
  spans: z.array(spanSchema),
  /** Records of the trace that name no span of it. */
  records: z.array(recordSchema),
  findings: z.array(findingSchema),
  /** Heuristic and mixed traces: the fields whose shared values joined the records. */
  joinKeys: z.array(z.string()).optional(),
  /** With `--explain`. */
  explain: joinExplanationSchema.optional(),
});

export const statsSchema = z.looseObject({
  sources: count,
  lines: count,
  records: count,
  skipped: count,
  /** All traces, also those a filter left out of `traces`. */
  traces: count,
});

export const documentSchema = z.looseObject({
  version: z.literal(1),
  stats: statsSchema,
  traces: z.array(traceSchema),
  unmatched: z.array(recordSchema),
  /** Findings about the whole input rather than one trace. */
  findings: z.array(findingSchema),
});

/** `--follow --format ndjson`: records that arrived for a trace after it was printed. */
export const continuationSchema = z.looseObject({
  traceId: id,
  continuation: z.literal(true),
  records: z.array(recordSchema),
});

/** `--follow --format ndjson`: records that no trace took (each record comes out once). */
export const unmatchedLineSchema = z.looseObject({
  unmatched: z.literal(true),
  records: z.array(recordSchema),
});

/** One line of `--format ndjson`: a trace object, or (with `--follow`) a continuation or unmatched records. */
export const ndjsonLineSchema = z.union([continuationSchema, unmatchedLineSchema, traceSchema]);

/**
 * The schemas accept keys they do not name; the types the renderer is checked against do not: a
 * misspelt optional field (`spanID`) is a compile error in src/output/json.ts. Findings stay open
 * (each kind adds its own fields).
 */
type Closed<T> = T extends readonly (infer U)[]
  ? Closed<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Closed<T[K]> }
    : T;

export type JsonRecordRef = z.infer<typeof recordRefSchema>;
export type JsonFinding = z.infer<typeof findingSchema>;
export type JsonRecord = Closed<z.infer<typeof recordSchema>>;
export type JsonSpanEvent = Closed<z.infer<typeof spanEventSchema>>;
export type JsonSpan = Closed<z.infer<typeof spanSchema>>;
export type JsonJoinExplanation = z.infer<typeof joinExplanationSchema>;
export type JsonTrace = Omit<Closed<z.infer<typeof traceSchema>>, "findings"> & {
  findings: JsonFinding[];
};
export type JsonStats = Closed<z.infer<typeof statsSchema>>;
export type JsonDocument = Omit<Closed<z.infer<typeof documentSchema>>, "traces" | "findings"> & {
  traces: JsonTrace[];
  findings: JsonFinding[];
};
export type JsonContinuation = Closed<z.infer<typeof continuationSchema>>;
export type JsonUnmatchedLine = Closed<z.infer<typeof unmatchedLineSchema>>;
export type JsonNdjsonLine = JsonTrace | JsonContinuation | JsonUnmatchedLine;
