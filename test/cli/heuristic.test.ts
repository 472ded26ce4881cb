// The heuristic join end to end, on logs written by real pino/winston/bunyan services (fixtures/generators/
// node-services, business scenario): 300 operations, ≥ 24 in flight, 8 users shared by all of them, task ids
// retried and double-submitted. `heuristic/` has every trace id stripped; `broken-propagation/` keeps them but
// the worker never extracted the incoming context, so each of its jobs started a fresh trace.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { joinKeysOf, NameKinds } from "../../src/decode/join-keys.js";
import { parseDocument } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";
import {
  countRecords,
  type JsonDoc,
  pairwiseF1,
  predictedGroups,
  readJsonLines,
} from "../helpers/score.js";

interface LineTruth {
  source: string;
  line: number;
  op: string | null;
}

const FILES = ["gateway.jsonl", "planner.jsonl", "worker.jsonl"];

/** `dir/file:line` → operation (lines outside any operation are each their own). */
function truthOf(scenario: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of readJsonLines<LineTruth>(`fixtures/truth/${scenario}.jsonl`)) {
    const item = `fixtures/${scenario}/${t.source}:${t.line}`;
    out.set(item, t.op ?? `none:${item}`);
  }
  return out;
}

/** The lines that carry any candidate key: all a join can go by without --attach-by-time. */
function keyedLines(scenario: string, files = FILES): Set<string> {
  const out = new Set<string>();
  const names = new NameKinds();
  for (const f of files) {
    readFileSync(`fixtures/${scenario}/${f}`, "utf8")
      .split("\n")
      .forEach((text, i) => {
        if (text && joinKeysOf(JSON.parse(text) as Record<string, unknown>, names)) {
          out.add(`fixtures/${scenario}/${f}:${i + 1}`);
        }
      });
  }
  return out;
}

function run(scenario: string, ...flags: string[]) {
  return agtrace(["correlate", `fixtures/${scenario}`, "--format", "json", ...flags]);
}

interface Doc extends JsonDoc {
  stats: { records: number };
  traces: (JsonDoc["traces"][number] & {
    correlation: string;
    joinKeys?: string[];
    findings: { kind: string; services?: string[]; key?: string; linkedTraceId?: string }[];
  })[];
}

describe("heuristic join of logs without any trace id", async () => {
  const r = await run("heuristic");
  const doc = parseDocument(r.stdout) as Doc;
  const truth = truthOf("heuristic");
  const predicted = predictedGroups(doc);

  it("keeps every record exactly once", () => {
    expect(r.code).toBe(0);
    expect(countRecords(doc)).toBe(doc.stats.records);
    expect(doc.stats.records).toBe(truth.size);
  });

  it("finds the 300 operations: pairwise F1 ≥ 0.95 on the lines with keys, precision ≥ 0.97 on all", () => {
    const keyed = keyedLines("heuristic");
    const onKeyed = pairwiseF1(predicted, new Map([...truth].filter(([k]) => keyed.has(k))));
    const onAll = pairwiseF1(predicted, truth);
    expect(doc.traces).toHaveLength(300);
    expect(onKeyed.f1).toBeGreaterThanOrEqual(0.95);
    expect(onKeyed.precision).toBeGreaterThanOrEqual(0.97);
    expect(onAll.precision).toBeGreaterThanOrEqual(0.97);
  });

  it("marks the traces heuristic and names the keys that joined them, never the shared user id", () => {
    for (const t of doc.traces) {
      expect(t.correlation).toBe("heuristic");
      expect(t.joinKeys).toContain("request_id");
      expect(t.joinKeys).not.toContain("user_id");
      expect(t.joinKeys).not.toContain("session_id");
    }
  });

  it("--explain says why: the joined values, and user_id turned down as a field", async () => {
    const text = await agtrace([
      "correlate",
      "fixtures/heuristic",
      "--explain",
      "--limit",
      "1",
      "--width",
      "200",
    ]);
    expect(text.stdout).toMatch(
      /≡ joined on request_id=[0-9a-f-]{36}: \d+ records of gateway, planner/,
    );
    expect(text.stdout).toMatch(/∅ not joined on user_id=\S+: .* a counter or a pool/);
    expect(text.stdout).toMatch(/not a join key: user_id/);
    const json = parseDocument((await run("heuristic", "--explain")).stdout);
    expect(json.traces.every((t) => (t.explain?.joined.length ?? 0) > 0)).toBe(true);
    expect(json.findings).toContainEqual(
      expect.objectContaining({ kind: "join-key-rejected", key: "user_id" }),
    );
  });

  it("--join ids finds nothing to group; --join off lists the records per source", async () => {
    const ids = parseDocument((await run("heuristic", "--join", "ids")).stdout) as Doc;
    expect(ids.traces).toHaveLength(0);
    expect(ids.unmatched).toHaveLength(truth.size);
    const off = await agtrace(["correlate", "fixtures/heuristic", "--join", "off"]);
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/━━ fixtures\/heuristic\/gateway\.jsonl {2}\d+ records/);
    expect(off.stdout).toMatch(/INFO {2}task submitted/);
  });
});

