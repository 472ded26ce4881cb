// Correlation: records in (one at a time), traces out.
import { joinKeysOf } from "../decode/join-keys.js";
import type { LogRecord } from "../model.js";
import { type AssembledTrace, assembleTrace } from "./assemble.js";
import { attachByTime } from "./join/attach.js";
import { allowedFields, type JoinOutcome, type JoinSettings, joinRecords } from "./join/index.js";
import { KeyTable } from "./join/key-table.js";
import { mayBeLower64, TraceGrouper } from "./group.js";
import { inferParents, learnCallModel, rootOf } from "./infer-parents.js";
import { ServiceNamer } from "./service-name.js";
import type { SpanBuilder, SpanSet } from "./spans.js";

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
}

export interface Correlated {
  traces: AssembledTrace[];
  unmatched: LogRecord[];
  /** What the heuristic join learned (absent with `--join ids|off`). */
  join?: JoinOutcome | undefined;
}

export class Correlator {
  readonly #grouper: TraceGrouper;
  readonly #namer = new ServiceNamer();
  readonly #settings: CorrelateSettings;
  readonly #mode: JoinMode;
  /** Records that name no service, in input order: named once every record of their source was seen. */
  readonly #unnamed: LogRecord[] = [];
  /** Candidate join keys of every record that has some, interned as they arrive. */
  readonly #keys: KeyTable;
  readonly #off: LogRecord[] = [];
  /** Per explicit trace: the spans whose keys were noted last, and the keys noted for each. */
  readonly #notedSpans = new Map<string, { spanId: string | undefined; keys: string[] }[]>();
  readonly #keepRecords: boolean;

  constructor(settings: CorrelateSettings = {}) {
    this.#settings = settings;
    this.#mode = settings.join ?? "auto";
    this.#keys = new KeyTable(allowedFields(settings));
    // Placing records by time reads the lines of every trace.
    this.#keepRecords = settings.keepRecords !== false || settings.attachByTime === true;
    this.#grouper = new TraceGrouper(this.#keepRecords);
  }

  add(record: LogRecord): void {
    const named = this.#namer.note(record);
    if (this.#mode === "off") {
      if (!named) this.#unnamed.push(record);
      this.#off.push(record);
      return;
    }
    if (this.#mode === "heuristic" && !record.span) {
      // Assigned, not deleted: deleting would turn each record into a slow dictionary object.
      record.traceId = record.spanId = record.parentSpanId = record.idSource = undefined;
    }
    if (!named) this.#unnamed.push(record);
    // A record of a trace is noted in its span once its service is known (spans count their lines per
    // service), but takes its place in the trace's order now.
    if (named || !record.traceId) this.#grouper.add(record);
    else this.#grouper.reserve(record);
    if (this.#mode !== "ids") this.#noteKeys(record, named);
  }

  #noteKeys(record: LogRecord, named: boolean): void {
    // A span export's attributes hold the business ids its log lines would.
    if (!record.keys && record.attributes) {
      const keys = joinKeysOf(record.attributes);
      if (keys) record.keys = keys;
    }
    if (record.keys && record.traceId && !record.span && this.#repeatsSpan(record, record.keys)) {
      record.keys = undefined;
      return;
    }
    // A record whose line is not kept leaves only its ids, service, origin and time. Not so a record
    // named late (its service is not known yet), nor one whose trace id the Datadog merge may rewrite.
    const slim = !this.#keepRecords && named && record.spanId && record.traceId;
    this.#keys.add(record, !slim || mayBeLower64(slim));
  }

