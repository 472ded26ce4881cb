// Scenario: the heuristic join against the explicit-id join on the same file.
// The generated lines carry both trace ids and business ids (request_id/requestId, plan_id, job_id, a
// user_id shared by many operations), so `--join heuristic` (trace ids ignored, operations rebuilt from
// the business ids) and `--join ids` do the same job by different means. The bar: the heuristic run
// keeps at least half the explicit run's throughput, i.e. costs at most twice its time.
export const title = "heuristic join vs explicit ids, same merged file, to the summary table";
export const input = "merged";

export function commands({ files }) {
  const agtrace = ["node", "bin/agtrace.js", "correlate", ...files, "--summary"];
  return {
    baseline: { label: "jq {trace_id,time}", argv: ["jq", "-c", "{trace_id,time}", ...files] },
    commands: [
      { label: "agtrace --join ids", argv: [...agtrace, "--join", "ids"] },
      { label: "agtrace --join heuristic", argv: [...agtrace, "--join", "heuristic"] },
      { label: "agtrace (auto: both)", argv: agtrace },
    ],
  };
}
