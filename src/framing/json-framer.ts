// Physical lines → JSON values: JSONL, pretty-printed multi-line objects (OTel Python console exporters),
// arrays, and objects concatenated on one line. Everything else is reported, never thrown.
import { parseJson } from "../util/json.js";
import type { LineContext } from "./transport.js";

export type SkipReason = "not JSON" | "invalid JSON" | "unterminated JSON" | "line too long";

export interface FrameSink {
  /** `context` is what a transport wrapper told about the value's first line (see transport.ts). */
  value(value: unknown, line: number, context: LineContext | undefined): void;
  skip(reason: SkipReason, line: number, detail?: string): void;
}

const MAX_PENDING_LINES = 10_000;

/** Bracket depth after scanning text, honouring strings; `splits` are offsets where depth returned to 0. */
interface Scan {
  depth: number;
  inString: boolean;
  escaped: boolean;
}

function scan(text: string, state: Scan, splits?: number[]): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (state.inString) {
      if (state.escaped) state.escaped = false;
      else if (c === 92) state.escaped = true;
      else if (c === 34) state.inString = false;
    } else if (c === 34) state.inString = true;
    else if (c === 123 || c === 91) state.depth++;
    else if (c === 125 || c === 93) {
      state.depth--;
      if (state.depth === 0) splits?.push(i + 1);
      if (state.depth < 0) return;
    }
  }
}

function firstNonSpace(text: string): number {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  return i;
}

function lastNonSpace(text: string): number {
  let i = text.length - 1;
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  return i;
}

function errorDetail(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class JsonFramer {
  readonly #sink: FrameSink;
  #pending: string[] = [];
  #pendingStart = 0;
  #pendingLines: number[] = [];
  #pendingContexts: (LineContext | undefined)[] = [];
  /** The context of the line being pushed. */
  #context: LineContext | undefined;
  #state: Scan = { depth: 0, inString: false, escaped: false };

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  push(text: string, lineNo: number, context?: LineContext): void {
    this.#context = context;
    if (this.#pending.length > 0) {
      const start = firstNonSpace(text);
      // A new unindented object while one is open: the open one was cut short.
      if (start === 0 && (text[0] === "{" || text[0] === "[")) {
        this.#abandon();
        this.push(text, lineNo, context);
      } else this.#continue(text, lineNo);
      return;
    }
    const start = firstNonSpace(text);
    if (start === text.length) return;
    const first = text[start];
    if (first !== "{" && first !== "[") {
      this.#sink.skip("not JSON", lineNo);
      return;
    }
    const last = text[lastNonSpace(text)];
    if (last === "}" || last === "]") {
      try {
        this.#sink.value(parseJson(text), lineNo, this.#context);
        return;
      } catch (err) {
        this.#split(text, lineNo, err);
        return;
      }
    }
    this.#split(text, lineNo, undefined);
  }

  /** Ends the input: an object still open is reported as unterminated. */
  end(): void {
    if (this.#pending.length > 0) this.#abandon();
  }

  /** A line that is not one JSON value: several values (`{…}{…}`), and/or the start of a multi-line one. */
  #split(text: string, lineNo: number, err: unknown): void {
    const state: Scan = { depth: 0, inString: false, escaped: false };
    const splits: number[] = [];
    scan(text, state, splits);
    if (state.depth < 0 || (splits.length === 0 && state.depth === 0)) {
      this.#sink.skip("invalid JSON", lineNo, err ? errorDetail(err) : "unexpected end of line");
      return;
    }
    const rest = text.slice(splits.at(-1) ?? 0);
    const restStart = firstNonSpace(rest);
    // Text after the values that does not begin another one makes the whole line invalid.
    if (restStart < rest.length && rest[restStart] !== "{" && rest[restStart] !== "[") {
      this.#sink.skip(
        "invalid JSON",
        lineNo,
        err ? errorDetail(err) : "unexpected text after a value",
      );
      return;
    }
    let from = 0;
    for (const to of splits) {
      const part = text.slice(from, to);
      from = to;
      try {
        this.#sink.value(parseJson(part), lineNo, this.#context);
      } catch (e) {
        this.#sink.skip("invalid JSON", lineNo, errorDetail(e));
      }
    }
    if (restStart === rest.length) return;
    const restState: Scan = { depth: 0, inString: false, escaped: false };
    scan(rest, restState);
    if (restState.depth > 0) this.#open(rest, lineNo, restState);
    else this.#sink.skip("invalid JSON", lineNo, "unexpected end of line");
  }

  #open(text: string, lineNo: number, state: Scan): void {
    this.#pending = [text];
    this.#pendingLines = [lineNo];
    this.#pendingContexts = [this.#context];
    this.#pendingStart = lineNo;
    this.#state = state;
  }

  #continue(text: string, lineNo: number): void {
    this.#pending.push(text);
    this.#pendingLines.push(lineNo);
    this.#pendingContexts.push(this.#context);
    scan(text, this.#state);
    if (this.#state.depth <= 0) {
      const joined = this.#pending.join("\n");
      const line = this.#pendingStart;
      this.#pending = [];
      try {
        this.#sink.value(parseJson(joined), line, this.#pendingContexts[0]);
      } catch (err) {
        this.#sink.skip("invalid JSON", line, errorDetail(err));
      }
    } else if (this.#pending.length > MAX_PENDING_LINES) this.#abandon();
  }

  /** Reports the open object's first line and feeds the lines after it again, so valid records among them survive. */
  #abandon(): void {
    const texts = this.#pending;
    const lines = this.#pendingLines;
    this.#pending = [];
    this.#pendingLines = [];
    this.#sink.skip("unterminated JSON", this.#pendingStart);
    const contexts = this.#pendingContexts;
    for (let i = 1; i < texts.length; i++) this.push(texts[i]!, lines[i]!, contexts[i]);
  }
}
