// TraceCore: records placed in open traces by their ids as they arrive — trace ids, Datadog lower-64
// ids joined to their 128-bit trace, run ids without a trace id, merges and traces taken out.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TraceCore } from "../../src/correlate/core.js";
import type { LogRecord } from "../../src/model.js";
import { facts, rec, builderRecords } from "./records.js";

const T1 = "4bf92f3577b34da6a3ce929d0e0e4736";
const T2 = "0af7651916cd43dd8448eb211c80319c";
const low = (id: string): string => `0000000000000000${id.slice(16)}`;
const S1 = "00f067aa0ba902b7";
const S2 = "b7ad6b7169203331";
// LangChain run ids (UUIDs), parent above child.
const RUN_TOP = "1f0b7c2e-5a4d-4e8b-9c3a-2d6e8f0a1b2c";
const RUN_MID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const RUN_LEAF = "a8098c1a-f86e-11da-bd1a-00112444be1e";

function recordsOf(core: TraceCore, traceId: string): LogRecord[] {
  const b = core.builderIfOpen(traceId);
  return b ? builderRecords(b) : [];
}

function openIds(core: TraceCore): string[] {
  return [...core.open()].map(([id]) => id);
}

describe("TraceCore: trace ids", () => {
  it("puts the records of one trace id into one builder, one span per span id", () => {
    const core = new TraceCore();
    const rs = [
      rec({ traceId: T1, spanId: S1, at: 0 }),
      rec({ traceId: T1, spanId: S2, at: 1 }),
      rec({ traceId: T1, spanId: S1, at: 2 }),
      rec({ traceId: T1, at: 3 }),
    ];
    expect(rs.map((r) => core.add(r))).toEqual([T1, T1, T1, T1]);
    expect(core.openCount).toBe(1);
    const builder = core.builderIfOpen(T1)!;
    expect([...builder.spans.keys()]).toEqual([S1, S2]);
    expect(builder.spans.get(S1)!.records).toEqual([rs[0], rs[2]]);
    expect(builder.loose).toEqual([rs[3]]);
  });

  it("places nothing for a record without any id", () => {
    const core = new TraceCore();
    const r = rec({ at: 0, service: "a" });
    expect(core.add(r)).toBeUndefined();
    expect(core.openCount).toBe(0);
    expect(core.traceOf(r)).toBeUndefined();
  });

  it("keeps traces apart and lists them oldest first, with the caller's clock", () => {
    const core = new TraceCore();
    core.add(rec({ traceId: T2, spanId: S1 }), 10);
    core.add(rec({ traceId: T1, spanId: S2 }), 20);
    core.add(rec({ traceId: T2, spanId: S1 }), 30);
    expect(openIds(core)).toEqual([T2, T1]);
    const t2 = [...core.open()][0]![1];
    expect([t2.firstSeen, t2.lastSeen]).toEqual([10, 30]);
  });

  it("notes span exports, and the root's (no parent) as the trace's end", () => {
    const core = new TraceCore();
    core.add(rec({ traceId: T1, spanId: S2, at: 5 }));
    const t = [...core.open()][0]![1];
    expect([t.exported, t.rootEnded]).toEqual([false, false]);
    core.add(rec({ traceId: T1, spanId: S2, parentSpanId: S1, span: facts({ start: 1, end: 9 }) }));
    expect([t.exported, t.rootEnded]).toEqual([true, false]);
    core.add(rec({ traceId: T1, spanId: S1, span: facts({ start: 0, end: 10 }) }));
    expect([t.exported, t.rootEnded]).toEqual([true, true]);
  });

  it("only reserves the place of a record whose service is not named yet", () => {
    const core = new TraceCore();
    const unnamed = rec({ traceId: T1, spanId: S1, at: 0 });
    core.add(unnamed, 0, false);
    core.add(rec({ traceId: T1, spanId: S2, at: 1, service: "b" }));
    const builder = core.builderIfOpen(T1)!;
    expect([...builder.spans.keys()]).toEqual([S1, S2]);
    expect(builder.spans.get(S1)!.records).toEqual([]);
    builder.nameReserved((r) => ({ ...r, service: "a" }));
    expect(builder.spans.get(S1)!.records.map((r) => r.service)).toEqual(["a"]);
  });
});

