// The correlation core shared by batch and --follow: each record placed, as it arrives, in the open trace
// its ids name — trace ids; run ids without a trace id (LangChain), whose runs form a trace rooted at the
// top run unless a span of theirs belongs to a trace with an id; Datadog lower-64 ids, joined to their
// 128-bit trace; span exports and the log lines of their span, in one span. When a trace is complete
// is the caller's policy (end of input; idle / max-wait): it takes traces out with `take`.
import type { LogRecord } from "../model.js";
import { SpanBuilder } from "./spans.js";

const ZERO_HIGH = "0000000000000000";

/** An open trace and what its completion policies read. */
export interface OpenTrace {
  readonly builder: SpanBuilder;
  /** Caller's clock (ms) at its first and latest record. */
  firstSeen: number;
  lastSeen: number;
  /** Whether span exports arrived for it, and whether its root's (no parent) was among them. */
  exported: boolean;
  rootEnded: boolean;
  /** Its records with run ids but no trace id (forgotten with it). */
  runs: LogRecord[] | undefined;
}

/** Merges remembered (a late record of a merged trace still finds where it went); beyond, the oldest go. */
const MAX_ALIASES = 100_000;

export class TraceCore {
  readonly #open = new Map<string, OpenTrace>();
  readonly #keepRecords: boolean;
  /** Traces merged into another: from → into. */
  readonly #alias = new Map<string, string>();
  /** The lower 64 bits of each open 128-bit trace id → that id. */
  readonly #fullByLow = new Map<string, string>();
  /** Open traces made of runs without a trace id (keyed by their top run). */
  readonly #runTraces = new Set<string>();
  /** Span id → trace, kept once a record with a span id but no trace id has come (until then, none). */
  #traceOfSpan: Map<string, string> | undefined;
  /** The trace each record without a trace id but with run ids went to (followed through merges). */
  readonly #runRecords = new Map<LogRecord, string>();
  /** The trace of the previous record: a trace's lines often come one after another. */
  #last: OpenTrace | undefined;
  #lastId = "";

  /** Without `keepRecords`, spans keep what their lines said but not the lines (see SpanBuilder). */
  constructor(keepRecords = true) {
    this.#keepRecords = keepRecords;
  }

  get openCount(): number {
    return this.#open.size;
  }

  /** The open traces, oldest first. */
  open(): IterableIterator<[string, OpenTrace]> {
    return this.#open.entries();
  }

  /**
   * Places a record by its ids and returns its trace (the trace's own id string, one per trace however
   * many records name it), or undefined when no id places it. A record whose service is not named yet
   * only reserves its place (see SpanBuilder.reserve).
   */
  add(record: LogRecord, now = 0, named = true): string | undefined {
    let id = record.traceId;
    let t: OpenTrace | undefined;
    if (id !== undefined) {
      // Most records belong to a trace already open under their own id: nothing to resolve.
      t = this.#lastId === id ? this.#last : this.#open.get(id);
      if (t === undefined || this.#traceOfSpan !== undefined) {
        id = this.#explicit(record);
        t = this.#traceAt(id, now);
      } else {
        this.#last = t;
        this.#lastId = id;
      }
    } else if (record.spanId || record.parentSpanId) {
      id = this.#runs(record, now);
      t = this.#traceAt(id, now);
    } else return undefined;
    if (named) t.builder.add(record);
    else t.builder.reserve(record);
    t.lastSeen = now;
    // Spans are exported as they end, children first: until the root's export (no parent), the operation runs.
    if (record.span) {
      t.exported = true;
      if (!record.parentSpanId) t.rootEnded = true;
    }
    return t.builder.traceId;
  }

  /** The trace a record's ids placed it in, after merges (undefined when they placed it nowhere). */
  traceOf(record: LogRecord): string | undefined {
    if (record.traceId) return this.traceOfId(record.traceId);
    const run = this.#runRecords.get(record);
    return run === undefined ? undefined : this.traceOfId(run);
  }

  /** The trace a trace id ended in, after merges (a lower-64 id: where its 128-bit trace ended). */
  traceOfId(traceId: string): string {
    let id = this.#followAliases(traceId);
    if (id.startsWith(ZERO_HIGH)) {
      const full = this.#fullByLow.get(id.slice(16));
      if (full !== undefined) id = this.#followAliases(full);
    }
    return id;
  }

  #followAliases(traceId: string): string {
    let id = traceId;
    for (let next = this.#alias.get(id); next !== undefined; next = this.#alias.get(id)) id = next;
    return id;
  }

  /** The open trace's builder, if it is open. */
  builderIfOpen(traceId: string): SpanBuilder | undefined {
    return this.#open.get(traceId)?.builder;
  }

  /** The open trace's builder, made for a trace no id named (the join's operations). */
  builderOf(traceId: string, now = 0): SpanBuilder {
    return this.#traceAt(traceId, now).builder;
  }

