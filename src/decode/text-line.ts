// A plain-text line between JSON records (`print` output, a text logger's line): kept as a record whose
// message is the line, with the time and level it starts with and the ids it mentions, so that it can be
// placed in the operation it was printed for (by those ids, or by the records around it).
import type { Level, RecordDraft } from "../model.js";
import { parseIsoInstant, type TimeMemo } from "../util/instant.js";
import { levelFromText } from "./fields.js";
import { isIdShaped } from "./join-keys.js";

/** The field a plain line's ids are filed under. */
export const TEXT_FIELD = "text";

/** Longer lines keep their head: the message of a record is not a place for megabytes. */
const MAX_TEXT = 4096;
/** How far into the line a level word is looked for (`2026-… [worker-3] WARN …`). */
const LEVEL_WITHIN = 64;
/** Ids a line can contribute; numbers count as ids from this many digits (`data received: 12345`). */
const MAX_KEYS = 8;
const MIN_NUMBER_DIGITS = 5;

const LEADING_TIME =
  /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)\]?/;
const LEVEL_WORD = /\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL|PANIC)\b/;
/** A level word right after the time (`INFO `, `[WARN] `, `ERROR: `), taken off the message with it. */
const LEADING_LEVEL =
  /^\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL|PANIC)\]?:?\s+/;
/** Control characters other than tab: a binary line, not text anyone printed. */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point.
const BINARY = /[\u0000-\u0008\u000b-\u001f\u007f]/;
const TOKEN_SPLIT = /[\s,;()[\]{}"'<>=|]+/;

/** The record of a plain-text line, or undefined for a blank or binary one. */
export function decodeTextLine(
  text: string,
  source: string,
  line: number,
  options: { joinKeys?: boolean | undefined; timeMemo?: TimeMemo },
): RecordDraft | undefined {
  const whole = text.trim().slice(0, MAX_TEXT);
  if (whole === "" || BINARY.test(whole)) return undefined;
  // A text logger's `time level message`: the time and level are read, the message is what follows.
  const stamp = LEADING_TIME.exec(whole);
  const time = stamp ? parseIsoInstant(stamp[1]!.replace(",", "."), options.timeMemo) : undefined;
  const afterTime = time ? whole.slice(stamp![0].length).trimStart() : whole;
  const level = LEADING_LEVEL.exec(afterTime);
  const message = (level && time ? afterTime.slice(level[0].length) : afterTime) || whole;
  const r: RecordDraft = { source, line, level: levelOf(whole) ?? "info", message, plain: true };
  if (time) r.time = time;
  if (options.joinKeys) {
    const keys = idsIn(whole);
    if (keys.length > 0) r.keys = keys;
  }
  return r;
}

function levelOf(message: string): Level | undefined {
  const word = LEVEL_WORD.exec(message.slice(0, LEVEL_WITHIN))?.[1];
  return word ? levelFromText(word) : undefined;
}

/** The ids a line mentions, as `[field, value, …]` under TEXT_FIELD. */
function idsIn(message: string): string[] {
  const out: string[] = [];
  for (const raw of message.split(TOKEN_SPLIT)) {
    const token = raw.replace(/[.:!?]+$/, "");
    const number = /^\d+$/.test(token) && token.length >= MIN_NUMBER_DIGITS && token.length <= 19;
    if (!number && !isIdShaped(token)) continue;
    if (out.includes(token)) continue;
    out.push(TEXT_FIELD, token);
    if (out.length >= 2 * MAX_KEYS) break;
  }
  return out;
}