describe("TraceCore: Datadog lower-64 ids", () => {
  it("folds a lower-64 trace seen first into its 128-bit trace when that comes", () => {
    const core = new TraceCore();
    const a = rec({ traceId: low(T1), spanId: S1, at: 0 });
    const b = rec({ traceId: T1, spanId: S2, at: 1 });
    expect(core.add(a, 5)).toBe(low(T1));
    expect(core.add(b, 9)).toBe(T1);
    expect(openIds(core)).toEqual([T1]);
    expect(core.builderIfOpen(low(T1))).toBeUndefined();
    expect(recordsOf(core, T1)).toEqual([a, b]);
    expect(core.traceOfId(low(T1))).toBe(T1);
    expect(core.traceOf(a)).toBe(T1);
    // The merged trace was open since its first (lower-64) record.
    const t = [...core.open()][0]![1];
    expect([t.firstSeen, t.lastSeen]).toEqual([5, 9]);
  });

  it("places a lower-64 record that comes after its 128-bit trace in that trace", () => {
    const core = new TraceCore();
    const a = rec({ traceId: T1, spanId: S1, at: 0 });
    const b = rec({ traceId: low(T1), spanId: S2, at: 1 });
    core.add(a);
    expect(core.add(b)).toBe(T1);
    expect(openIds(core)).toEqual([T1]);
    expect(recordsOf(core, T1)).toEqual([a, b]);
    expect(core.traceOfId(low(T1))).toBe(T1);
  });

  it("leaves a lower-64 trace alone when no 128-bit id shares its lower half", () => {
    const core = new TraceCore();
    core.add(rec({ traceId: low(T1), spanId: S1 }));
    core.add(rec({ traceId: T2, spanId: S2 }));
    expect(openIds(core).sort()).toEqual([low(T1), T2].sort());
    expect(core.traceOfId(low(T1))).toBe(low(T1));
  });

  it("forgets the 128-bit id once its trace is taken: a late lower-64 record opens its own", () => {
    const core = new TraceCore();
    core.add(rec({ traceId: T1, spanId: S1 }));
    core.take(T1);
    expect(core.traceOfId(low(T1))).toBe(low(T1));
    expect(core.add(rec({ traceId: low(T1), spanId: S2 }))).toBe(low(T1));
    expect(openIds(core)).toEqual([low(T1)]);
  });
});

