// The default output: per trace a header, the span waterfall, and the log lines under each span.

import type { AssembledTrace } from "../correlate/index.js";
import type { Finding, JoinExplanation, Level, LogRecord, Span } from "../model.js";
import { diffMs, formatInstant } from "../util/instant.js";
import type { Style } from "./style.js";
import { displayWidth, fit, formatDuration, padTo, sanitize } from "./text.js";

export interface TimelineOptions {
  width: number;
  style: Style;
  /** Print log lines under their spans (off: waterfall only). */
  records: boolean;
  /** Say which keys joined the trace and which were turned down (`--explain`). */
  explain?: boolean;
}

const LEVEL_LABEL: Record<Level, string> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO ",
  warn: "WARN ",
  error: "ERROR",
  fatal: "FATAL",
};

function paintLevel(style: Style, level: Level, text: string): string {
  const { chalk } = style;
  if (level === "error" || level === "fatal") return chalk.red(text);
  if (level === "warn") return chalk.yellow(text);
  if (level === "debug" || level === "trace") return chalk.dim(text);
  return text;
}

/** `HH:MM:SS.mmm` (UTC) of a record, or dashes when it has no time. */
function clock(r: LogRecord): string {
  return r.time ? formatInstant({ ...r.time, digits: 3 }).slice(11, 23) : "--:--:--.---";
}

interface Layout {
  serviceW: number;
  nameW: number;
  barW: number;
  offsetW: number;
  durationW: number;
}

function layout(trace: AssembledTrace, width: number): Layout {
  // A loop, not Math.max(...spans): a trace can have more spans than a call has arguments.
  let longest = 7;
  for (const s of trace.spans) longest = Math.max(longest, displayWidth(sanitize(s.service)));
  const serviceW = Math.min(longest, Math.max(12, Math.floor(width * 0.18)));
  const offsetW = 8;
  const durationW = 8;
  const rest = width - serviceW - offsetW - durationW - 4;
  const barW = Math.max(10, Math.floor(rest * (width >= 120 ? 0.45 : 0.35)));
  return { serviceW, nameW: rest - barW, barW, offsetW, durationW };
}

function bar(span: Span, trace: AssembledTrace, w: number, style: Style): string {
  if (!span.timed) return style.chalk.dim("?".padEnd(w));
  const total = diffMs(trace.end, trace.start);
  const from = total > 0 ? diffMs(span.start, trace.start) / total : 0;
  const to = total > 0 ? diffMs(span.end, trace.start) / total : 1;
  const a = Math.min(w - 1, Math.max(0, Math.floor(from * w)));
  const b = Math.min(w, Math.max(a + 1, Math.round(to * w)));
  const fill = span.timing === "measured" ? "█" : "▒";
  const body =
    span.end.ms === span.start.ms && span.end.ns === span.start.ns ? "◆" : fill.repeat(b - a);
  const painted =
    span.status === "error" ? style.chalk.red(body) : style.service(span.service)(body);
  return " ".repeat(a) + painted + " ".repeat(Math.max(0, w - a - displayWidth(body)));
}

/** An inferred parent the model gives less than even odds is drawn as a guess (`~`). */
const LOW_CONFIDENCE = 0.5;

/** Deeper levels are drawn at this depth (a `»` marks the cut), so a long chain stays readable. */
const MAX_DRAWN_DEPTH = 16;

/** `─` a stated parent, `┄` an inferred one, `~` an inferred one with less than even odds. */
function edgeStroke(s: Span): string {
  if (!s.parentInferred) return "─";
  return (s.parentConfidence ?? 1) < LOW_CONFIDENCE ? "~" : "┄";
}

/** Tree glyphs for a span: `│  ├─ ` …; inferred parent edges use a dotted stroke. */
function treePrefixes(trace: AssembledTrace): Map<string, string> {
  const spans = trace.spans;
  const depths = spans.map((s) => Math.min(trace.depth.get(s.spanId) ?? 0, MAX_DRAWN_DEPTH + 1));
  // Walking backwards: does a later sibling follow (a span at the same depth before a shallower one)?
  const hasLater: boolean[] = new Array(spans.length).fill(false);
  const seen: boolean[] = [];
  for (let i = spans.length - 1; i >= 0; i--) {
    const d = depths[i]!;
    hasLater[i] = seen[d] === true;
    seen[d] = true;
    seen.length = d + 1;
  }
  const out = new Map<string, string>();
  const open: boolean[] = []; // per depth: does the ancestor at that depth have later siblings?
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    const d = depths[i]!;
    open[d] = hasLater[i]!;
    if (d === 0) {
      out.set(s.spanId, "");
      continue;
    }
    const drawn = Math.min(d, MAX_DRAWN_DEPTH);
    let prefix = "";
    for (let k = 1; k < drawn; k++) prefix += open[k] ? "│ " : "  ";
    prefix += (hasLater[i] ? "├" : "└") + edgeStroke(s);
    out.set(s.spanId, d > MAX_DRAWN_DEPTH ? `${prefix}»` : prefix);
  }
  return out;
}

