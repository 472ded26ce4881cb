// Correlation of an endless stream (`--follow`), on the same core as batch (TraceCore). A trace is
// finished once no record arrived for it for `idleMs` — and, when it has span exports, once its root
// span was exported (ended) — or once it has been open `maxWaitMs`; then it is assembled and handed out
// once; records arriving for it later come out as continuations. Records no id places wait in a sliding
// window, which the heuristic join goes over (with the keyed lines of the open traces) every half idle
// time: an operation rebuilt from business ids is handed out once all its records have waited `idleMs`.
// Finished traces are forgotten, so memory stays bounded by the window and the open traces. Time is the
// caller's clock (`now`, ms), so this stays pure and testable.
import type { LogRecord } from "../model.js";
import { type AssembledTrace, assembleTrace } from "./assemble.js";
import { TraceCore } from "./core.js";
import { type CallModel, inferParents, learnCallModel } from "./infer-parents.js";
import { allowedFields, type JoinSettings, joinRecords, type TraceJoin } from "./join/index.js";
import { KeyTable } from "./join/key-table.js";
import { describeJoin, foldTraces, hangUnderCallers, servicesOfTraces } from "./joined.js";
import { SpanKeyNotes } from "./key-notes.js";
import { applyPlacement, type Placement } from "./placement.js";
import { PlainLines } from "./plain-lines.js";
import { ServiceNamer } from "./service-name.js";
import type { SpanSet } from "./spans.js";

export interface LiveOptions extends JoinSettings {
  idleMs: number;
  maxWaitMs: number;
  /** Open traces beyond this are finished early, oldest first. */
  maxOpen: number;
  /** `ids`: records no id places are handed out as unmatched; else joined on business ids (default `auto`). */
  join?: "auto" | "ids" | "heuristic";
}

export type LiveEvent =
  | { kind: "trace"; trace: AssembledTrace; forced: boolean }
  | { kind: "continuation"; traceId: string; records: LogRecord[] }
  | { kind: "unmatched"; records: LogRecord[] };

/** Recently finished traces whose late records are still told apart (beyond this, they start anew). */
const REMEMBER_FINISHED = 50_000;
/** The call model is relearned from this many recently finished traces, every RELEARN_EVERY traces … */
const LEARN_WINDOW = 500;
const RELEARN_EVERY = 100;
/** … but, once the window is full, at most once per RELEARN_MS unless the whole window is new. */
const RELEARN_MS = 1000;
/** Records waiting for the join beyond this make it hand out everything it has (memory stays bounded). */
const MAX_WAITING = 100_000;