describe("TraceCore: run ids without a trace id", () => {
  it("places a run in the trace of the top run when parents come first", () => {
    const core = new TraceCore();
    const rs = [
      rec({ spanId: RUN_TOP, at: 0 }),
      rec({ spanId: RUN_MID, parentSpanId: RUN_TOP, at: 1 }),
      rec({ spanId: RUN_LEAF, parentSpanId: RUN_MID, at: 2 }),
    ];
    for (const r of rs) core.add(r);
    expect(openIds(core)).toEqual([RUN_TOP]);
    expect(rs.map((r) => core.traceOf(r))).toEqual([RUN_TOP, RUN_TOP, RUN_TOP]);
  });

  it("ends runs that arrive in any order in one trace", () => {
    const core = new TraceCore();
    const rs = [
      rec({ spanId: RUN_LEAF, parentSpanId: RUN_MID, at: 2 }),
      rec({ spanId: RUN_TOP, at: 0 }),
      rec({ spanId: RUN_MID, parentSpanId: RUN_TOP, at: 1 }),
    ];
    for (const r of rs) core.add(r);
    expect(core.openCount).toBe(1);
    expect(openIds(core)).toEqual([RUN_TOP]);
    expect(recordsOf(core, RUN_TOP)).toHaveLength(3);
    // traceOf follows the merge of the leaf's first trace into the top run's.
    expect(rs.map((r) => core.traceOf(r))).toEqual([RUN_TOP, RUN_TOP, RUN_TOP]);
  });

  it("ends runs exported children first (as LangChain ends them) in one trace", () => {
    const core = new TraceCore();
    const rs = [
      rec({ spanId: RUN_LEAF, parentSpanId: RUN_MID, at: 2 }),
      rec({ spanId: RUN_MID, parentSpanId: RUN_TOP, at: 1 }),
      rec({ spanId: RUN_TOP, at: 0 }),
    ];
    for (const r of rs) core.add(r);
    expect(core.openCount).toBe(1);
    const [id] = openIds(core);
    expect(recordsOf(core, id!)).toHaveLength(3);
    expect(new Set(rs.map((r) => core.traceOf(r)))).toEqual(new Set([id]));
  });

  it("keys runs exported children first by their top run", () => {
    const core = new TraceCore();
    const rs = [
      rec({ spanId: RUN_LEAF, parentSpanId: RUN_MID, at: 2 }),
      rec({ spanId: RUN_MID, parentSpanId: RUN_TOP, at: 1 }),
      rec({ spanId: RUN_TOP, at: 0 }),
    ];
    for (const r of rs) core.add(r);
    expect(openIds(core)).toEqual([RUN_TOP]);
  });

  it("pads a run id shorter than a trace id to 32 digits for the trace it opens", () => {
    const core = new TraceCore();
    expect(core.add(rec({ spanId: S1 }))).toBe(S1.padStart(32, "0"));
  });

  it("places a run whose parent span belongs to a trace with an id in that trace", () => {
    const core = new TraceCore();
    core.add(rec({ traceId: T1, spanId: S1, at: 0 }));
    const run = rec({ spanId: RUN_LEAF, parentSpanId: S1, at: 1 });
    expect(core.add(run)).toBe(T1);
    expect(core.traceOf(run)).toBe(T1);
    expect(openIds(core)).toEqual([T1]);
  });

  it("folds runs seen first into the trace with an id that their span turns out to belong to", () => {
    const core = new TraceCore();
    const run = rec({ spanId: RUN_LEAF, parentSpanId: S1, at: 1 });
    const child = rec({ spanId: RUN_MID, parentSpanId: RUN_LEAF, at: 2 });
    core.add(run);
    core.add(child);
    expect(core.openCount).toBe(1);
    core.add(rec({ traceId: T1, spanId: S1, at: 0 }));
    expect(openIds(core)).toEqual([T1]);
    expect(recordsOf(core, T1)).toHaveLength(3);
    expect(core.traceOf(run)).toBe(T1);
    expect(core.traceOf(child)).toBe(T1);
    expect(core.open().next().value![1].runs).toEqual([run, child]);
  });

  it("lets a run that links a trace with an id and a trace of runs join them in the former", () => {
    const core = new TraceCore();
    core.add(rec({ traceId: T1, spanId: S1, at: 0 }));
    // A run under RUN_TOP, not yet known to belong anywhere: its own trace of runs.
    const loose = rec({ spanId: RUN_LEAF, parentSpanId: RUN_TOP, at: 2 });
    core.add(loose);
    expect(core.openCount).toBe(2);
    // RUN_TOP turns out to run under span S1 of T1.
    core.add(rec({ spanId: RUN_TOP, parentSpanId: S1, at: 1 }));
    expect(openIds(core)).toEqual([T1]);
    expect(core.traceOf(loose)).toBe(T1);
  });
});

