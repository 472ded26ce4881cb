// Correlation of an endless stream (`--follow`): a trace is finished once no record arrived for it for
// `idleMs` (or it has been open `maxWaitMs`), then assembled and handed out once; records arriving for it
// later come out as continuations. Finished traces are forgotten, so memory stays bounded. Time is the
// caller's clock (`now`, ms), so this stays pure and testable.
import type { LogRecord } from "../model.js";
import { type AssembledTrace, assembleTrace } from "./assemble.js";
import { type CallModel, inferParents, learnCallModel } from "./infer-parents.js";
import { ServiceNamer } from "./service-name.js";
import { buildSpans, type SpanSet } from "./spans.js";

export interface LiveOptions {
  idleMs: number;
  maxWaitMs: number;
  /** Open traces beyond this are finished early, oldest first. */
  maxOpen: number;
}

export type LiveEvent =
  | { kind: "trace"; trace: AssembledTrace; forced: boolean }
  | { kind: "continuation"; traceId: string; records: LogRecord[] };

interface OpenTrace {
  records: LogRecord[];
  firstSeen: number;
  lastSeen: number;
}

/** Recently finished traces whose late records are still told apart (beyond this, they start anew). */
const REMEMBER_FINISHED = 50_000;
/** The call model is relearned from this many recently finished traces, every RELEARN_EVERY traces. */
const LEARN_WINDOW = 500;
const RELEARN_EVERY = 100;

export class LiveCorrelator {
  readonly #options: LiveOptions;
  readonly #namer = new ServiceNamer();
  readonly #open = new Map<string, OpenTrace>();
  readonly #finished = new Map<string, LogRecord[]>();
  #recent: SpanSet[] = [];
  #model: CallModel = learnCallModel([]);
  #sinceLearned = 0;
  /** Records without trace ids: counted, not kept (an endless stream of them would grow memory). */
  unmatched = 0;

  constructor(options: LiveOptions) {
    this.#options = options;
  }

  get openCount(): number {
    return this.#open.size;
  }

  /** Takes one record; returns traces finished early because too many are open. */
  add(record: LogRecord, now: number): LiveEvent[] {
    this.#namer.note(record);
    const id = record.traceId;
    if (!id) {
      this.unmatched++;
      return [];
    }
    const late = this.#finished.get(id);
    if (late) {
      late.push(record);
      return [];
    }
    const open = this.#open.get(id);
    if (open) {
      open.records.push(record);
      open.lastSeen = now;
      return [];
    }
    this.#open.set(id, { records: [record], firstSeen: now, lastSeen: now });
    const events: LiveEvent[] = [];
    while (this.#open.size > this.#options.maxOpen) {
      // Map order is insertion order: the first key is the oldest open trace.
      const oldest = this.#open.keys().next().value!;
      events.push(this.#finish(oldest, true));
    }
    return events;
  }

  /** Finishes traces that went quiet or waited too long, and hands out late records. */
  tick(now: number): LiveEvent[] {
    const events: LiveEvent[] = [];
    for (const [id, t] of this.#open) {
      if (
        now - t.lastSeen >= this.#options.idleMs ||
        now - t.firstSeen >= this.#options.maxWaitMs
      ) {
        events.push(this.#finish(id, false));
      }
    }
    for (const [traceId, records] of this.#finished) {
      if (records.length > 0) {
        events.push({ kind: "continuation", traceId, records: records.splice(0) });
      }
    }
    return events;
  }

  /** End of input: everything still open is finished. */
  flush(): LiveEvent[] {
    const events = [...this.#open.keys()].map((id) => this.#finish(id, false));
    return [...events, ...this.tick(Number.NEGATIVE_INFINITY)];
  }

  #finish(id: string, forced: boolean): LiveEvent {
    const open = this.#open.get(id)!;
    this.#open.delete(id);
    for (const r of open.records) r.service ??= this.#namer.fallback(r.source);
    const set = buildSpans(id, open.records);
    inferParents(set, this.#model);
    this.#learn(set);
    this.#finished.set(id, []);
    if (this.#finished.size > REMEMBER_FINISHED)
      this.#finished.delete(this.#finished.keys().next().value!);
    return { kind: "trace", trace: assembleTrace(set), forced };
  }

  #learn(set: SpanSet): void {
    this.#recent.push(set);
    if (this.#recent.length > LEARN_WINDOW) this.#recent = this.#recent.slice(-LEARN_WINDOW);
    // Early on, relearn often: the first traces teach the most.
    if (++this.#sinceLearned >= Math.min(RELEARN_EVERY, Math.max(10, this.#recent.length))) {
      this.#model = learnCallModel(this.#recent);
      this.#sinceLearned = 0;
    }
  }
}
