// The decoder for one-record-per-object logs: any library, fields found by name (fields.ts, context.ts).
import type { LogRecord } from "../model.js";
import { parseTimeValue } from "../util/instant.js";
import { extractContext } from "./context.js";
import { pickLevel, pickMessage, pickService, pickTime } from "./fields.js";
import { flatten } from "./flatten.js";
import { type DecodeContext, messageText } from "./record.js";

export function decodeGeneric(obj: Record<string, unknown>, ctx: DecodeContext): LogRecord {
  const { options } = ctx;
  const flat = flatten(obj);
  const consumed: string[] = [];

  const time = options.time ? parseTimeValue(flat[options.time]) : undefined;
  const picked = time ? undefined : pickTime(flat);
  const level = pickLevel(flat);
  const serviceOverride = options.service ? flat[options.service] : undefined;
  const service = serviceOverride === undefined ? pickService(flat) : undefined;

  let message: string;
  const messageOverride = options.message
    ? (obj[options.message] ?? flat[options.message])
    : undefined;
  if (messageOverride !== undefined) {
    message = messageText(messageOverride);
    consumed.push(options.message!);
  } else {
    const m = pickMessage(flat);
    if (m) {
      message = messageText(m.message);
      consumed.push(m.key);
    } else {
      // An object-valued `message` (a received payload) is shown as compact JSON.
      message = messageText(obj.message ?? obj.msg ?? "");
    }
  }

  const ids = extractContext(flat, options);
  const record: LogRecord = {
    source: ctx.source,
    line: ctx.line,
    level: level?.level ?? "info",
    message,
    attributes: flat,
  };
  const t = time ?? picked?.time;
  if (t) record.time = t;
  if (serviceOverride !== undefined) record.service = String(serviceOverride);
  else if (service) record.service = service.service;
  if (ids.traceId) record.traceId = ids.traceId;
  if (ids.spanId) record.spanId = ids.spanId;
  if (ids.parentSpanId) record.parentSpanId = ids.parentSpanId;
  if (ids.idSource) record.idSource = ids.idSource;

  if (picked) consumed.push(picked.key);
  if (level) consumed.push(level.key);
  if (service) consumed.push(service.key);
  for (const key of consumed) delete flat[key];
  for (const key of ids.consumed) delete flat[key];
  return record;
}
