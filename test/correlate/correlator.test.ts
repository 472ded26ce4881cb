// Unit tests of correlation: grouping, span building, parent inference bookkeeping, tree assembly.
import { describe, expect, it } from "vitest";
import { Correlator } from "../../src/correlate/index.js";
import type { LogRecord, RecordDraft, SpanFacts } from "../../src/model.js";

const T1 = "4bf92f3577b34da6a3ce929d0e0e4736";
let line = 0;

function rec(fields: Partial<LogRecord> & { at?: number }): LogRecord {
  const { at, ...rest } = fields;
  const r: RecordDraft = {
    source: "s.jsonl",
    line: ++line,
    level: "info",
    message: "m",
    attributes: {},
    ...rest,
  };
  if (at !== undefined) r.time = { ms: 1_795_000_000_000 + at, ns: 0, digits: 3 };
  return r;
}

function span(
  facts: Omit<Partial<SpanFacts>, "start" | "end"> & { start: number; end: number },
): SpanFacts {
  return {
    name: facts.name ?? "op",
    status: facts.status ?? "unset",
    start: { ms: 1_795_000_000_000 + facts.start, ns: 0, digits: 6 },
    end: { ms: 1_795_000_000_000 + facts.end, ns: 0, digits: 6 },
  };
}

function correlate(records: LogRecord[]) {
  const c = new Correlator();
  for (const r of records) c.add(r);
  return c.finish();
}

