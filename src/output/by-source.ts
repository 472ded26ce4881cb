// Records shown per input source, in input order: the view of `--join off`.
import type { LogRecord } from "../model.js";
import type { Style } from "./style.js";
import { fit, sanitize } from "./text.js";
import { recordLine } from "./timeline.js";

export function renderBySource(records: LogRecord[], width: number, style: Style): string[] {
  const bySource = new Map<string, LogRecord[]>();
  for (const r of records) {
    const list = bySource.get(r.source);
    if (list) list.push(r);
    else bySource.set(r.source, [r]);
  }
  const blocks: string[] = [];
  for (const [source, list] of bySource) {
    list.sort((a, b) => a.line - b.line);
    const title = `${style.chalk.bold("━━")} ${fit(sanitize(source), width - 20)}  ${list.length} record${list.length === 1 ? "" : "s"}`;
    blocks.push([title, ...list.map((r) => recordLine(r, "   ", width, style))].join("\n"));
  }
  return blocks;
}
