// One source's bytes → records: lines, platform wrappers, JSON framing, decoding.
import { type DecodeOptions, decodeValue } from "../decode/index.js";
import { type FrameSink, JsonFramer, type SkipReason } from "../framing/json-framer.js";
import { splitLines } from "../framing/lines.js";
import { Demux } from "../framing/demux.js";
import { type LineContext, TransportUnwrapper, type Unwrapped } from "../framing/transport.js";
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

/** One container's framing, and its last record while plain lines after it may still be its stack trace. */
class ContainerFraming {
  erred: LogRecord | undefined;
  attaching = false;
  readonly framer: JsonFramer;

  constructor(sinkOf: (framing: ContainerFraming) => FrameSink) {
    this.framer = new JsonFramer(sinkOf(this));
  }
}

/** Decodes every record of the chunks; returns the number of physical lines. I/O errors are rethrown. */
export async function decodeSource(
  chunks: AsyncIterable<Buffer>,
  source: string,
  options: DecodeOptions,
  sink: SourceSink,
): Promise<number> {
  const ctx = { source, line: 0, options };
  // The line being framed, for a skipped plain line to join a stack trace.
  let text = "";
  const attach = (framing: ContainerFraming, line: string): boolean => {
    const { erred } = framing;
    if (!erred || !(framing.attaching ? STACK_MORE : STACK_START).test(line)) return false;
    if (erred.message.length < MAX_ATTACHED_CHARS) erred.message += `\n${line}`;
    framing.attaching = true;
    return true;
  };
  const open = (): ContainerFraming =>
    new ContainerFraming((framing) => ({
      value(value, line, context) {
        ctx.line = line;
        const records = decodeValue(value, ctx);
        if (records.length === 0) sink.skip("no records", line);
        framing.erred = undefined;
        framing.attaching = false;
        for (const r of records) {
          if (context) applyContext(r, context);
          sink.record(r);
          if (r.level === "error" || r.level === "fatal") framing.erred = r;
        }
      },
      skip(reason, line, detail) {
        if (reason === "not JSON" && attach(framing, text)) return;
        framing.erred = undefined;
        sink.skip(reason, line, detail);
      },
    }));
  const containers = new Demux(open, (framing) => framing.framer.end());
  const transport = new TransportUnwrapper();
  const push = (u: Unwrapped & { line: number }): void => {
    text = u.text;
    containers.get(u.context, u.line).framer.push(u.text, u.line, u.context);
  };
  const finish = (): void => {
    const u = transport.end();
    if (u) push(u);
    containers.end();
  };
  try {
    const lines = await splitLines(chunks, {
      line(raw, lineNo) {
        const u = transport.push(raw, lineNo);
        if (u) push(u);
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
