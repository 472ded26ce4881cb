// Findings about one finished trace: where its first error was logged, spans whose parent is missing.
import type { Finding, LogRecord, Span, Trace } from "../model.js";
import type { Analyzer } from "./analyzer.js";
import { LEVEL_RANK } from "../model.js";
import { compareInstants } from "../util/instant.js";

function orphanFindings(trace: Trace): Finding[] {
  return trace.spans
    .filter((s) => s.orphan)
    .map((s) => ({
      kind: "orphan",
      severity: "warn" as const,
      message: `span "${s.name}" (${s.service}) names parent ${s.parentSpanId} which no input record describes`,
      spanIds: [s.spanId],
      parentSpanId: s.parentSpanId,
    }));
}

/** The earliest error: a log line at error level or above, else a span whose status is error. */
function firstError(trace: Trace): Finding | undefined {
  let best: { record?: LogRecord; span: Span | undefined; at: LogRecord["time"] } | undefined;
  const consider = (
    record: LogRecord | undefined,
    span: Span | undefined,
    at: LogRecord["time"],
  ): void => {
    if (!best || (at && (!best.at || compareInstants(at, best.at) < 0))) {
      best = record ? { record, span, at } : { span, at };
    }
  };
  for (const s of trace.spans) {
    for (const r of s.records)
      if (!r.span && LEVEL_RANK[r.level] >= LEVEL_RANK.error) consider(r, s, r.time);
  }
  for (const r of trace.records)
    if (LEVEL_RANK[r.level] >= LEVEL_RANK.error) consider(r, undefined, r.time);
  if (!best) {
    for (const s of trace.spans) if (s.status === "error") consider(undefined, s, s.end);
  }
  if (!best) return undefined;
  const { record, span } = best;
  const where = span ? `${span.service} › ${span.name}` : (record?.service ?? "");
  const what = record?.message ?? span?.statusMessage ?? "status error";
  const finding: Finding = {
    kind: "first-error",
    severity: "error",
    message: `first error in ${where}: ${what.split("\n", 1)[0]}`,
  };
  if (span) finding.spanIds = [span.spanId];
  if (record) finding.records = [{ source: record.source, line: record.line }];
  return finding;
}

export const firstErrorAnalyzer: Analyzer = {
  kind: "first-error",
  scope: "trace",
  run: (trace) => {
    const error = firstError(trace);
    return error ? [error] : [];
  },
};

export const orphanAnalyzer: Analyzer = { kind: "orphan", scope: "trace", run: orphanFindings };
