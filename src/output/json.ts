// `--format json`: the document whose shape is a contract (DESIGN.md "Output contract").
import type { AssembledTrace } from "../correlate/index.js";
import type { Finding, LogRecord, Span, SpanEvent } from "../model.js";
import { diffMs, formatInstant } from "../util/instant.js";
import type { JsonRecord, JsonSpan, JsonSpanEvent, JsonStats, JsonTrace } from "./json-schema.js";

export type { JsonStats } from "./json-schema.js";

/** Three decimals: microseconds of a duration in ms, or a probability. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function recordJson(r: LogRecord): JsonRecord {
  const out: JsonRecord = {
    source: r.source,
    line: r.line,
    time: r.time ? formatInstant(r.time) : null,
    level: r.level,
    message: r.message,
    service: r.service ?? null,
  };
  if (r.spanId) out.spanId = r.spanId;
  if (r.idSource) out.idSource = r.idSource;
  if (r.span) out.kind = "span";
  else if (r.plain) out.kind = "text";
  if (r.attributes && hasKeys(r.attributes)) out.attributes = r.attributes;
  if (r.error) out.error = r.error;
  if (r.span?.events && r.span.events.length > 0) out.events = r.span.events.map(eventJson);
  if (r.resource && hasKeys(r.resource)) out.resource = r.resource;
  return out;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

function eventJson(e: SpanEvent): JsonSpanEvent {
  const out: JsonSpanEvent = { name: e.name, time: e.time ? formatInstant(e.time) : null };
  if (e.attributes && hasKeys(e.attributes)) out.attributes = e.attributes;
  return out;
}

export function spanJson(s: Span): JsonSpan {
  const out: JsonSpan = {
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? null,
    parentInferred: s.parentInferred,
    ...(s.parentConfidence !== undefined && { parentConfidence: round(s.parentConfidence) }),
    service: s.service,
    name: s.name,
    startTime: s.timed ? formatInstant(s.start) : null,
    endTime: s.timed ? formatInstant(s.end) : null,
    durationMs: s.timed ? round(diffMs(s.end, s.start)) : null,
    timing: s.timing,
    status: s.status,
    ...(s.statusMessage && { statusMessage: s.statusMessage }),
    ...(s.kind && { kind: s.kind }),
    ...(s.orphan && { orphan: true as const }),
    records: s.records.map(recordJson),
  };
  return out;
}

/** A trace as the contract has it; `explain` adds why the heuristic join linked its records. */
export function traceJson(t: AssembledTrace, explain = false): JsonTrace {
  const out: JsonTrace = {
    traceId: t.traceId,
    correlation: t.correlation,
    name: t.name,
    services: t.services,
    startTime: t.timed ? formatInstant(t.start) : null,
    durationMs: t.timed ? round(diffMs(t.end, t.start)) : null,
    status: t.status,
    errorCount: t.errorCount,
    spans: t.spans.map(spanJson),
    records: t.records.map(recordJson),
    findings: t.findings,
  };
  if (t.joinKeys) out.joinKeys = t.joinKeys;
  if (explain && t.join) out.explain = t.join;
  return out;
}

/**
 * A value as indented JSON, except that each element of a `records` array stays on one line: log
 * records with their attributes would otherwise take most of the document's lines and time.
 */
function prettyRecordsOnOneLine(value: unknown, pad: string, inRecords = false): string {
  if (inRecords || value === null || typeof value !== "object")
    return JSON.stringify(value) ?? "null";
  const inner = `${pad}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => `${inner}${prettyRecordsOnOneLine(v, inner)}`).join(",\n")}\n${pad}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  const fields = entries.map(([k, v]) => {
    const text =
      k === "records" && Array.isArray(v)
        ? v.length === 0
          ? "[]"
          : `[\n${v.map((r) => `${inner}  ${prettyRecordsOnOneLine(r, "", true)}`).join(",\n")}\n${inner}]`
        : prettyRecordsOnOneLine(v, inner);
    return `${inner}${JSON.stringify(k)}: ${text}`;
  });
  return `{\n${fields.join(",\n")}\n${pad}}`;
}

/**
 * The document in pieces (header, one trace at a time, footer), so a large result is written out
 * without ever being one string. Concatenated, the pieces are one pretty-printed JSON document.
 */
export function* renderJson(
  traces: AssembledTrace[],
  unmatched: LogRecord[],
  stats: JsonStats,
  findings: Finding[],
  explain = false,
): Generator<string> {
  const indent = (text: string): string => text.replace(/\n/g, "\n  ");
  yield `{\n  "version": 1,\n  "stats": ${indent(JSON.stringify(stats, null, 2))},\n  "traces": [`;
  let first = true;
  for (const t of traces) {
    yield `${first ? "" : ","}\n    ${prettyRecordsOnOneLine(traceJson(t, explain), "    ")}`;
    first = false;
  }
  yield `${traces.length > 0 ? "\n  " : ""}],\n  "unmatched": [`;
  first = true;
  for (const r of unmatched) {
    yield `${first ? "" : ","}\n    ${JSON.stringify(recordJson(r))}`;
    first = false;
  }
  yield `${unmatched.length > 0 ? "\n  " : ""}],\n  "findings": ${indent(JSON.stringify(findings, null, 2))}\n}\n`;
}
