// Correlation of an endless stream: when traces finish, late records, the open-trace cap.
import { describe, expect, it } from "vitest";
import { type LiveEvent, LiveCorrelator } from "../../src/correlate/live.js";
import type { RecordDraft } from "../../src/model.js";

const A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const C = "cccccccccccccccccccccccccccccccc";
let line = 0;

function rec(traceId: string, message = "m"): RecordDraft {
  return {
    source: "s.jsonl",
    line: ++line,
    level: "info",
    message,
    service: "svc",
    traceId,
    spanId: `${traceId.slice(0, 15)}1`,
    time: { ms: 1_795_000_000_000 + line, ns: 0, digits: 3 },
  };
}

function live(options: Partial<ConstructorParameters<typeof LiveCorrelator>[0]> = {}) {
  return new LiveCorrelator({ idleMs: 1000, maxWaitMs: 60_000, maxOpen: 100, ...options });
}

const traces = (events: LiveEvent[]) =>
  events.flatMap((e) => (e.kind === "trace" ? [{ id: e.trace.traceId, forced: e.forced }] : []));
const continuations = (events: LiveEvent[]) =>
  events.flatMap((e) =>
    e.kind === "continuation" ? [{ id: e.traceId, messages: e.records.map((r) => r.message) }] : [],
  );

describe("LiveCorrelator", () => {
  it("finishes a trace once it was idle, hands it out once, and late records as one continuation", () => {
    const c = live();
    c.add(rec(A, "first"), 0);
    c.add(rec(A, "second"), 500);
    expect(c.tick(1400)).toEqual([]);
    const done = c.tick(1500);
    expect(traces(done)).toEqual([{ id: A, forced: false }]);
    const first = done[0];
    const trace = first?.kind === "trace" ? first.trace : undefined;
    expect(trace?.spans.flatMap((s) => s.records.map((r) => r.message))).toEqual([
      "first",
      "second",
    ]);
    expect(c.openCount).toBe(0);
    c.add(rec(A, "late 1"), 1600);
    c.add(rec(A, "late 2"), 1700);
    expect(continuations(c.tick(1750))).toEqual([{ id: A, messages: ["late 1", "late 2"] }]);
    expect(c.tick(5000)).toEqual([]);
  });

  it("finishes a trace that keeps logging once it has been open for maxWait", () => {
    const c = live({ maxWaitMs: 3000 });
    for (let t = 0; t < 3000; t += 500) {
      c.add(rec(A), t);
      expect(c.tick(t)).toEqual([]);
    }
    expect(traces(c.tick(3000))).toEqual([{ id: A, forced: false }]);
  });

  it("finishes the oldest open trace early beyond maxOpen", () => {
    const c = live({ maxOpen: 2 });
    expect(c.add(rec(A), 0)).toEqual([]);
    expect(c.add(rec(B), 1)).toEqual([]);
    expect(traces(c.add(rec(C), 2))).toEqual([{ id: A, forced: true }]);
    expect(c.openCount).toBe(2);
  });

  it("drops the late records of a trace the caller did not show", () => {
    const c = live();
    c.add(rec(A), 0);
    c.add(rec(B), 0);
    c.tick(1000);
    c.ignoreLate(A);
    c.add(rec(A, "late a"), 1100);
    c.add(rec(B, "late b"), 1100);
    expect(continuations(c.tick(1200))).toEqual([{ id: B, messages: ["late b"] }]);
    expect(c.openCount).toBe(0);
  });

  it("hands out a record without any id, once, as unmatched", () => {
    for (const join of ["ids", "auto", "heuristic"] as const) {
      const c = live({ join });
      const r = rec(A);
      delete r.traceId;
      delete r.spanId;
      c.add(r, 0);
      expect(c.flush(0)).toEqual([{ kind: "unmatched", records: [r] }]);
      expect(c.unmatched).toBe(1);
      expect(c.flush(1)).toEqual([]);
    }
  });

  it("flush finishes every open trace and hands out pending late records", () => {
    const c = live();
    c.add(rec(A), 0);
    c.tick(1000);
    c.add(rec(A, "late"), 1100);
    c.add(rec(B), 1100);
    const events = c.flush(1200);
    expect(traces(events)).toEqual([{ id: B, forced: false }]);
    expect(continuations(events)).toEqual([{ id: A, messages: ["late"] }]);
  });
});

