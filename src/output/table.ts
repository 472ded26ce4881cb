// A bordered, aligned table in linear time (cli-table3 takes quadratic time: seconds for a few thousand rows).
import type { Style } from "./style.js";
import { padTo } from "./text.js";

export interface Column {
  head: string;
  width: number;
  align?: "left" | "right";
}

/** Cells are plain text (sanitized by the caller) plus an optional paint applied after padding. */
export type Cell = string | { text: string; paint: (s: string) => string };

/** The table line by line: rows are read as they come, so a table of many rows is never one string. */
export function* renderTable(
  columns: Column[],
  rows: Iterable<Cell[]>,
  style: Style,
): Generator<string> {
  const { chalk } = style;
  const border = (s: string): string => chalk.dim(s);
  const rule = (left: string, mid: string, right: string): string =>
    border(left + columns.map((c) => "─".repeat(c.width + 2)).join(mid) + right);
  const line = (cells: Cell[]): string => {
    const parts = columns.map((c, i) => {
      const cell = cells[i] ?? "";
      const text = typeof cell === "string" ? cell : cell.text;
      const padded = padTo(text, c.width, c.align ?? "left");
      return ` ${typeof cell === "string" ? padded : cell.paint(padded)} `;
    });
    return border("│") + parts.join(border("│")) + border("│");
  };
  yield rule("┌", "┬", "┐");
  yield line(columns.map((c) => ({ text: c.head, paint: (s) => chalk.bold(s) })));
  yield rule("├", "┼", "┤");
  for (const r of rows) yield line(r);
  yield rule("└", "┴", "┘");
}

/** Total width of a table with these column widths (borders and one space of padding each side). */
export function tableWidth(widths: number[]): number {
  return widths.reduce((a, w) => a + w + 3, 1);
}
