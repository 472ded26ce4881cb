// `agtrace correlate --follow`: prints each operation once it completes, late records as continuations,
// and on end of input or Ctrl-C the summary of what was seen.
import { once, setMaxListeners } from "node:events";
import { analyze } from "../analyze/index.js";
import { type LiveEvent, LiveCorrelator } from "../correlate/live.js";
import type { DecodeOptions } from "../decode/index.js";
import { ingest } from "../ingest/index.js";
import { OUTPUTS } from "../output/outputs.js";
import { matches } from "../output/select.js";
import { type SummaryRow, summaryRow } from "../output/summary.js";
import type { SourceSpec } from "../sources/resolve.js";
import {
  EXIT_FAIL_ON,
  EXIT_OK,
  EXIT_USAGE,
  correlateSettingsOf,
  type Io,
  renderContextOf,
  type Reporter,
  selectionOf,
  skippedNote,
} from "./io.js";
import type { CorrelateOptions } from "./options.js";

const TICK_MS = 250;
/** Rows kept for the closing summary table (the most recent ones). */
const SUMMARY_ROWS = 1000;
export async function runFollow(
  sources: SourceSpec[],
  opts: CorrelateOptions,
  decodeOptions: DecodeOptions,
  io: Io,
  reporter: Reporter,
): Promise<number> {
  const render = OUTPUTS[opts.format].live;
  if (!render) {
    io.stderr.write(
      "agtrace: --follow prints each trace as it completes: use --format text or ndjson\n",
    );
    return EXIT_USAGE;
  }
  const wholeInput =
    opts.join === "off"
      ? "--join off"
      : opts.attachByTime
        ? "--attach-by-time"
        : opts.explain
          ? "--explain"
          : undefined;
  if (wholeInput) {
    io.stderr.write(
      `agtrace: ${wholeInput} needs the whole input; --follow prints each operation as it completes\n`,
    );
    return EXIT_USAGE;
  }
  const join = opts.join === "off" ? "ids" : opts.join;
  const ctx = renderContextOf(opts, io);
  const selection = selectionOf(opts);
  const live = new LiveCorrelator({
    ...correlateSettingsOf(opts),
    join,
    idleMs: opts.idle,
    maxWaitMs: opts.maxWait,
    maxOpen: opts.maxOpen,
  });
  const seen: SummaryRow[] = [];
  let failed = false;
  let warnedFull = false;
  // The stream keeps what the reader has not taken yet, in order; meanwhile input waits (see `ready`).
  const print = (text: string): void => {
    io.stdout.write(text);
  };
  const ready = (): Promise<void> | undefined =>
    io.stdout.writableNeedDrain ? once(io.stdout, "drain").then(() => undefined) : undefined;
  const emit = (events: LiveEvent[]): void => {
    // Most records finish nothing.
    if (events.length === 0) return;
    // Traces finished together are analyzed together (findings across traces relate only those).
    const analyzed = analyze(events.flatMap((e) => (e.kind === "trace" ? [e.trace] : [])));
    let next = 0;
    for (const e of events) {
      if (e.kind === "trace") {
        const t = analyzed[next++]!;
        if (e.forced && !warnedFull) {
          warnedFull = true;
          io.stderr.write(
            `agtrace: more than ${opts.maxOpen} traces open at once: finishing the oldest early (--max-open)\n`,
          );
        }
        if (!matches(t, selection)) {
          live.ignoreLate(t.traceId);
          continue;
        }
        if (t.status === "error") failed = true;
        seen.push(summaryRow(t));
        if (seen.length > SUMMARY_ROWS) seen.shift();
        print(render.trace(t, ctx));
      } else if (e.kind === "continuation") print(render.continuation(e.traceId, e.records, ctx));
      else print(render.unmatched(e.records, ctx));
    }
  };

  const stop = new AbortController();
  // Every tailed file waits on it between polls: many files are no leak.
  setMaxListeners(0, stop.signal);
  const timer = setInterval(() => emit(live.tick(Date.now())), TICK_MS);
  const onSignal = (): void => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const stopped = new Promise<void>((resolve) =>
    stop.signal.addEventListener("abort", () => resolve()),
  );
  const stats = await Promise.race([
    ingest(
      sources,
      io.stdin,
      decodeOptions,
      {
        record: (r) => emit(live.add(r, Date.now())),
        problem: (p) => reporter.report(p),
        ready,
      },
      stop.signal,
    ),
    stopped.then(() => undefined),
  ]);
  clearInterval(timer);
  // Ctrl-C while reading a pipe: stop reading it, so the process can end.
  if (stop.signal.aborted) io.stdin.destroy();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  emit(live.flush(Date.now()));
  print(render.end(seen, ctx));
  await ready();
  reporter.flush();
  const note = stats && skippedNote(stats);
  if (note) io.stderr.write(`${note}\n`);
  if (live.unmatched > 0 && opts.format !== "ndjson") {
    io.stderr.write(`agtrace: ${live.unmatched} records in no trace were not shown\n`);
  }
  if (reporter.fatal) return EXIT_USAGE;
  return opts.failOn === "error" && failed ? EXIT_FAIL_ON : EXIT_OK;
}
