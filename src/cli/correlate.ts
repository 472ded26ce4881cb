// `agtrace correlate`: runs the pipeline and prints; returns the exit code (DESIGN.md "Exit codes").
import { analyze, joinKeyFindings } from "../analyze/index.js";
import { Correlator } from "../correlate/index.js";
import { ingest } from "../ingest/index.js";
import { type BatchResult, OUTPUTS } from "../output/outputs.js";
import { selectTraces } from "../output/select.js";
import { resolveInputs } from "../sources/resolve.js";
import { runFollow } from "./follow.js";
import {
  boundHeapGrowth,
  correlateSettingsOf,
  decodeOptionsOf,
  EXIT_FAIL_ON,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
  problemReporter,
  renderContextOf,
  selectionOf,
  skippedNote,
  write,
} from "./io.js";
import { correlateSchema, describeIssues } from "./options.js";

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

  boundHeapGrowth(io.env);
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

  const { sources: n, lines, records, skipped } = stats;
  const result: BatchResult = {
    shown,
    total: traces.length,
    unmatched,
    stats: { sources: n, lines, records, skipped, traces: traces.length },
    findings: opts.explain ? joinKeyFindings(join) : [],
    bySource: opts.join === "off",
  };
  // Piece by piece, so a long result is never one string in memory.
  for (const piece of OUTPUTS[opts.format].batch(result, renderContextOf(opts, io)))
    await write(io.stdout, piece);
  const note = skippedNote(stats);
  if (note) io.stderr.write(`${note}\n`);

  if (reporter.fatal) return EXIT_USAGE;
  if (opts.failOn === "error" && shown.some((t) => t.status === "error")) return EXIT_FAIL_ON;
  return EXIT_OK;
}
