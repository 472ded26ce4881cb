// Records → groups per trace id. Streaming: `add` is called per record; `groups` resolves what needs all of them.
import type { LogRecord } from "../model.js";
import { UnionFind } from "./union-find.js";

const ZERO_HIGH = "0000000000000000";

export interface TraceGroups {
  groups: Map<string, LogRecord[]>;
  unmatched: LogRecord[];
}

export class TraceGrouper {
  readonly #byTrace = new Map<string, LogRecord[]>();
  /** Records with span ids but no trace id (LangChain runs): placed once all span→trace links are known. */
  readonly #spanOnly: LogRecord[] = [];
  readonly #unmatched: LogRecord[] = [];

  add(record: LogRecord): void {
    if (record.traceId) {
      const list = this.#byTrace.get(record.traceId);
      if (list) {
        // One string per trace id, however many records carry it; likewise a span id repeated by
        // the trace's previous record.
        record.traceId = list[0]!.traceId!;
        const previous = list[list.length - 1]!;
        if (previous.spanId && previous.spanId === record.spanId) record.spanId = previous.spanId;
        list.push(record);
      } else this.#byTrace.set(record.traceId, [record]);
    } else if (record.spanId || record.parentSpanId) this.#spanOnly.push(record);
    else this.#unmatched.push(record);
  }

  groups(): TraceGroups {
    this.#placeSpanOnly();
    this.#mergeLower64();
    return { groups: this.#byTrace, unmatched: this.#unmatched };
  }

  /** Joins trace-less span records to the trace of a linked span, or to a trace rooted at their top run. */
  #placeSpanOnly(): void {
    if (this.#spanOnly.length === 0) return;
    const uf = new UnionFind();
    const traceOfSpan = new Map<string, string>();
    for (const [traceId, records] of this.#byTrace) {
      for (const r of records) if (r.spanId) traceOfSpan.set(r.spanId, traceId);
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
      const traceId = traceOfSet.get(root) ?? root.padStart(32, "0");
      const list = this.#byTrace.get(traceId) ?? [];
      if (list.length === 0) this.#byTrace.set(traceId, list);
      list.push(r);
    }
  }

  /** Datadog logs may carry only the lower 64 bits of a 128-bit trace id: join them to the full id. */
  #mergeLower64(): void {
    const fullByLow = new Map<string, string>();
    for (const id of this.#byTrace.keys()) {
      if (!id.startsWith(ZERO_HIGH)) fullByLow.set(id.slice(16), id);
    }
    for (const [id, records] of this.#byTrace) {
      if (!id.startsWith(ZERO_HIGH)) continue;
      const full = fullByLow.get(id.slice(16));
      if (!full) continue;
      const target = this.#byTrace.get(full)!;
      for (const r of records) {
        r.traceId = full;
        target.push(r);
      }
      this.#byTrace.delete(id);
    }
  }
}
