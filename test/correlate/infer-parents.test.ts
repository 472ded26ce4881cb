// Parent inference for spans whose records name no parent: the call model learned from all traces (who
// calls whom, which first lines open a service's work, which lines announce a call), the root chosen,
// and the parent picked for each span (README "How spans are rebuilt").
import { describe, expect, it } from "vitest";
import {
  type CallModel,
  inferParents,
  learnCallModel,
  rootOf,
  messageTemplate as template,
} from "../../src/correlate/infer-parents.js";
import { type SpanSet, SpanBuilder } from "../../src/correlate/spans.js";
import { facts, hex, rec } from "./records.js";

/** A span of a test trace: its service and its lines as [ms, message]. */
interface SpanSpec {
  service: string;
  lines: [number, string][];
  parent?: string;
}

let traces = 0;

/** One finished trace of log-only spans, named by the keys of `spans` (the span ids are made up). */
function trace(spans: Record<string, SpanSpec>): { set: SpanSet; id: Record<string, string> } {
  const n = ++traces;
  const traceId = hex(n, 32);
  const id: Record<string, string> = {};
  Object.keys(spans).forEach((name, k) => (id[name] = hex(n * 256 + k + 1, 16)));
  const b = new SpanBuilder(traceId);
  for (const [name, s] of Object.entries(spans)) {
    for (const [ms, message] of s.lines) {
      b.add(
        rec({
          traceId,
          spanId: id[name]!,
          service: s.service,
          at: ms,
          message,
          ...(s.parent ? { parentSpanId: id[s.parent]! } : {}),
        }),
      );
    }
  }
  return { set: b.finish(), id };
}

/** span name → its parent's name ("-" for none), and whether the edge was inferred. */
function parents(t: { set: SpanSet; id: Record<string, string> }): Record<string, string> {
  const nameOf = new Map(Object.entries(t.id).map(([name, spanId]) => [spanId, name]));
  const out: Record<string, string> = {};
  for (const [name, spanId] of Object.entries(t.id)) {
    const s = t.set.spans.get(spanId)!;
    const parent = s.parentSpanId === undefined ? "-" : (nameOf.get(s.parentSpanId) ?? "?");
    out[name] = s.parentInferred ? `${parent} (inferred)` : parent;
  }
  return out;
}

const EMPTY: CallModel = learnCallModel([]);

/** A gateway whose internal span announces a call to the planner, while its root stays open. */
const announced = () =>
  trace({
    gw: {
      service: "gateway",
      lines: [
        [0, "request received"],
        [100, "request done"],
      ],
    },
    call: { service: "gateway", lines: [[10, "calling planner"]] },
    plan: {
      service: "planner",
      lines: [
        [12, "plan 7 started"],
        [50, "plan 7 ready"],
      ],
    },
  });

/** A planner that dispatches two jobs to a worker; the first job runs two internal steps. */
const dispatched = () =>
  trace({
    plan: {
      service: "planner",
      lines: [
        [0, "plan started"],
        [10, "dispatch job"],
        [40, "dispatch job"],
        [100, "plan done"],
      ],
    },
    job1: {
      service: "worker",
      lines: [
        [12, "job received"],
        [30, "job finished"],
      ],
    },
    step1: {
      service: "worker",
      lines: [
        [14, "step 1"],
        [16, "step 1 ok"],
      ],
    },
    step2: {
      service: "worker",
      lines: [
        [18, "step 2"],
        [20, "step 2 ok"],
      ],
    },
    job2: {
      service: "worker",
      lines: [
        [42, "job received"],
        [60, "job finished"],
      ],
    },
  });

describe("template", () => {
  it("masks numbers, long hex ids and quoted values, so lines of one statement compare equal", () => {
    expect(template('user "bob" took 230ms for 4bf92f3577b34da6')).toBe(
      template('user "alice" took 12ms for 00f067aa0ba902b7'),
    );
    expect(template("plan 7 started")).toBe("plan # started");
    expect(template("cache hit")).not.toBe(template("cache miss"));
  });
});

describe("learnCallModel", () => {
  it("learns who calls whom, which first lines open a service's work and which lines announce a call", () => {
    const model = learnCallModel([announced().set, announced().set, announced().set]);
    expect(model.calls.get("gateway")?.get("planner")).toBe(3);
    expect(model.calls.get("planner")).toBeUndefined();
    expect(model.entries.get("planner")?.get(template("plan 7 started"))).toEqual([3, 3]);
    // The trace's first span is not a call into its service; nor is internal work.
    expect(model.entries.get("gateway")?.get("request received")).toEqual([0, 3]);
    expect(model.entries.get("gateway")?.get("calling planner")).toEqual([0, 3]);
    expect(model.entryRates.get("planner")).toBe(1);
    expect(model.entryRates.get("gateway")).toBe(0);
    expect(model.announces.get("gateway")?.get("calling planner")).toEqual([3, 3]);
    expect(model.announces.get("gateway")?.get("request received")).toEqual([0, 3]);
  });

  it("learns nothing from traces with a single span", () => {
    const single = trace({ a: { service: "a", lines: [[0, "x"]] } });
    const model = learnCallModel([single.set]);
    expect([model.calls.size, model.entries.size, model.announces.size]).toEqual([0, 0, 0]);
  });
});

