// One trace's records → its spans: measured from span exports, inferred from the logs that carry span ids.
import type { Instant, LogRecord, Span, SpanStatus } from "../model.js";
import { LEVEL_RANK } from "../model.js";
import {
  compareInstants,
  epochMsInstant,
  maxInstant,
  minInstant,
  toEpochMs,
} from "../util/instant.js";

/** A span while its trace is being assembled; `parentSpanId` set only when some record states it. */
export interface SpanDraft extends Span {
  /** Records with times, for the inference of nesting. */
  firstRecord?: Instant;
  lastRecord?: Instant;
}

const NAME_LENGTH = 60;

function firstLine(text: string): string {
  const nl = text.indexOf("\n");
  const line = nl < 0 ? text : text.slice(0, nl);
  return line.length > NAME_LENGTH ? `${line.slice(0, NAME_LENGTH - 1)}…` : line;
}

function worse(a: SpanStatus, b: SpanStatus): SpanStatus {
  if (a === "error" || b === "error") return "error";
  return a === "ok" || b === "ok" ? "ok" : "unset";
}

export interface SpanSet {
  traceId: string;
  spans: Map<string, SpanDraft>;
  /** Records of the trace that name no span of it. */
  loose: LogRecord[];
}

export function buildSpans(traceId: string, records: LogRecord[]): SpanSet {
  const spans = new Map<string, SpanDraft>();
  const loose: LogRecord[] = [];
  const draft = (r: LogRecord, spanId: string): SpanDraft => {
    let s = spans.get(spanId);
    if (!s) {
      const t = r.time ?? { ms: 0, ns: 0, digits: 0 };
      s = {
        spanId,
        parentInferred: false,
        service: r.service ?? "unknown",
        name: "",
        start: t,
        end: t,
        timing: "inferred",
        status: "unset",
        attributes: {},
        records: [],
        orphan: false,
        timed: true,
      };
      spans.set(spanId, s);
    }
    return s;
  };
  for (const r of records) {
    if (!r.spanId) {
      loose.push(r);
      continue;
    }
    const s = draft(r, r.spanId);
    s.records.push(r);
    if (r.parentSpanId && r.parentSpanId !== r.spanId && !s.parentSpanId)
      s.parentSpanId = r.parentSpanId;
    if (r.span) {
      s.timing = "measured";
      s.name = r.span.name;
      s.start = r.span.start;
      s.end = r.span.end ?? r.span.start;
      s.status = worse(s.status, r.span.status);
      if (r.span.statusMessage) s.statusMessage = r.span.statusMessage;
      if (r.span.kind) s.kind = r.span.kind;
      if (r.service) s.service = r.service;
      s.attributes = r.attributes ?? {};
      if (r.parentSpanId) s.parentSpanId = r.parentSpanId;
      continue;
    }
    if (LEVEL_RANK[r.level] >= LEVEL_RANK.error) s.status = "error";
    if (r.time) {
      // "done in 230ms": in a span rebuilt from business ids alone, the work began that long before the
      // line (spans with ids of their own have their first line at their start, as a rule).
      const began =
        r.durationMs && r.idSource?.startsWith("join:")
          ? epochMsInstant(toEpochMs(r.time) - r.durationMs, r.time.digits)
          : r.time;
      s.firstRecord = s.firstRecord ? minInstant(s.firstRecord, began) : began;
      s.lastRecord = s.lastRecord ? maxInstant(s.lastRecord, r.time) : r.time;
    }
  }
  for (const s of spans.values()) {
    if (!isSorted(s.records)) s.records.sort(byTime);
    if (s.timing === "inferred") {
      // Log-only spans have no span record among theirs.
      const logs = s.records;
      s.name = firstLine(logs[0]?.message ?? "");
      if (s.firstRecord && s.lastRecord) {
        s.start = s.firstRecord;
        s.end = s.lastRecord;
      }
      s.service = majorityService(logs) ?? s.service;
    }
  }
  // A record that names only its caller's span (a received traceparent) belongs to the callee span of its service.
  const remaining: LogRecord[] = [];
  const byParent = new Map<string, SpanDraft[]>();
  for (const s of spans.values()) {
    if (!s.parentSpanId) continue;
    const siblings = byParent.get(s.parentSpanId);
    if (siblings) siblings.push(s);
    else byParent.set(s.parentSpanId, [s]);
  }
  for (const r of loose) {
    const callee = r.parentSpanId
      ? byParent.get(r.parentSpanId)?.find((s) => s.service === r.service)
      : undefined;
    if (callee) callee.records.push(r);
    else remaining.push(r);
  }
  return { traceId, spans, loose: remaining };
}

/** Records mostly arrive in time order already: checking is cheaper than sorting. */
function isSorted(records: LogRecord[]): boolean {
  for (let i = 1; i < records.length; i++)
    if (byTime(records[i - 1]!, records[i]!) > 0) return false;
  return true;
}

function majorityService(records: LogRecord[]): string | undefined {
  // Nearly always every record of a span names the same service.
  const first = records[0]?.service;
  if (records.every((r) => r.service === first)) return first;
  const counts = new Map<string, number>();
  let best: string | undefined;
  let bestCount = 0;
  for (const r of records) {
    if (!r.service) continue;
    const c = (counts.get(r.service) ?? 0) + 1;
    counts.set(r.service, c);
    if (c > bestCount) {
      best = r.service;
      bestCount = c;
    }
  }
  return best;
}

/** Orders records by time; records without a time keep their input order after timed ones of the same source. */
export function byTime(a: LogRecord, b: LogRecord): number {
  if (a.time && b.time) return compareInstants(a.time, b.time) || a.line - b.line;
  if (a.source === b.source) return a.line - b.line;
  return a.time ? -1 : b.time ? 1 : 0;
}
