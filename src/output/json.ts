// `--format json`: the document whose shape is a contract (DESIGN.md "Output contract").
import type { AssembledTrace } from "../correlate/index.js";
import type { Finding, LogRecord, Span } from "../model.js";
import { diffMs, formatInstant } from "../util/instant.js";

export interface JsonStats {
  sources: number;
  lines: number;
  records: number;
  skipped: number;
  traces: number;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function recordJson(r: LogRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
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
  return out;
}

function spanJson(s: Span): Record<string, unknown> {
  const out: Record<string, unknown> = {
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? null,
    parentInferred: s.parentInferred,
    service: s.service,
    name: s.name,
    startTime: formatInstant(s.start),
    endTime: formatInstant(s.end),
    durationMs: round(diffMs(s.end, s.start)),
    timing: s.timing,
    status: s.status,
  };
  if (s.statusMessage) out.statusMessage = s.statusMessage;
  if (s.kind) out.kind = s.kind;
  if (s.orphan) out.orphan = true;
  out.records = s.records.map(recordJson);
  return out;
}

export function traceJson(t: AssembledTrace): Record<string, unknown> {
  return {
    traceId: t.traceId,
    correlation: t.correlation,
    name: t.name,
    services: t.services,
    startTime: formatInstant(t.start),
    durationMs: round(diffMs(t.end, t.start)),
    status: t.status,
    errorCount: t.errorCount,
    spans: t.spans.map(spanJson),
    records: t.records.map(recordJson),
    findings: t.findings,
  };
}

export function renderJson(
  traces: AssembledTrace[],
  unmatched: LogRecord[],
  stats: JsonStats,
  findings: Finding[],
): string {
  const doc = {
    version: 1,
    stats,
    traces: traces.map(traceJson),
    unmatched: unmatched.map(recordJson),
    findings,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
