// The error a record reports, normalized from the shapes logging libraries and exporters write it in:
// pino/bunyan `err`, winston `stack`/`error`, Node `code`/`errno`, Python `exc_info`/`exc_text`, structlog
// `exception`, OTel `exception.*` (attributes or span events), ECS `error.*`, Go `error`/`stacktrace`.
import type { RecordError } from "../model.js";
import { capString, MAX_STRING } from "./attributes.js";
import { type Path, path, read } from "./lookup.js";
import { isObject } from "./record.js";

/** Stack traces are kept longer than other strings: the frame that matters may be far down. */
export const MAX_STACK = 16_384;

/** Where each part of the error may be, in order of preference (dotted names also match nesting). */
const TYPE = ["err.type", "err.name", "error.type", "error.name", "exception.type"];
const MESSAGE = ["err.message", "error.message", "exception.message"];
const CODE = ["err.code", "error.code", "exception.code"];
const STACK = [
  "err.stack",
  "err.stack_trace",
  "error.stack",
  "error.stack_trace",
  "error.stacktrace",
  "exception.stacktrace",
  "exception.stack_trace",
  "stack",
  "stack_trace",
  "stacktrace",
  "exc_info",
  "exc_text",
];
/** Fields that are the error itself when they hold text: Go `error`/`err`, structlog `exception`. */
const WHOLE = ["err", "error", "exception"];
/** Read only beside another sign of an error, or when shaped like one (`ECONNREFUSED`, `ERR_…`). */
const LOOSE_CODE = ["code", "err.errno", "errno"];

/** Where each part of the error may be, prepared for lookups. */
export interface ErrorPaths {
  type: Path[];
  message: Path[];
  code: Path[];
  stack: Path[];
  whole: Path[];
  looseCode: Path[];
}

const prepare = (keys: string[]): Path[] => keys.map(path);
export const ERROR_PATHS: Readonly<ErrorPaths> = {
  type: prepare(TYPE),
  message: prepare(MESSAGE),
  code: prepare(CODE),
  stack: prepare(STACK),
  whole: prepare(WHOLE),
  looseCode: prepare(LOOSE_CODE),
};
const STRUCTLOG_DICT = path("exception");

/** The paths a record of given keys can hold (src/decode/shape.ts), or undefined when none. */
export function errorPathsFor(possible: (p: Path) => boolean): ErrorPaths | undefined {
  const out: ErrorPaths = {
    type: ERROR_PATHS.type.filter(possible),
    message: ERROR_PATHS.message.filter(possible),
    code: ERROR_PATHS.code.filter(possible),
    stack: ERROR_PATHS.stack.filter(possible),
    whole: ERROR_PATHS.whole.filter(possible),
    looseCode: ERROR_PATHS.looseCode.filter(possible),
  };
  return Object.values(out).some((l) => l.length > 0) ? out : undefined;
}

