// One source's bytes → records: lines, platform wrappers, JSON framing, decoding.
import { type DecodeMemo, type DecodeOptions, decodeValue } from "../decode/index.js";
import { errorFromStack } from "../decode/error.js";
import { decodeTextLine } from "../decode/text-line.js";
import { type FrameSink, JsonFramer, type SkipReason } from "../framing/json-framer.js";
import { splitLines } from "../framing/lines.js";
import { Demux } from "../framing/demux.js";
import { type LineContext, TransportUnwrapper, type Unwrapped } from "../framing/transport.js";
import type { LogRecord, RecordDraft } from "../model.js";

export type SkipKind = SkipReason | "no records";

export interface SourceSink {
  record(record: LogRecord): void;
  skip(reason: SkipKind, line: number, detail?: string): void;
}

/** What the platform's wrapper told fills what the record itself leaves open. */
function withContext(r: LogRecord, context: LineContext): LogRecord {
  const service = !r.service && context.service ? context.service : undefined;
  const time = !r.time && context.captureTime ? context.captureTime : undefined;
  if (service === undefined && time === undefined) return r;
  const out: RecordDraft = { ...r };
  if (service !== undefined) out.service = service;
  if (time !== undefined) out.time = time;
  return out;
}

// A stack trace printed as plain lines after an error record: Java/Node `at …`, Python `File "…"`,
// `Traceback …`, `Caused by: …`, `… 12 more`, an exception line; once started, indented lines continue it.
const STACK_START =
  /^(\s+at\s|\s+File "|Traceback \(most recent call last\)|Caused by:|\s+\.\.\. \d+ (more|common frames)|[\w.$]*(Error|Exception)\b)/;
const STACK_MORE = /^(\s|Caused by:|[\w.$]*(Error|Exception)\b)/;
const MAX_ATTACHED_CHARS = 16_384;

/**
 * One container's framing. An error record that ends a JSON value is held back until the lines after
 * it show whether a plain-text stack trace follows, so it is handed on once, whole.
 */
class ContainerFraming {
  held: LogRecord | undefined;
  /** The service of the container's latest record: a plain line after it was printed by the same process. */
  service: string | undefined;
  stack: string[] = [];
  stackChars = 0;
  readonly framer: JsonFramer;

  constructor(
    sinkOf: (framing: ContainerFraming) => FrameSink,
    readonly keepError: boolean,
  ) {
    this.framer = new JsonFramer(sinkOf(this));
  }

  /** Takes a plain line as the held record's stack trace, if it reads like one. */
  attach(line: string): boolean {
    if (!this.held || !(this.stack.length > 0 ? STACK_MORE : STACK_START).test(line)) return false;
    if (this.held.message.length + this.stackChars < MAX_ATTACHED_CHARS) {
      this.stack.push(line);
      this.stackChars += line.length + 1;
    }
    return true;
  }

  /** The held record, with its stack trace joined to its message. */
  release(sink: SourceSink): void {
    const r = this.held;
    if (!r) return;
    if (this.stack.length === 0) sink.record(r);
    else {
      const stack = this.stack.join("\n");
      const joined: RecordDraft = { ...r, message: `${r.message}\n${stack}` };
      // The trace also fills the record's error (its type and message from the exception line).
      if (this.keepError) joined.error = errorFromStack(stack, r.error);
      sink.record(joined);
    }
    this.held = undefined;
    this.stack = [];
    this.stackChars = 0;
  }
}

/**
 * Decodes every record of the chunks; returns the number of physical lines. I/O errors are rethrown.
 * `memo` is the run's: every source of one run shares it. `live` (a stream read as it grows): an error
 * record held for its stack trace is handed on once its chunk is read, not only when the next line
 * comes — a crashing service's last line is its error.
 */
export async function decodeSource(
  chunks: AsyncIterable<Buffer>,
  source: string,
  options: DecodeOptions,
  sink: SourceSink,
  memo: DecodeMemo,
  live = false,
): Promise<number> {
  const ctx = { source, line: 0, options, memo };
  // The line being framed and its platform context, for a plain line (a stack trace, or a record of its own).
  let text = "";
  let textContext: LineContext | undefined;
  const textRecord = (line: number, service: string | undefined): LogRecord | undefined => {
    const r = decodeTextLine(text, source, line, {
      joinKeys: options.joinKeys,
      timeMemo: memo.time,
    });
    if (!r) return undefined;
    if (service) r.service = service;
    return textContext ? withContext(r, textContext) : r;
  };
  const open = (): ContainerFraming =>
    new ContainerFraming(
      (framing) => ({
        value(value, line, context) {
          framing.release(sink);
          ctx.line = line;
          const records = decodeValue(value, ctx);
          if (records.length === 0) sink.skip("no records", line);
          for (let i = 0; i < records.length; i++) {
            const r = context ? withContext(records[i]!, context) : records[i]!;
            if (r.service) framing.service = r.service;
            if (i === records.length - 1 && (r.level === "error" || r.level === "fatal"))
              framing.held = r;
            else sink.record(r);
          }
        },
        skip(reason, line, detail) {
          if (reason === "not JSON" && framing.attach(text)) return;
          framing.release(sink);
          // A stack trace's line with no error record to join stays skipped: on its own it says nothing.
          const plain =
            reason === "not JSON" && !STACK_START.test(text)
              ? textRecord(line, framing.service)
              : undefined;
          if (plain) sink.record(plain);
          else sink.skip(reason, line, detail);
        },
      }),
      options.attributes !== false,
    );
  const framings = new Set<ContainerFraming>();
  const containers = new Demux(
    () => {
      const framing = open();
      framings.add(framing);
      return framing;
    },
    (framing) => {
      framing.framer.end();
      framing.release(sink);
      framings.delete(framing);
    },
  );
  /** The chunks, each one's held records handed on once its lines were read. */
  async function* releasing(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of input) {
      yield chunk;
      for (const framing of framings) framing.release(sink);
    }
  }
  const transport = new TransportUnwrapper();
  const push = (u: Unwrapped & { line: number }): void => {
    text = u.text;
    textContext = u.context;
    containers.get(u.context, u.line).framer.push(u.text, u.line, u.context);
  };
  const finish = (): void => {
    const u = transport.end();
    if (u) push(u);
    containers.end();
  };
  try {
    const lines = await splitLines(live ? releasing(chunks) : chunks, {
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
