// Correlation: records in (one at a time), traces out.
import type { LogRecord } from "../model.js";
import { type AssembledTrace, assembleTrace } from "./assemble.js";
import { TraceGrouper } from "./group.js";
import { inferParents, learnCallModel } from "./infer-parents.js";
import { serviceFromSource } from "./service-name.js";
import { buildSpans } from "./spans.js";

export type { AssembledTrace } from "./assemble.js";

export interface Correlated {
  traces: AssembledTrace[];
  unmatched: LogRecord[];
}

export class Correlator {
  readonly #grouper = new TraceGrouper();
  /** Records that name no service, per source: they take the service their source names elsewhere. */
  readonly #unnamed = new Map<string, LogRecord[]>();
  readonly #named = new Map<string, Map<string, number>>();
  readonly #serviceNames = new Map<string, string>();

  add(record: LogRecord): void {
    const byService = this.#named.get(record.source) ?? new Map<string, number>();
    if (byService.size === 0) this.#named.set(record.source, byService);
    if (record.service) {
      // One string per service name, however many records carry it.
      const name = this.#serviceNames.get(record.service);
      if (name === undefined) this.#serviceNames.set(record.service, record.service);
      else record.service = name;
      byService.set(record.service, (byService.get(record.service) ?? 0) + 1);
    } else {
      const list = this.#unnamed.get(record.source) ?? [];
      if (list.length === 0) this.#unnamed.set(record.source, list);
      list.push(record);
    }
    this.#grouper.add(record);
  }

  /** A source's most named service, else its file name (`logs/agent-a.jsonl` → `agent-a`). */
  #nameServices(): void {
    for (const [source, records] of this.#unnamed) {
      let best = serviceFromSource(source);
      let bestCount = 0;
      for (const [service, count] of this.#named.get(source) ?? []) {
        if (count > bestCount) [best, bestCount] = [service, count];
      }
      for (const r of records) r.service = best;
    }
  }

  finish(): Correlated {
    this.#nameServices();
    const { groups, unmatched } = this.#grouper.groups();
    const sets = [...groups].map(([traceId, records]) => buildSpans(traceId, records));
    const model = learnCallModel(sets);
    for (const set of sets) inferParents(set, model);
    return { traces: sets.map(assembleTrace), unmatched };
  }
}
