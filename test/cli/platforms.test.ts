// Real pino/winston/bunyan lines wrapped as each platform tool prints them (fixtures/platforms, built by
// fixtures/generators/platforms): every record kept once, grouped as its trace ids say, named by its
// workload, and pointing at the wrapped line it came from.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocument } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";
import { type JsonDoc, pairwiseF1, predictedGroups, readJsonLines } from "../helpers/score.js";

interface LineTruth {
  source: string;
  line: number;
  record: boolean;
  traceId: string | null;
}

interface OutRecord {
  source: string;
  line: number;
  service: string;
  spanId?: string;
}

const DIR = "fixtures/platforms";
const SERVICES = ["gateway", "planner", "worker"];

/** Each fixture: its inputs, and how a wrapped line names the service a record from it must get. */
const FIXTURES: [string, string[], (raw: string, service: string) => boolean][] = [
  ["cri", ["cri"], () => true],
  ["docker", ["docker"], () => true],
  ["compose", ["compose.log"], (raw, service) => raw.startsWith(`${service}-1 `)],
  ["stern", ["stern.log"], (raw, service) => raw.startsWith(`${service}-`)],
  ["stern-json", ["stern-json.log"], (raw, service) => raw.includes(`"podName":"${service}-`)],
  ["kubectl", ["kubectl.log"], (raw, service) => raw.startsWith(`[pod/${service}-`)],
];

function allRecords(doc: JsonDoc): OutRecord[] {
  const out = [...(doc.unmatched as OutRecord[])];
  for (const t of doc.traces) {
    out.push(...(t.records as OutRecord[]));
    for (const s of t.spans) out.push(...(s.records as OutRecord[]));
  }
  return out;
}

describe.each(FIXTURES)("platform fixture %s", (name, inputs, namesService) => {
  it("keeps every record once, groups it by trace and points it at its wrapped line", async () => {
    const r = await agtrace(["correlate", ...inputs.map((i) => `${DIR}/${i}`), "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const doc = parseDocument(r.stdout) as JsonDoc;

    const truth = readJsonLines<LineTruth>(`fixtures/truth/platforms-${name}.jsonl`);
    const starts = new Map<string, string>();
    for (const t of truth) {
      const item = `${DIR}/${t.source}:${t.line}`;
      if (t.record) starts.set(item, t.traceId ?? `none:${item}`);
    }
    const records = allRecords(doc);
    const seen = records.map((x) => `${x.source}:${x.line}`);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(starts.keys()));
    expect(pairwiseF1(predictedGroups(doc), starts).f1).toBeGreaterThanOrEqual(0.99);

    const lines = new Map<string, string[]>();
    const raw = (source: string, line: number): string => {
      if (!lines.has(source)) lines.set(source, readFileSync(source, "utf8").split("\n"));
      return lines.get(source)![line - 1]!;
    };
    for (const x of records) {
      expect(SERVICES).toContain(x.service);
      const wrapped = raw(x.source, x.line);
      expect(namesService(wrapped, x.service), wrapped.slice(0, 80)).toBe(true);
      if (x.spanId) expect(wrapped).toContain(x.spanId);
    }
  });
});

describe("container files", () => {
  it.each(["cri", "docker"])(
    "%s: a line cut by the runtime at 16 KiB is one record at its first piece",
    async (name) => {
      const r = await agtrace(["correlate", `${DIR}/${name}/gateway.log`, "--format", "json"]);
      const truth = readJsonLines<LineTruth>(`fixtures/truth/platforms-${name}.jsonl`);
      const cut = truth.findIndex((t) => !t.record);
      const first = truth[cut - 1]!;
      expect(first.source).toBe(`${name}/gateway.log`);
      const doc = parseDocument(r.stdout) as JsonDoc;
      const record = allRecords(doc).find((x) => x.line === first.line);
      expect(record?.spanId).toBeDefined();
      expect(predictedGroups(doc).get(`${DIR}/${first.source}:${first.line}`)).toBe(first.traceId);
    },
  );
});
