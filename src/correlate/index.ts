// Correlation: records in (one at a time), traces out.
import type { LogRecord } from "../model.js";
import { type AssembledTrace, assembleTrace } from "./assemble.js";
import { attachByTime } from "./join/attach.js";
import { PlainLines } from "./plain-lines.js";
import { allowedFields, type JoinOutcome, type JoinSettings, joinRecords } from "./join/index.js";
import { KeyTable, timeMs } from "./join/key-table.js";
import { TraceCore } from "./core.js";
import { inferParents, learnCallModel, rootOf } from "./infer-parents.js";
import { applyPlacement, type Placement } from "./placement.js";
import {
  buildersOf,
  describeJoin,
  foldTraces,
  hangUnderCallers,
  servicesOfTraces,
} from "./joined.js";
import { SpanKeyNotes } from "./key-notes.js";
import type { SpanSet } from "./spans.js";
import { ServiceNamer } from "./service-name.js";

export type { AssembledTrace } from "./assemble.js";
export type { JoinOutcome } from "./join/index.js";

/** `auto`: explicit ids, then the heuristic join for the rest; `off`: no grouping at all. */
export type JoinMode = "auto" | "ids" | "heuristic" | "off";

export interface CorrelateSettings extends JoinSettings {
  join?: JoinMode;
  /** Records without any key join what their process/thread was working on at the time. */
  attachByTime?: boolean;
  /**
   * False when the output shows no log lines (the summary table): spans then keep what their lines
   * said but not the lines, so memory grows with spans rather than records. Default true.
   */
  keepRecords?: boolean;
  /** The parent model's weights, when not its own (cross-validation: eval/train-parents.mjs). */
  parentWeights?: readonly number[];
}

export interface Correlated {
  traces: AssembledTrace[];
  unmatched: LogRecord[];
  /** What the heuristic join learned (absent with `--join ids|off`). */
  join?: JoinOutcome | undefined;
}

export class Correlator {
  readonly #core: TraceCore;
  /** Records no id placed, in input order: for the join, attach-by-time, or `unmatched`. */
  readonly #rest: LogRecord[] = [];
  readonly #namer = new ServiceNamer();
  readonly #settings: CorrelateSettings;
  readonly #mode: JoinMode;
  /** Records that name no service, in input order: named once every record of their source was seen. */
  readonly #unnamed: LogRecord[] = [];
  /** Candidate join keys of every record that has some, interned as they arrive. */
  readonly #keys: KeyTable;
  readonly #off: LogRecord[] = [];
  readonly #notes = new SpanKeyNotes();
  readonly #keepRecords: boolean;
  /** Per source, the time of its latest record that had one: when its untimed plain lines were printed. */
  readonly #lastTime = new Map<string, number>();
  readonly #plain = new PlainLines();
  /** Plain lines placed by the records around them, in input order. */
  readonly #byPosition: Placement[] = [];

  constructor(settings: CorrelateSettings = {}) {
    this.#settings = settings;
    this.#mode = settings.join ?? "auto";
    this.#keys = new KeyTable(allowedFields(settings));
    // Placing records by time reads the lines of every trace.
    this.#keepRecords = settings.keepRecords !== false || settings.attachByTime === true;
    this.#core = new TraceCore(this.#keepRecords);
  }

  add(decoded: LogRecord): void {
    // The join's candidate keys are read here, once: the record kept from now on is one without them.
    const keys = decoded.keys;
    const record: LogRecord = keys ? { ...decoded, keys: undefined } : decoded;
    const named = this.#namer.note(record);
    if (!named) this.#unnamed.push(record);
    if (this.#mode === "off") {
      this.#off.push(record);
      return;
    }
    // A record of a trace is noted in its span once its service is known (spans count their lines per
    // service), but takes its place in the trace's order now.
    const byIds = this.#usesIds(record);
    const traceId = byIds ? this.#core.add(record, 0, named) : undefined;
    if (traceId === undefined) this.#rest.push(record);
    for (const p of this.#plain.note(record, traceId)) this.#byPosition.push(p);
    if (this.#mode !== "ids" && keys) this.#noteKeys(record, keys, named, traceId);
    if (record.time) this.#lastTime.set(record.source, timeMs(record));
  }

  /** `--join heuristic` goes by span exports' ids only: log lines' trace context is ignored. */
  #usesIds(record: LogRecord): boolean {
    return this.#mode !== "heuristic" || record.span !== undefined;
  }

  /** `traceId`: the trace the record's ids placed it in (the core's own string for it), if any. */
  #noteKeys(
    record: LogRecord,
    keys: readonly string[],
    named: boolean,
    traceId: string | undefined,
  ): void {
    const traced = traceId !== undefined && record.traceId !== undefined;
    if (traced && !record.span && this.#notes.repeats(record.traceId!, record.spanId, keys)) return;
    // A record whose line is not kept leaves only its ids, service, origin and time. Not so a record
    // named late (its service is not known yet).
    const slim = !this.#keepRecords && named && traced && record.spanId !== undefined;
    this.#keys.add(record, keys, !slim, this.#lastTime.get(record.source), traceId);
  }

  /** Each record that named no service, in its named form: its source's service. */
  #nameLate(): Map<LogRecord, LogRecord> {
    const named = new Map<LogRecord, LogRecord>();
    const fallbacks = new Map<string, string>();
    for (const r of this.#unnamed) {
      let service = fallbacks.get(r.source);
      if (service === undefined) {
        service = this.#namer.fallback(r.source);
        fallbacks.set(r.source, service);
      }
      named.set(r, { ...r, service });
    }
    return named;
  }

