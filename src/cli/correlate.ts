// `agtrace correlate`: runs the pipeline and prints; returns the exit code (DESIGN.md "Exit codes").
import { analyze } from "../analyze/index.js";
import { Correlator, type JoinOutcome } from "../correlate/index.js";
import { ingest } from "../ingest/index.js";
import type { Finding, LogRecord } from "../model.js";
import { renderBySource } from "../output/by-source.js";
import { renderJson, traceJson } from "../output/json.js";
import { selectTraces } from "../output/select.js";
import { makeStyle } from "../output/style.js";
import { renderSummary, summaryRow } from "../output/summary.js";
import { fit, sanitize } from "../output/text.js";
import { renderTrace } from "../output/timeline.js";
import { resolveInputs } from "../sources/resolve.js";
import { runFollow } from "./follow.js";
import {
  correlateSettingsOf,
  decodeOptionsOf,
  EXIT_FAIL_ON,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
  outputWidth,
  problemReporter,
  selectionOf,
  skippedNote,
  useColor,
  write,
} from "./io.js";
import { correlateSchema, describeIssues } from "./options.js";

/** `agent-a.log 12, agent-b.log 3`: where the records in no trace are. */
function perSource(records: LogRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.source, (counts.get(r.source) ?? 0) + 1);
  return [...counts].map(([source, n]) => `${sanitize(source)} ${n}`).join(", ");
}

/** Fields the heuristic join turned down as a whole: findings about the input, for `--explain`. */
function droppedFieldFindings(join: JoinOutcome | undefined): Finding[] {
  return (join?.droppedFields ?? []).map((d) => ({
    kind: "join-key-rejected",
    severity: "info",
    message: `not a join key: ${d.field}: ${d.reason}`,
    key: d.field,
  }));
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

  const decodeOptions = decodeOptionsOf(opts);
  if (opts.follow) return runFollow(sources, opts, decodeOptions, io, reporter);

  // The summary table shows neither log lines, span trees nor findings: none is kept or worked out for it.
  const summaryOnly = opts.format === "text" && opts.summary;
  const correlator = new Correlator({
    ...correlateSettingsOf(opts),
    keepRecords: !summaryOnly,
  });
  const stats = await ingest(sources, io.stdin, decodeOptions, {
    record: (r) => correlator.add(r),
    problem: (p) => reporter.report(p),
  });
  reporter.flush();
  const correlated = correlator.finish({ tree: !summaryOnly });
  const { unmatched, join } = correlated;
  const traces = summaryOnly ? correlated.traces : analyze(correlated.traces);
  const selection = selectionOf(opts);
  const shown = selectTraces(traces, selection);

  if (opts.format === "ndjson") {
    for (const t of shown) {
      await write(io.stdout, `${JSON.stringify(traceJson(t, opts.explain))}\n`);
    }
  } else if (opts.format === "json") {
    const { sources: n, lines, records, skipped } = stats;
    const doc = renderJson(
      shown,
      unmatched,
      { sources: n, lines, records, skipped, traces: traces.length },
      opts.explain ? droppedFieldFindings(join) : [],
      opts.explain,
    );
    for (const piece of doc) await write(io.stdout, piece);
  } else {
    const style = makeStyle(useColor(opts, io));
    const width = outputWidth(opts, io);
    // Trace by trace, so a long timeline is never one string in memory.
    if (!opts.summary) {
      const timeline = { width, style, records: opts.records, explain: opts.explain };
      for (const t of shown) await write(io.stdout, `${renderTrace(t, timeline)}\n\n`);
      if (opts.join === "off") {
        for (const block of renderBySource(unmatched, width, style)) {
          await write(io.stdout, `${block}\n\n`);
        }
      }
      if (opts.explain) {
        for (const f of droppedFieldFindings(join)) {
          await write(io.stdout, `${style.chalk.dim(fit(sanitize(`∅ ${f.message}`), width))}\n`);
        }
      }
    }
    if (shown.length > 0) {
      await write(io.stdout, `${renderSummary(shown.map(summaryRow), width, style)}\n\n`);
    }
    const filtered = traces.length - shown.length;
    const tail = [
      `${shown.length} trace${shown.length === 1 ? "" : "s"} shown${filtered > 0 ? ` (${filtered} filtered out)` : ""}`,
      `${stats.records} records from ${stats.sources} source${stats.sources === 1 ? "" : "s"}`,
      unmatched.length > 0 ? `${unmatched.length} records in no trace` : "",
    ].filter(Boolean);
    await write(io.stdout, `${style.chalk.dim(fit(tail.join(" · "), width))}\n`);
    if (unmatched.length > 0) {
      const where = `  in no trace, by source: ${perSource(unmatched)} (all in --format json)`;
      await write(io.stdout, `${style.chalk.dim(fit(where, width))}\n`);
    }
  }
  const note = skippedNote(stats);
  if (note) io.stderr.write(`${note}\n`);

  if (reporter.fatal) return EXIT_USAGE;
  if (opts.failOn === "error" && shown.some((t) => t.status === "error")) return EXIT_FAIL_ON;
  return EXIT_OK;
}
