// Scenario: the same records as three per-service files (gateway/planner/worker .jsonl), the
// usual `agtrace correlate logs/*.jsonl` case: adds the multi-source merge to the work.
// Baseline: jq over the same three files.
export const title = "same records, three per-service files, to the summary table";
export const input = "split";

export function commands({ files }) {
  return {
    baseline: { label: "jq {trace_id,time}", argv: ["jq", "-c", "{trace_id,time}", ...files] },
    commands: [
      {
        label: "agtrace --summary",
        argv: ["node", "bin/agtrace.js", "correlate", ...files, "--summary"],
      },
    ],
  };
}
