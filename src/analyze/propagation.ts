// Broken context propagation: a trace that starts fresh in one service while another service's trace,
// just before, worked on the same business id (the downstream agent did not extract the context).
import type { AssembledTrace } from "../correlate/index.js";
import type { Span } from "../model.js";
import { diffMs } from "../util/instant.js";

/** Attribute names that hold an identifier of the work (`data.id`, `order_id`, `requestId`). */
const ID_KEY = /(^|[._-])id$|Id$|ID$/;
/** A value shared by more traces than this is not distinctive (a tenant, a model name). */
const MAX_SHARING = 4;
/** How long before the fresh trace the upstream work may have started. */
const WINDOW_MS = 10 * 60_000;

interface Holder {
  trace: AssembledTrace;
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

/** Adds a `propagation-break` finding to each trace whose root looks like the continuation of another's work. */
export function findPropagationBreaks(traces: AssembledTrace[]): void {
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
    trace.findings.push({
      kind: "propagation-break",
      severity: "warn",
      message: `context not propagated: ${best.key}=${best.value} continues ${best.span.service} › ${best.span.name}`,
      services: [best.span.service, root.service],
      key: best.key,
      value: best.value,
      linkedTraceId: best.trace.traceId,
      spanIds: [best.span.spanId, root.spanId],
    });
  }
}
