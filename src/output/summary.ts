// The table of all traces printed after the timelines (and alone with --summary).
import Table from "cli-table3";
import type { AssembledTrace } from "../correlate/index.js";
import { diffMs, formatInstant } from "../util/instant.js";
import type { Style } from "./style.js";
import { fit, formatDuration, sanitize } from "./text.js";

/** Box drawing without a rule between rows, so the table stays one line per trace. */
const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

export function renderSummary(traces: AssembledTrace[], width: number, style: Style): string {
  const { chalk } = style;
  const withStart = width >= 100;
  const fixed = [10, 7, 10, 8, ...(withStart ? [14] : [])];
  // cli-table3 draws one border column per cell plus one closing border.
  const borders = fixed.length + 3;
  const flexible = Math.max(20, width - borders - fixed.reduce((a, b) => a + b, 0));
  const operationW = Math.ceil(flexible * 0.6);
  const servicesW = flexible - operationW;
  const [traceW, spansW, durationW, errorsW] = fixed as [number, number, number, number];
  const table = new Table({
    head: [
      "trace",
      "operation",
      "services",
      "spans",
      "duration",
      "errors",
      ...(withStart ? ["start (UTC)"] : []),
    ],
    colWidths: [
      traceW,
      operationW,
      servicesW,
      spansW,
      durationW,
      errorsW,
      ...(withStart ? [14] : []),
    ],
    colAligns: ["left", "left", "left", "right", "right", "right", "left"],
    style: { head: chalk.level > 0 ? ["bold"] : [], border: chalk.level > 0 ? ["grey"] : [] },
    chars: COMPACT,
    wordWrap: false,
  });
  for (const t of traces) {
    const errors = t.errorCount > 0 ? chalk.red(String(t.errorCount)) : "0";
    table.push([
      t.traceId.slice(0, 8),
      fit(sanitize(t.name), operationW - 2),
      fit(t.services.map(sanitize).join(","), servicesW - 2),
      String(t.spans.length),
      formatDuration(diffMs(t.end, t.start)),
      errors,
      ...(withStart ? [formatInstant({ ...t.start, digits: 3 }).slice(11, 23)] : []),
    ]);
  }
  return table.toString();
}
