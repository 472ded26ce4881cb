// assembleTrace: span drafts → a finished trace in tree order (parents before children, siblings by
// start), with depth, trace-wide times, services, error count and name; cycles among inferred edges cut.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assembleTrace } from "../../src/correlate/assemble.js";
import { type SpanSet, SpanBuilder } from "../../src/correlate/spans.js";
import type { LogRecord } from "../../src/model.js";
import { spanJson } from "../../src/output/json.js";
import { at, facts, hex, rec } from "./records.js";

const T1 = "4bf92f3577b34da6a3ce929d0e0e4736";
const sid = (n: number): string => hex(n + 1, 16);

function setOf(records: LogRecord[]): SpanSet {
  const b = new SpanBuilder(T1);
  for (const r of records) b.add(r);
  return b.finish();
}

/** A log-only span: one line at each given time. */
function lines(spanId: string, service: string, times: number[], extra: Partial<LogRecord> = {}) {
  return times.map((t, i) =>
    rec({ traceId: T1, spanId, service, at: t, message: `${service} ${spanId} ${i}`, ...extra }),
  );
}

/** Sets inferred parents on the set's drafts, as inferParents would. */
function infer(set: SpanSet, edges: Record<string, string>): void {
  for (const [child, parent] of Object.entries(edges)) {
    const s = set.spans.get(child)!;
    s.parentSpanId = parent;
    s.parentInferred = true;
  }
}

describe("assembleTrace", () => {
  it("orders parents before children and siblings by start, with their depth", () => {
    const [a, b, c, d] = [sid(0), sid(1), sid(2), sid(3)];
    // Input order: child before parent, later sibling first.
    const set = setOf([
      ...lines(d, "db", [30, 31]),
      ...lines(c, "api", [20, 40]),
      ...lines(b, "api", [5, 10]),
      ...lines(a, "gw", [0, 50]),
    ]);
    infer(set, { [b]: a, [c]: a, [d]: c });
    const t = assembleTrace(set);
    expect(t.spans.map((s) => s.spanId)).toEqual([a, b, c, d]);
    expect([a, b, c, d].map((id) => t.depth.get(id))).toEqual([0, 1, 1, 2]);
    expect(t.spans.map((s) => s.parentInferred)).toEqual([false, true, true, true]);
  });

  it("gives the trace its window, services in order of start and its root's name", () => {
    const [a, b] = [sid(0), sid(1)];
    const set = setOf([
      ...lines(b, "worker", [10, 20]),
      rec({
        traceId: T1,
        spanId: a,
        service: "gw",
        span: facts({ name: "POST /run", start: 5, end: 30 }),
      }),
      rec({ traceId: T1, at: 40, service: "cron", message: "loose line" }),
    ]);
    infer(set, { [b]: a });
    const t = assembleTrace(set);
    expect(t).toMatchObject({
      traceId: T1,
      correlation: "ids",
      name: "POST /run",
      services: ["gw", "worker", "cron"],
      start: at(5),
      end: at(40),
      timed: true,
      status: "ok",
      errorCount: 0,
    });
    expect(t.records.map((r) => r.message)).toEqual(["loose line"]);
    // The drafts are the spans (no copy); what a draft notes never reaches the output.
    expect(spanJson(t.spans[0]!)).not.toHaveProperty("firstRecord");
    expect(spanJson(t.spans[0]!)).not.toHaveProperty("errorLogs");
  });

  it("names a trace without spans by its first record, else by its id", () => {
    expect(assembleTrace(setOf([rec({ traceId: T1, at: 0, message: "x".repeat(80) })])).name).toBe(
      `${"x".repeat(59)}…`,
    );
    expect(assembleTrace({ traceId: T1, spans: new Map(), loose: [] }).name).toBe(T1);
  });

  it("names a trace without spans by the first line of its first record", () => {
    const t = assembleTrace(
      setOf([
        rec({
          traceId: T1,
          at: 0,
          level: "error",
          message: "boom failed\nTraceback (most recent call last):",
        }),
      ]),
    );
    expect(t.name).toBe("boom failed");
  });

  it("counts error lines per span, a failed span without error lines once, and loose error lines", () => {
    const [a, b, c] = [sid(0), sid(1), sid(2)];
    const set = setOf([
      ...lines(a, "gw", [0, 1], { level: "error" }),
      rec({
        traceId: T1,
        spanId: b,
        service: "db",
        span: facts({ start: 2, end: 3, status: "error" }),
      }),
      ...lines(c, "gw", [4]),
      rec({ traceId: T1, at: 5, level: "fatal" }),
    ]);
    const t = assembleTrace(set);
    expect([t.errorCount, t.status]).toEqual([4, "error"]);
  });

  it("cuts a cycle among inferred edges at its earliest span", () => {
    const [a, b, c] = [sid(0), sid(1), sid(2)];
    const set = setOf([
      ...lines(b, "x", [10, 20]),
      ...lines(a, "x", [0, 30]),
      ...lines(c, "x", [15]),
    ]);
    infer(set, { [a]: b, [b]: a, [c]: b });
    const t = assembleTrace(set);
    expect(t.spans.map((s) => s.spanId)).toEqual([a, b, c]);
    expect(t.spans[0]).toMatchObject({ spanId: a, parentInferred: false });
    expect(t.spans[0]!.parentSpanId).toBeUndefined();
    expect(t.spans.map((s) => s.parentSpanId)).toEqual([undefined, a, b]);
    expect([a, b, c].map((id) => t.depth.get(id))).toEqual([0, 1, 2]);
  });

  it("marks a span whose stated parent is not in the trace an orphan, at the top", () => {
    const [a, b] = [sid(0), sid(1)];
    const set = setOf([
      ...lines(a, "gw", [0, 10]),
      ...lines(b, "api", [2], { parentSpanId: "f".repeat(16) }),
    ]);
    const t = assembleTrace(set);
    expect(t.spans.map((s) => [s.spanId, s.orphan, t.depth.get(s.spanId)])).toEqual([
      [a, false, 0],
      [b, true, 0],
    ]);
  });

  it("puts spans without any time at the trace's start, untimed", () => {
    const [a, b] = [sid(0), sid(1)];
    const set = setOf([
      ...lines(a, "gw", [100, 200]),
      rec({ traceId: T1, spanId: b, service: "gw" }),
    ]);
    const t = assembleTrace(set);
    const untimed = t.spans.find((s) => s.spanId === b)!;
    expect([untimed.timed, untimed.start, untimed.end]).toEqual([false, at(100), at(100)]);
    expect(t.timed).toBe(true);
  });

  it("is untimed when no record has a time", () => {
    const t = assembleTrace(setOf([rec({ traceId: T1, spanId: sid(0), message: "hi" })]));
    expect([t.timed, t.start.ms, t.end.ms, t.name]).toEqual([false, 0, 0, "hi"]);
  });

  it("orders a chain tens of thousands deep without overflowing the stack", () => {
    const n = 20_000;
    const set: SpanSet = setOf(Array.from({ length: n }, (_, i) => lines(sid(i), "x", [i])[0]!));
    for (let i = 1; i < n; i++) infer(set, { [sid(i)]: sid(i - 1) });
    const t = assembleTrace(set);
    expect(t.spans).toHaveLength(n);
    expect(t.depth.get(sid(n - 1))).toBe(n - 1);
  });
});

