// The decoder for one-record-per-object logs: any library, fields found by name (fields.ts, context.ts).
import type { Attributes, LogRecord, RecordError } from "../model.js";
import { parseTimeValue } from "../util/instant.js";
import { type ContextIds, extractContext } from "./context.js";
import { pickLevel, pickMessage, pickService, pickTime } from "./fields.js";
import { scanRecord } from "./join-keys.js";
import { attributesOf } from "./attributes.js";
import { errorOf } from "./error.js";
import { locate, type Path, path, read } from "./lookup.js";
import { type DecodeContext, messageText } from "./record.js";

const NO_IDS: Readonly<ContextIds> = {};

const MESSAGE = path("message");
const MSG = path("msg");

export function decodeGeneric(obj: Record<string, unknown>, ctx: DecodeContext): LogRecord {
  const { options, memo } = ctx;
  const plan = memo.shapes.plan(obj);
  // The fields read into the normalized ones: left out of the attributes.
  const used: Path[] | undefined = options.attributes === false ? undefined : [];

  const timePath = options.time ? memo.paths.path(options.time) : undefined;
  const time = timePath
    ? parseTimeValue(read(obj, timePath), memo.time)
    : pickTime(obj, memo.time, plan?.time, used);
  if (timePath && time) used?.push(timePath);
  const level = pickLevel(obj, plan?.level, used) ?? "info";
  const servicePath = options.service ? memo.paths.path(options.service) : undefined;
  const serviceOverride = servicePath ? read(obj, servicePath) : undefined;
  const service =
    typeof serviceOverride === "string" || typeof serviceOverride === "number"
      ? String(serviceOverride)
      : pickService(obj, plan?.service, used);
  if (servicePath && service !== undefined && serviceOverride !== undefined)
    used?.push(servicePath);
  const messagePath = options.message ? memo.paths.path(options.message) : undefined;
  const messageOverride = messagePath ? read(obj, messagePath) : undefined;
  if (messagePath && messageOverride !== undefined) used?.push(messagePath);
  // An object-valued `message` (a received payload) is shown as compact JSON.
  let messageValue: unknown = messageOverride ?? pickMessage(obj, plan?.message, used);
  if (messageValue === undefined || messageValue === null) {
    if (obj.message !== undefined && obj.message !== null) {
      messageValue = obj.message;
      used?.push(MESSAGE);
    } else if (obj.msg !== undefined && obj.msg !== null) {
      messageValue = obj.msg;
      used?.push(MSG);
    }
  }
  const message = messageText(messageValue ?? "");

  const excluded: (readonly string[])[] | undefined = used ? [] : undefined;
  const ids: ContextIds =
    options.explicitIds === false
      ? NO_IDS
      : extractContext(obj, options, memo.paths, plan?.dialects, excluded);
  let attributes: Attributes | undefined;
  let error: RecordError | undefined;
  if (used && excluded) {
    for (const p of used) {
      const at = locate(obj, p);
      if (at) excluded.push(at);
    }
    attributes = attributesOf(obj, excluded);
    // Records of a shape with no error-like field skip the search (`plan.error` undefined).
    if (!plan) error = errorOf(obj);
    else if (plan.error) error = errorOf(obj, plan.error);
  }
  // Keys and durations serve only the heuristic join: not read when it is off.
  const scan = options.joinKeys ? scanRecord(obj, memo.names, message) : undefined;
  // Every field in one literal (absent ones undefined): records keep one shape and no extra
  // property store, which matters with a million of them in memory.
  return {
    source: ctx.source,
    line: ctx.line,
    level,
    message,
    time,
    service,
    traceId: ids.traceId,
    spanId: ids.spanId,
    parentSpanId: ids.parentSpanId,
    idSource: ids.idSource,
    durationMs: scan?.durationMs,
    keys: scan?.keys,
    lane: scan?.lane,
    attributes,
    error,
  } as LogRecord;
}
