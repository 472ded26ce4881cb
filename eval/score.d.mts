// Types of eval/score.mjs (plain JS, no build step), for test/eval/score.test.ts.

export interface OutRecord {
  source: string;
  line: number;
  service?: string | null;
}
export interface OutSpan {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  records: OutRecord[];
}
export interface OutFinding {
  kind: string;
  services?: string[];
  linkedTraceId?: string;
}
export interface OutTrace {
  traceId: string;
  spans: OutSpan[];
  records: OutRecord[];
  findings?: OutFinding[];
}
export interface OutDoc {
  stats?: { records: number; traces: number };
  traces: OutTrace[];
  unmatched: OutRecord[];
}
export interface TruthRecord {
  source: string;
  line: number;
  op: string | null;
  traceId: string | null;
  spanId: string | null;
  service: string;
}
export interface TruthSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
}
export interface TruthBreak {
  op: string;
  upstreamService: string;
  downstreamService: string;
  downstreamTraceId: string;
}
export interface PairwiseScore {
  precision: number;
  recall: number;
  f1: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
}

export function fileName(source: string): string;
export function recordKey(source: string, line: number): string;
export function outputRecords(
  doc: OutDoc,
): Generator<{ trace: number; span: OutSpan | null; record: OutRecord }>;
export function countDocRecords(doc: OutDoc): number;
export function predictedGroups(doc: OutDoc): Map<string, number>;
export function pairwiseF1<L>(predicted: Map<string, L>, truth: Map<string, string>): PairwiseScore;
export function groupingScore(
  doc: OutDoc,
  truthRecords: TruthRecord[],
): PairwiseScore & { records: number; opsFound: number; opsTrue: number };
export function serviceNameMap(doc: OutDoc, truthRecords: TruthRecord[]): Map<string, string>;
export function parentScore(
  doc: OutDoc,
  truthSpans: TruthSpan[],
  truthRecords: TruthRecord[],
): { spans: number; exact: number | null; service: number | null };
export function loggedSpansPresent(
  doc: OutDoc,
  truthSpans: TruthSpan[],
  truthRecords: TruthRecord[],
): { logged: number; present: number; share: number | null };
export function breakScore(
  doc: OutDoc,
  truthBreaks: TruthBreak[],
  truthRecords?: TruthRecord[],
): {
  breaks: number;
  found: number;
  recall: number | null;
  findings: number;
  unmatchedFindings: number;
  precision: number | null;
};
export function mean(values: (number | null | undefined)[]): number | null;
export function continuationLines(text: string): Set<number>;
export function withoutContinuations<T extends { source: string; line: number }>(
  truthRecords: T[],
  continued: Map<string, Set<number>>,
): T[];