describe("broken propagation: the worker started a fresh trace for every job", async () => {
  const r = await run("broken-propagation");
  const doc = parseDocument(r.stdout) as Doc;
  const truth = truthOf("broken-propagation");

  it("shows each logical operation as one trace: pairwise F1 ≥ 0.95", () => {
    const score = pairwiseF1(predictedGroups(doc), truth);
    expect(doc.traces).toHaveLength(300);
    expect(score.f1).toBeGreaterThanOrEqual(0.95);
    expect(score.precision).toBeGreaterThanOrEqual(0.97);
  });

  it("reports every break: planner → worker, joined on plan_id, naming the worker's own trace", () => {
    const breaks = doc.traces.flatMap((t) =>
      t.findings.filter((f) => f.kind === "propagation-break"),
    );
    const workerTraces = new Set(
      FILES.slice(2).flatMap((f) =>
        readFileSync(`fixtures/broken-propagation/${f}`, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { trace_id?: string }).trace_id)
          .filter((id): id is string => id !== undefined),
      ),
    );
    expect(breaks).toHaveLength(workerTraces.size);
    for (const b of breaks) {
      expect(b).toMatchObject({ services: ["planner", "worker"], key: "plan_id" });
      expect(workerTraces.has(b.linkedTraceId!)).toBe(true);
    }
    for (const t of doc.traces) expect(t.correlation).toBe("mixed");
  });

  it("--join ids keeps the broken traces apart", async () => {
    const ids = parseDocument((await run("broken-propagation", "--join", "ids")).stdout) as Doc;
    expect(ids.traces.length).toBeGreaterThan(300);
  });
});

describe("threaded Python agents: conversations of several messages, thread pools, most lines without ids", async () => {
  // fixtures/generators/python-agents/gen_threaded_agents.py: python-json-logger, structlog and stdlib
  // logging in thread pools fed by queues; 271 messages in 90 conversations, 59% of lines name no id.
  const files = ["api.jsonl", "orchestrator.jsonl", "tools.jsonl"];
  const truth = truthOf("threaded-agents");
  const keyed = keyedLines("threaded-agents", files);
  const plain = parseDocument((await run("threaded-agents")).stdout) as Doc;
  const byTime = parseDocument((await run("threaded-agents", "--attach-by-time")).stdout) as Doc;

  it("splits each conversation into its messages: F1 ≥ 0.95 on the lines with keys, precision ≥ 0.97", () => {
    const onKeyed = pairwiseF1(
      predictedGroups(plain),
      new Map([...truth].filter(([k]) => keyed.has(k))),
    );
    expect(onKeyed.precision).toBeGreaterThanOrEqual(0.97);
    expect(onKeyed.f1).toBeGreaterThanOrEqual(0.95);
    expect(pairwiseF1(predictedGroups(plain), truth).precision).toBeGreaterThanOrEqual(0.97);
  });

  it("--attach-by-time places the id-less lines of each worker thread, without losing precision", () => {
    const before = pairwiseF1(predictedGroups(plain), truth);
    const after = pairwiseF1(predictedGroups(byTime), truth);
    expect(after.precision).toBeGreaterThanOrEqual(0.97);
    expect(after.recall).toBeGreaterThan(before.recall + 0.3);
    expect(byTime.unmatched.length).toBeLessThan(plain.unmatched.length / 2);
  });
});