describe("rootOf", () => {
  it("picks the span whose lines cover the trace best, even when it logs its first line late", () => {
    const t = trace({
      early: {
        service: "gw",
        lines: [
          [0, "a"],
          [10, "b"],
        ],
      },
      root: {
        service: "gw",
        lines: [
          [5, "handling"],
          [100, "done"],
        ],
      },
      worker: {
        service: "worker",
        lines: [
          [20, "c"],
          [30, "d"],
        ],
      },
    });
    expect(rootOf(t.set)?.spanId).toBe(t.id.root);
  });

  it("prefers a measured span without a parent that logged lines of its own", () => {
    const traceId = hex(9999, 32);
    const b = new SpanBuilder(traceId);
    b.add(rec({ traceId, spanId: "1".repeat(16), service: "gw", at: 0, message: "long" }));
    b.add(rec({ traceId, spanId: "1".repeat(16), service: "gw", at: 100, message: "long" }));
    b.add(
      rec({ traceId, spanId: "2".repeat(16), service: "gw", span: facts({ start: 40, end: 50 }) }),
    );
    b.add(rec({ traceId, spanId: "2".repeat(16), service: "gw", at: 45, message: "inside" }));
    expect(rootOf(b.finish())?.spanId).toBe("2".repeat(16));
  });

  it("prefers a measured span without a parent even when it logged no line", () => {
    const { set, root } = exportedRootWithLoggedChild();
    expect(rootOf(set)?.spanId).toBe(root);
  });
});

/** A trace whose root span was exported by a service that logs nothing; a log-only span of another. */
function exportedRootWithLoggedChild(): { set: SpanSet; root: string; logged: string } {
  const traceId = hex(9998, 32);
  const root = "3".repeat(16);
  const logged = "4".repeat(16);
  const b = new SpanBuilder(traceId);
  b.add(
    rec({
      traceId,
      spanId: root,
      service: "api",
      span: facts({ name: "POST /run", start: 0, end: 100 }),
    }),
  );
  b.add(rec({ traceId, spanId: logged, service: "worker", at: 10, message: "job received" }));
  b.add(rec({ traceId, spanId: logged, service: "worker", at: 90, message: "job done" }));
  return { set: b.finish(), root, logged };
}

