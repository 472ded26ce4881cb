// Scoring of correlation output against ground truth: pairwise F1 of grouping, and parent accuracy of span trees.
import { readFileSync } from "node:fs";

interface JsonRecord {
  source: string;
  line: number;
}
interface JsonSpan {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  records: JsonRecord[];
}
interface JsonTrace {
  traceId: string;
  spans: JsonSpan[];
  records: JsonRecord[];
}
export interface JsonDoc {
  traces: JsonTrace[];
  unmatched: JsonRecord[];
}

/** Pairwise precision/recall/F1 of "same group": one implementation, the eval's. */
export { pairwiseF1 } from "../../eval/score.mjs";

/** `source:line` → trace id as grouped in the output. */
export function predictedGroups(doc: JsonDoc): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of doc.traces) {
    for (const s of t.spans) for (const r of s.records) out.set(`${r.source}:${r.line}`, t.traceId);
    for (const r of t.records) out.set(`${r.source}:${r.line}`, t.traceId);
  }
  return out;
}

export function countRecords(doc: JsonDoc): number {
  let n = doc.unmatched.length;
  for (const t of doc.traces) {
    n += t.records.length;
    for (const s of t.spans) n += s.records.length;
  }
  return n;
}

export interface TruthSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
}

export function readJsonLines<T>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/**
 * Parent accuracy for spans that logged: the right parent is the nearest ancestor that logged too.
 * `exact` counts the same parent span, `service` the same parent service (both null for roots).
 */
export function parentAccuracy(
  doc: JsonDoc,
  truth: TruthSpan[],
): { spans: number; exact: number; service: number } {
  const predicted = new Map<string, JsonSpan>();
  for (const t of doc.traces)
    for (const s of t.spans) if (s.records.length > 0) predicted.set(s.spanId, s);
  const truthById = new Map(truth.map((s) => [s.spanId, s]));
  const logged = (id: string): boolean => predicted.has(id);
  let spans = 0;
  let exact = 0;
  let service = 0;
  for (const [id, s] of predicted) {
    const t = truthById.get(id);
    if (!t) continue;
    let anc = t.parentSpanId ? truthById.get(t.parentSpanId) : undefined;
    while (anc && !logged(anc.spanId))
      anc = anc.parentSpanId ? truthById.get(anc.parentSpanId) : undefined;
    spans++;
    const predictedParent = s.parentSpanId ? predicted.get(s.parentSpanId) : undefined;
    if ((anc?.spanId ?? null) === (predictedParent?.spanId ?? null)) exact++;
    if ((anc?.service ?? null) === (predictedParent?.service ?? null)) service++;
  }
  return { spans, exact: exact / spans, service: service / spans };
}