  /**
   * Assembles the traces. Every record ends up in exactly one place: the trace its ids name, the one
   * a placement (join, attach-by-time) gives it, or `unmatched`. Without `tree` (output that shows no
   * span tree, such as the summary table) nesting is not inferred: only the root is chosen, to name
   * each trace.
   */
  finish({ tree = true }: { tree?: boolean } = {}): Correlated {
    const namedLate = this.#nameLate();
    const named = (r: LogRecord): LogRecord => namedLate.get(r) ?? r;
    if (this.#mode === "off") return { traces: [], unmatched: inInputOrder(this.#off.map(named)) };
    const core = this.#core;
    for (const [, t] of core.open()) t.builder.nameReserved(named);
    const rest = this.#rest;
    let join: JoinOutcome | undefined;
    let callers = new Map<string, Map<string, string>>();
    let unmatched: LogRecord[];
    let attached = false;
    // The one place where placements become records of traces; each record is placed at most once.
    const apply = (placements: readonly Placement[]): void => {
      for (const p of placements) {
        const traceId = core.traceOfId(p.traceId);
        core.builderOf(traceId).add(applyPlacement(p, named(p.record), traceId));
      }
    };
    // Plain lines between two lines of one trace go there first: their neighbours say more than the
    // numbers they mention.
    const byPosition = this.#byPosition;
    apply(byPosition);
    const taken = new Set(byPosition.map((p) => p.record));
    const free = (r: LogRecord): boolean => !taken.has(r);
    if (this.#mode !== "ids") {
      this.#keys.settle({
        trace: (r) => (this.#usesIds(r) ? core.traceOf(r) : undefined),
        traceOfId: (id) => core.traceOfId(id),
        service: (r) => named(r).service,
      });
      join = joinRecords(this.#keys, servicesOfTraces(core), {
        ...this.#settings,
        explain: this.#settings.explain ?? false,
      });
      callers = foldTraces(join, core);
      apply(join.placed.filter((p) => free(p.record)));
      unmatched = unplaced(rest, join.placed).filter(free).map(named);
      if (this.#settings.attachByTime) {
        const byTime = attachByTime(buildersOf(core), unmatched);
        apply(byTime);
        attached = byTime.length > 0;
        unmatched = unplaced(unmatched, byTime);
      }
    } else unmatched = rest.filter(free).map(named);
    inInputOrder(unmatched);
    // Each trace taken out of the core as it is finished, and each set let go once assembled: the
    // spans are kept once, not as drafts and again as assembled spans.
    const ids = [...core.open()].map(([id]) => id);
    const sets: (SpanSet | undefined)[] = ids.map((traceId) => {
      const set = core.take(traceId)!.builder.finish();
      hangUnderCallers(set, callers.get(traceId));
      return set;
    });
    const model = tree ? learnCallModel(sets as SpanSet[]) : undefined;
    const traces: AssembledTrace[] = [];
    for (let i = 0; i < sets.length; i++) {
      const set = sets[i]!;
      sets[i] = undefined;
      if (model) inferParents(set, model, this.#settings.parentWeights);
      // Without the tree, only the root is chosen, to name the trace.
      const root = model ? undefined : rootOf(set);
      const trace = assembleTrace(set);
      if (root?.name) trace.name = root.name;
      traces.push(trace);
    }
    if (join) for (const t of traces) describeJoin(t, join.traces.get(t.traceId), attached);
    // The placements are applied: the result keeps what the join learned, not a placement per record.
    return { traces, unmatched, join: join && { ...join, placed: [] } };
  }
}

/**
 * The records no placement took. Placements come in the records' own order (the join's rows and
 * attach-by-time's records are in input order), so one walk over both tells them apart.
 */
function unplaced(records: readonly LogRecord[], placements: readonly Placement[]): LogRecord[] {
  const out: LogRecord[] = [];
  let k = 0;
  for (const r of records) {
    if (placements[k]?.record === r) k++;
    else out.push(r);
  }
  if (k === placements.length) return out;
  // Not in the records' order after all: tell them apart by identity.
  const placed = new Set(placements.map((p) => p.record));
  return records.filter((r) => !placed.has(r));
}

/**
 * Records in input order: by source as first seen, then by line (a record held back for its stack trace
 * arrives after later lines of other containers of its stream).
 */
function inInputOrder(records: LogRecord[]): LogRecord[] {
  const rank = new Map<string, number>();
  for (const r of records) if (!rank.has(r.source)) rank.set(r.source, rank.size);
  return records.sort((a, b) => rank.get(a.source)! - rank.get(b.source)! || a.line - b.line);
}
