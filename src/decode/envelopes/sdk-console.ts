// Spans printed by the OpenTelemetry SDKs' console/stdout exporters (FORMATS.md §1.4).
import { flatAttributes } from "../attributes.js";
import { decodeGeneric } from "../generic.js";
import { type Decoder, isObject, isSafeKey } from "../record.js";
import { spanEvent, spanEvents, spanRecord } from "./span-record.js";

/** The first exception event's message, for spans whose status has no description. */
function exceptionMessage(events: unknown): string | undefined {
  if (!Array.isArray(events)) return undefined;
  for (const e of events) {
    if (isObject(e) && e.name === "exception" && isObject(e.attributes)) {
      const m = e.attributes["exception.message"];
      if (typeof m === "string") return m;
    }
  }
  return undefined;
}

export const pythonConsoleSpan: Decoder = {
  name: "python-console-span",
  detect: (o) => isObject(o.context) && "start_time" in o && "name" in o,
  decode(o, ctx) {
    const c = o.context as Record<string, unknown>;
    const status = isObject(o.status) ? o.status : {};
    const resource =
      isObject(o.resource) && isObject(o.resource.attributes) ? o.resource.attributes : {};
    return spanRecord(
      {
        traceId: c.trace_id,
        spanId: c.span_id,
        parentSpanId: o.parent_id,
        name: o.name,
        start: o.start_time,
        end: o.end_time,
        kind: o.kind,
        status: status.status_code,
        statusMessage: status.description ?? exceptionMessage(o.events),
        service: resource["service.name"],
        attributes: o.attributes,
        events: () =>
          spanEvents<unknown>(o.events, (e) =>
            isObject(e) ? spanEvent(e.name, e.timestamp, e.attributes, ctx) : undefined,
          ),
        resource: () => flatAttributes(resource),
      },
      ctx,
      "python-console",
    );
  },
};

/** Go `[{Key, Value:{Type, Value}}]` attributes → plain object. */
function goKeyValues(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(v)) return out;
  for (const kv of v) {
    if (isObject(kv) && isSafeKey(kv.Key) && isObject(kv.Value)) out[kv.Key] = kv.Value.Value;
  }
  return out;
}

export const goStdoutTrace: Decoder = {
  name: "go-stdouttrace",
  detect: (o) => isObject(o.SpanContext) && "StartTime" in o,
  decode(o, ctx) {
    const sc = o.SpanContext as Record<string, unknown>;
    const parent = isObject(o.Parent) ? o.Parent : {};
    const status = isObject(o.Status) ? o.Status : {};
    const resource = goKeyValues(o.Resource);
    return spanRecord(
      {
        traceId: sc.TraceID,
        spanId: sc.SpanID,
        parentSpanId: parent.SpanID,
        name: o.Name,
        start: o.StartTime,
        end: o.EndTime,
        kind: o.SpanKind,
        status: status.Code,
        statusMessage: status.Description,
        service: resource["service.name"],
        attributes: goKeyValues(o.Attributes),
        events: () =>
          spanEvents<unknown>(o.Events, (e) =>
            isObject(e) ? spanEvent(e.Name, e.Time, goKeyValues(e.Attributes), ctx) : undefined,
          ),
        resource: () => flatAttributes(resource),
      },
      ctx,
      "go-stdouttrace",
    );
  },
};

export const goStdoutLog: Decoder = {
  name: "go-stdoutlog",
  detect: (o) => "SeverityText" in o && "Body" in o && "ObservedTimestamp" in o,
  decode(o, ctx) {
    const body = isObject(o.Body) ? o.Body.Value : o.Body;
    const resource = goKeyValues(o.Resource);
    const attributes = goKeyValues(o.Attributes);
    // The generic decoder reads the rest once Go's typed wrappers are unwrapped.
    const plain: Record<string, unknown> = {
      Timestamp: o.Timestamp,
      ObservedTimestamp: o.ObservedTimestamp,
      Severity: o.Severity,
      SeverityText: o.SeverityText,
      Body: body,
      TraceID: o.TraceID,
      SpanID: o.SpanID,
      "service.name": resource["service.name"],
      ...attributes,
    };
    const record = decodeGeneric(plain, ctx);
    if (ctx.options.attributes === false || Object.keys(resource).length === 0) return [record];
    return [{ ...record, resource: flatAttributes(resource) }];
  },
};
