// Trace context found in a log record: its own ids (per dialect) and ids propagated to it (headers, carriers).

import {
  datadogTraceId,
  decimalToHex16,
  normalizeHexId,
  normalizeSpanId,
  normalizeTraceId,
  type PropagatedContext,
  parseB3Single,
  parseCloudTraceContext,
  parseTraceparent,
  parseUberTraceId,
  parseXRay,
} from "./ids.js";
import { locate, type Path, path, type PathMemo, read } from "./lookup.js";

export interface ContextIds {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  idSource?: string;
}

type Normalize = (v: unknown) => string | undefined;

interface OwnDialect {
  name: string;
  /** Only applies when this key is present (LangChain's `trace_id` is not OTel's). */
  requires?: string;
  trace: string;
  span?: string;
  alt?: string;
  parent?: string;
  traceNorm: Normalize;
  spanNorm: Normalize;
}

const gcpTrace: Normalize = (v) =>
  typeof v === "string" ? normalizeTraceId(v.replace(/^projects\/[^/]+\/traces\//, "")) : undefined;
const xrayTrace: Normalize = (v) => (typeof v === "string" ? parseXRay(v)?.traceId : undefined);
const runId: Normalize = (v) => normalizeHexId(v, [32]);
/** Span ids are 16 hex; opaque 32-hex (UUID) span ids are kept for frameworks such as LangChain. */
const anySpanId: Normalize = (v) => normalizeHexId(v, [16, 32]);

/** Dialects in priority order; the first whose trace (or span) key is present wins (FORMATS.md). */
const OWN_DIALECTS: OwnDialect[] = [
  {
    name: "langchain",
    requires: "run_id",
    trace: "trace_id",
    span: "run_id",
    parent: "parent_run_id",
    traceNorm: runId,
    spanNorm: runId,
  },
  {
    name: "trace_id",
    trace: "trace_id",
    span: "span_id",
    parent: "parent_span_id",
    traceNorm: normalizeTraceId,
    spanNorm: anySpanId,
  },
  {
    name: "traceId",
    trace: "traceId",
    span: "spanId",
    parent: "parentSpanId",
    traceNorm: normalizeTraceId,
    spanNorm: normalizeSpanId,
  },
  {
    name: "otelTraceID",
    trace: "otelTraceID",
    span: "otelSpanID",
    traceNorm: normalizeTraceId,
    spanNorm: normalizeSpanId,
  },
  {
    name: "traceID",
    trace: "traceID",
    span: "spanID",
    traceNorm: normalizeTraceId,
    spanNorm: normalizeSpanId,
  },
  {
    name: "TraceID",
    trace: "TraceID",
    span: "SpanID",
    traceNorm: normalizeTraceId,
    spanNorm: normalizeSpanId,
  },
  {
    name: "ecs",
    trace: "trace.id",
    span: "span.id",
    alt: "transaction.id",
    traceNorm: normalizeTraceId,
    spanNorm: normalizeSpanId,
  },
  {
    name: "serilog",
    trace: "@tr",
    span: "@sp",
    traceNorm: normalizeTraceId,
    spanNorm: normalizeSpanId,
  },
  {
    name: "gcp",
    trace: "logging.googleapis.com/trace",
    span: "logging.googleapis.com/spanId",
    traceNorm: gcpTrace,
    spanNorm: normalizeSpanId,
  },
  {
    name: "datadog",
    trace: "dd.trace_id",
    span: "dd.span_id",
    traceNorm: datadogTraceId,
    spanNorm: decimalToHex16,
  },
  { name: "x-ray", trace: "xray_trace_id", traceNorm: xrayTrace, spanNorm: normalizeSpanId },
  {
    name: "traceparent",
    trace: "traceparent",
    traceNorm: (v) => (typeof v === "string" ? parseTraceparent(v)?.traceId : undefined),
    spanNorm: normalizeSpanId,
  },
];

/** Header names whose values carry a context propagated from the caller (matched on the last key segment). */
const PROPAGATION_HEADERS = new Map<string, (v: string) => PropagatedContext | undefined>([
  ["traceparent", parseTraceparent],
  ["x-amzn-trace-id", parseXRay],
  ["b3", parseB3Single],
  ["uber-trace-id", parseUberTraceId],
  ["x-cloud-trace-context", parseCloudTraceContext],
]);

/** Containers in which loggers nest the MDC / thread context (log4j2 JsonLayout `contextMap`, `mdc`). */
const MDC_PREFIXES = ["", "contextMap.", "mdc.", "MDC."];

export interface PreparedDialect {
  d: OwnDialect;
  prefix: string;
  requires?: Path;
  trace: Path;
  span?: Path;
  alt?: Path;
  parent?: Path;
}

const maybePath = (prefix: string, key: string | undefined): Path | undefined =>
  key === undefined ? undefined : path(prefix + key);

/** Every dialect at every MDC prefix, its field names prepared once. */
export const PREPARED: PreparedDialect[] = MDC_PREFIXES.flatMap((prefix) =>
  OWN_DIALECTS.map((d) => {
    const p: PreparedDialect = { d, prefix, trace: path(prefix + d.trace) };
    const requires = maybePath(prefix, d.requires);
    const span = maybePath(prefix, d.span);
    const alt = maybePath(prefix, d.alt);
    const parent = maybePath(prefix, d.parent);
    if (requires) p.requires = requires;
    if (span) p.span = span;
    if (alt) p.alt = alt;
    if (parent) p.parent = parent;
    return p;
  }),
);

function at(obj: Record<string, unknown>, p: Path | undefined): unknown {
  return p === undefined ? undefined : read(obj, p);
}

/** Notes where a field the ids were decoded from sits (left out of the record's attributes). */
function note(
  obj: Record<string, unknown>,
  p: Path | undefined,
  used: (readonly string[])[] | undefined,
): void {
  if (!used || !p) return;
  const at = locate(obj, p);
  if (at) used.push(at);
}

function ownContext(
  obj: Record<string, unknown>,
  out: ContextIds,
  dialects: readonly PreparedDialect[],
  used: (readonly string[])[] | undefined,
): void {
  for (const p of dialects) {
    const { d } = p;
    if (p.requires && at(obj, p.requires) === undefined) continue;
    const rawTrace = at(obj, p.trace);
    const rawSpan = p.span ? (at(obj, p.span) ?? at(obj, p.alt)) : undefined;
    if (rawTrace === undefined && rawSpan === undefined) continue;
    const traceId = d.traceNorm(rawTrace);
    const spanId =
      d.name === "traceparent" ? parseTraceparent(String(rawTrace))?.spanId : d.spanNorm(rawSpan);
    if (!traceId && !spanId) continue;
    if (traceId) out.traceId = traceId;
    if (spanId) out.spanId = spanId;
    const parent = d.spanNorm(at(obj, p.parent));
    if (parent) out.parentSpanId = parent;
    out.idSource = p.prefix + d.name;
    if (used) {
      if (rawTrace !== undefined) note(obj, p.trace, used);
      if (p.span && at(obj, p.span) !== undefined) note(obj, p.span, used);
      else if (rawSpan !== undefined) note(obj, p.alt, used);
      if (parent) note(obj, p.parent, used);
    }
    return;
  }
}

const MAX_DEPTH = 6;

const HEADERS = /headers?$/i;
/** `00-<32 hex>-<16 hex>-<2 hex>`: the length of a W3C traceparent (cheap to test before parsing). */
const TRACEPARENT_LENGTH = 55;
/**
 * Dialects without an MDC prefix, tried in any nested object of a record that names no context; not
 * `traceparent`, which nested is a propagated header (the caller's context).
 */
const UNPREFIXED = PREPARED.filter((p) => p.prefix === "" && p.d.name !== "traceparent");

/**
 * The record's own context where no known name holds it: a traceparent-shaped string under any name
 * (`"tp": "00-…"`), or a dialect's trace/span pair nested under any object (pino's `nestedKey`,
 * logstash's `@fields`). Known propagation headers are left alone: nested, they name the caller.
 */
function contextAnywhere(
  obj: Record<string, unknown>,
  out: ContextIds,
  used: (readonly string[])[] | undefined,
  depth: number,
  segments: readonly string[],
): boolean {
  for (const key in obj) {
    const value = obj[key];
    if (typeof value === "string") {
      if (value.length !== TRACEPARENT_LENGTH || PROPAGATION_HEADERS.has(key.toLowerCase()))
        continue;
      const tp = parseTraceparent(value);
      if (!tp) continue;
      out.traceId = tp.traceId;
      if (tp.spanId) out.spanId = tp.spanId;
      out.idSource = `traceparent@${[...segments, key].join(".")}`;
      used?.push([...segments, key]);
      return true;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value) || depth >= MAX_DEPTH)
      continue;
    // Request headers hold what the caller sent, under the names HTTP gives them (the header search).
    if (HEADERS.test(key)) continue;
    const nested = value as Record<string, unknown>;
    const inner: (readonly string[])[] | undefined = used ? [] : undefined;
    ownContext(nested, out, UNPREFIXED, inner);
    if (out.traceId || out.spanId) {
      out.idSource = `${[...segments, key].join(".")}.${out.idSource}`;
      for (const at of inner ?? []) used?.push([...segments, key, ...at]);
      return true;
    }
    if (contextAnywhere(nested, out, used, depth + 1, [...segments, key])) return true;
  }
  return false;
}

/** Case-insensitive own key of an object (HTTP header names come in any case). */
function keyIn(obj: Record<string, unknown>, lowerName: string): unknown {
  for (const key in obj)
    if (key.length === lowerName.length && key.toLowerCase() === lowerName) return obj[key];
  return undefined;
}

/** B3 multi-header: `X-B3-TraceId` with `X-B3-SpanId` beside it in the same object. */
function b3Multi(obj: Record<string, unknown>): PropagatedContext | undefined {
  const traceId = normalizeTraceId(keyIn(obj, "x-b3-traceid"));
  if (!traceId) return undefined;
  const spanId = normalizeSpanId(keyIn(obj, "x-b3-spanid"));
  return spanId ? { traceId, spanId, dialect: "b3" } : { traceId, dialect: "b3" };
}

/**
 * A context propagated to this record (a received message's traceparent, request headers), searched in
 * nested objects only: it names the caller's span. A top-level `traceparent` is the record's own.
 */
function propagatedContext(
  obj: Record<string, unknown>,
  path: string,
  depth: number,
  segments: readonly string[] = [],
): { ctx: PropagatedContext; key: string; at: string[] } | undefined {
  for (const key in obj) {
    const value = obj[key];
    if (typeof value === "string") {
      if (depth === 0 || value.length < 16) continue;
      const lower = key.toLowerCase();
      const parse = PROPAGATION_HEADERS.get(lower);
      const ctx = parse ? parse(value) : lower === "x-b3-traceid" ? b3Multi(obj) : undefined;
      if (ctx) return { ctx, key: `${path}${key}`, at: [...segments, key] };
    } else if (
      value !== null &&
      typeof value === "object" &&
      depth < MAX_DEPTH &&
      !Array.isArray(value)
    ) {
      const found = propagatedContext(
        value as Record<string, unknown>,
        `${path}${key}.`,
        depth + 1,
        [...segments, key],
      );
      if (found) return found;
    }
  }
  return undefined;
}

export interface FieldOverrides {
  trace?: string;
  span?: string;
  parent?: string;
}

/** In-house id fields named on the command line: hex is normalized, anything else kept as an opaque id. */
function overrideId(
  obj: Record<string, unknown>,
  paths: PathMemo,
  key: string | undefined,
  hex: Normalize,
): string | undefined {
  if (!key) return undefined;
  const v = read(obj, paths.path(key));
  if (v === undefined || v === "") return undefined;
  return hex(v) ?? decimalToHex16(v) ?? String(v);
}

/**
 * The record's trace context. `paths` prepares the overrides' names (the run's). `used`, when given,
 * receives where each field the ids were decoded from sits (left out of the record's attributes).
 */
export function extractContext(
  obj: Record<string, unknown>,
  overrides: FieldOverrides,
  paths: PathMemo,
  dialects: readonly PreparedDialect[] = PREPARED,
  used?: (readonly string[])[],
): ContextIds {
  const out: ContextIds = {};
  const traceId = overrideId(obj, paths, overrides.trace, normalizeTraceId);
  const spanId = overrideId(obj, paths, overrides.span, anySpanId);
  const parentSpanId = overrideId(obj, paths, overrides.parent, anySpanId);
  if (traceId || spanId) {
    if (traceId) out.traceId = traceId;
    if (spanId) out.spanId = spanId;
    if (parentSpanId) out.parentSpanId = parentSpanId;
    out.idSource = "override";
    if (used) {
      if (traceId) note(obj, paths.path(overrides.trace!), used);
      if (spanId) note(obj, paths.path(overrides.span!), used);
      if (parentSpanId) note(obj, paths.path(overrides.parent!), used);
    }
  } else ownContext(obj, out, dialects, used);
  if (!out.traceId && !out.spanId) contextAnywhere(obj, out, used, 0, []);
  const propagated = propagatedContext(obj, "", 0);
  if (propagated) {
    const { ctx, key } = propagated;
    if (!out.traceId && !out.spanId) {
      out.traceId = ctx.traceId;
      out.idSource = `${ctx.dialect}@${key}`;
      if (ctx.spanId) out.parentSpanId = ctx.spanId;
      used?.push(propagated.at);
    } else if (
      out.traceId === ctx.traceId &&
      ctx.spanId &&
      ctx.spanId !== out.spanId &&
      !out.parentSpanId
    ) {
      out.parentSpanId = ctx.spanId;
      used?.push(propagated.at);
    }
  }
  return out;
}
