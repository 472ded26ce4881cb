// Correlation of an endless stream (`--follow`): a trace is finished once no record arrived for it for
// `idleMs` — and, when it has span exports, once its root span was exported (ended) — or once it has been
// open `maxWaitMs`; then it is assembled and handed out once; records arriving for it
// later come out as continuations. Finished traces are forgotten, so memory stays bounded. Time is the
// caller's clock (`now`, ms), so this stays pure and testable.
import type { LogRecord } from "../model.js";
import { type AssembledTrace, assembleTrace } from "./assemble.js";
import { type CallModel, inferParents, learnCallModel } from "./infer-parents.js";
import { TraceCore } from "./core.js";
import { ServiceNamer } from "./service-name.js";
import type { SpanSet } from "./spans.js";

export interface LiveOptions {
  idleMs: number;
  maxWaitMs: number;
  /** Open traces beyond this are finished early, oldest first. */
  maxOpen: number;
}

export type LiveEvent =
  | { kind: "trace"; trace: AssembledTrace; forced: boolean }
  | { kind: "continuation"; traceId: string; records: LogRecord[] };

/** Recently finished traces whose late records are still told apart (beyond this, they start anew). */
const REMEMBER_FINISHED = 50_000;
/** The call model is relearned from this many recently finished traces, every RELEARN_EVERY traces … */
const LEARN_WINDOW = 500;
const RELEARN_EVERY = 100;
/** … but, once the window is full, at most once per RELEARN_MS unless the whole window is new. */
const RELEARN_MS = 1000;

export class LiveCorrelator {
  readonly #options: LiveOptions;
  readonly #namer = new ServiceNamer();
  readonly #core = new TraceCore();
  /** Finished trace ids, oldest first → whether their late records are handed out (else dropped). */
  readonly #finished = new Map<string, boolean>();
  /** Late records waiting for the next tick, per finished trace. */
  readonly #late = new Map<string, LogRecord[]>();
  readonly #recent: SpanSet[] = [];
  #model: CallModel = learnCallModel([]);
  #sinceLearned = 0;
  #learnedAt = Number.NEGATIVE_INFINITY;
  /** Records no id placed: counted, not kept (an endless stream of them would grow memory). */
  unmatched = 0;

  constructor(options: LiveOptions) {
    this.#options = options;
  }

  get openCount(): number {
    return this.#core.openCount;
  }

  /** Takes one record; returns traces finished early because too many are open. */
  add(record: LogRecord, now: number): LiveEvent[] {
    const named = this.#namer.note(record);
    const finished = record.traceId ? this.#core.traceOfId(record.traceId) : undefined;
    const report = finished === undefined ? undefined : this.#finished.get(finished);
    if (report !== undefined) {
      if (report) {
        const late = this.#late.get(finished!);
        if (late) late.push(record);
        else this.#late.set(finished!, [record]);
      }
      return [];
    }
    if (this.#core.add(record, now, named) === undefined) {
      this.unmatched++;
      return [];
    }
    const events: LiveEvent[] = [];
    while (this.#core.openCount > this.#options.maxOpen) {
      // Open traces are kept in the order they began: the first is the oldest.
      const [oldest] = this.#core.open().next().value!;
      events.push(this.#finish(oldest, true, now));
    }
    return events;
  }

  /** Late records of this finished trace are dropped from now on (the caller did not show it). */
  ignoreLate(traceId: string): void {
    if (this.#finished.has(traceId)) this.#finished.set(traceId, false);
    this.#late.delete(traceId);
  }

  /** Finishes traces that went quiet or waited too long, and hands out late records. */
  tick(now: number): LiveEvent[] {
    const due: string[] = [];
    for (const [id, t] of this.#core.open()) {
      if (
        (now - t.lastSeen >= this.#options.idleMs && (t.rootEnded || !t.exported)) ||
        now - t.firstSeen >= this.#options.maxWaitMs
      )
        due.push(id);
    }
    return this.#handOutLate(due.map((id) => this.#finish(id, false, now)));
  }

  /** End of input: everything still open is finished. */
  flush(now: number): LiveEvent[] {
    const ids = [...this.#core.open()].map(([id]) => id);
    return this.#handOutLate(ids.map((id) => this.#finish(id, false, now)));
  }

  #handOutLate(events: LiveEvent[]): LiveEvent[] {
    for (const [traceId, records] of this.#late) {
      events.push({ kind: "continuation", traceId, records });
    }
    this.#late.clear();
    return events;
  }

  #finish(id: string, forced: boolean, now: number): LiveEvent {
    const { builder } = this.#core.take(id)!;
    // A record naming no service takes its source's, as far as the stream has told it.
    builder.nameReserved((r) => ({ ...r, service: this.#namer.fallback(r.source) }));
    const set = builder.finish();
    inferParents(set, this.#model);
    this.#learn(set, now);
    this.#finished.set(id, true);
    if (this.#finished.size > REMEMBER_FINISHED)
      this.#finished.delete(this.#finished.keys().next().value!);
    return { kind: "trace", trace: assembleTrace(set), forced };
  }

  #learn(set: SpanSet, now: number): void {
    this.#recent.push(set);
    if (this.#recent.length > LEARN_WINDOW) this.#recent.shift();
    // Early on, relearn often: the first traces teach the most.
    if (++this.#sinceLearned < Math.min(RELEARN_EVERY, Math.max(10, this.#recent.length))) return;
    // Relearning every RELEARN_EVERY traces of a fast stream would go over each trace five times.
    const full = this.#recent.length >= LEARN_WINDOW;
    if (full && this.#sinceLearned < LEARN_WINDOW && now - this.#learnedAt < RELEARN_MS) return;
    this.#model = learnCallModel(this.#recent);
    this.#sinceLearned = 0;
    this.#learnedAt = now;
  }
}
