// The outputs, one per `--format`, shared by batch and --follow: what a batch run writes, and — for the
// formats that can stream — how a finished trace, a continuation and records in no trace are written.
import type { AssembledTrace } from "../correlate/index.js";
import type { Finding, LogRecord } from "../model.js";
import { renderBySource } from "./by-source.js";
import { type JsonStats, recordJson, renderJson, traceJson } from "./json.js";
import type { Style } from "./style.js";
import { renderSummary, type SummaryRow, summaryRows } from "./summary.js";
import { fit, sanitize } from "./text.js";
import { recordLine, renderTrace } from "./timeline.js";

export interface RenderContext {
  width: number;
  style: Style;
  /** Log lines under each span (`--no-records` turns them off). */
  records: boolean;
  explain: boolean;
  /** Only the summary table (`--summary`). */
  summary: boolean;
}

/** What a batch run has to show. */
export interface BatchResult {
  shown: AssembledTrace[];
  /** Traces before the selection. */
  total: number;
  unmatched: LogRecord[];
  stats: JsonStats;
  /** Findings about the whole input (fields the join turned down, with `--explain`). */
  findings: Finding[];
  /** `--join off`: records listed per source. */
  bySource: boolean;
}

/** How a streaming format writes what `--follow` hands out. */
export interface LiveRender {
  trace(t: AssembledTrace, ctx: RenderContext): string;
  continuation(traceId: string, records: LogRecord[], ctx: RenderContext): string;
  /** Records in no trace ("" where the format only counts them). */
  unmatched(records: LogRecord[], ctx: RenderContext): string;
  /** At the end of the stream (or Ctrl-C): the rows of the traces shown, the latest ones. */
  end(rows: SummaryRow[], ctx: RenderContext): string;
}

export interface Output {
  name: "text" | "json" | "ndjson";
  /** A batch run's output in pieces, so a long result is never one string. */
  batch(result: BatchResult, ctx: RenderContext): Iterable<string>;
  /** Absent for a format that is one document (it cannot stream). */
  live?: LiveRender;
}

/** `agent-a.log 12, agent-b.log 3`: where the records in no trace are. */
function perSource(records: LogRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.source, (counts.get(r.source) ?? 0) + 1);
  return [...counts].map(([source, n]) => `${sanitize(source)} ${n}`).join(", ");
}

function* textBatch(result: BatchResult, ctx: RenderContext): Generator<string> {
  const { shown, unmatched, stats } = result;
  const { width, style } = ctx;
  const dim = (text: string): string => `${style.chalk.dim(fit(text, width))}\n`;
  if (!ctx.summary) {
    for (const t of shown) yield `${renderTrace(t, ctx)}\n\n`;
    if (result.bySource)
      for (const block of renderBySource(unmatched, width, style)) yield `${block}\n\n`;
    for (const f of result.findings) yield dim(sanitize(`∅ ${f.message}`));
  }
  if (shown.length > 0) {
    yield* renderSummary(summaryRows(shown), width, style);
    yield "\n";
  }
  const filtered = result.total - shown.length;
  const tail = [
    `${shown.length} trace${shown.length === 1 ? "" : "s"} shown${filtered > 0 ? ` (${filtered} filtered out)` : ""}`,
    `${stats.records} records from ${stats.sources} source${stats.sources === 1 ? "" : "s"}`,
    unmatched.length > 0 ? `${unmatched.length} records in no trace` : "",
  ].filter(Boolean);
  yield dim(tail.join(" · "));
  if (unmatched.length > 0)
    yield dim(`  in no trace, by source: ${perSource(unmatched)} (all in --format json)`);
}

const text: Output = {
  name: "text",
  batch: textBatch,
  live: {
    trace: (t, ctx) => (ctx.summary ? "" : `${renderTrace(t, ctx)}\n\n`),
    continuation(traceId, records, { width, style }) {
      const n = records.length;
      const head = style.chalk.dim(
        fit(
          `↳ trace ${traceId.slice(0, 8)}: ${n} more record${n === 1 ? "" : "s"} after it was printed`,
          width,
        ),
      );
      const lines = records.map((r) =>
        recordLine(r, `  ${sanitize(r.service ?? "")} `, width, style),
      );
      return `${[head, ...lines].join("\n")}\n\n`;
    },
    // Counted on stderr at the end: a stream of them would drown the operations.
    unmatched: () => "",
    end: (rows, { width, style }) =>
      rows.length > 0 ? [...renderSummary(rows, width, style)].join("") : "",
  },
};

const json: Output = {
  name: "json",
  batch: (r, ctx) => renderJson(r.shown, r.unmatched, r.stats, r.findings, ctx.explain),
};

const ndjson: Output = {
  name: "ndjson",
  *batch(r, ctx) {
    for (const t of r.shown) yield `${JSON.stringify(traceJson(t, ctx.explain))}\n`;
  },
  live: {
    trace: (t, ctx) => `${JSON.stringify(traceJson(t, ctx.explain))}\n`,
    continuation: (traceId, records) =>
      `${JSON.stringify({ traceId, continuation: true, records: records.map(recordJson) })}\n`,
    // So every record of the stream comes out once.
    unmatched: (records) =>
      `${JSON.stringify({ unmatched: true, records: records.map(recordJson) })}\n`,
    end: () => "",
  },
};

export const OUTPUTS: Readonly<Record<Output["name"], Output>> = { text, json, ndjson };
