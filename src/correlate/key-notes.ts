// Which business keys each span of an explicit trace has already shown the join, so lines that only
// repeat them are left out: they add nothing to what links the trace, and skipping them spares most of
// the join's work on logs that have trace ids.
/** Keys remembered per span to tell repeats (field/value pairs, flat); beyond, lines are noted anyway. */
const MAX_NOTED = 32;
/** Spans per trace whose keys are remembered (the latest ones). */
const MAX_NOTED_SPANS = 8;
/**
 * Traces whose spans' keys are remembered, the latest begun: far more than are in flight at once in
 * real logs, so a trace's lines are still told apart while it runs, without holding every trace's keys
 * to the end of a long input. A trace forgotten early only has more of its lines shown the join.
 */
const MAX_NOTED_TRACES = 4096;

interface Noted {
  spanId: string | undefined;
  keys: string[];
}

function hasPair(pairs: string[], field: string, value: string): boolean {
  for (let i = 0; i < pairs.length; i += 2)
    if (pairs[i] === field && pairs[i + 1] === value) return true;
  return false;
}

export class SpanKeyNotes {
  readonly #byTrace = new Map<string, Noted[]>();

  /** Whether a record's keys (of trace `traceId`, span `spanId`) only repeat those noted for its span; notes new ones. */
  repeats(traceId: string, spanId: string | undefined, keys: readonly string[]): boolean {
    let spans = this.#byTrace.get(traceId);
    if (!spans) {
      spans = [];
      this.#byTrace.set(traceId, spans);
      // Map order is insertion order: the first key is the trace noted longest ago.
      if (this.#byTrace.size > MAX_NOTED_TRACES)
        this.#byTrace.delete(this.#byTrace.keys().next().value!);
    }
    let noted: Noted | undefined;
    for (const n of spans) if (n.spanId === spanId) noted = n;
    if (!noted) {
      // The trace's spans that log keys at the same time (a caller waiting on its callees) are few.
      if (spans.length === MAX_NOTED_SPANS) spans.shift();
      spans.push({ spanId, keys: [...keys] });
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

  /** Forgets a finished trace. */
  forget(traceId: string): void {
    this.#byTrace.delete(traceId);
  }
}
