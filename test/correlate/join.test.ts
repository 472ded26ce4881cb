// Unit tests of the heuristic join: which records become one operation by the business ids they share,
// which candidate keys it turns down, and how it repairs explicit traces whose propagation broke.
import { describe, expect, it } from "vitest";
import { type CorrelateSettings, Correlator } from "../../src/correlate/index.js";
import { joinRecords } from "../../src/correlate/join/index.js";
import type { LogRecord, RecordDraft } from "../../src/model.js";

const EPOCH = 1_795_000_000_000;

interface RecSpec {
  /** Milliseconds from the start of the run. */
  at: number;
  service: string;
  msg?: string;
  keys?: string[];
  source?: string;
  traceId?: string;
  spanId?: string;
  lane?: string;
  /** A label for the test: the operation the record truly belongs to. */
  op?: string;
}

/** A run of log records; lines count per source, as a file would. */
class Run {
  readonly records: RecordDraft[] = [];
  /** Truth: record → operation label. */
  readonly truth = new Map<LogRecord, string>();
  readonly #lines = new Map<string, number>();

  add(spec: RecSpec): RecordDraft {
    const source = spec.source ?? `${spec.service}.jsonl`;
    const line = (this.#lines.get(source) ?? 0) + 1;
    this.#lines.set(source, line);
    const r: RecordDraft = {
      source,
      line,
      time: { ms: EPOCH + spec.at, ns: 0, digits: 3 },
      level: "info",
      service: spec.service,
      message: spec.msg ?? "m",
    };
    // Written as `field=value` here; records hold them as a flat [field, value, …] list.
    if (spec.keys)
      r.keys = spec.keys.flatMap((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]);
    if (spec.traceId) r.traceId = spec.traceId;
    if (spec.spanId) r.spanId = spec.spanId;
    if (spec.traceId || spec.spanId) r.idSource = "trace_id";
    if (spec.lane) r.lane = spec.lane;
    if (spec.op) this.truth.set(r, spec.op);
    return r;
  }

  /** Records in time order, as merged input would arrive. */
  sorted(): RecordDraft[] {
    return [...this.records].sort((a, b) => a.time!.ms - b.time!.ms);
  }
}

function run(build: (r: Run) => void): Run {
  const r = new Run();
  const add = r.add.bind(r);
  r.add = (spec) => {
    const rec = add(spec);
    r.records.push(rec);
    return rec;
  };
  build(r);
  return r;
}

function correlate(records: LogRecord[], settings: CorrelateSettings = {}) {
  const c = new Correlator(settings);
  for (const r of records) c.add(r);
  return c.finish();
}

/** Where the output put a record: its trace, and the record as placed (with how it got there). */
function whereIs(
  out: ReturnType<typeof correlate>,
  rec: LogRecord,
): { traceId: string; placed: LogRecord } | undefined {
  for (const t of out.traces) {
    for (const placed of [...t.records, ...t.spans.flatMap((s) => s.records)])
      if (placed.source === rec.source && placed.line === rec.line)
        return { traceId: t.traceId, placed };
  }
  return undefined;
}

/** A line of an explicit trace that logs order ord_8f3k2a9x1 under `field`. */
const orderLine = (
  at: number,
  service: string,
  traceId: string,
  spanId: string,
  field = "order_id",
) => ({
  at,
  service,
  traceId,
  spanId,
  keys: [`${field}=ord_8f3k2a9x1`],
});

const noExplicitTraces = (): Set<string> => new Set();

/** Joins the run's records and writes where the join placed each into the test's own drafts. */
function joinInto(
  records: RecordDraft[],
  servicesOf: Parameters<typeof joinRecords>[1],
  settings?: Parameters<typeof joinRecords>[2],
) {
  const outcome = joinRecords(records, servicesOf, settings);
  for (const p of outcome.placed) {
    const draft = p.record as RecordDraft;
    draft.traceId = p.traceId;
    if (p.spanId) draft.spanId = p.spanId;
    draft.idSource = p.via;
  }
  return outcome;
}

/** Records grouped by the trace id the join gave them, as sets of truth labels. */
function groupsOf(run: Run): string[][] {
  const byTrace = new Map<string, Set<string>>();
  for (const r of run.records) {
    if (!r.traceId) continue;
    const set = byTrace.get(r.traceId) ?? new Set<string>();
    set.add(run.truth.get(r) ?? "?");
    byTrace.set(r.traceId, set);
  }
  return [...byTrace.values()].map((s) => [...s].sort()).sort();
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");
const reqId = (k: number): string => `req_${hex(0x8f3a2b00 + k * 7919, 8)}x${k}`;

/**
 * A gateway receives a request (request_id) for a user (user_id), hands it to a planner (requestId), which
 * makes a plan (plan_id) that a worker executes (planId). 24 requests overlap in time; 6 users each
 * sent 4 of them.
 */
function threeServiceRun(ops = 24, users = 6): Run {
  return run((r) => {
    for (let k = 0; k < ops; k++) {
      const t = k * 200;
      const op = `op${k}`;
      const req = reqId(k);
      const plan = 1000 + k;
      const user = `u${k % users}`;
      r.add({
        at: t,
        service: "gateway",
        op,
        msg: "request received",
        keys: [`request_id=${req}`, `user_id=${user}`],
      });
      r.add({
        at: t + 20,
        service: "planner",
        op,
        msg: "planning",
        keys: [`requestId=${req}`, `plan_id=${plan}`],
      });
      r.add({ at: t + 60, service: "worker", op, msg: "executing", keys: [`planId=${plan}`] });
      r.add({ at: t + 200, service: "worker", op, msg: "done", keys: [`planId=${plan}`] });
      r.add({
        at: t + 220,
        service: "planner",
        op,
        msg: "plan complete",
        keys: [`requestId=${req}`, `plan_id=${plan}`],
      });
      r.add({
        at: t + 250,
        service: "gateway",
        op,
        msg: "response sent",
        keys: [`request_id=${req}`, `user_id=${user}`],
      });
    }
  });
}

describe("joinRecords: interleaved operations across services", () => {
  it("groups every operation exactly and turns down the user id they share", () => {
    // A gateway, a planner and a worker log the same 24 overlapping requests under different field
    // names; the gateway also logs the user, and each of 6 users sent 4 requests.
    const r = threeServiceRun();
    const outcome = joinInto(r.sorted(), noExplicitTraces);
    expect(r.records.every((rec) => rec.traceId)).toBe(true);
    const groups = groupsOf(r);
    expect(groups).toHaveLength(24);
    for (const g of groups) expect(g).toHaveLength(1);
    // Each operation's six records, and only they, share one trace id.
    const sizes = new Map<string, number>();
    for (const rec of r.records) sizes.set(rec.traceId!, (sizes.get(rec.traceId!) ?? 0) + 1);
    expect([...sizes.values()].every((n) => n === 6)).toBe(true);
    expect(outcome.placed).toHaveLength(r.records.length);
    expect(outcome.traces.size).toBe(24);
    for (const entry of outcome.traces.values()) {
      expect(entry.explicit).toBe(false);
      expect(entry.joinKeys).not.toContain("user_id");
      expect(entry.joinKeys.sort()).toEqual(["plan_id", "request_id"]);
      // Each user's requests keep their value open for most of the run: a pool of users.
      const user = entry.rejected.find((k) => k.key === "user_id");
      expect(user?.reason).toMatch(/open for about \d+% of the input: a counter or a pool/);
    }
    expect(outcome.droppedFields.map((f) => f.field)).not.toContain("request_id");
    // Synthetic ids look like real ones.
    for (const rec of r.records) {
      expect(rec.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(rec.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(rec.idSource).toMatch(/^join:/);
    }
  });

  it.each([
    [2, 30],
    [1, 20],
  ])("turns down the user id when only %i user(s) sent the %i requests", (users, ops) => {
    // A test run where one or two developers sent every request: too few user values to learn from
    // how user ids pair with request ids, yet each user value spans many requests that each cross
    // services on their own.
    const r = threeServiceRun(ops, users);
    const outcome = joinInto(r.sorted(), noExplicitTraces);
    const groups = groupsOf(r);
    expect(groups).toHaveLength(ops);
    expect(groups.every((g) => g.length === 1)).toBe(true);
    for (const entry of outcome.traces.values()) {
      expect(entry.joinKeys).not.toContain("user_id");
      expect(entry.rejected.find((k) => k.key === "user_id")?.reason).toMatch(/request_id values/);
    }
  });

  it("drops the user id as a whole field when it bundles all the requests", () => {
    // One user behind 60 requests: their id is on 120 records, where a request's is on 4.
    const r = threeServiceRun(60, 1);
    const outcome = joinInto(r.sorted(), noExplicitTraces);
    expect(groupsOf(r)).toHaveLength(60);
    expect(outcome.droppedFields.map((f) => f.field)).toEqual(["user_id"]);
    expect(outcome.droppedFields[0]!.reason).toMatch(/bundle several whole operations/);
    for (const entry of outcome.traces.values())
      expect(entry.rejected.find((k) => k.key === "user_id")?.reason).toMatch(
        /spans 60 request_id values, each reaching all the services it does/,
      );
  });

  it("groups the same operations through the Correlator as heuristic traces", () => {
    const r = threeServiceRun();
    const { traces, unmatched, join } = correlate(r.sorted());
    expect(unmatched).toHaveLength(0);
    expect(traces).toHaveLength(24);
    for (const t of traces) {
      expect(t.correlation).toBe("heuristic");
      expect(t.services.sort()).toEqual(["gateway", "planner", "worker"]);
      expect(t.joinKeys?.sort()).toEqual(["plan_id", "request_id"]);
      const all = [...t.records, ...t.spans.flatMap((s) => s.records)];
      expect(all).toHaveLength(6);
      expect(new Set(all.map((rec) => r.truth.get(rec))).size).toBe(1);
    }
    expect(join?.windowMs).toBeGreaterThan(0);
  });
});

describe("joinRecords: ids that name more than one operation", () => {
  it("splits a task id re-submitted long after into two operations", () => {
    // A nightly job re-runs task `task_7f3k9a2b1` an hour after its first run; the same worker logs
    // ordinary short tasks in between, which set the usual pause within one operation.
    const r = run((r) => {
      for (let k = 0; k < 10; k++) {
        const t = 5_000 + k * 1_000;
        r.add({
          at: t,
          service: "worker",
          op: `t${k}`,
          keys: [`task_id=task_${hex(k, 4)}a9x${k}z`],
        });
        r.add({
          at: t + 150,
          service: "worker",
          op: `t${k}`,
          keys: [`task_id=task_${hex(k, 4)}a9x${k}z`],
        });
      }
      r.add({
        at: 0,
        service: "worker",
        op: "first",
        msg: "task started",
        keys: ["task_id=task_7f3k9a2b1"],
      });
      r.add({
        at: 300,
        service: "worker",
        op: "first",
        msg: "task done",
        keys: ["task_id=task_7f3k9a2b1"],
      });
      r.add({
        at: 3_600_000,
        service: "worker",
        op: "rerun",
        msg: "task started",
        keys: ["task_id=task_7f3k9a2b1"],
      });
      r.add({
        at: 3_600_250,
        service: "worker",
        op: "rerun",
        msg: "task done",
        keys: ["task_id=task_7f3k9a2b1"],
      });
    });
    const outcome = joinInto(r.sorted(), noExplicitTraces);
    expect(outcome.windowMs).toBeLessThan(3_600_000);
    const groups = groupsOf(r);
    expect(groups).toHaveLength(12);
    expect(groups.every((g) => g.length === 1)).toBe(true);
    expect(groups).toContainEqual(["first"]);
    expect(groups).toContainEqual(["rerun"]);
  });

  it("splits a re-submitted task id with an explicit window too", () => {
    const r = run((r) => {
      r.add({ at: 0, service: "worker", op: "first", keys: ["task_id=T-17"] });
      r.add({ at: 100, service: "worker", op: "first", keys: ["task_id=T-17"] });
      r.add({ at: 10_000, service: "worker", op: "again", keys: ["task_id=T-17"] });
      r.add({ at: 10_100, service: "worker", op: "again", keys: ["task_id=T-17"] });
    });
    joinInto(r.sorted(), noExplicitTraces, { windowMs: 5_000 });
    expect(groupsOf(r)).toEqual([["again"], ["first"]]);
  });

  it("does not merge two requests that submitted the same task id at the same moment", () => {
    // A client double-submits task T (two request ids, the same instant). Elsewhere each request
    // carries exactly one task and each task one request, so a task naming two requests is a duplicate.
    const r = run((r) => {
      for (let k = 0; k < 8; k++) {
        const t = k * 500;
        const req = reqId(k);
        const task = `tsk_${hex(k, 2)}9f3k2a${k}`;
        r.add({
          at: t,
          service: "api",
          op: `op${k}`,
          keys: [`request_id=${req}`, `task_id=${task}`],
        });
        r.add({
          at: t + 40,
          service: "worker",
          op: `op${k}`,
          keys: [`requestId=${req}`, `task_id=${task}`],
        });
        r.add({ at: t + 90, service: "api", op: `op${k}`, keys: [`request_id=${req}`] });
      }
      const a = reqId(100);
      const b = reqId(101);
      const task = "tsk_dup9f3k2a7";
      r.add({
        at: 6_000,
        service: "api",
        op: "dupA",
        keys: [`request_id=${a}`, `task_id=${task}`],
      });
      r.add({
        at: 6_000,
        service: "api",
        op: "dupB",
        keys: [`request_id=${b}`, `task_id=${task}`],
      });
      r.add({
        at: 6_040,
        service: "worker",
        op: "dupA",
        keys: [`requestId=${a}`, `task_id=${task}`],
      });
      r.add({
        at: 6_041,
        service: "worker",
        op: "dupB",
        keys: [`requestId=${b}`, `task_id=${task}`],
      });
      r.add({ at: 6_090, service: "api", op: "dupA", keys: [`request_id=${a}`] });
      r.add({ at: 6_091, service: "api", op: "dupB", keys: [`request_id=${b}`] });
    });
    const outcome = joinInto(r.sorted(), noExplicitTraces);
    const groups = groupsOf(r);
    expect(groups).toHaveLength(10);
    expect(groups.every((g) => g.length === 1)).toBe(true);
    const dup = [...outcome.traces.values()].flatMap((t) => t.rejected);
    expect(dup.find((k) => k.value === "tsk_dup9f3k2a7")?.reason).toMatch(/retry or a duplicate/);
  });

  it("does not use a session id that spans several operations", () => {
    // A web tier logs the session with every request; each request crosses to the backend on its own
    // request id. Six sessions made three requests each, seconds apart.
    const r = run((r) => {
      let k = 0;
      for (let s = 0; s < 6; s++) {
        const session = `sess_${hex(s, 2)}k2a9x1q`;
        for (let q = 0; q < 3; q++, k++) {
          const t = s * 700 + q * 3_000;
          const req = reqId(k);
          const op = `s${s}q${q}`;
          r.add({
            at: t,
            service: "web",
            op,
            keys: [`session_id=${session}`, `request_id=${req}`],
          });
          r.add({ at: t + 30, service: "backend", op, keys: [`request_id=${req}`] });
          r.add({ at: t + 120, service: "backend", op, keys: [`request_id=${req}`] });
          r.add({
            at: t + 150,
            service: "web",
            op,
            keys: [`session_id=${session}`, `request_id=${req}`],
          });
        }
      }
    });
    const outcome = joinInto(r.sorted(), noExplicitTraces);
    const groups = groupsOf(r);
    expect(groups).toHaveLength(18);
    expect(groups.every((g) => g.length === 1)).toBe(true);
    for (const t of outcome.traces.values()) {
      expect(t.joinKeys).toEqual(["request_id"]);
      expect(t.rejected.map((k) => k.key)).toContain("session_id");
    }
  });
});

describe("joinRecords: --join-keys and --ignore-keys", () => {
  /** Orders (order_id) checked out by users (user_id, a coarse key) with a request id per call. */
  function orders(): Run {
    return run((r) => {
      for (let k = 0; k < 12; k++) {
        const t = k * 300;
        const op = `o${k}`;
        const order = `ord_${hex(k, 2)}8f3k2a9`;
        const user = `u${k % 2}`;
        r.add({
          at: t,
          service: "shop",
          op,
          keys: [`order_id=${order}`, `user_id=${user}`, `request_id=r${k}a`],
        });
        r.add({ at: t + 50, service: "shop", op, keys: [`request_id=r${k}a`] });
        r.add({ at: t + 80, service: "billing", op, keys: [`orderId=${order}`] });
        r.add({ at: t + 90, service: "billing", op, keys: [`orderId=${order}`] });
      }
    });
  }

  it("joins on the given fields only, taken as given", () => {
    // `--join-keys order_id`: the request id no longer ties the shop's second line to its order.
    const r = orders();
    const outcome = joinInto(r.sorted(), noExplicitTraces, { keys: ["order_id"] });
    for (const entry of outcome.traces.values()) expect(entry.joinKeys).toEqual(["order_id"]);
    // The shop's second line of each order, which holds only its request id, stays unplaced.
    const unplaced = r.records.filter((rec) => !rec.traceId);
    expect(unplaced).toHaveLength(12);
    expect(unplaced.every((rec) => rec.service === "shop" && rec.line % 2 === 0)).toBe(true);
    // orderId (billing) is in the order_id family.
    expect(groupsOf(r)).toHaveLength(12);
    expect(groupsOf(r).every((g) => g.length === 1)).toBe(true);
  });

  it("takes a given field even when learning would turn it down", () => {
    // `--join-keys user_id`: the user asked for whole user sessions.
    const r = orders();
    const outcome = joinInto(r.sorted(), noExplicitTraces, { keys: ["user_id"] });
    expect(outcome.droppedFields).toEqual([]);
    const groups = groupsOf(r);
    expect(groups).toHaveLength(2);
    expect(groups.map((g) => g.length)).toEqual([6, 6]);
  });

  it("never uses an ignored field (nor its other spellings)", () => {
    // `--ignore-keys order_id`: orderId goes too, so billing's lines stay apart from the shop's.
    const r = orders();
    const outcome = joinInto(r.sorted(), noExplicitTraces, { ignore: ["order_id"] });
    for (const entry of outcome.traces.values()) expect(entry.joinKeys).not.toContain("order_id");
    for (const rec of r.records) {
      if (rec.service === "billing") expect(rec.traceId).toBeUndefined();
      else expect(rec.traceId).toBeDefined();
    }
    expect(groupsOf(r).every((g) => g.length === 1)).toBe(true);
  });
});

describe("Correlator: explicit traces and the join", () => {
  const T1 = "4bf92f3577b34da6a3ce929d0e0e4736";
  const T2 = "5cf92f3577b34da6a3ce929d0e0e4737";
  const S1 = "00f067aa0ba902b7";
  const S2 = "00f067aa0ba902b8";

  it("merges a downstream trace that lost the upstream context, with a propagation-break finding", () => {
    // The checkout service calls billing through a queue that drops traceparent: billing starts trace
    // T2 of its own, but both log the order id.
    const r = run((r) => {
      r.add(orderLine(0, "checkout", T1, S1));
      r.add({ at: 10, service: "checkout", traceId: T1, spanId: S1, msg: "enqueued" });
      r.add(orderLine(50, "billing", T2, S2, "orderId"));
      r.add({ at: 80, service: "billing", traceId: T2, spanId: S2, msg: "charged" });
    });
    const { traces, join } = correlate(r.sorted());
    expect(join?.merges.get(T2)).toEqual({ into: T1, callerSpanId: S1 });
    expect(traces).toHaveLength(1);
    const t = traces[0]!;
    expect(t.traceId).toBe(T1);
    expect(t.services.sort()).toEqual(["billing", "checkout"]);
    expect(t.correlation).toBe("mixed");
    const brk = t.contextBreaks?.find((b) => b.downstreamTraceId === T2);
    expect(brk).toMatchObject({
      services: ["checkout", "billing"],
      key: "order_id",
      value: "ord_8f3k2a9x1",
    });
    // Billing's root now hangs under the checkout span that shares the order id.
    const billing = t.spans.find((s) => s.spanId === S2);
    expect(billing?.parentSpanId).toBe(S1);
    expect(billing?.parentInferred).toBe(true);
  });

  it("does not merge two traces of the same services that share an id (a retry)", () => {
    // The client retried order ord_8f3k2a9x1: two full traces through the same services.
    const r = run((r) => {
      r.add(orderLine(0, "checkout", T1, S1));
      r.add(orderLine(40, "billing", T1, "1".repeat(16), "orderId"));
      r.add(orderLine(500, "checkout", T2, S2));
      r.add(orderLine(540, "billing", T2, "2".repeat(16), "orderId"));
    });
    const { traces, join } = correlate(r.sorted());
    expect(join?.merges.size).toBe(0);
    expect(traces.map((t) => t.traceId).sort()).toEqual([T1, T2]);
    for (const t of traces) {
      expect(t.correlation).toBe("ids");
      expect(t.contextBreaks).toBeUndefined();
    }
  });

  it("places a record without ids in the explicit trace it shares a key with (a mixed trace)", () => {
    // An instrumented API logs trace ids; a legacy worker it calls logs only the job id.
    const r = run((r) => {
      r.add({ at: 0, service: "api", traceId: T1, spanId: S1, keys: ["job_id=job-3fa2c9d1"] });
      r.add({ at: 30, service: "legacy", msg: "job picked up", keys: ["job_id=job-3fa2c9d1"] });
      r.add({ at: 90, service: "legacy", msg: "job finished", keys: ["job_id=job-3fa2c9d1"] });
      r.add({ at: 95, service: "legacy", msg: "unrelated" });
    });
    const out = correlate(r.sorted());
    const { traces, unmatched } = out;
    expect(traces).toHaveLength(1);
    const t = traces[0]!;
    expect(t.traceId).toBe(T1);
    expect(t.correlation).toBe("mixed");
    expect(t.joinKeys).toEqual(["job_id"]);
    const legacy = r.records.filter((rec) => rec.service === "legacy" && rec.keys);
    for (const rec of legacy) {
      expect(whereIs(out, rec)?.traceId).toBe(T1);
      expect(whereIs(out, rec)?.placed.idSource).toBe("join:job_id");
    }
    expect(t.services.sort()).toEqual(["api", "legacy"]);
    expect(unmatched.map((rec) => rec.message)).toEqual(["unrelated"]);
  });
});

describe("Correlator: attach by time", () => {
  /**
   * One lane (`lane`) works three jobs; a record without any id ("flushing buffer") comes between two
   * records of job B. `order` gives, per time step, which job logs.
   */
  function laneRun(order: string[], orphanAfter: number): Run {
    return run((r) => {
      order.forEach((job, i) => {
        r.add({
          at: i * 10,
          service: "worker",
          lane: "4242/main",
          op: job,
          keys: [`job_id=job-${job}9f3k2a1`],
        });
        if (i === orphanAfter)
          r.add({
            at: i * 10 + 5,
            service: "worker",
            lane: "4242/main",
            op: "orphan",
            msg: "flushing buffer",
          });
      });
    });
  }

  it("attaches an id-less record to the operation its thread was on", () => {
    // A thread pool: each thread runs one job at a time, so its lines come job by job.
    const r = laneRun(["A", "A", "A", "B", "B", "B", "B", "C", "C", "C"], 4);
    const orphan = r.records.find((rec) => rec.message === "flushing buffer")!;
    const out = correlate(r.sorted(), { attachByTime: true });
    expect(out.unmatched).toHaveLength(0);
    const jobB = r.records.find((rec) => r.truth.get(rec) === "B")!;
    expect(whereIs(out, orphan)?.traceId).toBe(whereIs(out, jobB)?.traceId);
    expect(whereIs(out, orphan)?.placed.idSource).toBe("time");
    expect(out.traces).toHaveLength(3);
  });

  it("leaves the record alone without --attach-by-time", () => {
    const r = laneRun(["A", "A", "A", "B", "B", "B", "B", "C", "C", "C"], 4);
    const { unmatched } = correlate(r.sorted());
    expect(unmatched.map((rec) => rec.message)).toEqual(["flushing buffer"]);
  });

  it("does not attach in an event loop that interleaves operations", () => {
    // A Node process serves A, B and C at once: its lines alternate, so two B lines around the record
    // say nothing about whose it is.
    const r = laneRun(["A", "B", "C", "A", "B", "B", "C", "A", "B", "C", "A"], 4);
    const out = correlate(r.sorted(), { attachByTime: true });
    expect(out.unmatched.map((rec) => rec.message)).toEqual(["flushing buffer"]);
    expect(
      whereIs(
        out,
        r.records.find((rec) => rec.message === "flushing buffer")!,
      ),
    ).toBeUndefined();
  });

  it("attaches in a thread of a pool that comes back to an operation after finishing another", () => {
    // Worker thread 4242/main takes job A, then job B from the queue, then A's next step: B runs
    // whole inside A's range, never crosswise, so the thread is still one operation at a time.
    const r = laneRun(["A", "A", "B", "B", "B", "A", "A", "C", "C"], 3);
    const out = correlate(r.sorted(), { attachByTime: true });
    expect(out.unmatched).toEqual([]);
    const orphan = r.records.find((rec) => rec.message === "flushing buffer")!;
    expect(whereIs(out, orphan)?.placed.idSource).toBe("time");
    const jobB = r.records.find((rec) => r.truth.get(rec) === "B")!;
    expect(whereIs(out, orphan)?.traceId).toBe(whereIs(out, jobB)?.traceId);
  });

  it("does not attach across lanes", () => {
    // The record comes from another thread than the job's lines.
    const r = run((r) => {
      for (const [i, job] of ["A", "A", "B", "B"].entries())
        r.add({
          at: i * 10,
          service: "worker",
          lane: "1/main",
          op: job,
          keys: [`job_id=job-${job}9f3k2a1`],
        });
      r.add({ at: 5, service: "worker", lane: "1/other", msg: "flushing buffer" });
    });
    const { unmatched } = correlate(r.sorted(), { attachByTime: true });
    expect(unmatched).toHaveLength(1);
  });
});

describe("Correlator: join modes", () => {
  const T1 = "4bf92f3577b34da6a3ce929d0e0e4736";
  const T2 = "5cf92f3577b34da6a3ce929d0e0e4737";

  /** Two explicit traces and id-less records, all linked by one order id. */
  function mixed(): Run {
    return run((r) => {
      r.add(orderLine(0, "a", T1, "1".repeat(16)));
      r.add({ at: 10, service: "a", traceId: T1, spanId: "1".repeat(16), msg: "no key" });
      r.add({ at: 20, service: "b", keys: ["order_id=ord_8f3k2a9x1"] });
      r.add({ at: 30, service: "b", keys: ["order_id=ord_8f3k2a9x1"] });
      r.add(orderLine(40, "c", T2, "2".repeat(16)));
    });
  }

  it("off: every record is unmatched", () => {
    const r = mixed();
    const out = correlate(r.sorted(), { join: "off" });
    expect(out.traces).toEqual([]);
    expect(out.unmatched).toHaveLength(r.records.length);
    expect(out.join).toBeUndefined();
  });

  it("ids: explicit traces only, id-less records stay unmatched", () => {
    const r = mixed();
    const out = correlate(r.sorted(), { join: "ids" });
    expect(out.traces.map((t) => t.traceId).sort()).toEqual([T1, T2]);
    expect(out.traces.every((t) => t.correlation === "ids")).toBe(true);
    expect(out.unmatched).toHaveLength(2);
    expect(out.unmatched.every((rec) => rec.service === "b" && !rec.traceId)).toBe(true);
    expect(out.join).toBeUndefined();
  });

  it("auto: joins the id-less records and repairs the broken trace", () => {
    const r = mixed();
    const out = correlate(r.sorted());
    expect(out.traces).toHaveLength(1);
    expect(out.traces[0]!.traceId).toBe(T1);
    expect(out.traces[0]!.correlation).toBe("mixed");
    expect(out.join?.merges.get(T2)?.into).toBe(T1);
    expect(out.unmatched).toHaveLength(0);
  });

  it("heuristic: the explicit ids of log records are ignored", () => {
    const r = mixed();
    const out = correlate(r.sorted(), { join: "heuristic" });
    expect(out.traces).toHaveLength(1);
    const t = out.traces[0]!;
    expect(t.correlation).toBe("heuristic");
    expect([T1, T2]).not.toContain(t.traceId);
    expect(t.services.sort()).toEqual(["a", "b", "c"]);
    // The record that had only its trace id to go by has nothing left.
    expect(out.unmatched.map((rec) => rec.message)).toEqual(["no key"]);
    expect(out.join?.merges.size).toBe(0);
  });
});

describe("determinism", () => {
  it("gives the same synthetic trace and span ids on every run", () => {
    const ids = (): string[][] => {
      const r = threeServiceRun();
      const out = correlate(r.sorted());
      return r.records.map((rec) => {
        const at = whereIs(out, rec)!;
        return [at.traceId, at.placed.spanId!];
      });
    };
    const first = ids();
    expect(new Set(first.map(([t]) => t)).size).toBe(24);
    expect(ids()).toEqual(first);
  });
});

describe("Correlator: spans of a heuristic operation", () => {
  it("are one per service, inferred, and a stated duration moves a span's start back", () => {
    // The worker logs only when its job is done, with how long it took: `{"job_id", "ms": 300}`.
    const r = run((r) => {
      r.add({ at: 0, service: "api", keys: ["request_id=req_8f3k2a9x1"], msg: "received" });
      r.add({
        at: 10,
        service: "api",
        keys: ["request_id=req_8f3k2a9x1", "job_id=job_0000000001"],
      });
      r.add({
        at: 500,
        service: "worker",
        keys: ["job_id=job_0000000001"],
        msg: "job done",
      }).durationMs = 300;
      r.add({ at: 520, service: "worker", keys: ["job_id=job_0000000001"], msg: "result stored" });
      r.add({ at: 600, service: "api", keys: ["request_id=req_8f3k2a9x1"], msg: "answered" });
    });
    const { traces } = correlate(r.sorted());
    expect(traces).toHaveLength(1);
    const spans = traces[0]!.spans;
    expect(spans.map((s) => s.service)).toEqual(["api", "worker"]);
    const worker = spans[1]!;
    expect(worker.timing).toBe("inferred");
    expect(worker.parentSpanId).toBe(spans[0]!.spanId);
    expect(worker.parentInferred).toBe(true);
    expect(worker.start.ms).toBe(EPOCH + 200);
    expect(worker.end.ms).toBe(EPOCH + 520);
  });
});

describe("joinRecords: a long operation whose steps have ids of their own", () => {
  /**
   * An agent API: every line of a request carries its request id (the api's two lines and the agent's
   * many); each of the agent's 8 tool calls has a call id on two lines; 3 users share 24 overlapping
   * requests. `userEverywhere`: the agent logs the user on its tool lines too.
   */
  function agentRun(userEverywhere: boolean): Run {
    return run((r) => {
      for (let n = 0; n < 24; n++) {
        const op = `op${n}`;
        const req = `req_${hex(n, 4)}8f3k2a9`;
        const user = `user_id=usr_${n % 3}`;
        let t = n * 150;
        r.add({ at: t, service: "api", op, keys: [`request_id=${req}`, user] });
        for (let k = 0; k < 8; k++) {
          const call = `tool_call_id=call_${hex(n, 3)}${hex(k, 3)}x9z`;
          const keys = [`request_id=${req}`, call, ...(userEverywhere ? [user] : [])];
          r.add({ at: (t += 20), service: "agent", op, keys });
          r.add({ at: (t += 90), service: "agent", op, keys: [`request_id=${req}`, call] });
        }
        r.add({ at: t + 5, service: "api", op, keys: [`request_id=${req}`, user] });
      }
    });
  }

  it("keeps the request as the operation, not its tool calls, and the user apart", () => {
    for (const userEverywhere of [false, true]) {
      const r = agentRun(userEverywhere);
      const outcome = joinInto(r.sorted(), noExplicitTraces);
      const groups = groupsOf(r);
      expect(groups, `user on agent lines: ${userEverywhere}`).toHaveLength(24);
      expect(groups.every((g) => g.length === 1)).toBe(true);
      expect(r.records.every((rec) => rec.traceId)).toBe(true);
      for (const entry of outcome.traces.values()) expect(entry.joinKeys).not.toContain("user_id");
    }
  });
});

describe("joinRecords: a conversation of several messages", () => {
  /**
   * The api logs each message with its conversation and message ids; the orchestrator only names the
   * conversation on the first line of its run (then its run id), and the tools the run id. Between
   * messages the user pauses: the conversation id alone would glue the messages together.
   */
  function conversations(): Run {
    return run((r) => {
      for (let c = 0; c < 8; c++) {
        const conv = `conversation_id=${hex(c, 8)}-22c4-46d2-b878-73857cc34d65`;
        for (let m = 0; m < 3; m++) {
          const op = `c${c}m${m}`;
          const msg = `message_id=msg_${hex(c, 2)}${hex(m, 2)}kI2Ftyizl`;
          const plan = `plan_run=run-${hex(c, 4)}${hex(m, 4)}7632`;
          let t = c * 700 + m * 6000;
          r.add({ at: t, service: "api", op, keys: [conv, msg] });
          r.add({ at: (t += 10), service: "api", op, keys: [msg] });
          r.add({
            at: (t += 5),
            service: "orchestrator",
            op,
            keys: [plan, `conversationId=${conv.split("=")[1]}`],
          });
          for (let k = 0; k < 3; k++) r.add({ at: (t += 400), service: "tools", op, keys: [plan] });
          r.add({ at: (t += 300), service: "orchestrator", op, keys: [plan] });
          r.add({ at: t + 20, service: "api", op, keys: [conv, msg] });
        }
      }
    });
  }

  it("splits the conversation between its messages; its other records go with the message open then", () => {
    const r = conversations();
    const outcome = joinInto(r.sorted(), noExplicitTraces);
    const groups = groupsOf(r);
    expect(groups).toHaveLength(24);
    expect(groups.every((g) => g.length === 1)).toBe(true);
    expect(r.records.every((rec) => rec.traceId)).toBe(true);
    const why = [...outcome.traces.values()].flatMap((t) => t.rejected);
    expect(why.find((k) => k.key === "conversation_id")?.reason).toMatch(
      /runs through 3 message_id values one after another/,
    );
  });
});

describe("Correlator: a chain of broken propagation", () => {
  it("folds a trace into one that was itself folded: all three services in one operation", () => {
    // a → b lost the context (joined by an order id), and b → c lost it again (joined by a job id
    // that b logs on another line): two components, one shared trace in the middle.
    const T1 = "1".repeat(32);
    const T2 = "2".repeat(32);
    const T3 = "3".repeat(32);
    const r = run((r) => {
      r.add({
        at: 0,
        service: "a",
        traceId: T1,
        spanId: "a".repeat(16),
        keys: ["order_id=ord_8f3k2a9x1"],
      });
      r.add({
        at: 50,
        service: "b",
        traceId: T2,
        spanId: "b".repeat(16),
        keys: ["orderId=ord_8f3k2a9x1"],
      });
      r.add({
        at: 60,
        service: "b",
        traceId: T2,
        spanId: "b".repeat(16),
        keys: ["job_id=job-7d3f2a9x"],
      });
      r.add({
        at: 90,
        service: "c",
        traceId: T3,
        spanId: "c".repeat(16),
        keys: ["jobId=job-7d3f2a9x"],
      });
    });
    const { traces } = correlate(r.sorted());
    expect(traces.map((t) => t.traceId)).toEqual([T1]);
    expect(traces[0]!.services.sort()).toEqual(["a", "b", "c"]);
    expect(traces[0]!.contextBreaks?.map((b) => b.services)).toEqual([
      ["a", "b"],
      ["b", "c"],
    ]);
  });
});

describe("Correlator: a batch consumer over several requests", () => {
  it("folds nothing: its own trace is linked to several upstream operations, not a lost context", () => {
    // Three checkout traces each enqueue an item; one billing batch trace logs all three item ids.
    const ids = ["1", "2", "3"].map((d) => d.repeat(32));
    const BATCH = "9".repeat(32);
    const r = run((r) => {
      ids.forEach((traceId, k) => {
        const item = `item_id=itm_${hex(k, 2)}8f3k2a9`;
        r.add({
          at: k * 10,
          service: "checkout",
          traceId,
          spanId: `${k}`.repeat(16),
          keys: [item],
        });
        r.add({
          at: 100 + k,
          service: "billing",
          traceId: BATCH,
          spanId: "b".repeat(16),
          keys: [item],
        });
      });
    });
    const { traces, join } = correlate(r.sorted());
    expect(join?.merges.size).toBe(0);
    expect(traces.map((t) => t.traceId).sort()).toEqual([...ids, BATCH].sort());
    expect(traces.flatMap((t) => t.contextBreaks ?? [])).toEqual([]);
  });
});
