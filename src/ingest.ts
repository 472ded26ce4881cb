// Wires sources → framing → decoding for every input, handing each record on as soon as it is decoded.
import type { Readable } from "node:stream";
import { type DecodeOptions, decodeValue } from "./decode/index.js";
import { JsonFramer, type SkipReason } from "./framing/json-framer.js";
import { splitLines } from "./framing/lines.js";
import { type LineContext, TransportUnwrapper } from "./framing/transport.js";
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

/** What the platform's wrapper told fills what the record itself leaves open. */
function applyContext(r: LogRecord, context: LineContext): void {
  if (!r.service && context.service) r.service = context.service;
  if (!r.time && context.captureTime) r.time = context.captureTime;
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
      value(value, line, context) {
        ctx.line = line;
        const records = decodeValue(value, ctx);
        if (records.length === 0) skip("no records");
        for (const r of records) {
          if (context) applyContext(r, context);
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
    const transport = new TransportUnwrapper();
    const unwrap = (text: string, lineNo: number): void => {
      const u = transport.push(text, lineNo);
      if (u) framer.push(u.text, u.line, u.context);
    };
    const finish = (): void => {
      const u = transport.end();
      if (u) framer.push(u.text, u.line, u.context);
      framer.end();
    };
    try {
      stats.lines += await splitLines(readSource(spec, stdin), {
        line: unwrap,
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
      finish();
    } catch (err) {
      finish();
      handlers.problem({ source: spec.name, reason: describeIoError(err), fatal: true });
    }
  }
  return stats;
}
