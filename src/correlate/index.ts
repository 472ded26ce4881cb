// Correlation: records in (one at a time), traces out.
import { joinKeysOf } from "../decode/join-keys.js";
import type { LogRecord } from "../model.js";
import { type AssembledTrace, assembleTrace } from "./assemble.js";
import { attachByTime } from "./join/attach.js";
import { allowedFields, type JoinOutcome, type JoinSettings, joinRecords } from "./join/index.js";
import { KeyTable } from "./join/key-table.js";
import { TraceGrouper } from "./group.js";
import { inferParents, learnCallModel, rootOf } from "./infer-parents.js";
import { ServiceNamer } from "./service-name.js";
import { buildSpans, type SpanSet } from "./spans.js";

export type { AssembledTrace } from "./assemble.js";
export type { JoinOutcome } from "./join/index.js";

/** `auto`: explicit ids, then the heuristic join for the rest; `off`: no grouping at all. */
export type JoinMode = "auto" | "ids" | "heuristic" | "off";

export interface CorrelateSettings extends JoinSettings {
  join?: JoinMode;
  /** Records without any key join what their process/thread was working on at the time. */
  attachByTime?: boolean;
}

export interface Correlated {
  traces: AssembledTrace[];
  unmatched: LogRecord[];
  /** What the heuristic join learned (absent with `--join ids|off`). */
  join?: JoinOutcome | undefined;
}

export class Correlator {
  readonly #grouper = new TraceGrouper();
  readonly #namer = new ServiceNamer();
  readonly #settings: CorrelateSettings;
  readonly #mode: JoinMode;
  /** Records that name no service, per source: named once every record of the source was seen. */
  readonly #unnamed = new Map<string, LogRecord[]>();
  /** Candidate join keys of every record that has some, interned as they arrive. */
  readonly #keys: KeyTable;
  readonly #off: LogRecord[] = [];
  /** Per explicit trace: the span whose keys were noted last, and the keys noted for it. */
  readonly #notedSpans = new Map<string, { spanId: string | undefined; keys: string[] }>();

  constructor(settings: CorrelateSettings = {}) {
    this.#settings = settings;
    this.#mode = settings.join ?? "auto";
    this.#keys = new KeyTable(allowedFields(settings));
  }

  add(record: LogRecord): void {
    if (!this.#namer.note(record)) {
      const list = this.#unnamed.get(record.source);
      if (list) list.push(record);
      else this.#unnamed.set(record.source, [record]);
    }
    if (this.#mode === "off") {
      this.#off.push(record);
      return;
    }
    if (this.#mode === "heuristic" && !record.span) {
      // Assigned, not deleted: deleting would turn each record into a slow dictionary object.
      record.traceId = record.spanId = record.parentSpanId = record.idSource = undefined;
    }
    if (this.#mode !== "ids") this.#noteKeys(record);
    this.#grouper.add(record);
  }

  #noteKeys(record: LogRecord): void {
    // A span export's attributes hold the business ids its log lines would.
    if (!record.keys && record.attributes) {
      const keys = joinKeysOf(record.attributes);
      if (keys) record.keys = keys;
    }
    if (record.keys && record.traceId && !record.span && this.#repeatsSpan(record, record.keys)) {
      record.keys = undefined;
      return;
    }
    this.#keys.add(record);
  }

  /**
   * Whether a record of an explicit trace only repeats keys (field and value) already noted for its
   * span: such lines add nothing to what links the trace, and skipping them spares most of the join's
   * work on logs that have trace ids.
   */
  #repeatsSpan(record: LogRecord, keys: string[]): boolean {
    const noted = this.#notedSpans.get(record.traceId!);
    if (!noted || noted.spanId !== record.spanId) {
      this.#notedSpans.set(record.traceId!, { spanId: record.spanId, keys: [...keys] });
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
    for (const [source, records] of this.#unnamed) {
      const service = this.#namer.fallback(source);
      for (const r of records) r.service = service;
    }
    if (this.#mode === "off") return { traces: [], unmatched: this.#off };
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
      callers = applyJoin(join, groups);
      unmatched = unmatched.filter((r) => !r.traceId);
      if (this.#settings.attachByTime) {
        const before = unmatched.length;
        unmatched = attachByTime(groups, unmatched);
        attached = before > unmatched.length;
      }
    }
    const sets = [...groups].map(([traceId, records]) => {
      const set = buildSpans(traceId, records);
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

function hasPair(pairs: string[], field: string, value: string): boolean {
  for (let i = 0; i < pairs.length; i += 2)
    if (pairs[i] === field && pairs[i + 1] === value) return true;
  return false;
}

function servicesOfGroups(groups: Map<string, LogRecord[]>): (traceId: string) => Set<string> {
  const cache = new Map<string, Set<string>>();
  return (traceId) => {
    let set = cache.get(traceId);
    if (!set) {
      set = new Set((groups.get(traceId) ?? []).map((r) => r.service ?? ""));
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
  groups: Map<string, LogRecord[]>,
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
    const records = groups.get(from);
    const target = groups.get(into);
    if (!records || !target || into === from) continue;
    const spans = callers.get(into) ?? new Map<string, string>();
    callers.set(into, spans);
    for (const r of records) {
      r.traceId = into;
      target.push(r);
      if (r.spanId && callerSpanId) spans.set(r.spanId, callerSpanId);
    }
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
    r.traceId = finalOf(r.traceId!);
    const list = groups.get(r.traceId);
    if (list) list.push(r);
    else groups.set(r.traceId, [r]);
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
