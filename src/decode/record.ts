import type { LogRecord } from "../model.js";
import type { FieldOverrides } from "./context.js";
import type { DecodeMemo } from "./memo.js";

export interface DecodeOptions extends FieldOverrides {
  time?: string;
  service?: string;
  message?: string;
  /** Collect candidate join keys (off when only explicit ids are used). */
  joinKeys?: boolean;
  /** Read log lines' trace context (default true; `--join heuristic` ignores it). */
  explicitIds?: boolean;
  /**
   * Keep what records say beyond the normalized fields (default true): log lines' attributes, the
   * error object, span events and resource attributes. Off when no record is printed (`--summary`).
   */
  attributes?: boolean;
}

/** Where a JSON value came from, handed to decoders, with what the run's decoding remembers. */
export interface DecodeContext {
  source: string;
  line: number;
  options: DecodeOptions;
  /** The run's caches (one per run: `new DecodeMemo()`). */
  memo: DecodeMemo;
}

export interface Decoder {
  name: string;
  detect(obj: Record<string, unknown>): boolean;
  decode(obj: Record<string, unknown>, ctx: DecodeContext): LogRecord[];
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Keys from log content that may be used as object keys without touching prototypes. */
export function isSafeKey(key: unknown): key is string {
  return typeof key === "string" && key !== "__proto__" && key !== "constructor";
}

const MAX_MESSAGE = 4096;

/** A message from any JSON value: text as is, structures as compact JSON, both bounded. */
export function messageText(v: unknown): string {
  const text = typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v);
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
