// The example the project started from: two Python agents printing spans with ConsoleSpanExporter
// (multi-line JSON between plain print lines), agent B receiving its context inside the message.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocument } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";
import { readJsonLines } from "../helpers/score.js";

interface TruthSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  dataId: string;
  status: string;
}

const truth = readJsonLines<TruthSpan>("fixtures/truth/two-agents.jsonl");

describe("two agents with ConsoleSpanExporter output", async () => {
  const r = await agtrace([
    "correlate",
    "fixtures/two-agents/agent-a.log",
    "fixtures/two-agents/agent-b.log",
    "--format",
    "json",
  ]);
  const doc = parseDocument(r.stdout) as {
    traces: {
      traceId: string;
      status: string;
      spans: {
        spanId: string;
        parentSpanId: string | null;
        parentInferred: boolean;
        name: string;
        status: string;
        timing: string;
        records: { message: string }[];
      }[];
      records: { message: string }[];
    }[];
  };

  it("exits 0 and keeps the plain print lines: each in the operation whose data id it names", () => {
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/invalid JSON|not JSON/);
    for (const t of doc.traces) {
      const ids = new Set(
        t.spans.flatMap((s) => s.records.flatMap((x) => x.message.match(/\b\d{5}\b/g) ?? [])),
      );
      // Every print line that names a data id sits with the other lines of that one id.
      expect(ids.size, `trace ${t.traceId}`).toBeLessThanOrEqual(1);
    }
    // Every print line that names a data id is in a trace (banners stay in no trace).
    const namesId = (line: string): boolean => /^Agent [AB]: .*(ID|received:) \d{5}\b/.test(line);
    const printed = ["agent-a.log", "agent-b.log"].flatMap((f) =>
      readFileSync(`fixtures/two-agents/${f}`, "utf8").split("\n").filter(namesId),
    );
    const placed = doc.traces.flatMap((t) => [...t.spans.flatMap((s) => s.records), ...t.records]);
    expect(printed.length).toBeGreaterThan(30);
    expect(placed.filter((x) => namesId(x.message))).toHaveLength(printed.length);
  });

  /** The trace a span belongs to: its own, or — started afresh by B — the one of A's fetch of the same data. */
  const operationOf = (t: TruthSpan): string =>
    t.name === "process_data" && !t.parentSpanId
      ? truth.find((u) => u.name === "fetch_data_from_api" && u.dataId === t.dataId)!.traceId
      : t.traceId;

  it("rebuilds every span the agents exported, with measured timing and stated parents", () => {
    const spans = new Map(
      doc.traces.flatMap((t) => t.spans.map((s) => [s.spanId, { ...s, traceId: t.traceId }])),
    );
    for (const t of truth) {
      const s = spans.get(t.spanId);
      expect(s, `${t.name} ${t.dataId}`).toBeDefined();
      expect(s?.traceId).toBe(operationOf(t));
      if (operationOf(t) === t.traceId) {
        expect(s?.parentSpanId).toBe(t.parentSpanId);
        expect(s?.parentInferred).toBe(false);
      } else {
        // Started afresh by B: hung, as an inferred edge, under A's span that holds the same data.id.
        const caller = truth.find((u) => u.name === "fetch_data_from_api" && u.dataId === t.dataId);
        expect(s?.parentSpanId).toBe(caller?.spanId);
        expect(s?.parentInferred).toBe(true);
      }
      expect(s?.timing).toBe("measured");
    }
  });

  it("shows A's fetch, its GET and B's processing as one trace when the context travelled", () => {
    const byTrace = new Map(doc.traces.map((t) => [t.traceId, t]));
    const propagated = truth.filter((t) => t.name === "process_data" && t.parentSpanId);
    expect(propagated.length).toBeGreaterThan(0);
    for (const b of propagated) {
      const names = byTrace
        .get(b.traceId)
        ?.spans.map((s) => s.name)
        .sort();
      expect(names).toEqual(["GET", "fetch_data_from_api", "process_data"]);
    }
  });

  it("puts B's error under B's span in A's trace, and marks the trace failed", () => {
    const failed = truth.filter((t) => t.name === "process_data" && t.status === "ERROR");
    expect(failed.length).toBeGreaterThan(0);
    for (const b of failed) {
      const trace = doc.traces.find((t) => t.traceId === operationOf(b))!;
      expect(trace.status).toBe("error");
      expect(trace.spans.find((s) => s.spanId === b.spanId)?.status).toBe("error");
    }
  });

  it("attaches B's log of the received message to B's span: by the traceparent inside it, else by data.id", () => {
    const received = doc.traces
      .flatMap((t) => t.spans)
      .filter((s) => s.name === "process_data" && s.records.some((x) => x.message === "received"));
    expect(received.length).toBe(truth.filter((t) => t.name === "process_data").length);
  });

  it("joins B's fresh trace to A's by data.id and says where the context was lost", () => {
    const full = parseDocument(r.stdout) as {
      traces: {
        traceId: string;
        findings: {
          kind: string;
          services?: string[];
          key?: string;
          value?: string;
          linkedTraceId?: string;
        }[];
      }[];
    };
    const breaks = full.traces.flatMap((t) =>
      t.findings
        .filter((f) => f.kind === "propagation-break")
        .map((f) => ({ ...f, traceId: t.traceId })),
    );
    const fresh = truth.filter((t) => t.name === "process_data" && !t.parentSpanId);
    expect(breaks.map((b) => b.value).sort()).toEqual(fresh.map((t) => t.dataId).sort());
    for (const b of breaks) {
      const upstream = truth.find((t) => t.name === "fetch_data_from_api" && t.dataId === b.value)!;
      const downstream = fresh.find((t) => t.dataId === b.value)!;
      expect(b).toMatchObject({
        traceId: upstream.traceId,
        services: ["agent-a-data-fetcher", "agent-b-data-processor"],
        key: "data.id",
        linkedTraceId: downstream.traceId,
      });
    }
  });
});
