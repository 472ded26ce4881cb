// Span drafts → a finished Trace: tree order, trace-wide times, name, services, status.
import type { Instant, LogRecord, Span, Trace } from "../model.js";
import { LEVEL_RANK } from "../model.js";
import { compareInstants, maxInstant, minInstant } from "../util/instant.js";
import { firstLine, type SpanDraft, type SpanSet } from "./spans.js";

function traceWindow(set: SpanSet): { start: Instant; end: Instant } | undefined {
  let start: Instant | undefined;
  let end: Instant | undefined;
  const widen = (a: Instant, b: Instant): void => {
    start = start ? minInstant(start, a) : a;
    end = end ? maxInstant(end, b) : b;
  };
  for (const s of set.spans.values())
    if (s.timing === "measured" || s.firstRecord) widen(s.start, s.end);
  for (const r of set.loose) if (r.time) widen(r.time, r.time);
  return start && end ? { start, end } : undefined;
}

/** Parents before children, siblings by start; cycles (possible among inferred edges) are cut. */
function treeOrder(spans: SpanDraft[]): { ordered: SpanDraft[]; depth: Map<string, number> } {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, SpanDraft[]>();
  const roots: SpanDraft[] = [];
  for (const s of spans) {
    const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
    if (parent && parent !== s) {
      const list = children.get(parent.spanId) ?? [];
      list.push(s);
      children.set(parent.spanId, list);
    } else {
      s.orphan = s.parentSpanId !== undefined && !parent;
      roots.push(s);
    }
  }
  const byStart = (a: SpanDraft, b: SpanDraft): number => compareInstants(a.start, b.start);
  const ordered: SpanDraft[] = [];
  const depth = new Map<string, number>();
  // Depth-first with an explicit stack: inferred chains can be tens of thousands deep.
  const visit = (top: SpanDraft, topDepth: number): void => {
    const stack: [SpanDraft, number][] = [[top, topDepth]];
    while (stack.length > 0) {
      const [s, d] = stack.pop()!;
      if (depth.has(s.spanId)) continue;
      depth.set(s.spanId, d);
      ordered.push(s);
      const kids = (children.get(s.spanId) ?? []).sort(byStart);
      for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k]!, d + 1]);
    }
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  // Spans only reachable through a cycle: cut the cycle at the earliest one.
  for (const s of [...spans].sort(byStart)) {
    if (!depth.has(s.spanId)) {
      delete s.parentSpanId;
      s.parentInferred = false;
      s.parentConfidence = undefined;
      visit(s, 0);
    }
  }
  return { ordered, depth };
}

/** Placeholder time of untimed traces (their `timed` is false; output shows no time). */
const UNKNOWN = { ms: 0, ns: 0, digits: 0 };

export interface AssembledTrace extends Trace {
  /** Depth of each span in the tree, for rendering. */
  depth: Map<string, number>;
}

export function assembleTrace(set: SpanSet): AssembledTrace {
  const timed = traceWindow(set);
  const window = timed ?? { start: UNKNOWN, end: UNKNOWN };
  const drafts = [...set.spans.values()];
  for (const s of drafts) {
    if (s.timing === "inferred" && !s.firstRecord) {
      s.start = window.start;
      s.end = window.start;
      s.timed = false;
    }
  }
  const { ordered, depth } = treeOrder(drafts);
  // The drafts become the trace's spans as they are (no copy without the draft's own fields: with
  // hundreds of thousands of spans, a copy each would double their memory).
  const spans: Span[] = ordered;
  const records: LogRecord[] = set.loose;
  const services: string[] = [];
  const addService = (s: string | undefined): void => {
    if (s && !services.includes(s)) services.push(s);
  };
  for (const s of [...spans].sort((a, b) => compareInstants(a.start, b.start)))
    addService(s.service);
  for (const r of records) addService(r.service);
  let errorCount = 0;
  for (const s of ordered)
    errorCount += s.errorLogs > 0 ? s.errorLogs : s.status === "error" ? 1 : 0;
  errorCount += records.filter((r) => LEVEL_RANK[r.level] >= LEVEL_RANK.error).length;
  const root = spans[0];
  return {
    traceId: set.traceId,
    correlation: "ids",
    name: root?.name || firstLine(records[0]?.message ?? "") || set.traceId,
    services,
    start: window.start,
    end: window.end,
    status: errorCount > 0 ? "error" : "ok",
    errorCount,
    timed: timed !== undefined,
    spans,
    records,
    findings: [],
    depth,
  };
}
