// attachByTime (`--attach-by-time`): a record with no id joins the operation its own lane (source,
// service, process/thread) was working on — when the lane's records just before and after it agree,
// and only on a lane that runs one operation at a time (a thread), never on an event loop.
import { describe, expect, it } from "vitest";
import { attachByTime } from "../../../src/correlate/join/attach.js";
import { SpanBuilder } from "../../../src/correlate/spans.js";
import type { LogRecord } from "../../../src/model.js";
import { facts, hex, rec, type Spec } from "../records.js";

const OP_A = hex(0xa, 32);
const OP_B = hex(0xb, 32);
const OP_C = hex(0xc, 32);
const SPAN = { [OP_A]: hex(0xa1, 16), [OP_B]: hex(0xb1, 16), [OP_C]: hex(0xc1, 16) };

/** A line of the worker's main thread. */
const onLane = (spec: Spec): LogRecord =>
  rec({ source: "worker.log", service: "worker", lane: "4242/main", ...spec });

/** Operations made of the lane's records at the given times, each in a span of its own. */
function groups(ops: Record<string, number[]>, lane: Partial<Spec> = {}): Map<string, SpanBuilder> {
  const out = new Map<string, SpanBuilder>();
  for (const [traceId, times] of Object.entries(ops)) {
    const b = new SpanBuilder(traceId);
    for (const t of times) b.add(onLane({ traceId, spanId: SPAN[traceId]!, at: t, ...lane }));
    out.set(traceId, b);
  }
  return out;
}

/** Where each unmatched record went: its trace, or "-". */
function owners(g: Map<string, SpanBuilder>, unmatched: LogRecord[]): string[] {
  const placed = new Map(attachByTime(g, unmatched).map((p) => [p.record, p]));
  return unmatched.map((r) => placed.get(r)?.traceId ?? "-");
}

describe("attachByTime", () => {
  it("attaches a record to the operation its thread was working on, in that operation's span", () => {
    const g = groups({ [OP_A]: [0, 10, 20], [OP_B]: [30, 40, 50] });
    const inA = onLane({ at: 15, message: "cache warm" });
    const inB = onLane({ at: 45 });
    const between = onLane({ at: 25 });
    const before = onLane({ at: -5 });
    const after = onLane({ at: 60 });
    expect(owners(g, [inA, inB, between, before, after])).toEqual([OP_A, OP_B, "-", "-", "-"]);
    const [p] = attachByTime(g, [inA]);
    expect(p).toEqual({ record: inA, traceId: OP_A, spanId: SPAN[OP_A], via: "time" });
  });

  it("accepts a thread of a pool that comes back to an operation after finishing another", () => {
    // B runs wholly inside A's range: one range inside the other, not crosswise.
    const g = groups({ [OP_A]: [0, 10, 60, 70], [OP_B]: [20, 30, 40] });
    expect(owners(g, [onLane({ at: 25 }), onLane({ at: 65 }), onLane({ at: 15 })])).toEqual([
      OP_B,
      OP_A,
      "-",
    ]);
  });

  it("attaches nothing on an event loop that runs operations crosswise", () => {
    // A starts, B starts, A ends, C starts, B ends, C ends: every operation overlaps the next.
    const g = groups({ [OP_A]: [0, 1, 2, 20], [OP_B]: [10, 30], [OP_C]: [25, 40, 41, 42] });
    // Even where both neighbours are of one operation, time says nothing here.
    expect(owners(g, [onLane({ at: 1.5 }), onLane({ at: 41.5 })])).toEqual(["-", "-"]);
  });

  it("never attaches across lanes: another thread, service or source", () => {
    const g = groups({ [OP_A]: [0, 10, 20] });
    expect(
      owners(g, [
        onLane({ at: 15, lane: "4242/worker-2" }),
        onLane({ at: 15, service: "planner" }),
        onLane({ at: 15, source: "other.log" }),
        onLane({ at: 15 }),
      ]),
    ).toEqual(["-", "-", "-", OP_A]);
  });

  it("ignores untimed records and span exports", () => {
    const g = groups({ [OP_A]: [0, 20] });
    // A span export of another operation inside A's range is not a line of the lane.
    const b = new SpanBuilder(OP_B);
    b.add(onLane({ traceId: OP_B, spanId: SPAN[OP_B]!, span: facts({ start: 5, end: 6 }), at: 5 }));
    g.set(OP_B, b);
    expect(owners(g, [onLane({}), onLane({ at: 10 })])).toEqual(["-", OP_A]);
  });

  it("attaches to a loose record's operation, with no span", () => {
    const b = new SpanBuilder(OP_A);
    b.add(onLane({ traceId: OP_A, at: 0 }));
    b.add(onLane({ traceId: OP_A, at: 20 }));
    const [p] = attachByTime(new Map([[OP_A, b]]), [onLane({ at: 10 })]);
    expect([p?.traceId, p?.spanId]).toEqual([OP_A, undefined]);
  });

  it("places nothing when there is nothing to place", () => {
    expect(attachByTime(groups({ [OP_A]: [0, 20] }), [])).toEqual([]);
  });
});
