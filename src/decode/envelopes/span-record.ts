// The one way a span export becomes a record, whatever exporter spelled it (OTLP, console exporters,
// Jaeger, LangSmith, OpenAI Agents).
import type { LogRecord, RecordDraft, SpanFacts, SpanStatus } from "../../model.js";
import { parseTimeValue } from "../../util/instant.js";
import { flatten } from "../flatten.js";
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
  const start = parseTimeValue(p.start);
  if ((!traceId && !p.parentSpanId) || !spanId || !start) return [];
  const name = typeof p.name === "string" ? p.name : "";
  const facts: SpanFacts = { name, start, status: spanStatus(p.status) };
  const end = parseTimeValue(p.end);
  if (end) facts.end = end;
  const kind = spanKind(p.kind);
  if (kind) facts.kind = kind;
  if (typeof p.statusMessage === "string" && p.statusMessage) facts.statusMessage = p.statusMessage;
  const attributes = isObject(p.attributes) ? flatten(p.attributes) : {};
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
  if (ctx.options.joinKeys) record.keys = joinKeysOf(attributes);
  if (traceId) record.traceId = traceId;
  const parent = ids.spanId(p.parentSpanId);
  if (parent) record.parentSpanId = parent;
  if (typeof p.service === "string" && p.service) record.service = p.service;
  return [record];
}