describe("TraceCore: merge and take", () => {
  it("merge folds one open trace into another and remembers where it went", () => {
    const core = new TraceCore();
    const a = rec({ traceId: T1, spanId: S1 });
    const b = rec({ traceId: T2, spanId: S2 });
    core.add(a, 1);
    core.add(b, 2);
    core.merge(T2, T1);
    expect(openIds(core)).toEqual([T1]);
    expect(core.builderIfOpen(T2)).toBeUndefined();
    expect(recordsOf(core, T1)).toEqual([a, b]);
    expect(core.traceOfId(T2)).toBe(T1);
    expect(core.traceOf(b)).toBe(T1);
    // A late record of the merged trace goes where the trace went.
    expect(core.add(rec({ traceId: T2, spanId: S2 }), 3)).toBe(T1);
    expect(core.openCount).toBe(1);
    const t = core.open().next().value![1];
    expect([t.firstSeen, t.lastSeen]).toEqual([1, 3]);
  });

  it("merge follows chains of merges and ignores traces that are not open", () => {
    const core = new TraceCore();
    const T3 = "b5d4deb0106befd241657fe4a64039ff";
    for (const id of [T1, T2, T3]) core.add(rec({ traceId: id, spanId: S1 }));
    core.merge(T3, T2);
    core.merge(T2, T1);
    expect(core.traceOfId(T3)).toBe(T1);
    core.merge(T3, T1);
    core.merge(T1, "f".repeat(32));
    core.merge(T1, T1);
    expect(openIds(core)).toEqual([T1]);
  });

  it("reports a lower-64 record where its trace went when a run record links two traces", () => {
    const core = new TraceCore();
    core.add(rec({ traceId: T1, spanId: S1 }));
    core.add(rec({ traceId: T2 }));
    const lower = rec({ traceId: low(T2), spanId: S2 });
    core.add(lower);
    // A record without trace id whose span is in T2 and whose parent is in T1: T2 is folded into T1.
    core.add(rec({ spanId: S2, parentSpanId: S1 }));
    expect(openIds(core)).toEqual([T1]);
    expect(recordsOf(core, T1)).toContain(lower);
    expect(core.traceOf(lower)).toBe(T1);
  });

  it("sends a lower-64 id to where its 128-bit trace was merged", () => {
    const core = new TraceCore();
    core.add(rec({ traceId: T1, spanId: S1 }));
    core.add(rec({ traceId: T2, spanId: S2 }));
    core.merge(T1, T2);
    expect(core.traceOfId(low(T1))).toBe(T2);
    core.add(rec({ traceId: low(T1), spanId: S1 }));
    expect(openIds(core)).toEqual([T2]);
  });

  it("take hands the trace out and forgets it: its spans no longer place runs", () => {
    const core = new TraceCore();
    const run = rec({ spanId: RUN_LEAF, parentSpanId: S1 });
    core.add(run);
    core.add(rec({ traceId: T1, spanId: S1 }));
    const taken = core.take(T1)!;
    expect(builderRecords(taken.builder)).toHaveLength(2);
    expect(core.openCount).toBe(0);
    expect(core.take(T1)).toBeUndefined();
    expect(core.builderIfOpen(T1)).toBeUndefined();
    expect(core.traceOf(run)).toBeUndefined();
    // A later run under S1 opens a trace of its own rather than reviving T1.
    const late = rec({ spanId: RUN_MID, parentSpanId: S1 });
    expect(core.add(late)).toBe(S1.padStart(32, "0"));
  });

  it("traceOf names the trace a late run record reopened after its merge and take", () => {
    const core = new TraceCore();
    core.add(rec({ spanId: RUN_TOP }));
    core.add(rec({ traceId: T1, spanId: RUN_TOP }));
    expect(openIds(core)).toEqual([T1]);
    core.take(T1);
    const late = rec({ spanId: RUN_TOP });
    const id = core.add(late);
    expect(core.builderIfOpen(id!)).toBeDefined();
    expect(core.traceOf(late)).toBe(id);
  });

  it("builderOf opens a trace no id named, and add then finds it", () => {
    const core = new TraceCore();
    const op = "9".repeat(32);
    const builder = core.builderOf(op, 7);
    expect(core.builderIfOpen(op)).toBe(builder);
    expect(core.open().next().value![1].firstSeen).toBe(7);
    expect(core.add(rec({ traceId: op, spanId: S1 }))).toBe(op);
    expect(builderRecords(builder)).toHaveLength(1);
  });
});

// ─── property: records with trace ids, in any order, some ids in their lower-64 form ────────────

const fullId = fc
  .tuple(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([hi, lo]) => `${hi.toString(16).padStart(16, "0")}${lo.toString(16).padStart(16, "0")}`);

const input = fc
  .uniqueArray(fullId, { minLength: 1, maxLength: 5, selector: (id) => id.slice(16) })
  .chain((ids) =>
    fc
      .array(
        fc.record({
          trace: fc.nat({ max: ids.length - 1 }),
          lower64: fc.boolean(),
          span: fc.nat({ max: 3 }),
          now: fc.nat({ max: 1000 }),
        }),
        { minLength: 1, maxLength: 40 },
      )
      .map((specs) => ({ ids, specs })),
  );

describe("TraceCore (property)", () => {
  it("puts every record in exactly one open trace; an id and its lower-64 form end as one", () => {
    fc.assert(
      fc.property(input, ({ ids, specs }) => {
        const core = new TraceCore();
        const records = specs.map((s) => {
          const id = ids[s.trace]!;
          return rec({ traceId: s.lower64 ? low(id) : id, spanId: `${s.span}`.padStart(16, "a") });
        });
        records.forEach((r, i) => core.add(r, specs[i]!.now));
        const seen = new Map<LogRecord, string>();
        for (const [id, t] of core.open())
          for (const r of builderRecords(t.builder)) {
            expect(seen.has(r)).toBe(false);
            seen.set(r, id);
          }
        expect(seen.size).toBe(records.length);
        // Each 128-bit id written anywhere names the trace of all its records, lower-64 forms too.
        for (const [k, r] of records.entries()) {
          const id = ids[specs[k]!.trace]!;
          const fullSeen = specs.some((s) => s.trace === specs[k]!.trace && !s.lower64);
          const expected = fullSeen ? id : low(id);
          expect(seen.get(r)).toBe(expected);
          expect(core.traceOf(r)).toBe(expected);
        }
        expect(core.openCount).toBe(new Set(specs.map((s) => s.trace)).size);
      }),
      { numRuns: 300 },
    );
  });
});
