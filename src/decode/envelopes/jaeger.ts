// Jaeger UI / query JSON: `{data: [{traceID, spans, processes}]}` or one trace object (FORMATS.md §6).
import type { LogRecord } from "../../model.js";
import { flatAttributes } from "../attributes.js";
import { type DecodeContext, type Decoder, isObject, isSafeKey } from "../record.js";
import { spanEvent, spanEvents, spanRecord } from "./span-record.js";

function tags(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(v))
    for (const t of v) if (isObject(t) && isSafeKey(t.key)) out[t.key] = t.value;
  return out;
}

function decodeTrace(trace: Record<string, unknown>, ctx: DecodeContext): LogRecord[] {
  const processes = isObject(trace.processes) ? trace.processes : {};
  const out: LogRecord[] = [];
  for (const s of Array.isArray(trace.spans) ? trace.spans : []) {
    if (!isObject(s)) continue;
    const process = processes[String(s.processID)];
    const attrs = tags(s.tags);
    // Jaeger times are integer microseconds.
    const startUs = String(s.startTime ?? "");
    const endUs = String(Number(startUs) + Number(s.duration ?? 0));
    const parentRef = Array.isArray(s.references)
      ? (s.references.find((r) => isObject(r) && r.refType === "CHILD_OF") ?? s.references[0])
      : undefined;
    const isError =
      attrs.error === true || attrs.error === "true" || attrs["otel.status_code"] === "ERROR";
    out.push(
      ...spanRecord(
        {
          traceId: s.traceID,
          spanId: s.spanID,
          parentSpanId: isObject(parentRef) ? parentRef.spanID : undefined,
          name: s.operationName,
          start: startUs,
          end: endUs,
          kind: attrs["span.kind"],
          status: isError ? "error" : "unset",
          statusMessage: attrs["otel.status_description"],
          service: isObject(process) ? process.serviceName : undefined,
          attributes: attrs,
          // Span logs are Jaeger's events: the `event` field names them (OTel's exporters write it).
          events: () =>
            spanEvents<unknown>(s.logs, (l) => {
              if (!isObject(l)) return undefined;
              const { event, ...fields } = tags(l.fields);
              return spanEvent(event ?? "log", String(l.timestamp ?? ""), fields, ctx);
            }),
          resource: () => flatAttributes(isObject(process) ? tags(process.tags) : {}),
        },
        ctx,
        "jaeger",
        jaegerIds,
      ),
    );
  }
  return out;
}

const pad = (n: number) => (v: unknown) =>
  typeof v === "string" && /^[0-9a-fA-F]{1,32}$/.test(v) && !/^0+$/.test(v)
    ? v.toLowerCase().padStart(n, "0")
    : undefined;
const jaegerIds = { traceId: pad(32), spanId: pad(16) };

export const jaegerJson: Decoder = {
  name: "jaeger-json",
  detect: (o) =>
    (Array.isArray(o.data) && isObject(o.data[0]) && "spans" in o.data[0]) ||
    ("traceID" in o && Array.isArray(o.spans)),
  decode(o, ctx) {
    const traces = Array.isArray(o.data) ? o.data.filter(isObject) : [o];
    return traces.flatMap((t) => decodeTrace(t, ctx));
  },
};