function header(trace: AssembledTrace, width: number, style: Style): string[] {
  const { chalk } = style;
  const duration = trace.timed
    ? formatDuration(diffMs(trace.end, trace.start))
    : "duration unknown";
  const errors =
    trace.errorCount > 0
      ? chalk.red(`${trace.errorCount} error${trace.errorCount > 1 ? "s" : ""}`)
      : chalk.green("ok");
  const title = fit(sanitize(trace.name), Math.max(10, width - 40));
  const parts = [
    chalk.bold(title),
    duration,
    `${trace.spans.length} span${trace.spans.length === 1 ? "" : "s"}`,
    errors,
  ];
  const line2 = `trace ${trace.traceId}  ${trace.timed ? formatInstant(trace.start) : "no times in its records"}`;
  const services = `services: ${trace.services.map((s) => style.service(s)(sanitize(s))).join(", ")}`;
  const out = [
    `${chalk.bold("━━")} ${parts.join("  ")}`,
    chalk.dim(fit(`   ${line2}`, width)),
    `   ${services}`,
  ];
  // How the records were put together, when not by trace ids alone: its own line, so it fits.
  if (trace.correlation !== "ids") {
    const keys = trace.joinKeys?.length ? ` on ${trace.joinKeys.map(sanitize).join(", ")}` : "";
    out.push(chalk.dim(fit(`   joined: ${trace.correlation}${keys}`, width)));
  }
  return out;
}

export function recordLine(r: LogRecord, indent: string, width: number, style: Style): string {
  const head = `${indent}${clock(r)} ${LEVEL_LABEL[r.level]} `;
  const room = width - displayWidth(head);
  // One line per record: a message with an attached stack trace shows its first line and a count.
  const nl = r.message.indexOf("\n");
  const extra = nl < 0 ? "" : ` (+${r.message.split("\n").length - 1} lines)`;
  const first = nl < 0 ? r.message : r.message.slice(0, nl);
  const message = fit(sanitize(first) + extra, Math.max(10, room));
  const text = `${style.chalk.dim(`${indent}${clock(r)}`)} ${paintLevel(style, r.level, LEVEL_LABEL[r.level])} ${paintLevel(style, r.level === "info" ? "info" : r.level, message)}`;
  return text;
}

/** A finding on one line. */
function findingLine(f: Finding, width: number, style: Style): string {
  const { chalk } = style;
  const mark =
    f.severity === "error"
      ? chalk.red("✗")
      : f.severity === "warn"
        ? chalk.yellow("!")
        : chalk.cyan("i");
  // Where to look next — a file:line, or the linked trace — is kept whole; the message is cut to fit.
  const at = f.records?.[0];
  const linked =
    typeof f.linkedTraceId === "string" ? ` → trace ${f.linkedTraceId.slice(0, 8)}` : "";
  const where = at ? sanitize(` ${at.source}:${at.line}`) : sanitize(linked);
  const room = Math.max(20, width - 5 - displayWidth(where));
  return `   ${mark} ${fit(sanitize(f.message), room)}${chalk.dim(where)}`;
}

export function renderTrace(trace: AssembledTrace, opts: TimelineOptions): string {
  const { width, style } = opts;
  const L = layout(trace, width);
  const out = header(trace, width, style);
  for (const f of trace.findings) out.push(findingLine(f, width, style));
  if (opts.explain && trace.join) out.push(...explainLines(trace.join, width, style));
  out.push(
    style.chalk.dim(
      `${padTo("service", L.serviceW)} ${padTo("span", L.nameW)} ${padTo("", L.barW)} ${padTo("offset", L.offsetW, "right")} ${padTo("duration", L.durationW, "right")}`,
    ),
  );
  const prefixes = treePrefixes(trace);
  for (const s of trace.spans) {
    const prefix = prefixes.get(s.spanId) ?? "";
    const orphan = s.orphan ? "?" : "";
    const name = `${prefix}${orphan}${sanitize(s.name) || s.spanId.slice(0, 8)}`;
    const service = style.service(s.service)(padTo(sanitize(s.service), L.serviceW));
    const nameCell = padTo(name, L.nameW);
    const offsetMs = diffMs(s.start, trace.start);
    const offset = !s.timed ? "?" : offsetMs === 0 ? "+0" : `+${formatDuration(offsetMs)}`;
    const duration = s.timed ? formatDuration(diffMs(s.end, s.start)) : "?";
    const paintedName = s.status === "error" ? style.chalk.red(nameCell) : nameCell;
    const timing = s.timing === "inferred" ? style.chalk.dim : (t: string) => t;
    out.push(
      `${service} ${paintedName} ${bar(s, trace, L.barW, style)} ${timing(padTo(offset, L.offsetW, "right"))} ${timing(padTo(duration, L.durationW, "right"))}`,
    );
    if (!opts.records) continue;
    const indent = `${" ".repeat(L.serviceW + 1)}${prefix.replace(/[├└]/g, "│").replace(/[─┄]/g, " ")}  `;
    for (const r of s.records) if (!r.span) out.push(recordLine(r, indent, width, style));
  }
  if (opts.records && trace.records.length > 0) {
    out.push(style.chalk.dim(`${" ".repeat(L.serviceW + 1)}(records in no span)`));
    for (const r of trace.records) {
      out.push(recordLine(r, `${padTo(sanitize(r.service ?? ""), L.serviceW)} `, width, style));
    }
  }
  return out.join("\n");
}

/** `--explain`: the key values that joined the trace's records, and the candidates turned down. */
function explainLines(join: JoinExplanation, width: number, style: Style): string[] {
  const { chalk } = style;
  const out: string[] = [];
  for (const k of join.joined) {
    const gap = k.records > 1 ? `, longest pause ${formatDuration(k.maxGapMs)}` : "";
    const text = `joined on ${k.key}=${k.value}: ${k.records} records of ${k.services.join(", ")}${gap}`;
    out.push(`   ${chalk.cyan("≡")} ${fit(sanitize(text), width - 5)}`);
  }
  for (const k of join.rejected) {
    const text = `not joined on ${k.key}=${k.value}: ${k.reason}`;
    out.push(chalk.dim(`   ∅ ${fit(sanitize(text), width - 5)}`));
  }
  return out;
}
