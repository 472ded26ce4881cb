// `propagation-break`: a service started a fresh trace for work that continues another service's
// operation (it did not extract the context it was sent). One finding, one meaning, on the upstream
// operation's trace: `services` [upstream, downstream], the linking `key` and `value`, `linkedTraceId`
// the fresh downstream trace, and `repaired` whether that trace was folded into this one (the join did
// it, on a business id the two share) or is still shown on its own (span exports whose id attributes
// say the downstream root continues an upstream span, e.g. with `--join ids`).
import type { ContextBreak, Finding, Span, Trace } from "../model.js";
import { diffMs } from "../util/instant.js";
import type { Analyzer } from "./analyzer.js";

/** Attribute names that hold an identifier of the work (`data.id`, `order_id`, `requestId`). */
const ID_KEY = /(^|[._-])id$|Id$|ID$/;
/** A value shared by more traces than this is not distinctive (a tenant, a model name). */
const MAX_SHARING = 4;
/** How long before the fresh trace the upstream work may have started. */
const WINDOW_MS = 10 * 60_000;

interface Holder {
  trace: Trace;
  span: Span;
}

function idValues(span: Span): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(span.attributes)) {
    if (!ID_KEY.test(key) || typeof value === "boolean") continue;
    const text = String(value);
    if (text.length >= 3 && text !== "null" && text !== "undefined") out.push([key, text]);
  }
  return out;
}

function finding(brk: ContextBreak, repaired: boolean): Finding {
  const [up, down] = brk.services;
  const on = brk.key ? ` on ${brk.key}=${brk.value}` : "";
  const out: Finding = {
    kind: "propagation-break",
    severity: "warn",
    message: `context lost${on}: ${up} → ${down} started trace ${brk.downstreamTraceId.slice(0, 8)}…${repaired ? "" : " (shown apart)"}`,
    services: brk.services,
    linkedTraceId: brk.downstreamTraceId,
    repaired,
  };
  if (brk.key) {
    out.key = brk.key;
    out.value = brk.value;
  }
  if (brk.spanIds) out.spanIds = brk.spanIds;
  if (brk.records) out.records = brk.records;
  return out;
}

/** Breaks no fold repaired: a trace whose root carries the id of an earlier span of another service. */
function unrepaired(traces: readonly Trace[]): Map<Trace, ContextBreak[]> {
  const byValue = new Map<string, Holder[]>();
  for (const trace of traces) {
    for (const span of trace.spans) {
      for (const [key, value] of idValues(span)) {
        const k = `${key}\u0000${value}`;
        const list = byValue.get(k) ?? [];
        if (list.length === 0) byValue.set(k, list);
        if (list.length <= MAX_SHARING) list.push({ trace, span });
      }
    }
  }
  const out = new Map<Trace, ContextBreak[]>();
  for (const trace of traces) {
    const root = trace.spans[0];
    if (!root || root.parentSpanId) continue;
    let best: (Holder & { key: string; value: string; gapMs: number }) | undefined;
    for (const [key, value] of idValues(root)) {
      const holders = byValue.get(`${key}\u0000${value}`) ?? [];
      if (holders.length > MAX_SHARING) continue;
      for (const h of holders) {
        if (h.trace === trace || h.span.service === root.service) continue;
        const gapMs = diffMs(root.start, h.span.start);
        if (gapMs < 0 || gapMs > WINDOW_MS || (best && gapMs >= best.gapMs)) continue;
        best = { ...h, key, value, gapMs };
      }
    }
    if (!best) continue;
    const list = out.get(best.trace) ?? [];
    out.set(best.trace, list);
    list.push({
      services: [best.span.service, root.service],
      key: best.key,
      value: best.value,
      downstreamTraceId: trace.traceId,
      spanIds: [best.span.spanId, root.spanId],
    });
  }
  return out;
}

export const propagationBreakAnalyzer: Analyzer = {
  kind: "propagation-break",
  scope: "input",
  run(traces) {
    const found = new Map<Trace, Finding[]>();
    const detected = unrepaired(traces);
    for (const t of traces) {
      const list = [
        ...(t.contextBreaks ?? []).map((b) => finding(b, true)),
        ...(detected.get(t) ?? []).map((b) => finding(b, false)),
      ];
      if (list.length > 0) found.set(t, list);
    }
    return found;
  },
};