describe("Correlator", () => {
  it("groups by trace id and keeps records without ids in unmatched", () => {
    const { traces, unmatched } = correlate([
      rec({ traceId: T1, spanId: "00f067aa0ba902b7", at: 0, service: "a" }),
      rec({ traceId: "1".repeat(32), spanId: "1".repeat(16), at: 1, service: "a" }),
      rec({ at: 2, service: "a" }),
    ]);
    expect(traces.map((t) => t.traceId).sort()).toEqual([T1, "1".repeat(32)].sort());
    expect(unmatched).toHaveLength(1);
  });

  it("joins a Datadog lower-64 decimal trace to its 128-bit trace", () => {
    const low = `0000000000000000${T1.slice(16)}`;
    const { traces } = correlate([
      rec({ traceId: T1, spanId: "00f067aa0ba902b7", at: 0, service: "a" }),
      rec({ traceId: low, spanId: "00f067aa0ba902b8", at: 1, service: "b" }),
    ]);
    expect(traces).toHaveLength(1);
    expect(traces[0]?.services).toEqual(["a", "b"]);
  });

  it("places trace-less runs (LangChain run ids) in the trace of their root run", () => {
    const root = "a".repeat(32);
    const child = "b".repeat(32);
    const grandchild = "c".repeat(32);
    const { traces } = correlate([
      rec({ spanId: grandchild, parentSpanId: child, at: 2, service: "agent" }),
      rec({ spanId: root, at: 0, service: "agent" }),
      rec({ spanId: child, parentSpanId: root, at: 1, service: "agent" }),
    ]);
    expect(traces).toHaveLength(1);
    expect(traces[0]?.traceId).toBe(root);
    expect(traces[0]?.spans.map((s) => s.parentSpanId ?? null)).toEqual([null, root, child]);
  });

  it("uses measured timing from span exports and keeps stated parents", () => {
    const { traces } = correlate([
      rec({
        traceId: T1,
        spanId: "1".repeat(16),
        span: span({ start: 0, end: 100, name: "root" }),
        service: "a",
      }),
      rec({
        traceId: T1,
        spanId: "2".repeat(16),
        parentSpanId: "1".repeat(16),
        span: span({ start: 10, end: 50, name: "child", status: "error" }),
        service: "a",
      }),
      rec({
        traceId: T1,
        spanId: "2".repeat(16),
        at: 20,
        level: "error",
        message: "boom",
        service: "a",
      }),
    ]);
    const [t] = traces;
    expect(t?.spans.map((s) => [s.name, s.timing, s.parentInferred])).toEqual([
      ["root", "measured", false],
      ["child", "measured", false],
    ]);
    expect(t?.spans[1]?.records).toHaveLength(2);
    expect(t?.status).toBe("error");
    expect(t?.errorCount).toBe(1);
  });

  it("infers nesting for log-only spans and marks the edges inferred", () => {
    const { traces } = correlate([
      rec({
        traceId: T1,
        spanId: "1".repeat(16),
        at: 0,
        message: "request received",
        service: "gw",
      }),
      rec({
        traceId: T1,
        spanId: "2".repeat(16),
        at: 5,
        message: "task received",
        service: "worker",
      }),
      rec({ traceId: T1, spanId: "2".repeat(16), at: 9, message: "task done", service: "worker" }),
      rec({ traceId: T1, spanId: "1".repeat(16), at: 10, message: "done", service: "gw" }),
    ]);
    const [root, child] = traces[0]!.spans;
    expect(root?.parentSpanId).toBeUndefined();
    expect(child).toMatchObject({
      parentSpanId: "1".repeat(16),
      parentInferred: true,
      timing: "inferred",
    });
  });

  it("keeps a span whose stated parent is missing as an orphan root", () => {
    const { traces } = correlate([
      rec({
        traceId: T1,
        spanId: "2".repeat(16),
        parentSpanId: "9".repeat(16),
        span: span({ start: 0, end: 5 }),
        service: "b",
      }),
    ]);
    expect(traces[0]?.spans[0]).toMatchObject({ orphan: true, parentSpanId: "9".repeat(16) });
  });

  it("attaches a record that names only its caller's span to the callee span of its service", () => {
    const callee = "3".repeat(16);
    const { traces } = correlate([
      rec({ traceId: T1, spanId: "1".repeat(16), span: span({ start: 0, end: 10 }), service: "a" }),
      rec({
        traceId: T1,
        spanId: callee,
        parentSpanId: "1".repeat(16),
        span: span({ start: 5, end: 9 }),
        service: "b",
      }),
      rec({ traceId: T1, parentSpanId: "1".repeat(16), message: "received", service: "b" }),
    ]);
    const b = traces[0]?.spans.find((s) => s.spanId === callee);
    expect(b?.records.map((r) => r.message)).toContain("received");
    expect(traces[0]?.records).toHaveLength(0);
  });

  it("gives records without a service the service their source's span exports name", () => {
    const { unmatched } = correlate([
      rec({
        source: "logs/agent-b.log",
        service: "agent-b-data-processor",
        traceId: T1,
        spanId: "1".repeat(16),
        span: span({ start: 0, end: 5 }),
      }),
      rec({ source: "logs/agent-b.log", at: 1 }),
      rec({ source: "logs/other.jsonl.gz", at: 2 }),
    ]);
    expect(unmatched.map((r) => r.service)).toEqual(["agent-b-data-processor", "other"]);
  });

  it("summarizes spans built without their lines exactly as spans built with them", () => {
    const low = `0000000000000000${T1.slice(16)}`;
    const T2 = "2".repeat(32);
    const ORDER = "ord_7f3a9c2e11";
    // Fresh records per run: correlation rewrites ids and services in place.
    const input = (): LogRecord[] => [
      rec({ traceId: T1, spanId: "1".repeat(16), span: span({ start: 0, end: 50 }), service: "a" }),
      rec({ traceId: T1, spanId: "2".repeat(16), at: 5, service: "b", message: "b starts" }),
      rec({ traceId: T1, spanId: "2".repeat(16), at: 3, service: "b", message: "b earlier" }),
      rec({ traceId: T1, spanId: "2".repeat(16), at: 9, service: "c", level: "error" }),
      rec({ traceId: T1, spanId: "2".repeat(16), at: 7, service: "c" }),
      rec({ traceId: T1, spanId: "2".repeat(16), at: 8, service: "c" }),
      rec({ traceId: T1, parentSpanId: "1".repeat(16), at: 4, service: "a", level: "fatal" }),
      rec({ traceId: low, spanId: "4".repeat(16), at: 20, service: "d", level: "error" }),
      rec({ traceId: low, spanId: "2".repeat(16), at: 30, service: "b", message: "late b" }),
      // A business id shared by the lower-64 trace and a line without ids: the join places the line.
      rec({
        traceId: low,
        spanId: "4".repeat(16),
        at: 21,
        service: "d",
        keys: ["order_id", ORDER],
      }),
      rec({ at: 22, service: "d", message: "no ids, but the order", keys: ["order_id", ORDER] }),
      rec({ source: "logs/agent-x.log", traceId: T2, spanId: "5".repeat(16), at: 40 }),
      rec({ source: "logs/agent-x.log", traceId: T2, spanId: "5".repeat(16), at: 39 }),
      rec({ traceId: T2, spanId: "6".repeat(16), service: "e", message: "no time" }),
      rec({ spanId: "c".repeat(32), parentSpanId: "b".repeat(32), at: 62, service: "agent" }),
      rec({ spanId: "a".repeat(32), at: 60, service: "agent", message: "root run" }),
      rec({ spanId: "b".repeat(32), parentSpanId: "a".repeat(32), at: 61, service: "agent" }),
      rec({ at: 70, service: "a", message: "no ids" }),
    ];
    const summarize = (keepRecords: boolean) => {
      const c = new Correlator({ keepRecords });
      for (const r of input()) c.add(r);
      const { traces, unmatched } = c.finish({ tree: false });
      return {
        traces: traces.map(
          ({ traceId, name, services, start, end, status, errorCount, spans }) => ({
            ...{ traceId, name, services, start, end, status, errorCount },
            spans: spans.map((x) => [x.spanId, x.service, x.name, x.start, x.end, x.status]),
          }),
        ),
        unmatched: unmatched.length,
      };
    };
    const kept = summarize(true);
    expect(kept.traces).toHaveLength(3);
    expect(kept.unmatched).toBe(1);
    expect(kept.traces.find((t) => t.traceId === T1)?.errorCount).toBe(3);
    expect(summarize(false)).toEqual(kept);
  });

  it("keeps a span of a source that names no service in its input order among spans starting together", () => {
    const root = "9".repeat(16);
    const { traces } = correlate([
      rec({ traceId: T1, spanId: root, at: 0, service: "gateway" }),
      rec({ source: "logs/planner.jsonl", traceId: T1, spanId: "1".repeat(16), at: 5 }),
      rec({ traceId: T1, spanId: "2".repeat(16), at: 5, service: "worker" }),
      rec({ traceId: T1, spanId: root, at: 9, service: "gateway" }),
    ]);
    expect(traces[0]?.spans.map((s) => s.service)).toEqual(["gateway", "planner", "worker"]);
  });

  it("does not lend one service's name to a merged stream's unnamed lines", () => {
    const { unmatched } = correlate([
      rec({ source: "-", service: "worker", at: 0 }),
      rec({ source: "-", at: 1 }),
    ]);
    expect(unmatched.map((r) => r.service)).toEqual(["worker", "stdin"]);
  });
});
