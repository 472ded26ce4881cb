// Plain-text lines placed by the lines around them: a line printed between two records of one trace, in
// the same stream (source and service), was printed while that operation ran. Noted as records arrive,
// so it holds with or without the lines kept (the summary table) and costs nothing once a record follows.
import type { LogRecord } from "../model.js";
import type { Placement } from "./placement.js";

interface Stream {
  /** Trace and span of the stream's latest record placed by ids. */
  traceId: string | undefined;
  spanId: string | undefined;
  /** Plain lines since then. */
  waiting: LogRecord[];
}

const NONE: readonly Placement[] = Object.freeze([]);

export class PlainLines {
  /** Source → service → its stream. */
  readonly #streams = new Map<string, Map<string, Stream>>();

  #streamOf(r: LogRecord): Stream {
    let byService = this.#streams.get(r.source);
    if (!byService) {
      byService = new Map();
      this.#streams.set(r.source, byService);
    }
    const service = r.service ?? "";
    let stream = byService.get(service);
    if (!stream) {
      stream = { traceId: undefined, spanId: undefined, waiting: [] };
      byService.set(service, stream);
    }
    return stream;
  }

  /**
   * Notes a record in its stream's order, with the trace its ids placed it in (if any); returns the
   * plain lines this record's arrival places, in input order.
   */
  note(record: LogRecord, traceId: string | undefined): readonly Placement[] {
    const stream = this.#streamOf(record);
    if (record.plain) {
      if (stream.traceId !== undefined) stream.waiting.push(record);
      return NONE;
    }
    let placed = NONE;
    if (stream.waiting.length > 0) {
      if (traceId !== undefined && traceId === stream.traceId) {
        // Between two lines of one span: that span; else the trace, in no span.
        const spanId = record.spanId === stream.spanId ? record.spanId : undefined;
        placed = stream.waiting.map((r) => ({ record: r, traceId, spanId, via: "position" }));
      }
      stream.waiting = [];
    }
    stream.traceId = traceId;
    stream.spanId = record.spanId;
    return placed;
  }
}
