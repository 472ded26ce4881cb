// What an analyzer is: a kind of finding and how to find it, over one trace or the whole input.
import type { Finding, Trace } from "../model.js";

export type Analyzer =
  | { kind: string; scope: "trace"; run(trace: Trace): Finding[] }
  /** Findings that need several traces: each is returned with the trace it belongs to. */
  | { kind: string; scope: "input"; run(traces: readonly Trace[]): Map<Trace, Finding[]> };
