// One source's bytes → records: lines, platform wrappers, JSON framing, decoding. Used as is on the main
// thread and inside the parallel decode workers.
import { type DecodeOptions, decodeValue } from "../decode/index.js";
import { JsonFramer, type SkipReason } from "../framing/json-framer.js";
import { splitLines } from "../framing/lines.js";
import { type LineContext, TransportUnwrapper } from "../framing/transport.js";
import type { LogRecord } from "../model.js";

export type SkipKind = SkipReason | "no records";

export interface SourceSink {
  record(record: LogRecord): void;
  skip(reason: SkipKind, line: number, detail?: string): void;
}

/** What the platform's wrapper told fills what the record itself leaves open. */
function applyContext(r: LogRecord, context: LineContext): void {
  if (!r.service && context.service) r.service = context.service;
  if (!r.time && context.captureTime) r.time = context.captureTime;
}

// A stack trace printed as plain lines after an error record: Java/Node `at …`, Python `File "…"`,
// `Traceback …`, `Caused by: …`, `… 12 more`, an exception line; once started, indented lines continue it.
const STACK_START =
  /^(\s+at\s|\s+File "|Traceback \(most recent call last\)|Caused by:|\s+\.\.\. \d+ (more|common frames)|[\w.$]*(Error|Exception)\b)/;
const STACK_MORE = /^(\s|Caused by:|[\w.$]*(Error|Exception)\b)/;
const MAX_ATTACHED_CHARS = 16_384;

/** Decodes every record of the chunks; returns the number of physical lines. I/O errors are rethrown. */
export async function decodeSource(
  chunks: AsyncIterable<Buffer>,
  source: string,
  options: DecodeOptions,
  sink: SourceSink,
): Promise<number> {
  const ctx = { source, line: 0, options };
  // The last record, while plain lines after it may still be its stack trace; and the line being framed.
  let erred: LogRecord | undefined;
  let attaching = false;
  let text = "";
  const attach = (line: string): boolean => {
    if (!erred || !(attaching ? STACK_MORE : STACK_START).test(line)) return false;
    if (erred.message.length < MAX_ATTACHED_CHARS) erred.message += `\n${line}`;
    attaching = true;
    return true;
  };
  const framer = new JsonFramer({
    value(value, line, context) {
      ctx.line = line;
      const records = decodeValue(value, ctx);
      if (records.length === 0) sink.skip("no records", line);
      erred = undefined;
      attaching = false;
      for (const r of records) {
        if (context) applyContext(r, context);
        sink.record(r);
        if (r.level === "error" || r.level === "fatal") erred = r;
      }
    },
    skip(reason, line, detail) {
      if (reason === "not JSON" && attach(text)) return;
      erred = undefined;
      sink.skip(reason, line, detail);
    },
  });
  const transport = new TransportUnwrapper();
  const finish = (): void => {
    const u = transport.end();
    if (u) framer.push(u.text, u.line, u.context);
    framer.end();
  };
  try {
    const lines = await splitLines(chunks, {
      line(raw, lineNo) {
        const u = transport.push(raw, lineNo);
        if (u) {
          text = u.text;
          framer.push(u.text, u.line, u.context);
        }
      },
      tooLong: (lineNo, bytes) => sink.skip("line too long", lineNo, `${bytes} bytes`),
    });
    finish();
    return lines;
  } catch (err) {
    finish();
    throw err;
  }
}
