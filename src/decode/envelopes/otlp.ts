// OTLP/JSON batches (collector file exporter, OTLP/HTTP JSON): one line fans out to many records (FORMATS.md §1.2).
import type { Attributes, LogRecord, RecordDraft } from "../../model.js";
import { unixNanoInstant } from "../../util/instant.js";
import { flatAttributes } from "../attributes.js";
import { errorOf } from "../error.js";
import { levelFromText, otelSeverityLevel } from "../fields.js";
import { normalizeSpanId, normalizeTraceId } from "../ids.js";
import { type DecodeContext, type Decoder, isObject, isSafeKey, messageText } from "../record.js";
import { joinKeysOf } from "../join-keys.js";
import { spanEvent, spanEvents, spanRecord } from "./span-record.js";

/** Reads a field in its camelCase or snake_case spelling (the collector accepts both). */
function field(o: Record<string, unknown>, camel: string): unknown {
  if (camel in o) return o[camel];
  return o[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

function list(o: Record<string, unknown>, camel: string): Record<string, unknown>[] {
  const v = field(o, camel);
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** OTLP AnyValue → plain JSON value. */
export function anyValue(v: unknown): unknown {
  if (!isObject(v)) return v;
  if ("stringValue" in v || "string_value" in v) return field(v, "stringValue");
  if ("intValue" in v || "int_value" in v) {
    const n = field(v, "intValue");
    return typeof n === "string" && Number.isSafeInteger(Number(n)) ? Number(n) : n;
  }
  if ("doubleValue" in v || "double_value" in v) return Number(field(v, "doubleValue"));
  if ("boolValue" in v || "bool_value" in v) return field(v, "boolValue");
  if ("bytesValue" in v || "bytes_value" in v) return field(v, "bytesValue");
  const arr = field(v, "arrayValue");
  if (isObject(arr)) return list(arr, "values").map(anyValue);
  const kv = field(v, "kvlistValue");
  if (isObject(kv)) return keyValues(list(kv, "values"));
  return undefined;
}

/** OTLP `[{key, value}]` attributes → plain object (arrays stay arrays, kvlists become objects). */
export function keyValues(items: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const item of items) {
    const key = item.key;
    if (!isSafeKey(key)) continue;
    const v = anyValue(item.value);
    if (v !== undefined && v !== null) out[key] = v;
  }
  return out;
}

/** A resource's attributes (read once per resource, shared by its records) and its `service.name`. */
interface Resource {
  service: string | undefined;
  attributes: Attributes;
}

function resourceOf(resource: unknown): Resource {
  const attrs = isObject(resource) ? keyValues(list(resource, "attributes")) : {};
  const name = attrs["service.name"];
  return {
    service: typeof name === "string" ? name : undefined,
    attributes: flatAttributes(attrs),
  };
}

function decodeLogRecord(
  lr: Record<string, unknown>,
  resource: Resource,
  ctx: DecodeContext,
): LogRecord {
  const { service } = resource;
  const severity = field(lr, "severityNumber");
  const text = field(lr, "severityText");
  const level =
    (typeof severity === "number" ? otelSeverityLevel(severity) : undefined) ??
    (typeof text === "string" ? levelFromText(text) : undefined) ??
    "info";
  const record: RecordDraft = {
    source: ctx.source,
    line: ctx.line,
    level,
    message: messageText(anyValue(field(lr, "body"))),
  };
  const keep = ctx.options.attributes !== false;
  const attributes = keep || ctx.options.joinKeys ? keyValues(list(lr, "attributes")) : undefined;
  if (keep && attributes) {
    const flat = flatAttributes(attributes);
    if (Object.keys(flat).length > 0) record.attributes = flat;
    // OTel semantic conventions: `exception.type`, `exception.message`, `exception.stacktrace`.
    const error = errorOf(flat);
    if (error) record.error = error;
    if (Object.keys(resource.attributes).length > 0) record.resource = resource.attributes;
  }
  const time =
    unixNanoInstant(field(lr, "timeUnixNano") as string) ??
    unixNanoInstant(field(lr, "observedTimeUnixNano") as string);
  if (time) record.time = time;
  if (service) record.service = service;
  if (ctx.options.joinKeys && attributes) record.keys = joinKeysOf(attributes, ctx.memo.names);
  // `--join heuristic` reads no log line's trace context.
  if (ctx.options.explicitIds === false) return record;
  const traceId = normalizeTraceId(field(lr, "traceId"));
  const spanId = normalizeSpanId(field(lr, "spanId"));
  if (traceId) record.traceId = traceId;
  if (spanId) record.spanId = spanId;
  if (traceId || spanId) record.idSource = "otlp";
  return record;
}

function decodeSpan(
  s: Record<string, unknown>,
  resource: Resource,
  ctx: DecodeContext,
): LogRecord[] {
  const status = isObject(s.status) ? s.status : {};
  return spanRecord(
    {
      traceId: field(s, "traceId"),
      spanId: field(s, "spanId"),
      parentSpanId: field(s, "parentSpanId"),
      name: s.name,
      // Nanosecond strings: parsed as epoch ns by their 19 digits; "0" (unset) parses as nothing.
      start: field(s, "startTimeUnixNano"),
      end: field(s, "endTimeUnixNano"),
      kind: s.kind,
      status: status.code,
      statusMessage: status.message,
      service: resource.service,
      attributes: keyValues(list(s, "attributes")),
      events: () =>
        spanEvents<Record<string, unknown>>(list(s, "events"), (e) =>
          spanEvent(e.name, field(e, "timeUnixNano"), keyValues(list(e, "attributes")), ctx),
        ),
      resource: () => resource.attributes,
    },
    ctx,
    "otlp",
  );
}

export const otlpLogs: Decoder = {
  name: "otlp-logs",
  detect: (o) => "resourceLogs" in o || "resource_logs" in o,
  decode(o, ctx) {
    const out: LogRecord[] = [];
    for (const rl of list(o, "resourceLogs")) {
      const resource = resourceOf(rl.resource);
      for (const sl of [...list(rl, "scopeLogs"), ...list(rl, "instrumentationLibraryLogs")]) {
        for (const lr of list(sl, "logRecords")) out.push(decodeLogRecord(lr, resource, ctx));
      }
    }
    return out;
  },
};

export const otlpSpans: Decoder = {
  name: "otlp-spans",
  detect: (o) => "resourceSpans" in o || "resource_spans" in o,
  decode(o, ctx) {
    const out: LogRecord[] = [];
    for (const rs of list(o, "resourceSpans")) {
      const resource = resourceOf(rs.resource);
      for (const ss of [...list(rs, "scopeSpans"), ...list(rs, "instrumentationLibrarySpans")]) {
        for (const s of list(ss, "spans")) out.push(...decodeSpan(s, resource, ctx));
      }
    }
    return out;
  },
};
