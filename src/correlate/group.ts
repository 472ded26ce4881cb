// Records → one span builder per trace, by the ids they carry. Streaming: `add` per record; `settle`
// resolves what needs all of them (run ids without trace ids, Datadog lower-64 ids). No record is written to.
import type { LogRecord } from "../model.js";
import { SpanBuilder } from "./spans.js";
import { UnionFind } from "./union-find.js";

const ZERO_HIGH = "0000000000000000";

/** Whether a trace id may be the lower half of a 128-bit one (Datadog): it may yet be merged. */
export function mayBeLower64(traceId: string): boolean {
  return traceId.startsWith(ZERO_HIGH);
}

/** Where grouping by ids put the records: a trace per record that names one, directly or through its runs. */
export interface IdGroups {
  groups: Map<string, SpanBuilder>;
  /** The trace a record's ids place it in (after merges), undefined when they place it nowhere. */
  traceOf(record: LogRecord): string | undefined;
  /** The trace a trace id ended in (after merges). */
  traceOfId(traceId: string): string;
  /** The builder of a trace, made for a trace no id named (the join's operations). */
  builderOf(traceId: string): SpanBuilder;
  /** Records no id placed, in input order. */
  rest: LogRecord[];
}

export class TraceGrouper {
  readonly #byTrace = new Map<string, SpanBuilder>();
  /** Records with span ids but no trace id (LangChain runs): placed once all span→trace links are known. */
  readonly #spanOnly: LogRecord[] = [];
  readonly #rest: LogRecord[] = [];
  readonly #keepRecords: boolean;
  /** The trace of the previous record: a trace's lines often come one after another. */
  #last: SpanBuilder | undefined;

  /** Without `keepRecords`, spans keep what their lines said but not the lines (see SpanBuilder). */
  constructor(keepRecords = true) {
    this.#keepRecords = keepRecords;
  }

  /**
   * Places a record by its ids (unless `byIds` is false: it then waits with those no id placed); one whose
   * service is not named yet only reserves its span's place.
   */
  add(record: LogRecord, named = true, byIds = true): void {
    if (!byIds) this.#rest.push(record);
    else if (record.traceId) {
      const builder = this.#builderFor(record.traceId);
      if (named) builder.add(record);
      else builder.reserve(record);
    } else if (record.spanId || record.parentSpanId) this.#spanOnly.push(record);
    else this.#rest.push(record);
  }

  /** Adds a record reserved earlier (`add(record, false)`), now that its service is named. */
  addNamed(reserved: LogRecord, named: LogRecord): void {
    if (named.traceId) this.#builderFor(named.traceId).addReserved(reserved, named);
  }

  #builderFor(traceId: string): SpanBuilder {
    const last = this.#last;
    if (last !== undefined && last.traceId === traceId) return last;
    return (this.#last = this.#builderOf(traceId));
  }

  #builderOf(traceId: string): SpanBuilder {
    let builder = this.#byTrace.get(traceId);
    if (!builder) {
      // A trace the Datadog merge may fold into its 128-bit form keeps its lines.
      builder = new SpanBuilder(traceId, this.#keepRecords || mayBeLower64(traceId));
      this.#byTrace.set(traceId, builder);
    }
    return builder;
  }

  /**
   * Resolves the links that need every record: run ids to traces, lower-64 Datadog ids to full ones.
   * `named` gives a record whose service was named late in its named form.
   */
  settle(named: (r: LogRecord) => LogRecord): IdGroups {
    this.#last = undefined;
    const spanOnlyTrace = this.#placeSpanOnly(named);
    const fullOf = this.#mergeLower64();
    const traceOfId = (id: string): string => fullOf.get(id) ?? id;
    return {
      groups: this.#byTrace,
      traceOf: (r) => (r.traceId ? traceOfId(r.traceId) : spanOnlyTrace.get(r)),
      traceOfId,
      builderOf: (id) => this.#builderOf(id),
      rest: this.#rest,
    };
  }

  /** Joins trace-less span records to the trace of a linked span, or to a trace rooted at their top run. */
  #placeSpanOnly(named: (r: LogRecord) => LogRecord): Map<LogRecord, string> {
    const placed = new Map<LogRecord, string>();
    if (this.#spanOnly.length === 0) return placed;
    const uf = new UnionFind();
    const traceOfSpan = new Map<string, string>();
    for (const [traceId, builder] of this.#byTrace) {
      for (const spanId of builder.spans.keys()) traceOfSpan.set(spanId, traceId);
    }
    for (const r of this.#spanOnly) {
      uf.find(r.spanId ?? r.parentSpanId!);
      if (r.spanId && r.parentSpanId) uf.union(r.parentSpanId, r.spanId);
    }
    const traceOfSet = new Map<string, string>();
    for (const r of this.#spanOnly) {
      for (const id of [r.spanId, r.parentSpanId]) {
        const known = id && traceOfSpan.get(id);
        if (known) traceOfSet.set(uf.find(id), known);
      }
    }
    for (const r of this.#spanOnly) {
      const root = uf.find(r.spanId ?? r.parentSpanId!);
      const traceId = traceOfSet.get(root) ?? root.padStart(32, "0");
      this.#builderOf(traceId).add(named(r));
      placed.set(r, traceId);
    }
    return placed;
  }

  /** Datadog logs may carry only the lower 64 bits of a 128-bit trace id: their trace joins the full one. */
  #mergeLower64(): Map<string, string> {
    const fullOf = new Map<string, string>();
    const fullByLow = new Map<string, string>();
    for (const id of this.#byTrace.keys()) {
      if (!mayBeLower64(id)) fullByLow.set(id.slice(16), id);
    }
    for (const [id, builder] of this.#byTrace) {
      if (!mayBeLower64(id)) continue;
      const full = fullByLow.get(id.slice(16));
      if (!full) continue;
      this.#byTrace.get(full)!.absorb(builder);
      this.#byTrace.delete(id);
      fullOf.set(id, full);
    }
    return fullOf;
  }
}
