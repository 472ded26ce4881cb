// The decoder registry: span/batch formats are recognized by shape; everything else is a one-record log.
import type { LogRecord } from "../model.js";
import { langsmithRun, openaiAgents } from "./envelopes/agents.js";
import { jaegerJson } from "./envelopes/jaeger.js";
import { otlpLogs, otlpSpans } from "./envelopes/otlp.js";
import { goStdoutLog, goStdoutTrace, pythonConsoleSpan } from "./envelopes/sdk-console.js";
import { decodeGeneric } from "./generic.js";
import { type DecodeContext, type Decoder, isObject } from "./record.js";

export type { DecodeContext, DecodeOptions, Decoder } from "./record.js";
export { DecodeMemo } from "./memo.js";

export const DECODERS: readonly Decoder[] = [
  otlpLogs,
  otlpSpans,
  pythonConsoleSpan,
  goStdoutTrace,
  goStdoutLog,
  jaegerJson,
  langsmithRun,
  openaiAgents,
];

/** Decodes one parsed JSON object into normalized records (several for batch formats). */
export function decodeObject(obj: Record<string, unknown>, ctx: DecodeContext): LogRecord[] {
  // A log line (it has a level or a msg) is no span export or batch: skip the shape checks.
  if (obj.level === undefined && obj.msg === undefined) {
    for (const d of DECODERS) if (d.detect(obj)) return d.decode(obj, ctx);
  }
  return [decodeGeneric(obj, ctx)];
}

/** Decodes any top-level JSON value: objects, and arrays of objects; other values yield nothing. */
export function decodeValue(value: unknown, ctx: DecodeContext): LogRecord[] {
  if (isObject(value)) return decodeObject(value, ctx);
  if (Array.isArray(value)) return value.filter(isObject).flatMap((o) => decodeObject(o, ctx));
  return [];
}
