// Wires sources → framing → decoding for every input, handing each record on as soon as it is decoded.
import type { Readable } from "node:stream";
import { DecodeMemo, type DecodeOptions } from "../decode/index.js";
import type { LogRecord } from "../model.js";
import { isGzipFile, readSource } from "../sources/open.js";
import { tailFile } from "../sources/tail.js";
import { describeIoError, type SourceSpec } from "../sources/resolve.js";
import { decodeSource, type SkipKind } from "./decode-source.js";

export interface IngestStats {
  sources: number;
  lines: number;
  records: number;
  skipped: number;
  skippedByReason: Partial<Record<SkipKind, number>>;
}

export interface Problem {
  source: string;
  line?: number;
  reason: string;
  detail?: string;
  /** True when the whole input could not be read (exit code 2). */
  fatal: boolean;
}

export interface IngestHandlers {
  record(record: LogRecord): void;
  problem(problem: Problem): void;
  /** A promise while the consumer cannot take more: reading waits for it before the next chunk. */
  ready?(): Promise<void> | undefined;
}

/** The chunks, each pulled only once the consumer is ready, so a slow reader of the output slows the input. */
async function* paced(
  chunks: AsyncIterable<Buffer>,
  ready: () => Promise<void> | undefined,
): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    yield chunk;
    const wait = ready();
    if (wait) await wait;
  }
}

/**
 * Decodes every source. With `follow`, sources are read at once and plain files are tailed until the
 * signal aborts (stdin is read until it closes).
 */
export async function ingest(
  specs: SourceSpec[],
  stdin: Readable,
  options: DecodeOptions,
  handlers: IngestHandlers,
  follow?: AbortSignal,
): Promise<IngestStats> {
  const stats: IngestStats = { sources: 0, lines: 0, records: 0, skipped: 0, skippedByReason: {} };
  // What decoding remembers from line to line: this run's, shared by its sources, gone with it.
  const memo = new DecodeMemo();
  const chunks = (spec: SourceSpec): AsyncIterable<Buffer> => {
    const raw =
      follow && spec.path && !isGzipFile(spec.path)
        ? tailFile(spec.path, follow)
        : readSource(spec, stdin);
    return handlers.ready ? paced(raw, handlers.ready) : raw;
  };
  const run = async (spec: SourceSpec): Promise<void> => {
    stats.sources++;
    try {
      stats.lines += await decodeSource(
        chunks(spec),
        spec.name,
        options,
        {
          record(r) {
            stats.records++;
            handlers.record(r);
          },
          skip(reason, line, detail) {
            stats.skipped++;
            stats.skippedByReason[reason] = (stats.skippedByReason[reason] ?? 0) + 1;
            if (reason === "not JSON") return;
            const p: Problem = { source: spec.name, line, reason, fatal: false };
            if (detail) p.detail = detail;
            handlers.problem(p);
          },
        },
        memo,
        follow !== undefined,
      );
    } catch (err) {
      handlers.problem({ source: spec.name, reason: describeIoError(err), fatal: true });
    }
  };
  if (follow) await Promise.all(specs.map(run));
  else for (const spec of specs) await run(spec);
  return stats;
}
