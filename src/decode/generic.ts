// The decoder for one-record-per-object logs: any library, fields found by name (fields.ts, context.ts).
import type { LogRecord } from "../model.js";
import { parseTimeValue } from "../util/instant.js";
import { type ContextIds, extractContext } from "./context.js";
import { pickLevel, pickMessage, pickService, pickTime } from "./fields.js";
import { scanRecord } from "./join-keys.js";
import { path, read } from "./lookup.js";
import { type DecodeContext, messageText } from "./record.js";
import { shapePlan } from "./shape.js";

const NO_IDS: Readonly<ContextIds> = {};

export function decodeGeneric(obj: Record<string, unknown>, ctx: DecodeContext): LogRecord {
  const { options } = ctx;
  const plan = shapePlan(obj);

  const time = options.time
    ? parseTimeValue(read(obj, path(options.time)))
    : pickTime(obj, plan?.time);
  const level = pickLevel(obj, plan?.level) ?? "info";
  const serviceOverride = options.service ? read(obj, path(options.service)) : undefined;
  const service =
    typeof serviceOverride === "string" || typeof serviceOverride === "number"
      ? String(serviceOverride)
      : pickService(obj, plan?.service);
  const messageOverride = options.message ? read(obj, path(options.message)) : undefined;
  // An object-valued `message` (a received payload) is shown as compact JSON.
  const message = messageText(
    messageOverride ?? pickMessage(obj, plan?.message) ?? obj.message ?? obj.msg ?? "",
  );

  const ids: ContextIds =
    options.explicitIds === false ? NO_IDS : extractContext(obj, options, plan?.dialects);
  // Keys and durations serve only the heuristic join: not read when it is off.
  const scan = options.joinKeys ? scanRecord(obj, message) : undefined;
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
  } as LogRecord;
}
