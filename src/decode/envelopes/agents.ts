// Runs and spans written by agent frameworks: LangSmith runs, OpenAI Agents SDK traces (FORMATS.md §9).
import type { RecordDraft } from "../../model.js";
import { normalizeHexId } from "../ids.js";
import { joinKeysOf } from "../join-keys.js";
import { type Decoder, isObject, messageText } from "../record.js";
import { flatAttributes } from "../attributes.js";
import { spanEvent, spanEvents, spanRecord } from "./span-record.js";

const uuidHex = (v: unknown): string | undefined => normalizeHexId(v, [32]);

export const langsmithRun: Decoder = {
  name: "langsmith-run",
  detect: (o) => "run_type" in o && "id" in o && "start_time" in o,
  decode(o, ctx) {
    const records = spanRecord(
      {
        traceId: uuidHex(o.trace_id) ?? (o.parent_run_id ? undefined : uuidHex(o.id)),
        spanId: o.id,
        parentSpanId: o.parent_run_id,
        name: o.name,
        start: o.start_time,
        end: o.end_time,
        kind: o.run_type,
        status: o.error ? "error" : "ok",
        statusMessage: o.error,
        service: undefined,
        attributes: { run_type: o.run_type, extra: o.extra, outputs: o.outputs, tags: o.tags },
        events: () =>
          spanEvents<unknown>(o.events, (e) =>
            isObject(e) ? spanEvent(e.name, e.time, e.kwargs, ctx) : undefined,
          ),
        error: { error: o.error },
      },
      ctx,
      "langsmith",
      { traceId: uuidHex, spanId: uuidHex },
    );
    return records;
  },
};

function openaiId(prefix: string, width: number): (v: unknown) => string | undefined {
  return (v) =>
    typeof v === "string" && v.startsWith(prefix)
      ? normalizeHexId(v.slice(prefix.length), [width])
      : undefined;
}
const openaiTrace = openaiId("trace_", 32);
const openaiSpan = openaiId("span_", 24);

export const openaiAgents: Decoder = {
  name: "openai-agents",
  detect: (o) => o.object === "trace" || o.object === "trace.span",
  decode(o, ctx) {
    if (o.object === "trace") {
      const traceId = openaiTrace(o.id);
      const record: RecordDraft = {
        source: ctx.source,
        line: ctx.line,
        level: "info",
        message: messageText(o.workflow_name ?? "trace"),
        attributes: flatAttributes({ group_id: o.group_id, metadata: o.metadata }),
        idSource: "openai-agents",
      };
      if (traceId) record.traceId = traceId;
      if (ctx.options.joinKeys) record.keys = joinKeysOf(record.attributes!, ctx.memo.names);
      return [record];
    }
    const data = isObject(o.span_data) ? o.span_data : {};
    const type = typeof data.type === "string" ? data.type : "span";
    const name = typeof data.name === "string" ? `${type}: ${data.name}` : type;
    const error = isObject(o.error) ? o.error.message : o.error;
    return spanRecord(
      {
        traceId: o.trace_id,
        spanId: o.id,
        parentSpanId: o.parent_id,
        name,
        start: o.started_at,
        end: o.ended_at,
        kind: type,
        status: error ? "error" : "ok",
        statusMessage: error,
        service: undefined,
        attributes: data,
        error: { error: o.error },
      },
      ctx,
      "openai-agents",
      { traceId: openaiTrace, spanId: openaiSpan },
    );
  },
};