// ─── property: any parent edges (cycles, self-loops, missing parents) give a proper tree order ───

const forest = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(
    fc.array(fc.nat({ max: 100 }), { minLength: n, maxLength: n }),
    // Per span: no parent, a span of the trace (any: cycles and self-loops too), or one not there.
    fc.array(fc.option(fc.integer({ min: 0, max: n }), { nil: undefined }), {
      minLength: n,
      maxLength: n,
    }),
    fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  ),
);

describe("assembleTrace (property)", () => {
  it("lists every span once, each after its parent, one deeper than it", () => {
    fc.assert(
      fc.property(forest, ([starts, parents, stated]) => {
        const n = starts.length;
        const set = setOf(
          starts.map((t, i) => {
            const p = parents[i];
            const parent = p === undefined ? undefined : p === n ? "f".repeat(16) : sid(p);
            return rec({
              traceId: T1,
              spanId: sid(i),
              at: t,
              ...(parent !== undefined && stated[i] ? { parentSpanId: parent } : {}),
            });
          }),
        );
        parents.forEach((p, i) => {
          if (p !== undefined && !stated[i])
            infer(set, { [sid(i)]: p === n ? "f".repeat(16) : sid(p) });
        });
        const t = assembleTrace(set);
        expect(t.spans.map((s) => s.spanId).sort()).toEqual(starts.map((_, i) => sid(i)).sort());
        const pos = new Map(t.spans.map((s, i) => [s.spanId, i]));
        for (const s of t.spans) {
          const p = s.parentSpanId === undefined ? undefined : pos.get(s.parentSpanId);
          if (p === undefined || s.parentSpanId === s.spanId) {
            expect(t.depth.get(s.spanId)).toBe(0);
            continue;
          }
          expect(p).toBeLessThan(pos.get(s.spanId)!);
          expect(t.depth.get(s.spanId)).toBe(t.depth.get(s.parentSpanId!)! + 1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