describe("inferParents", () => {
  it("makes sequential steps of one service siblings under the span that ran them", () => {
    const t = trace({
      run: {
        service: "agent",
        lines: [
          [0, "run started"],
          [100, "run finished"],
        ],
      },
      step1: {
        service: "agent",
        lines: [
          [10, "tool call"],
          [20, "tool done"],
        ],
      },
      step2: {
        service: "agent",
        lines: [
          [30, "tool call"],
          [40, "tool done"],
        ],
      },
      step3: {
        service: "agent",
        lines: [
          [50, "tool call"],
          [60, "tool done"],
        ],
      },
    });
    inferParents(t.set, learnCallModel([t.set]));
    expect(parents(t)).toEqual({
      run: "-",
      step1: "run (inferred)",
      step2: "run (inferred)",
      step3: "run (inferred)",
    });
  });

  // BUG? (src/correlate/infer-parents.ts `isOpenAt`, inclusive at both ends): with millisecond times, a
  // step that begins in the millisecond the previous step logged its last line counts that step as
  // "still open" and nests under it, so fast sequential steps become a chain (step3 under step2 under
  // step1) instead of siblings under the run. A judgement call — a caller whose last line is the call
  // itself looks the same — but README's rule is the innermost span *still open*, and here the earlier
  // step's last line is its end.
  it.fails(
    "keeps sequential steps siblings when one begins in the millisecond the previous ended",
    () => {
      const t = trace({
        run: {
          service: "agent",
          lines: [
            [0, "run started"],
            [100, "run finished"],
          ],
        },
        step1: {
          service: "agent",
          lines: [
            [10, "tool call"],
            [20, "tool done"],
          ],
        },
        step2: {
          service: "agent",
          lines: [
            [20, "tool call"],
            [30, "tool done"],
          ],
        },
        step3: {
          service: "agent",
          lines: [
            [30, "tool call"],
            [40, "tool done"],
          ],
        },
      });
      inferParents(t.set, learnCallModel([t.set]));
      expect(parents(t)).toEqual({
        run: "-",
        step1: "run (inferred)",
        step2: "run (inferred)",
        step3: "run (inferred)",
      });
    },
  );

  it("puts internal work under the innermost span of its service still open", () => {
    const t = trace({
      run: {
        service: "agent",
        lines: [
          [0, "run started"],
          [100, "run finished"],
        ],
      },
      step: {
        service: "agent",
        lines: [
          [10, "tool call"],
          [60, "tool done"],
        ],
      },
      inner: {
        service: "agent",
        lines: [
          [20, "retry"],
          [30, "retry ok"],
        ],
      },
      after: {
        service: "agent",
        lines: [
          [70, "summarize"],
          [80, "summarized"],
        ],
      },
    });
    inferParents(t.set, EMPTY);
    expect(parents(t)).toEqual({
      run: "-",
      step: "run (inferred)",
      inner: "step (inferred)",
      after: "run (inferred)",
    });
  });

  // Known limitation of the scored choice: a one-line span that announced the call weighs less than the
  // span that contains the work (few calls in the development systems are announced by a span of their own).
  it.fails("puts work entering a service under the caller's span that announced the call", () => {
    const model = learnCallModel([announced().set, announced().set, announced().set]);
    const t = announced();
    inferParents(t.set, model);
    expect(parents(t)).toEqual({ gw: "-", call: "gw (inferred)", plan: "call (inferred)" });
  });

  it("without a learned announcement, puts it under the caller's latest active span", () => {
    const t = announced();
    inferParents(t.set, EMPTY);
    expect(parents(t)).toEqual({ gw: "-", call: "gw (inferred)", plan: "gw (inferred)" });
  });

  it("tells a second call into a service (a learned entry line) from internal work", () => {
    const model = learnCallModel([dispatched().set, dispatched().set, dispatched().set]);
    const t = dispatched();
    inferParents(t.set, model);
    expect(parents(t)).toEqual({
      plan: "-",
      job1: "plan (inferred)",
      step1: "job1 (inferred)",
      step2: "job1 (inferred)",
      job2: "plan (inferred)",
    });
    // Even without a learned model: the first job finished before the second began, the plan contains it.
    const blind = dispatched();
    inferParents(blind.set, EMPTY);
    expect(parents(blind).job2).toBe("plan (inferred)");
  });

  it("gives each inferred parent the model's probability: 1 with no other candidate, less when others compete", () => {
    const pair = trace({
      plan: {
        service: "planner",
        lines: [
          [0, "plan started"],
          [50, "plan done"],
        ],
      },
      job: { service: "worker", lines: [[10, "job received"]] },
    });
    inferParents(pair.set, EMPTY);
    expect(pair.set.spans.get(pair.id.job!)!.parentConfidence).toBe(1);
    const t = dispatched();
    inferParents(t.set, learnCallModel([dispatched().set, dispatched().set]));
    const confidence = (name: string): number | undefined =>
      t.set.spans.get(t.id[name]!)!.parentConfidence;
    expect(confidence("plan")).toBeUndefined();
    for (const name of ["job1", "step1", "step2", "job2"]) {
      expect(confidence(name)).toBeGreaterThan(0);
      expect(confidence(name)).toBeLessThan(1);
    }
  });

  it("puts work of the root's service logged before the root's first line under the root", () => {
    const t = trace({
      root: {
        service: "gw",
        lines: [
          [30, "handling"],
          [1000, "done"],
        ],
      },
      before: {
        service: "gw",
        lines: [
          [0, "auth"],
          [20, "auth ok"],
        ],
      },
    });
    inferParents(t.set, EMPTY);
    expect(parents(t)).toEqual({ root: "-", before: "root (inferred)" });
  });

  it("keeps stated parents and changes nothing when every span has one", () => {
    const t = trace({
      a: {
        service: "gw",
        lines: [
          [0, "x"],
          [50, "y"],
        ],
        parent: "b",
      },
      b: {
        service: "gw",
        lines: [
          [10, "x"],
          [20, "y"],
        ],
        parent: "a",
      },
    });
    inferParents(t.set, EMPTY);
    expect(parents(t)).toEqual({ a: "b", b: "a" });
    const u = trace({
      root: {
        service: "gw",
        lines: [
          [0, "x"],
          [50, "y"],
        ],
      },
      child: { service: "db", lines: [[10, "q"]], parent: "root" },
      other: { service: "cache", lines: [[20, "q"]] },
    });
    inferParents(u.set, EMPTY);
    expect(parents(u)).toEqual({ root: "-", child: "root", other: "root (inferred)" });
  });

  it("hangs a log-only span under the exported root that logged no line", () => {
    const { set, root, logged } = exportedRootWithLoggedChild();
    inferParents(set, EMPTY);
    expect(set.spans.get(logged)).toMatchObject({ parentSpanId: root, parentInferred: true });
  });
});
