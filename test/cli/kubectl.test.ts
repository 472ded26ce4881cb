// The same logs merged the way `kubectl logs --prefix --timestamps --all-containers` prints them,
// piped into agtrace: grouping holds, and every record points at its line in the merged stream.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocument } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";
import { countRecords, type JsonDoc, pairwiseF1, predictedGroups } from "../helpers/score.js";

const PODS: Record<string, string> = {
  gateway: "gateway-6f7c9d8b4-k2x9p",
  planner: "planner-5b8d7c6f9-q4w7z",
  worker: "worker-7d9f8b6c5-x2kq4",
};

/** Capture time of a fixture line: pino's epoch ms or the ISO `time`/`timestamp`, with a µs tiebreak. */
function captureNanos(record: Record<string, unknown>, i: number): bigint {
  const t = record.time ?? record.timestamp;
  const ms = typeof t === "number" ? t : Date.parse(String(t));
  return BigInt(ms) * 1_000_000n + BigInt(i % 1000) * 1000n;
}

function rfc3339Nano(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, "0")}Z`;
}

function kubectlMerge(dir: string) {
  const lines: { at: bigint; text: string; traceId: string | undefined }[] = [];
  for (const service of Object.keys(PODS)) {
    readFileSync(`fixtures/${dir}/${service}.jsonl`, "utf8")
      .split("\n")
      .filter(Boolean)
      .forEach((text, i) => {
        const record = JSON.parse(text) as Record<string, unknown>;
        const at = captureNanos(record, i);
        const prefix = `[pod/${PODS[service]}/${service}] ${rfc3339Nano(at)} `;
        lines.push({ at, text: prefix + text, traceId: record.trace_id as string | undefined });
      });
  }
  lines.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const truth = new Map(lines.map((l, i) => [`-:${i + 1}`, l.traceId ?? `none:${i + 1}`]));
  return { stream: `${lines.map((l) => l.text).join("\n")}\n`, truth };
}

describe.each(["three-services", "node-multi"])(
  "kubectl --prefix --timestamps stream (%s)",
  (dir) => {
    it("groups as well as the separate files, pointing at lines of the merged stream", async () => {
      const { stream, truth } = kubectlMerge(dir);
      const r = await agtrace(["correlate", "--format", "json"], { stdin: stream });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      const doc = parseDocument(r.stdout) as JsonDoc;
      expect(countRecords(doc)).toBe(truth.size);
      expect(pairwiseF1(predictedGroups(doc), truth).f1).toBeGreaterThanOrEqual(0.99);
      const traces = (parseDocument(r.stdout) as { traces: { services: string[] }[] }).traces;
      const services = new Set(traces.flatMap((t) => t.services));
      expect([...services].sort()).toEqual(["gateway", "planner", "worker"]);
    });
  },
);

describe("what the wrapper tells", () => {
  it("gives records without time or service the capture time and the pod's service", async () => {
    const ids = '"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"';
    const stream = [
      `[pod/agent-b-5b8d7c6f9-q4w7z/agent-b] 2026-11-24T01:02:42.123456789Z {"msg":"no time here",${ids}}`,
      `agent-c-1  | {"msg":"from compose","time":"2026-11-24T01:02:43Z",${ids}}`,
    ].join("\n");
    const r = await agtrace(["correlate", "--format", "json"], { stdin: stream });
    const [span] = parseDocument(r.stdout).traces[0]!.spans;
    expect(span!.records.map((x) => [x.service, x.time])).toEqual([
      ["agent-b", "2026-11-24T01:02:42.123456789Z"],
      ["agent-c", "2026-11-24T01:02:43Z"],
    ]);
  });
});
