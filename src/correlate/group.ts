// Records → one span builder per trace id. Streaming: `add` is called per record; `groups` resolves what needs all of them.
import type { LogRecord } from "../model.js";
import { SpanBuilder } from "./spans.js";
import { UnionFind } from "./union-find.js";

const ZERO_HIGH = "0000000000000000";

/** Whether a trace id may be the lower half of a 128-bit one (Datadog): it may yet be merged. */
export function mayBeLower64(traceId: string): boolean {
  return traceId.startsWith(ZERO_HIGH);
}

export interface TraceGroups {
  groups: Map<string, SpanBuilder>;
  unmatched: LogRecord[];
}

export class TraceGrouper {
  readonly #byTrace = new Map<string, SpanBuilder>();
  /** Records with span ids but no trace id (LangChain runs): placed once all span→trace links are known. */
  readonly #spanOnly: LogRecord[] = [];
  readonly #unmatched: LogRecord[] = [];
  readonly #keepRecords: boolean;
  /** The trace of the previous record (set while records arrive, cleared once groups are resolved). */
  #last: SpanBuilder | undefined;

  /** Without `keepRecords`, spans keep what their lines said but not the lines (see SpanBuilder). */
  constructor(keepRecords = true) {
    this.#keepRecords = keepRecords;
  }

  add(record: LogRecord): void {
    if (record.traceId) this.#builderFor(record).add(record);
    else if (record.spanId || record.parentSpanId) this.#spanOnly.push(record);
    else this.#unmatched.push(record);
  }

  /**
   * A record of a trace whose service is named only at the end: it takes its place in the trace now and
   * is added once named (`add`); a record naming no span is kept at once. Needs a trace id.
   */
  reserve(record: LogRecord): void {
    this.#builderFor(record).reserve(record);
  }

  /** The builder of the record's trace; the record's trace id becomes the trace's one string. */
  #builderFor(record: LogRecord): SpanBuilder {
    const traceId = record.traceId!;
    const last = this.#last;
    const builder =
      last !== undefined && last.traceId === traceId
        ? last
        : (this.#last = this.builderOf(traceId));
    record.traceId = builder.traceId;
    return builder;
  }

  /** The trace's builder, made on first use. */
  builderOf(traceId: string): SpanBuilder {
    let builder = this.#byTrace.get(traceId);
    if (!builder) {
      // A trace the Datadog merge may fold into its 128-bit form keeps its lines: the merge rewrites
      // their trace id, which the join reads.
      builder = new SpanBuilder(traceId, this.#keepRecords || mayBeLower64(traceId));
      this.#byTrace.set(traceId, builder);
    }
    return builder;
  }

  groups(): TraceGroups {
    this.#last = undefined;
    this.#placeSpanOnly();
    this.#mergeLower64();
    return { groups: this.#byTrace, unmatched: this.#unmatched };
  }

  /** Joins trace-less span records to the trace of a linked span, or to a trace rooted at their top run. */
  #placeSpanOnly(): void {
    if (this.#spanOnly.length === 0) return;
    const uf = new UnionFind();
    const traceOfSpan = new Map<string, string>();
    for (const [traceId, builder] of this.#byTrace) {
      for (const spanId of builder.spans.keys()) traceOfSpan.set(spanId, traceId);
    }
    for (const r of this.#spanOnly) {
      const key = r.spanId ?? r.parentSpanId!;
      uf.find(key);
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
      this.builderOf(traceOfSet.get(root) ?? root.padStart(32, "0")).add(r);
    }
  }

  /** Datadog logs may carry only the lower 64 bits of a 128-bit trace id: join them to the full id. */
  #mergeLower64(): void {
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
    }
  }
}
