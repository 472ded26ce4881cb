// Wires sources → framing → decoding for every input, handing each record on as soon as it is decoded.
import type { Readable } from "node:stream";
import { type DecodeOptions, decodeValue } from "./decode/index.js";
import { JsonFramer, type SkipReason } from "./framing/json-framer.js";
import { splitLines } from "./framing/lines.js";
import type { LogRecord } from "./model.js";
import { readSource } from "./sources/open.js";
import { describeIoError, type SourceSpec } from "./sources/resolve.js";

export interface IngestStats {
  sources: number;
  lines: number;
  records: number;
  skipped: number;
  skippedByReason: Partial<Record<SkipReason | "no records", number>>;
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
}

export async function ingest(
  specs: SourceSpec[],
  stdin: Readable,
  options: DecodeOptions,
  handlers: IngestHandlers,
): Promise<IngestStats> {
  const stats: IngestStats = { sources: 0, lines: 0, records: 0, skipped: 0, skippedByReason: {} };
  const skip = (reason: SkipReason | "no records"): void => {
    stats.skipped++;
    stats.skippedByReason[reason] = (stats.skippedByReason[reason] ?? 0) + 1;
  };
  for (const spec of specs) {
    stats.sources++;
    const ctx = { source: spec.name, line: 0, options };
    const framer = new JsonFramer({
      value(value, line) {
        ctx.line = line;
        const records = decodeValue(value, ctx);
        if (records.length === 0) skip("no records");
        for (const r of records) {
          stats.records++;
          handlers.record(r);
        }
      },
      skip(reason, line, detail) {
        skip(reason);
        if (reason !== "not JSON") {
          const p: Problem = { source: spec.name, line, reason, fatal: false };
          if (detail) p.detail = detail;
          handlers.problem(p);
        }
      },
    });
    try {
      stats.lines += await splitLines(readSource(spec, stdin), {
        line: (text, lineNo) => framer.push(text, lineNo),
        tooLong: (lineNo, bytes) => {
          skip("line too long");
          handlers.problem({
            source: spec.name,
            line: lineNo,
            reason: "line too long",
            detail: `${bytes} bytes`,
            fatal: false,
          });
        },
      });
      framer.end();
    } catch (err) {
      framer.end();
      handlers.problem({ source: spec.name, reason: describeIoError(err), fatal: true });
    }
  }
  return stats;
}