const NODE_CODE = /^E[A-Z0-9_]{2,}$/;
/** An exception line: `ValueError: msg`, `java.lang.IllegalStateException: msg`, `TypeError`. */
const EXCEPTION_LINE = /^((?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*)(?::\s?(.*))?$/;

function text(
  obj: Record<string, unknown>,
  paths: readonly Path[],
  multiLine = false,
): string | undefined {
  for (const p of paths) {
    const v = read(obj, p);
    if (typeof v === "string" && v !== "" && (!multiLine || v.includes("\n"))) return v;
  }
  return undefined;
}

function codeText(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number") return String(v);
  return undefined;
}

/**
 * The type and message a stack trace's exception line states: the first line for Node and Java
 * (`TypeError: x` then `    at …`), the last unindented one where a Python traceback is.
 */
export function stackHeader(stack: string): { type?: string; message?: string } {
  const lines = stack.split("\n", stack.length > MAX_STACK ? 400 : undefined);
  // Python prints the exception last, after the traceback (LangSmith puts its repr first).
  const python = lines.some((l) => l.startsWith("Traceback (most recent call last)"));
  const order = python ? lines.reverse() : lines;
  for (const raw of order) {
    const line = raw.trimEnd();
    if (line === "" || /^\s/.test(line)) continue;
    const m = EXCEPTION_LINE.exec(line);
    if (!m) {
      if (python) continue;
      return {};
    }
    const out: { type?: string; message?: string } = { type: m[1]! };
    if (m[2]) out.message = m[2];
    return out;
  }
  return {};
}

/** structlog `dict_tracebacks`: `exception: [{exc_type, exc_value, frames: [{filename, lineno, name}]}]`. */
function structlogDict(v: unknown): RecordError | undefined {
  if (!Array.isArray(v) || !isObject(v[0])) return undefined;
  const first = v[0];
  const out: { -readonly [K in keyof RecordError]: RecordError[K] } = {};
  if (typeof first.exc_type === "string") out.type = first.exc_type;
  if (typeof first.exc_value === "string") out.message = first.exc_value;
  if (Array.isArray(first.frames)) {
    const frames = first.frames
      .filter(isObject)
      .map((f) => `  File "${String(f.filename)}", line ${String(f.lineno)}, in ${String(f.name)}`);
    const head = out.type ? `${out.type}${out.message ? `: ${out.message}` : ""}` : "";
    out.stack = ["Traceback (most recent call last):", ...frames, head].join("\n");
  }
  return out.type || out.message ? out : undefined;
}

type Draft = { -readonly [K in keyof RecordError]: RecordError[K] };

/** Fills what a stack trace says into the parts still missing, and bounds every part. */
function finish(out: Draft): RecordError | undefined {
  if (out.stack) {
    if (!out.type || !out.message) {
      const header = stackHeader(out.stack);
      if (!out.type && header.type) out.type = header.type;
      if (!out.message && header.message) out.message = header.message;
    }
    out.stack = capString(out.stack, MAX_STACK);
  }
  if (out.type) out.type = capString(out.type, MAX_STRING);
  if (out.message) out.message = capString(out.message, MAX_STRING);
  if (out.code) out.code = capString(out.code, MAX_STRING);
  return out.type || out.message || out.stack || out.code ? out : undefined;
}

/**
 * The error a record (or a span's attributes, flat or nested) reports, if it reports one. `P` is
 * where to look: all the known places, or those a record's shape can hold.
 */
export function errorOf(
  obj: Record<string, unknown>,
  P: Readonly<ErrorPaths> = ERROR_PATHS,
): RecordError | undefined {
  const out: Draft = {};
  const type = text(obj, P.type);
  if (type) out.type = type;
  const message = text(obj, P.message);
  if (message) out.message = message;
  // A stack trace has lines; a one-line `stack` is something else (a deployment's name).
  const stack = text(obj, P.stack, true);
  if (stack) out.stack = stack;
  for (const p of P.whole) {
    const v = read(obj, p);
    if (typeof v !== "string" || v === "") continue;
    // A multi-line text is a formatted traceback (structlog `exception`); one line is the message.
    if (v.includes("\n")) out.stack ??= v;
    else out.message ??= v;
    break;
  }
  if (!out.type && !out.message && !out.stack) {
    const dict = P.whole.length > 0 ? structlogDict(read(obj, STRUCTLOG_DICT)) : undefined;
    if (dict) Object.assign(out, dict);
  }
  for (const p of P.code) {
    const code = codeText(read(obj, p));
    if (code) {
      out.code = code;
      break;
    }
  }
  if (!out.code) {
    const signs = out.type !== undefined || out.message !== undefined || out.stack !== undefined;
    for (const p of P.looseCode) {
      const code = codeText(read(obj, p));
      if (code && (signs || NODE_CODE.test(code))) {
        out.code = code;
        break;
      }
    }
  }
  return finish(out);
}

/** The error a plain-text stack trace (joined to an error record after it) states. */
export function errorFromStack(stack: string, known?: RecordError): RecordError | undefined {
  return finish({ ...known, stack: known?.stack ?? stack });
}