describe("LiveCorrelator: operations with span exports", () => {
  /** A span export of trace A: `parent` undefined makes it the root. */
  function spanRec(parent: string | undefined, message: string): RecordDraft {
    const r = rec(A, message);
    r.span = { name: message, start: r.time!, end: r.time!, status: "ok" };
    if (parent) r.parentSpanId = parent;
    return r;
  }

  it("waits for the root span to end, not just for a quiet spell", () => {
    const c = live();
    c.add(spanRec("1111111111111111", "child"), 0);
    // Quiet for longer than --idle, but the root span has not been exported: still running.
    expect(traces(c.tick(5000))).toEqual([]);
    c.add(spanRec(undefined, "root"), 6000);
    expect(traces(c.tick(6500))).toEqual([]);
    expect(traces(c.tick(7000))).toEqual([{ id: A, forced: false }]);
  });

  it("still gives up at --max-wait when the root span never comes", () => {
    const c = live({ maxWaitMs: 10_000 });
    c.add(spanRec("1111111111111111", "child"), 0);
    expect(traces(c.tick(9999))).toEqual([]);
    expect(traces(c.tick(10_000))).toEqual([{ id: A, forced: false }]);
  });
});

describe("LiveCorrelator: the ids batch correlation follows", () => {
  it("rebuilds LangChain runs without a trace id into one trace, children exported first", () => {
    const c = live();
    const run = (spanId: string, parentSpanId?: string): RecordDraft => {
      const r = rec(A, spanId);
      delete r.traceId;
      r.spanId = spanId;
      if (parentSpanId) r.parentSpanId = parentSpanId;
      return r;
    };
    // A tool run and an LLM run end (and are logged) before the chain that started them.
    c.add(run("2".repeat(16), "1".repeat(16)), 0);
    c.add(run("3".repeat(16), "2".repeat(16)), 0);
    c.add(run("1".repeat(16)), 0);
    expect(c.unmatched).toBe(0);
    const [event] = c.flush(10);
    expect(event?.kind === "trace" && event.trace.traceId).toBe("1".repeat(16).padStart(32, "0"));
    expect(event?.kind === "trace" && event.trace.spans.map((s) => s.spanId).sort()).toEqual(
      ["1", "2", "3"].map((d) => d.repeat(16)),
    );
  });

  it("joins a Datadog lower-64 trace id to its 128-bit trace while both are open", () => {
    const c = live();
    const full = "4bf92f3577b34da6a3ce929d0e0e4736";
    c.add(rec(`${"0".repeat(16)}${full.slice(16)}`, "dd line"), 0);
    c.add(rec(full, "otel line"), 1);
    const events = c.flush(10);
    expect(traces(events)).toEqual([{ id: full, forced: false }]);
  });
});

describe("LiveCorrelator: the live join on traced streams", () => {
  it("folds a trace that started afresh into the one it continues, with no id-less record around", () => {
    const c = live();
    const order = ["order_id", "ord_8f3k2a9x1"];
    const checkout = { ...rec(A, "order placed"), service: "checkout", keys: order };
    const billing = { ...rec(B, "charging"), service: "billing", keys: ["orderId", order[1]!] };
    c.add(checkout, 0);
    c.add(billing, 100);
    // Before either trace goes quiet, a round of the join links them by the order id.
    expect(c.tick(600)).toEqual([]);
    const events = c.tick(1200);
    expect(traces(events)).toEqual([{ id: A, forced: false }]);
    const [t] = events.flatMap((e) => (e.kind === "trace" ? [e.trace] : []));
    expect(t!.services.sort()).toEqual(["billing", "checkout"]);
    expect(t!.contextBreaks?.[0]).toMatchObject({
      services: ["checkout", "billing"],
      downstreamTraceId: B,
    });
  });
});
