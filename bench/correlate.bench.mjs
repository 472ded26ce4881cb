// Scenario: 1M records to the summary table.
// One merged JSONL file (pino + winston + bunyan lines of three services, interleaved) read by
// agtrace into traces, printed as the summary table and as the JSON document. The baseline is
// jq projecting two fields from every line: the floor of "parse every line once" on this
// machine, so the ratio says how many jq-passes of work one agtrace run costs.
export const title = "records (default 1M) to the summary table, one merged file";
export const input = "merged";

export function commands({ files }) {
  const agtrace = ["node", "bin/agtrace.js", "correlate", ...files];
  return {
    baseline: { label: "jq {trace_id,time}", argv: ["jq", "-c", "{trace_id,time}", ...files] },
    commands: [
      { label: "agtrace --summary", argv: [...agtrace, "--summary"] },
      { label: "agtrace --summary --join ids", argv: [...agtrace, "--summary", "--join", "ids"] },
      { label: "agtrace --format json", argv: [...agtrace, "--format", "json"] },
    ],
  };
}