  /**
   * Whether a record of an explicit trace only repeats keys (field and value) already noted for its
   * span: such lines add nothing to what links the trace, and skipping them spares most of the join's
   * work on logs that have trace ids.
   */
  #repeatsSpan(record: LogRecord, keys: string[]): boolean {
    let spans = this.#notedSpans.get(record.traceId!);
    if (!spans) {
      spans = [];
      this.#notedSpans.set(record.traceId!, spans);
    }
    let noted: { spanId: string | undefined; keys: string[] } | undefined;
    for (const n of spans) if (n.spanId === record.spanId) noted = n;
    if (!noted) {
      // The trace's spans that log keys at the same time (a caller waiting on its callees) are few.
      if (spans.length === MAX_NOTED_SPANS) spans.shift();
      spans.push({ spanId: record.spanId, keys: [...keys] });
      return false;
    }
    let repeats = true;
    for (let i = 0; i < keys.length; i += 2) {
      if (hasPair(noted.keys, keys[i]!, keys[i + 1]!)) continue;
      repeats = false;
      if (noted.keys.length < MAX_NOTED) noted.keys.push(keys[i]!, keys[i + 1]!);
    }
    return repeats;
  }

  /**
   * Assembles the traces. Without `tree` (output that shows no span tree, such as the summary table)
   * nesting is not inferred: only the root is chosen, to name each trace.
   */
  finish({ tree = true }: { tree?: boolean } = {}): Correlated {
    const fallbacks = new Map<string, string>();
    for (const r of this.#unnamed) {
      let service = fallbacks.get(r.source);
      if (service === undefined) {
        service = this.#namer.fallback(r.source);
        fallbacks.set(r.source, service);
      }
      r.service = service;
    }
    if (this.#mode === "off") return { traces: [], unmatched: this.#off };
    for (const r of this.#unnamed) if (r.traceId && r.spanId) this.#grouper.add(r);
    const grouped = this.#grouper.groups();
    const { groups } = grouped;
    let { unmatched } = grouped;
    let join: JoinOutcome | undefined;
    let attached = false;
    let callers = new Map<string, Map<string, string>>();
    if (this.#mode !== "ids") {
      join = joinRecords(this.#keys, servicesOfGroups(groups), {
        ...this.#settings,
        explain: this.#settings.explain ?? false,
      });
      callers = applyJoin(join, groups, (id) => this.#grouper.builderOf(id));
      unmatched = unmatched.filter((r) => !r.traceId);
      if (this.#settings.attachByTime) {
        const before = unmatched.length;
        unmatched = attachByTime(groups, unmatched);
        attached = before > unmatched.length;
      }
    }
    const sets = [...groups].map(([traceId, builder]) => {
      const set = builder.finish();
      hangUnderCallers(set, callers.get(traceId));
      return set;
    });
    let traces: AssembledTrace[];
    if (tree) {
      const model = learnCallModel(sets);
      for (const set of sets) inferParents(set, model);
      traces = sets.map(assembleTrace);
    } else {
      traces = sets.map((set) => {
        const root = rootOf(set);
        const trace = assembleTrace(set);
        if (root?.name) trace.name = root.name;
        return trace;
      });
    }
    if (join) for (const t of traces) describeJoin(t, join, attached);
    return { traces, unmatched, join };
  }
}

/** Keys remembered per span to tell repeats (field/value pairs, flat); beyond, lines are noted anyway. */
const MAX_NOTED = 32;
/** Spans per trace whose keys are remembered (the latest ones). */
const MAX_NOTED_SPANS = 8;

function hasPair(pairs: string[], field: string, value: string): boolean {
  for (let i = 0; i < pairs.length; i += 2)
    if (pairs[i] === field && pairs[i + 1] === value) return true;
  return false;
}

function servicesOfGroups(groups: Map<string, SpanBuilder>): (traceId: string) => Set<string> {
  const cache = new Map<string, Set<string>>();
  return (traceId) => {
    let set = cache.get(traceId);
    if (!set) {
      set = groups.get(traceId)?.services() ?? new Set<string>();
      cache.set(traceId, set);
    }
    return set;
  };
}

/**
 * Folds merged traces into their upstream one and adds the placed records to their traces. Returns, per
 * receiving trace, the spans of the folded traces and the caller each root of them is to hang under.
 */
function applyJoin(
  join: JoinOutcome,
  groups: Map<string, SpanBuilder>,
  builderOf: (traceId: string) => SpanBuilder,
): Map<string, Map<string, string>> {
  // A trace folded into one that was itself folded (two components, one shared trace) ends in the last.
  const finalOf = (id: string): string => {
    let cur = id;
    for (let hops = 0; hops < 64; hops++) {
      const next = join.merges.get(cur)?.into;
      if (next === undefined) break;
      cur = next;
    }
    return cur;
  };
  const callers = new Map<string, Map<string, string>>();
  for (const [from, { callerSpanId }] of join.merges) {
    const into = finalOf(from);
    const folded = groups.get(from);
    const target = groups.get(into);
    if (!folded || !target || into === from) continue;
    const spans = callers.get(into) ?? new Map<string, string>();
    callers.set(into, spans);
    if (callerSpanId) for (const spanId of folded.spans.keys()) spans.set(spanId, callerSpanId);
    target.absorb(folded);
    groups.delete(from);
  }
  for (const [id, entry] of join.traces) {
    const into = finalOf(id);
    if (into === id) continue;
    const target = join.traces.get(into);
    if (target) {
      target.joinKeys = [...new Set([...target.joinKeys, ...entry.joinKeys])];
      target.breaks.push(...entry.breaks);
    } else join.traces.set(into, entry);
    join.traces.delete(id);
  }
  for (const r of join.placed) {
    const builder = builderOf(finalOf(r.traceId!));
    r.traceId = builder.traceId;
    builder.add(r);
  }
  return callers;
}

/** A folded trace's root spans hang under the upstream span that shares their key (an inferred edge). */
function hangUnderCallers(set: SpanSet, callers: Map<string, string> | undefined): void {
  if (!callers) return;
  for (const [spanId, caller] of callers) {
    const span = set.spans.get(spanId);
    if (!span || span.parentSpanId || !set.spans.has(caller)) continue;
    span.parentSpanId = caller;
    span.parentInferred = true;
  }
}

/** How a trace was put together: `heuristic`, `mixed`, or (untouched) `ids`. */
function describeJoin(trace: AssembledTrace, join: JoinOutcome, attached: boolean): void {
  const entry = join.traces.get(trace.traceId);
  const byTime =
    attached &&
    [...trace.records, ...trace.spans.flatMap((s) => s.records)].some((r) => r.idSource === "time");
  if (!entry) {
    if (byTime) trace.correlation = "mixed";
    return;
  }
  trace.correlation = entry.explicit ? "mixed" : "heuristic";
  trace.joinKeys = entry.joinKeys;
  trace.join = { joined: entry.joined, rejected: entry.rejected };
  trace.findings.push(...entry.breaks);
}
