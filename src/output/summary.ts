// The table of all traces printed after the timelines (and alone with --summary).
import type { AssembledTrace } from "../correlate/index.js";
import type { Instant } from "../model.js";
import { diffMs, formatInstant } from "../util/instant.js";
import type { Style } from "./style.js";
import { type Cell, type Column, renderTable, tableWidth } from "./table.js";
import { formatDuration, sanitize } from "./text.js";

/** What the table shows of a trace (small enough to keep many of, in `--follow`). */
export interface SummaryRow {
  traceId: string;
  name: string;
  services: string[];
  spanCount: number;
  start: Instant;
  end: Instant;
  errorCount: number;
  timed: boolean;
}

/** The rows of traces, made one at a time as the table is written. */
export function* summaryRows(traces: Iterable<AssembledTrace>): Generator<SummaryRow> {
  for (const t of traces) yield summaryRow(t);
}

export function summaryRow(t: AssembledTrace): SummaryRow {
  const { traceId, name, services, start, end, errorCount } = t;
  const { timed } = t;
  return { traceId, name, services, spanCount: t.spans.length, start, end, errorCount, timed };
}

/** Lines per piece of the table handed to the writer. */
const PIECE_LINES = 500;

/** The table in pieces of lines, each ending with a newline: rows are made as they are written. */
export function* renderSummary(
  traces: Iterable<SummaryRow>,
  width: number,
  style: Style,
): Generator<string> {
  const withStart = width >= 100;
  const fixed: Column[] = [
    { head: "spans", width: 5, align: "right" },
    { head: "duration", width: 8, align: "right" },
    { head: "errors", width: 6, align: "right" },
    ...(withStart ? [{ head: "start (UTC)", width: 12 }] : []),
  ];
  const used = tableWidth([8, 0, 0, ...fixed.map((c) => c.width)]);
  const flexible = Math.max(16, width - used);
  const operationW = Math.ceil(flexible * 0.6);
  const columns: Column[] = [
    { head: "trace", width: 8 },
    { head: "operation", width: operationW },
    { head: "services", width: flexible - operationW },
    ...fixed,
  ];
  const rowOf = (t: SummaryRow): Cell[] => [
    t.traceId.slice(0, 8),
    sanitize(t.name),
    t.services.map(sanitize).join(","),
    String(t.spanCount),
    t.timed ? formatDuration(diffMs(t.end, t.start)) : "?",
    t.errorCount > 0 ? { text: String(t.errorCount), paint: (s) => style.chalk.red(s) } : "0",
    ...(withStart ? [t.timed ? formatInstant({ ...t.start, digits: 3 }).slice(11, 23) : "?"] : []),
  ];
  let piece: string[] = [];
  const rows = function* (): Generator<Cell[]> {
    for (const t of traces) yield rowOf(t);
  };
  for (const line of renderTable(columns, rows(), style)) {
    piece.push(line);
    if (piece.length === PIECE_LINES) {
      yield `${piece.join("\n")}\n`;
      piece = [];
    }
  }
  if (piece.length > 0) yield `${piece.join("\n")}\n`;
}