/** A record no id placed, and when it arrived. */
interface Waiting {
  record: LogRecord;
  at: number;
}

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
  readonly #mode: "auto" | "ids" | "heuristic";
  /** Records no id placed, in arrival order, until the join places them or gives up on them. */
  #waiting: Waiting[] = [];
  /** Per open trace, its lines that showed the join keys (repeats left out). */
  readonly #keyed = new Map<string, LogRecord[]>();
  readonly #notes = new SpanKeyNotes();
  /** What the join did for each open trace, and the callers folded traces' roots hang under. */
  readonly #joined = new Map<string, TraceJoin>();
  readonly #callers = new Map<string, Map<string, string>>();
  #joinedAt = Number.NEGATIVE_INFINITY;
  /** Records in no trace, handed out at the next tick. */
  #loose: LogRecord[] = [];
  readonly #plain = new PlainLines();
  /** Records handed out in no trace so far. */
  unmatched = 0;

  constructor(options: LiveOptions) {
    this.#options = options;
    this.#mode = options.join ?? "auto";
  }

  get openCount(): number {
    return this.#core.openCount;
  }

  /** Takes one record; returns traces finished early because too many are open. */
  add(record: LogRecord, now: number): LiveEvent[] {
    const named = this.#namer.note(record);
    // `--join heuristic` goes by span exports' ids only: log lines' trace context is ignored.
    const byIds = this.#mode !== "heuristic" || record.span !== undefined;
    const known = byIds && record.traceId ? this.#core.traceOfId(record.traceId) : undefined;
    const report = known === undefined ? undefined : this.#finished.get(known);
    if (report !== undefined) {
      if (report) this.#lateRecord(known!, record);
      this.#plain.note(record, undefined);
      return [];
    }
    const id = byIds ? this.#core.add(record, now, named) : undefined;
    this.#placeBetween(this.#plain.note(record, id));
    if (id === undefined) {
      if (this.#mode === "ids") this.#loose.push(record);
      else this.#waiting.push({ record, at: now });
      return this.#waiting.length > MAX_WAITING ? this.#join(now, true) : [];
    }
    const { keys } = record;
    if (
      this.#mode !== "ids" &&
      keys &&
      (record.span || !this.#notes.repeats(id, record.spanId, keys))
    ) {
      const list = this.#keyed.get(id);
      if (list) list.push(record);
      else this.#keyed.set(id, [record]);
    }
    const events: LiveEvent[] = [];
    while (this.#core.openCount > this.#options.maxOpen) {
      // Open traces are kept in the order they began: the first is the oldest.
      const [oldest] = this.#core.open().next().value!;
      events.push(this.#finish(oldest, true, now));
    }
    return events;
  }

  /** Plain lines between two records of one open trace go there, unless a join round has taken them. */
  #placeBetween(placements: readonly Placement[]): void {
    if (placements.length === 0) return;
    const wanted = new Set(placements.map((p) => p.record));
    const found = new Set<LogRecord>();
    const take = (r: LogRecord): boolean => {
      if (!wanted.has(r)) return true;
      found.add(r);
      return false;
    };
    this.#waiting = this.#waiting.filter((w) => take(w.record));
    this.#loose = this.#loose.filter(take);
    for (const p of placements) {
      if (!found.has(p.record)) continue;
      const id = this.#core.traceOfId(p.traceId);
      const record = p.record.service
        ? p.record
        : { ...p.record, service: this.#namer.fallback(p.record.source) };
      this.#core.builderOf(id).add(applyPlacement(p, record, id));
    }
  }

  #lateRecord(traceId: string, record: LogRecord): void {
    const late = this.#late.get(traceId);
    if (late) late.push(record);
    else this.#late.set(traceId, [record]);
  }

  /** Late records of this finished trace are dropped from now on (the caller did not show it). */
  ignoreLate(traceId: string): void {
    if (this.#finished.has(traceId)) this.#finished.set(traceId, false);
    this.#late.delete(traceId);
  }

  /** Finishes traces that went quiet or waited too long, and hands out late and unmatched records. */
  tick(now: number): LiveEvent[] {
    // A round when records have waited long enough, or when open traces showed keys: a trace that
    // started afresh is folded into the one it continues before either is printed.
    const oldest = this.#waiting[0];
    const waited = oldest !== undefined && now - oldest.at >= this.#options.idleMs;
    const events =
      (waited || this.#keyed.size > 0) && now - this.#joinedAt >= this.#options.idleMs / 2
        ? this.#join(now, false)
        : [];
    const due: string[] = [];
    for (const [id, t] of this.#core.open()) {
      if (
        (now - t.lastSeen >= this.#options.idleMs && (t.rootEnded || !t.exported)) ||
        now - t.firstSeen >= this.#options.maxWaitMs
      )
        due.push(id);
    }
    for (const id of due) events.push(this.#finish(id, false, now));
    return this.#handOut(events);
  }

  /** End of input: everything waiting is joined and everything open is finished. */
  flush(now: number): LiveEvent[] {
    const events = this.#join(now, true);
    for (const [id] of [...this.#core.open()]) events.push(this.#finish(id, false, now));
    return this.#handOut(events);
  }

  #handOut(events: LiveEvent[]): LiveEvent[] {
    for (const [traceId, records] of this.#late) {
      events.push({ kind: "continuation", traceId, records });
    }
    this.#late.clear();
    if (this.#loose.length > 0) {
      this.unmatched += this.#loose.length;
      events.push({ kind: "unmatched", records: this.#loose });
      this.#loose = [];
    }
    return events;
  }

  /**
   * One round of the heuristic join over the waiting records and the open traces' keyed lines. Records
   * it places in an open trace go there; in a finished one, out as late records; an operation it
   * rebuilds is handed out once all its records have waited `idleMs` (all of them with `final`).
   * Records it cannot place leave the window as unmatched once they have waited that long.
   */
  #join(now: number, final: boolean): LiveEvent[] {
    this.#joinedAt = now;
    if (this.#waiting.length === 0 && this.#keyed.size === 0) return [];
    const core = this.#core;
    const named = (r: LogRecord): LogRecord =>
      r.service ? r : { ...r, service: this.#namer.fallback(r.source) };
    const table = new KeyTable(allowedFields(this.#options));
    const arrived = new Map<LogRecord, number>();
    for (const w of this.#waiting) {
      arrived.set(w.record, w.at);
      table.add(w.record);
    }
    for (const [id, records] of this.#keyed) {
      if (core.builderIfOpen(core.traceOfId(id))) for (const r of records) table.add(r);
      else this.#keyed.delete(id);
    }
    table.settle({
      trace: (r) => (arrived.has(r) ? undefined : core.traceOf(r)),
      traceOfId: (id) => core.traceOfId(id),
      service: (r) => named(r).service,
    });
    const join = joinRecords(table, servicesOfTraces(core), { ...this.#options, explain: false });
    for (const [into, callers] of foldTraces(join, core)) {
      const mine = this.#callers.get(into) ?? new Map<string, string>();
      for (const [span, caller] of callers) mine.set(span, caller);
      this.#callers.set(into, mine);
    }
    for (const [id, entry] of join.traces) this.#noteJoined(core.traceOfId(id), entry);
    const byTrace = new Map<string, Placement[]>();
    for (const p of join.placed) {
      const id = core.traceOfId(p.traceId);
      const list = byTrace.get(id);
      if (list) list.push(p);
      else byTrace.set(id, [p]);
    }
    const dueAt = now - this.#options.idleMs;
    const taken = new Set<LogRecord>();
    const deferred = new Set<LogRecord>();
    const rebuilt: string[] = [];
    for (const [id, placements] of byTrace) {
      const open = core.builderIfOpen(id) !== undefined;
      if (!open && this.#finished.has(id)) {
        for (const p of placements) {
          if (this.#finished.get(id)) this.#lateRecord(id, applyPlacement(p, named(p.record)));
          taken.add(p.record);
        }
        continue;
      }
      if (!open && !final && placements.some((p) => arrived.get(p.record)! > dueAt)) {
        for (const p of placements) deferred.add(p.record);
        continue;
      }
      if (!open) rebuilt.push(id);
      const builder = core.builderOf(id, now);
      for (const p of placements) {
        builder.add(applyPlacement(p, named(p.record), id));
        taken.add(p.record);
      }
    }
    const still: Waiting[] = [];
    for (const w of this.#waiting) {
      if (taken.has(w.record)) continue;
      if (!deferred.has(w.record) && (final || w.at <= dueAt)) this.#loose.push(named(w.record));
      else still.push(w);
    }
    this.#waiting = still;
    // An operation rebuilt from business ids has all its records: it is complete.
    return rebuilt.map((id) => this.#finish(id, false, now));
  }

  #noteJoined(id: string, entry: TraceJoin): void {
    const known = this.#joined.get(id);
    if (!known) this.#joined.set(id, { ...entry, breaks: [...entry.breaks] });
    else {
      known.joinKeys = [...new Set([...known.joinKeys, ...entry.joinKeys])];
      known.breaks.push(...entry.breaks);
      known.explicit ||= entry.explicit;
    }
  }

  #finish(id: string, forced: boolean, now: number): LiveEvent {
    const { builder } = this.#core.take(id)!;
    // A record naming no service takes its source's, as far as the stream has told it.
    builder.nameReserved((r) => ({ ...r, service: this.#namer.fallback(r.source) }));
    const set = builder.finish();
    hangUnderCallers(set, this.#callers.get(id));
    inferParents(set, this.#model);
    this.#learn(set, now);
    const trace = assembleTrace(set);
    describeJoin(trace, this.#joined.get(id), false);
    for (const forget of [this.#callers, this.#joined, this.#keyed]) forget.delete(id);
    this.#notes.forget(id);
    this.#finished.set(id, true);
    if (this.#finished.size > REMEMBER_FINISHED)
      this.#finished.delete(this.#finished.keys().next().value!);
    return { kind: "trace", trace, forced };
  }

  #learn(set: SpanSet, now: number): void {
    this.#recent.push(set);
    if (this.#recent.length > LEARN_WINDOW) this.#recent.shift();
    // Early on, relearn often: the first traces teach the most.
    if (++this.#sinceLearned < Math.min(RELEARN_EVERY, Math.max(10, this.#recent.length))) return;
    // Relearning every RELEARN_EVERY traces of a fast stream would go over each trace five times.
    const full = this.#recent.length >= LEARN_WINDOW;
    if (full && this.#sinceLearned < LEARN_WINDOW && now - this.#learnedAt < RELEARN_MS) return;
    // The templates of the stream's messages carry over: relearning does not compute them again.
    this.#model = learnCallModel(this.#recent, this.#model.templates);
    this.#sinceLearned = 0;
    this.#learnedAt = now;
  }
}
