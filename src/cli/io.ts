// Terminal and stream helpers shared by `correlate`'s batch and follow modes.
import { once } from "node:events";
import type { CorrelateSettings } from "../correlate/index.js";
import type { Readable, Writable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import type { DecodeOptions } from "../decode/index.js";
import type { IngestStats, Problem } from "../ingest/index.js";
import type { Selection } from "../output/select.js";
import type { RenderContext } from "../output/outputs.js";
import { makeStyle } from "../output/style.js";
import { sanitize } from "../output/text.js";
import type { CorrelateOptions } from "./options.js";

export interface Io {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

export const EXIT_OK = 0;
export const EXIT_FAIL_ON = 1;
export const EXIT_USAGE = 2;
const PROBLEMS_PER_SOURCE = 5;

export function useColor(opts: CorrelateOptions, io: Io): boolean {
  if (opts.color === false || (io.env.NO_COLOR ?? "") !== "") return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== "0") return true;
  return io.stdout.isTTY === true;
}

/** How the chosen output is drawn: width, colours, what it shows. */
export function renderContextOf(opts: CorrelateOptions, io: Io): RenderContext {
  return {
    width: outputWidth(opts, io),
    style: makeStyle(useColor(opts, io)),
    records: opts.records,
    explain: opts.explain,
    summary: opts.summary,
  };
}

export function outputWidth(opts: CorrelateOptions, io: Io): number {
  const fromEnv = Number(io.env.COLUMNS);
  const width =
    opts.width ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : (io.stdout.columns ?? 100));
  return Math.max(opts.width ? 40 : 80, width);
}

/** Writes problems to stderr, at most a few per source, then counts the rest. */
export function problemReporter(io: Io): {
  report(p: Problem): void;
  flush(): void;
  fatal: boolean;
} {
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

export function skippedNote(stats: IngestStats): string | undefined {
  if (stats.skipped === 0) return undefined;
  const parts = Object.entries(stats.skippedByReason).map(([reason, n]) => `${n} ${reason}`);
  return `agtrace: skipped ${stats.skipped} line${stats.skipped === 1 ? "" : "s"} (${parts.join(", ")})`;
}

/** Writes and waits when the reader is slower, so a large result is not buffered in memory. */
export async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}

/** The in-house field names given on the command line. */
export function decodeOptionsOf(opts: CorrelateOptions): DecodeOptions {
  const d: DecodeOptions = {};
  if (opts.traceField) d.trace = opts.traceField;
  if (opts.spanField) d.span = opts.spanField;
  if (opts.parentField) d.parent = opts.parentField;
  if (opts.timeField) d.time = opts.timeField;
  if (opts.serviceField) d.service = opts.serviceField;
  if (opts.messageField) d.message = opts.messageField;
  // The heuristic join reads candidate keys (in batch and, over a sliding window, with --follow).
  if (opts.join !== "ids" && opts.join !== "off") d.joinKeys = true;
  // The heuristic join ignores the trace context of log lines: not read at all.
  if (opts.join === "heuristic") d.explicitIds = false;
  // The summary table prints no record: their attributes, errors and span events are not built.
  if (opts.summary && opts.format === "text") d.attributes = false;
  return d;
}

export function correlateSettingsOf(opts: CorrelateOptions): CorrelateSettings {
  const s: CorrelateSettings = {
    join: opts.join,
    attachByTime: opts.attachByTime,
    explain: opts.explain,
  };
  if (opts.window !== undefined) s.windowMs = opts.window;
  if (opts.joinKeys) s.keys = opts.joinKeys;
  if (opts.ignoreKeys) s.ignore = opts.ignoreKeys;
  return s;
}

export type Reporter = ReturnType<typeof problemReporter>;

export function selectionOf(opts: CorrelateOptions): Selection {
  return {
    errors: opts.errors,
    sort: opts.sort,
    ...(opts.trace && { trace: opts.trace }),
    ...(opts.service && { service: opts.service }),
    ...(opts.minDuration !== undefined && { minDuration: opts.minDuration }),
    ...(opts.since !== undefined && { since: opts.since }),
    ...(opts.until !== undefined && { until: opts.until }),
    ...(opts.limit !== undefined && { limit: opts.limit }),
  };
}

/**
 * How far V8 lets the old generation grow past what survived the last full GC before collecting again.
 * Its default (up to 300% when GC is cheap) suits short scripts; here most of what is decoded outlives
 * the young generation (spans, a stream's open traces), so peak memory would be several times what is live.
 */
const HEAP_GROWING_PERCENT = 50;

/** Bounds heap growth for this process, unless node was given its own setting. */
export function boundHeapGrowth(env: NodeJS.ProcessEnv): void {
  const given = [...process.execArgv, env.NODE_OPTIONS ?? ""].join(" ");
  if (!/--heap[-_]growing[-_]percent/.test(given))
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
