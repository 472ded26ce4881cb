// Correlation: records in (one at a time), traces out.
import type { LogRecord } from "../model.js";
import { type AssembledTrace, assembleTrace } from "./assemble.js";
import { TraceGrouper } from "./group.js";
import { inferParents, learnCallModel, rootOf } from "./infer-parents.js";
import { ServiceNamer } from "./service-name.js";
import { buildSpans } from "./spans.js";

export type { AssembledTrace } from "./assemble.js";

export interface Correlated {
  traces: AssembledTrace[];
  unmatched: LogRecord[];
}

export class Correlator {
  readonly #grouper = new TraceGrouper();
  readonly #namer = new ServiceNamer();
  /** Records that name no service, per source: named once every record of the source was seen. */
  readonly #unnamed = new Map<string, LogRecord[]>();

  add(record: LogRecord): void {
    if (!this.#namer.note(record)) {
      const list = this.#unnamed.get(record.source);
      if (list) list.push(record);
      else this.#unnamed.set(record.source, [record]);
    }
    this.#grouper.add(record);
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
    const { groups, unmatched } = this.#grouper.groups();
    const sets = [...groups].map(([traceId, records]) => buildSpans(traceId, records));
    if (tree) {
      const model = learnCallModel(sets);
      for (const set of sets) inferParents(set, model);
      return { traces: sets.map(assembleTrace), unmatched };
    }
    const traces = sets.map((set) => {
      const root = rootOf(set);
      const trace = assembleTrace(set);
      if (root?.name) trace.name = root.name;
      return trace;
    });
    return { traces, unmatched };
  }
}
