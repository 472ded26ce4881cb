// `agtrace correlate`: runs the pipeline and prints; returns the exit code (DESIGN.md "Exit codes").
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { analyzeTrace } from "../analyze/findings.js";
import { Correlator } from "../correlate/index.js";
import type { DecodeOptions } from "../decode/index.js";
import { type IngestStats, ingest, type Problem } from "../ingest/index.js";
import { renderJson } from "../output/json.js";
import { selectTraces } from "../output/select.js";
import { makeStyle } from "../output/style.js";
import { renderSummary } from "../output/summary.js";
import { fit, sanitize } from "../output/text.js";
import { renderTrace } from "../output/timeline.js";
import { resolveInputs } from "../sources/resolve.js";
import { type CorrelateOptions, correlateSchema, describeIssues } from "./options.js";

export interface Io {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

const EXIT_OK = 0;
const EXIT_FAIL_ON = 1;
const EXIT_USAGE = 2;
const PROBLEMS_PER_SOURCE = 5;

function useColor(opts: CorrelateOptions, io: Io): boolean {
  if (opts.color === false || (io.env.NO_COLOR ?? "") !== "") return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== "0") return true;
  return io.stdout.isTTY === true;
}

function outputWidth(opts: CorrelateOptions, io: Io): number {
  const fromEnv = Number(io.env.COLUMNS);
  const width =
    opts.width ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : (io.stdout.columns ?? 100));
  return Math.max(opts.width ? 40 : 80, width);
}

/** Writes problems to stderr, at most a few per source, then counts the rest. */
function problemReporter(io: Io): { report(p: Problem): void; flush(): void; fatal: boolean } {
  const perSource = new Map<string, number>();
  const state = {
    fatal: false,
    report(p: Problem) {
      if (p.fatal) state.fatal = true;
      const n = (perSource.get(p.source) ?? 0) + 1;
      perSource.set(p.source, n);
      if (!p.fatal && n > PROBLEMS_PER_SOURCE) return;
      const where = p.line ? `${p.source}:${p.line}` : p.source;
      const detail = p.detail ? ` (${sanitize(p.detail)})` : "";
      io.stderr.write(`agtrace: ${sanitize(where)}: ${p.reason}${detail}\n`);
    },
    flush() {
      for (const [source, n] of perSource) {
        if (n > PROBLEMS_PER_SOURCE) {
          io.stderr.write(
            `agtrace: ${sanitize(source)}: … and ${n - PROBLEMS_PER_SOURCE} more problems\n`,
          );
        }
      }
    },
  };
  return state;
}

function skippedNote(stats: IngestStats): string | undefined {
  if (stats.skipped === 0) return undefined;
  const parts = Object.entries(stats.skippedByReason).map(([reason, n]) => `${n} ${reason}`);
  return `agtrace: skipped ${stats.skipped} line${stats.skipped === 1 ? "" : "s"} (${parts.join(", ")})`;
}

/** Writes and waits when the reader is slower, so a large result is not buffered in memory. */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}

export async function runCorrelate(
  inputs: string[],
  raw: Record<string, unknown>,
  io: Io,
): Promise<number> {
  const parsed = correlateSchema(Date.now()).safeParse(raw);
  if (!parsed.success) {
    io.stderr.write(`agtrace: ${describeIssues(parsed.error)}\n`);
    return EXIT_USAGE;
  }
  const opts = parsed.data;
  if (inputs.length === 0 && io.stdin.isTTY) {
    io.stderr.write(
      "agtrace: no input: name log files or directories, or pipe logs into agtrace (see --help)\n",
    );
    return EXIT_USAGE;
  }
  const reporter = problemReporter(io);
  const { sources, problems } = resolveInputs(inputs);
  for (const p of problems) reporter.report({ source: p.input, reason: p.reason, fatal: true });

  const decodeOptions: DecodeOptions = {};
  if (opts.traceField) decodeOptions.trace = opts.traceField;
  if (opts.spanField) decodeOptions.span = opts.spanField;
  if (opts.parentField) decodeOptions.parent = opts.parentField;
  if (opts.timeField) decodeOptions.time = opts.timeField;
  if (opts.serviceField) decodeOptions.service = opts.serviceField;
  if (opts.messageField) decodeOptions.message = opts.messageField;

  const correlator = new Correlator();
  const stats = await ingest(sources, io.stdin, decodeOptions, {
    record: (r) => correlator.add(r),
    problem: (p) => reporter.report(p),
  });
  reporter.flush();
  const { traces, unmatched } = correlator.finish();
  for (const t of traces) analyzeTrace(t);
  const selection = {
    errors: opts.errors,
    sort: opts.sort,
    ...(opts.trace && { trace: opts.trace }),
    ...(opts.service && { service: opts.service }),
    ...(opts.minDuration !== undefined && { minDuration: opts.minDuration }),
    ...(opts.since !== undefined && { since: opts.since }),
    ...(opts.until !== undefined && { until: opts.until }),
    ...(opts.limit !== undefined && { limit: opts.limit }),
  };
  const shown = selectTraces(traces, selection);

  if (opts.format === "json") {
    const { sources: n, lines, records, skipped } = stats;
    const doc = renderJson(
      shown,
      unmatched,
      { sources: n, lines, records, skipped, traces: traces.length },
      [],
    );
    for (const piece of doc) await write(io.stdout, piece);
  } else {
    const style = makeStyle(useColor(opts, io));
    const width = outputWidth(opts, io);
    const blocks: string[] = [];
    if (!opts.summary)
      for (const t of shown) blocks.push(renderTrace(t, { width, style, records: opts.records }));
    if (shown.length > 0) blocks.push(renderSummary(shown, width, style));
    const filtered = traces.length - shown.length;
    const tail = [
      `${shown.length} trace${shown.length === 1 ? "" : "s"} shown${filtered > 0 ? ` (${filtered} filtered out)` : ""}`,
      `${stats.records} records from ${stats.sources} source${stats.sources === 1 ? "" : "s"}`,
      unmatched.length > 0 ? `${unmatched.length} records without trace ids` : "",
    ].filter(Boolean);
    blocks.push(style.chalk.dim(fit(tail.join(" · "), width)));
    io.stdout.write(`${blocks.join("\n\n")}\n`);
  }
  const note = skippedNote(stats);
  if (note) io.stderr.write(`${note}\n`);

  if (reporter.fatal) return EXIT_USAGE;
  if (opts.failOn === "error" && shown.some((t) => t.status === "error")) return EXIT_FAIL_ON;
  return EXIT_OK;
}
