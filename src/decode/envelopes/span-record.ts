// The one way a span export becomes a record, whatever exporter spelled it (OTLP, console exporters,
// Jaeger, LangSmith, OpenAI Agents).
import type {
  Attributes,
  LogRecord,
  RecordDraft,
  RecordError,
  SpanEvent,
  SpanFacts,
  SpanStatus,
} from "../../model.js";
import { parseTimeValue } from "../../util/instant.js";
import { capString, flatAttributes, MAX_ENTRIES, MORE_KEY } from "../attributes.js";
import { errorOf } from "../error.js";
import { joinKeysOf } from "../join-keys.js";
import { normalizeSpanId, normalizeTraceId } from "../ids.js";
import { type DecodeContext, isObject } from "../record.js";

const KIND_NAMES = ["unspecified", "internal", "server", "client", "producer", "consumer"];

/** Span kind from an int or a ProtoJSON enum name (`SPAN_KIND_SERVER`). */
export function spanKind(v: unknown): string | undefined {
  if (typeof v === "number") return KIND_NAMES[v];
  if (typeof v === "string") return v.replace(/^(SPAN_KIND_|SpanKind\.)/i, "").toLowerCase();
  return undefined;
}

/** Status code from an int, ProtoJSON enum (`STATUS_CODE_ERROR`) or SDK spelling (`ERROR`, `Error`). */
export function spanStatus(v: unknown): SpanStatus {
  if (v === 2 || (typeof v === "string" && /error$/i.test(v))) return "error";
  if (v === 1 || (typeof v === "string" && /ok$/i.test(v))) return "ok";
  return "unset";
}

export interface SpanParts {
  traceId: unknown;
  spanId: unknown;
  parentSpanId: unknown;
  name: unknown;
  start: unknown;
  end: unknown;
  kind: unknown;
  status: unknown;
  statusMessage: unknown;
  service: unknown;
  attributes: unknown;
  /** The span's events, built only when attributes are kept (`DecodeOptions.attributes`). */
  events?: () => readonly SpanEvent[];
  /** The resource's attributes, likewise. */
  resource?: () => Attributes | undefined;
  /** Where the exporter states the span's error beyond its events and attributes (`{error: …}`). */
  error?: Record<string, unknown>;
}

/** A span event from its exporter's spelling: name, time (any form `parseTimeValue` reads), attributes. */
export function spanEvent(
  name: unknown,
  time: unknown,
  attributes: unknown,
  ctx: DecodeContext,
): SpanEvent {
  const at = parseTimeValue(time, ctx.memo.time);
  const attrs = flatAttributes(attributes);
  return {
    name: typeof name === "string" ? capString(name) : "",
    ...(at && { time: at }),
    ...(Object.keys(attrs).length > 0 && { attributes: attrs }),
  };
}

/** Events of one span, bounded: past `MAX_ENTRIES`, one last event counts the rest. */
export function spanEvents<T>(list: unknown, event: (e: T) => SpanEvent | undefined): SpanEvent[] {
  if (!Array.isArray(list)) return [];
  const out: SpanEvent[] = [];
  for (const e of list.slice(0, MAX_ENTRIES)) {
    const ev = event(e as T);
    if (ev) out.push(ev);
  }
  if (list.length > MAX_ENTRIES)
    out.push({ name: MORE_KEY, attributes: { [MORE_KEY]: `${list.length - MAX_ENTRIES} more` } });
  return out;
}

/** An OpenTracing `error` log (Jaeger): `error.kind`, `message`, `stack` beside `event: error`. */
function openTracingError(attrs: Attributes): RecordError | undefined {
  const kind = attrs["error.kind"];
  const message = attrs.message;
  const found = errorOf(attrs);
  if (found || (typeof kind !== "string" && typeof message !== "string")) return found;
  return {
    ...(typeof kind === "string" && { type: kind }),
    ...(typeof message === "string" && { message }),
  };
}

/** The error a span reports: its last `exception` (or `error`) event, else its attributes, else its status. */
function spanError(
  events: readonly SpanEvent[] | undefined,
  attributes: Attributes,
  p: SpanParts,
  facts: SpanFacts,
): RecordError | undefined {
  let error: RecordError | undefined;
  if (events) {
    for (let i = events.length - 1; i >= 0 && !error; i--) {
      const e = events[i]!;
      if (!e.attributes) continue;
      if (e.name === "exception") error = errorOf(e.attributes);
      else if (e.name === "error") error = openTracingError(e.attributes);
    }
  }
  error ??= errorOf(attributes) ?? (p.error ? errorOf(p.error) : undefined);
  const status = facts.statusMessage;
  if (facts.status === "error" && status && !error?.message) {
    // The status description (LangSmith's `error` text) says what went wrong: its first line.
    const message = capString(status.split("\n", 1)[0]!);
    error = { ...error, message };
  }
  return error;
}

type Normalize = (v: unknown) => string | undefined;
const W3C_IDS = { traceId: normalizeTraceId, spanId: normalizeSpanId };

/** Builds a span record from the parts every span exporter has, each in its own spelling. */
export function spanRecord(
  p: SpanParts,
  ctx: DecodeContext,
  idSource: string,
  ids: { traceId: Normalize; spanId: Normalize } = W3C_IDS,
): LogRecord[] {
  const traceId = ids.traceId(p.traceId);
  const spanId = ids.spanId(p.spanId);
  const start = parseTimeValue(p.start, ctx.memo.time);
  if ((!traceId && !p.parentSpanId) || !spanId || !start) return [];
  const name = typeof p.name === "string" ? p.name : "";
  const facts: SpanFacts = { name, start, status: spanStatus(p.status) };
  const end = parseTimeValue(p.end, ctx.memo.time);
  if (end) facts.end = end;
  const kind = spanKind(p.kind);
  if (kind) facts.kind = kind;
  if (typeof p.statusMessage === "string" && p.statusMessage) facts.statusMessage = p.statusMessage;
  // Span attributes are kept in any case: the span carries them (analysis reads them).
  const attributes = isObject(p.attributes) ? flatAttributes(p.attributes) : {};
  const keep = ctx.options.attributes !== false;
  const events = keep && p.events ? p.events() : undefined;
  if (events && events.length > 0) facts.events = events;
  const record: RecordDraft = {
    source: ctx.source,
    line: ctx.line,
    time: start,
    level: facts.status === "error" ? "error" : "info",
    message: name,
    spanId,
    idSource,
    span: facts,
    attributes,
  };
  // A span export's attributes hold the business ids its log lines would.
  if (ctx.options.joinKeys) record.keys = joinKeysOf(attributes, ctx.memo.names);
  if (traceId) record.traceId = traceId;
  const parent = ids.spanId(p.parentSpanId);
  if (parent) record.parentSpanId = parent;
  if (typeof p.service === "string" && p.service) record.service = p.service;
  if (keep) {
    const resource = p.resource?.();
    if (resource && Object.keys(resource).length > 0) record.resource = resource;
    const error = spanError(events, attributes, p, facts);
    if (error) record.error = error;
  }
  return [record];
}
