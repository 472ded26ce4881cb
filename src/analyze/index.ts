// The analyzers, in the order their findings are listed; the same for batch and --follow.
import type { JoinOutcome } from "../correlate/index.js";
import type { Finding, Trace } from "../model.js";
import type { Analyzer } from "./analyzer.js";
import { firstErrorAnalyzer, orphanAnalyzer } from "./findings.js";
import { propagationBreakAnalyzer } from "./propagation.js";

export type { Analyzer } from "./analyzer.js";

export const ANALYZERS: readonly Analyzer[] = [
  propagationBreakAnalyzer,
  firstErrorAnalyzer,
  orphanAnalyzer,
];

/**
 * The traces with the findings of every analyzer. `--follow` hands over the traces finished together,
 * so there findings across traces only relate traces that finished at the same time.
 */
export function analyze<T extends Trace>(traces: readonly T[]): T[] {
  const found = new Map<Trace, Trace["findings"]>(traces.map((t) => [t, [...t.findings]]));
  for (const a of ANALYZERS) {
    if (a.scope === "trace") for (const t of traces) found.get(t)!.push(...a.run(t));
    else for (const [t, findings] of a.run(traces)) found.get(t)?.push(...findings);
  }
  return traces.map((t) => ({ ...t, findings: found.get(t)! }));
}

/** Fields the heuristic join turned down as a whole: findings about the input (`--explain`). */
export function joinKeyFindings(join: JoinOutcome | undefined): Finding[] {
  return (join?.droppedFields ?? []).map((d) => ({
    kind: "join-key-rejected",
    severity: "info",
    message: `not a join key: ${d.field}: ${d.reason}`,
    key: d.field,
  }));
}
