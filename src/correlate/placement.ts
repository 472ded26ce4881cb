// Where a stage puts a record its own ids did not place. The record stays as decoded; applying a
// placement gives a new value that carries it (one place: Correlator.finish).
import type { LogRecord, RecordDraft } from "../model.js";

export interface Placement {
  readonly record: LogRecord;
  readonly traceId: string;
  readonly spanId: string | undefined;
  /**
   * How it was placed: `join:<field>` (a shared business id), `time` (its lane's operation then) or
   * `position` (a plain-text line between two lines of one operation in its source).
   */
  readonly via: string;
}

/** `record` (the placed record, or its form named late) as placed: trace (by default p's), span and how. */
export function applyPlacement(p: Placement, record: LogRecord, traceId = p.traceId): LogRecord {
  const out: RecordDraft = { ...record, traceId, idSource: p.via };
  if (p.spanId) out.spanId = p.spanId;
  return out;
}
