// The table of all traces printed after the timelines (and alone with --summary).
import Table from "cli-table3";
import type { AssembledTrace } from "../correlate/index.js";
import { diffMs, formatInstant } from "../util/instant.js";
import type { Style } from "./style.js";
import { fit, formatDuration, sanitize } from "./text.js";

export function renderSummary(traces: AssembledTrace[], width: number, style: Style): string {
  const { chalk } = style;
  const fixed = { trace: 10, spans: 7, duration: 10, errors: 8, start: 14 };
  // cli-table3 draws 1 border column per cell plus padding of 1 on each side.
  const borders = 7 * 1 + 1;
  const flexible = Math.max(20, width - borders - Object.values(fixed).reduce((a, b) => a + b, 0));
  const operationW = Math.ceil(flexible * 0.55);
  const servicesW = flexible - operationW;
  const table = new Table({
    head: ["trace", "operation", "services", "spans", "duration", "errors", "start (UTC)"],
    colWidths: [
      fixed.trace,
      operationW,
      servicesW,
      fixed.spans,
      fixed.duration,
      fixed.errors,
      fixed.start,
    ],
    colAligns: ["left", "left", "left", "right", "right", "right", "left"],
    style: { head: chalk.level > 0 ? ["bold"] : [], border: chalk.level > 0 ? ["grey"] : [] },
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
      formatInstant({ ...t.start, digits: 3 }).slice(11, 23),
    ]);
  }
  return table.toString();
}