  /** Folds an open trace into another (the join: a trace that continues another one). */
  merge(from: string, into: string): void {
    const a = this.#open.get(from);
    const b = this.#open.get(into);
    if (!a || !b || a === b) return;
    b.builder.absorb(a.builder);
    b.firstSeen = Math.min(a.firstSeen, b.firstSeen);
    b.lastSeen = Math.max(a.lastSeen, b.lastSeen);
    b.exported ||= a.exported;
    b.rootEnded ||= a.rootEnded;
    if (a.runs) (b.runs ??= []).push(...a.runs);
    this.#open.delete(from);
    this.#runTraces.delete(from);
    if (this.#last === a) this.#forgetLast();
    this.#alias.set(from, into);
    if (this.#alias.size > MAX_ALIASES) this.#alias.delete(this.#alias.keys().next().value!);
  }

  /** Takes a trace out, complete: the caller finishes it. */
  take(traceId: string): OpenTrace | undefined {
    const t = this.#open.get(traceId);
    if (!t) return undefined;
    this.#open.delete(traceId);
    this.#runTraces.delete(traceId);
    if (this.#last === t) this.#forgetLast();
    if (!traceId.startsWith(ZERO_HIGH)) this.#fullByLow.delete(traceId.slice(16));
    if (this.#traceOfSpan)
      for (const spanId of t.builder.spans.keys()) this.#traceOfSpan.delete(spanId);
    if (t.runs) for (const r of t.runs) this.#runRecords.delete(r);
    return t;
  }

  #forgetLast(): void {
    this.#last = undefined;
    this.#lastId = "";
  }

  #traceAt(id: string, now: number): OpenTrace {
    if (this.#last !== undefined && this.#lastId === id) return this.#last;
    let t = this.#open.get(id);
    if (!t) {
      // An id open again (a late record after its trace was merged and taken) is no alias any more.
      this.#alias.delete(id);
      t = {
        builder: new SpanBuilder(id, this.#keepRecords),
        firstSeen: now,
        lastSeen: now,
        exported: false,
        rootEnded: false,
        runs: undefined,
      };
      this.#open.set(id, t);
    }
    this.#last = t;
    this.#lastId = id;
    return t;
  }

  /** A record with a trace id: its trace, a lower-64 id joined to its full id, runs it names folded in. */
  #explicit(record: LogRecord): string {
    const id = this.traceOfId(record.traceId!);
    if (!id.startsWith(ZERO_HIGH) && !this.#fullByLow.has(id.slice(16))) {
      this.#fullByLow.set(id.slice(16), id);
      // Datadog logs may carry only the lower 64 bits of a 128-bit trace id: that trace joins this one.
      const low = `${ZERO_HIGH}${id.slice(16)}`;
      if (this.#open.has(low)) {
        this.#traceAt(id, this.#open.get(low)!.firstSeen);
        this.merge(low, id);
      }
    }
    if (this.#traceOfSpan) {
      for (const spanId of [record.spanId, record.parentSpanId]) {
        if (!spanId) continue;
        const known = this.#traceOfSpan.get(spanId);
        const run = known === undefined ? undefined : this.traceOfId(known);
        if (run !== undefined && run !== id && this.#runTraces.has(run)) {
          this.#traceAt(id, this.#open.get(run)!.firstSeen);
          this.merge(run, id);
        }
        this.#traceOfSpan.set(spanId, id);
      }
    }
    return id;
  }

  /**
   * A record with run ids but no trace id: the trace of its span or of its parent; runs first seen
   * apart (a child exported before its parent) are merged once a record links them.
   */
  #runs(record: LogRecord, now: number): string {
    const spans = (this.#traceOfSpan ??= this.#spanIndex());
    const { spanId, parentSpanId } = record;
    const known = (s: string | undefined): string | undefined => {
      const t = s === undefined ? undefined : spans.get(s);
      return t === undefined ? undefined : this.traceOfId(t);
    };
    const own = known(spanId);
    const parent = known(parentSpanId);
    let id: string;
    if (own !== undefined && parent !== undefined && own !== parent) {
      // A trace with an id wins; between runs' traces, the parent's side (the top run names the trace).
      const ownWins = !this.#runTraces.has(own) && this.#runTraces.has(parent);
      id = ownWins ? own : parent;
      this.merge(ownWins ? parent : own, id);
    } else if (
      own !== undefined &&
      parent === undefined &&
      parentSpanId &&
      this.#runTraces.has(own)
    ) {
      // The top run so far names its parent: the trace of runs is keyed by that new top.
      id = parentSpanId.padStart(32, "0");
      if (!this.#open.has(id)) {
        this.#traceAt(id, this.#open.get(own)!.firstSeen);
        this.#runTraces.add(id);
      }
      this.merge(own, id);
    } else id = parent ?? own ?? (parentSpanId ?? spanId)!.padStart(32, "0");
    if (!this.#open.has(id)) {
      this.#traceAt(id, now);
      this.#runTraces.add(id);
    }
    if (spanId) spans.set(spanId, id);
    if (parentSpanId) spans.set(parentSpanId, id);
    this.#runRecords.set(record, id);
    (this.#open.get(id)!.runs ??= []).push(record);
    return id;
  }

  /** Span id → trace for the open traces (made when the first record with run ids but no trace id comes). */
  #spanIndex(): Map<string, string> {
    const index = new Map<string, string>();
    for (const [id, t] of this.#open)
      for (const spanId of t.builder.spans.keys()) index.set(spanId, id);
    return index;
  }
}
