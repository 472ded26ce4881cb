// Which value clusters name one operation, learned from all of them (README "Logs without trace ids"):
// lingering fields (a tenant), values too coarse for their own field, one-to-one retries, bundles of
// whole operations, idle time between operations, and values split between the parts they run through.
// Each case is the smallest input that shows it.
import { describe, expect, it } from "vitest";
import {
  buildClusters,
  clustersByRecord,
  Reason,
  recordFacts,
} from "../../../src/correlate/join/clusters.js";
import { KeyTable } from "../../../src/correlate/join/key-table.js";
import { formatMs, learnKeys, spreadOf } from "../../../src/correlate/join/learn.js";
import type { LogRecord } from "../../../src/model.js";
import { keys, rec } from "../records.js";

const REASON_NAME = new Map<number, string>(
  Object.entries(Reason).map(([name, code]) => [code, name]),
);

function learn(records: LogRecord[], forced = false) {
  const table = KeyTable.of(records);
  const facts = recordFacts(table);
  const cl = buildClusters(table, facts);
  const learned = learnKeys(cl, table, clustersByRecord(cl, table.size), facts, forced);
  const clustersOfValue = (value: string): number[] => {
    const out: number[] = [];
    for (let c = 0; c < cl.size; c++) if (table.keyValue[cl.key[c]!] === value) out.push(c);
    return out;
  };
  /** The verdict on each cluster of a value: `none` when it joins. */
  const verdict = (value: string): string[] =>
    clustersOfValue(value).map((c) => REASON_NAME.get(cl.rejected[c]!)!);
  /** Verdicts on all values of a field: verdict → how many clusters. */
  const byField = (field: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (let c = 0; c < cl.size; c++) {
      if (table.fields[table.keyField[cl.key[c]!]!] !== field) continue;
      const v = REASON_NAME.get(cl.rejected[c]!)!;
      out[v] = (out[v] ?? 0) + 1;
    }
    return out;
  };
  return { table, cl, learned, clustersOfValue, verdict, byField };
}

const req = (k: number): string => `req_${(0x8f3a2b00 + k * 7919).toString(16)}x${k}`;

describe("learnKeys: coarse values", () => {
  it("turns down a field whose few values linger across the input on many records (a tenant)", () => {
    // 100 overlapping requests (about nine open at once), every record also naming the tenant.
    const records = Array.from({ length: 100 }, (_, k) =>
      [0, 500, 1000].map((d) =>
        rec({ at: k * 100 + d, service: "api", keys: keys(`request_id=${req(k)}`, "tenant=acme") }),
      ),
    ).flat();
    const { verdict, byField, learned } = learn(records);
    expect(verdict("acme")).toEqual(["lingering"]);
    expect(byField("request_id")).toEqual({ none: 100 });
    expect(learned.dropped).toEqual([
      {
        field: "tenant",
        reason: expect.stringMatching(
          /^its values stay open across much of the input.*\(1 of 1\)$/,
        ),
      },
    ]);
  });

  it("turns down a value shared by far more records than its field's usual one (a hot id)", () => {
    const records = [
      ...Array.from({ length: 6 }, (_, k) =>
        [0, 10, 20].map((d) => rec({ at: k * 3_600_000 + d, keys: keys(`order_id=${k}`) })),
      ).flat(),
      ...Array.from({ length: 40 }, (_, i) =>
        rec({ at: 7 * 3_600_000 + i * 10, keys: keys("order_id=hot") }),
      ),
    ];
    const { verdict, byField, learned } = learn(records);
    expect(verdict("hot")).toEqual(["tooMany"]);
    expect(byField("order_id")).toEqual({ none: 6, tooMany: 1 });
    expect(learned.dropped).toEqual([]);
    expect(learned.typical.count[0]).toBe(3);
  });

  it("turns down a value spread over far longer than its field's usual one", () => {
    const records = [
      ...Array.from({ length: 6 }, (_, k) =>
        [0, 50, 100].map((d) => rec({ at: k * 3_600_000 + d, keys: keys(`order_id=${k}`) })),
      ).flat(),
      ...Array.from({ length: 7 }, (_, i) =>
        rec({ at: 7 * 3_600_000 + i * 833, keys: keys("order_id=replayed") }),
      ),
    ];
    const { verdict, byField } = learn(records);
    expect(verdict("replayed")).toEqual(["tooLong"]);
    expect(byField("order_id")).toEqual({ none: 6, tooLong: 1 });
  });

  it("turns down a field of small counters that restart in every operation (activity 1, 2, 3)", () => {
    // 200 overlapping workflows, 400 ms apart, each running activities 1 to 6 a second apart: each
    // workflow id is open for 6% of the input, each activity number for nearly all of it.
    const records = Array.from({ length: 200 }, (_, k) =>
      [1, 2, 3, 4, 5, 6].map((a) =>
        rec({
          at: k * 400 + a * 1000,
          service: "worker",
          keys: keys(`workflow_id=${req(k)}`, `activity_id=${a}`),
        }),
      ),
    ).flat();
    const { byField, learned } = learn(records);
    expect(byField("activity_id")).toEqual({ pool: 6 });
    expect(byField("workflow_id")).toEqual({ none: 200 });
    expect(learned.typical.openShare[learned.typical.openShare.length - 1]).toBeGreaterThan(0.5);
    expect(learned.dropped).toEqual([
      {
        field: "activity_id",
        reason: expect.stringMatching(/a counter or a pool, not an operation's id \(6 of 6\)$/),
      },
    ]);
  });

  it("judges each field on its own scale: the ids of small steps do not make a request look coarse", () => {
    // Six requests of 25 lines (gateway, then the worker's twelve tool calls of two lines each).
    const records: LogRecord[] = [];
    for (let k = 0; k < 6; k++) {
      const base = k * 10_000;
      records.push(rec({ at: base, service: "gw", keys: keys(`request_id=${req(k)}`) }));
      for (let j = 0; j < 12; j++)
        for (const d of [0, 40])
          records.push(
            rec({
              at: base + 80 * j + d,
              service: "worker",
              keys: keys(`request_id=${req(k)}`, `tool_call_id=call_${k}_${j}`),
            }),
          );
    }
    const { byField, learned } = learn(records);
    expect(byField("request_id")).toEqual({ none: 6 });
    expect(byField("tool_call_id")).toEqual({ none: 72 });
    expect(learned.dropped).toEqual([]);
  });
});

describe("learnKeys: values over several values of another field", () => {
  it("turns down a retried task id: one task over two requests, where tasks and requests pair one to one", () => {
    const records: LogRecord[] = [];
    const request = (k: number, task: string, at: number): void => {
      for (const [d, service] of [
        [0, "gw"],
        [50, "worker"],
      ] as const)
        records.push(
          rec({ at: at + d, service, keys: keys(`request_id=${req(k)}`, `task_id=${task}`) }),
        );
    };
    for (let k = 0; k < 10; k++) request(k, `task${k}`, k * 10_000);
    request(10, "retried", 100_000);
    request(11, "retried", 100_300);
    const { verdict, byField, cl, clustersOfValue, table } = learn(records);
    expect(verdict("retried")).toEqual(["oneToOne"]);
    const c = clustersOfValue("retried")[0]!;
    expect(cl.partners[c]).toBe(2);
    expect(table.families[cl.partnerFamily[c]!]).toBe("requestid");
    expect(byField("task_id")).toEqual({ none: 10, oneToOne: 1 });
    expect(byField("request_id")).toEqual({ none: 12 });
  });

  it("turns down a user whose requests each reach every service the user does (a bundle)", () => {
    const records: LogRecord[] = [];
    for (let u = 0; u < 5; u++)
      for (let j = 0; j < 3; j++)
        for (const [d, service] of [
          [0, "gw"],
          [50, "worker"],
        ] as const)
          records.push(
            rec({
              at: u * 10_000 + j * 100 + d,
              service,
              keys: keys(`user_id=user${u}`, `request_id=${req(u * 3 + j)}`),
            }),
          );
    const { byField, learned } = learn(records);
    expect(byField("user_id")).toEqual({ bundle: 5 });
    expect(byField("request_id")).toEqual({ none: 15 });
    expect(learned.dropped.map((d) => d.field)).toEqual(["user_id"]);
    expect(learned.dropped[0]!.reason).toMatch(/bundle several whole operations \(5 of 5\)/);
  });

  it("turns down a user open far longer than its orders add up to (idle time between operations)", () => {
    const records: LogRecord[] = [];
    for (let u = 0; u < 5; u++)
      for (let j = 0; j < 3; j++)
        for (const d of [0, 100])
          records.push(
            rec({
              at: u * 100_000 + j * 1000 + d,
              service: "shop",
              keys: keys(`user_id=user${u}`, `order_id=${u * 3 + j}`),
            }),
          );
    const { byField } = learn(records);
    expect(byField("user_id")).toEqual({ idle: 5 });
    expect(byField("order_id")).toEqual({ none: 15 });
  });

  it("splits a conversation between the messages it runs through, one after another", () => {
    const records: LogRecord[] = [];
    for (let k = 0; k < 5; k++) {
      const base = k * 5000;
      const conv = `conversation_id=conv${k}`;
      const msg = (j: number): string => `message_id=msg${k}_${j}`;
      records.push(
        rec({ at: base, service: "orchestrator", keys: keys(conv) }),
        rec({ at: base + 10, service: "orchestrator", keys: keys(conv, msg(1)) }),
        rec({ at: base + 150, service: "agent", keys: keys(msg(1)) }),
        rec({ at: base + 300, service: "orchestrator", keys: keys(msg(1)) }),
        rec({ at: base + 700, service: "orchestrator", keys: keys(conv, msg(2)) }),
        rec({ at: base + 850, service: "agent", keys: keys(msg(2)) }),
        rec({ at: base + 1000, service: "orchestrator", keys: keys(msg(2)) }),
        rec({ at: base + 1010, service: "store", keys: keys(conv) }),
      );
    }
    const { byField, learned, clustersOfValue, table, cl } = learn(records);
    expect(byField("conversation_id")).toEqual({ split: 5 });
    expect(byField("message_id")).toEqual({ none: 10 });
    const conv0 = clustersOfValue("conv0")[0]!;
    const parts = learned.splits
      .get(conv0)!
      .map((c) => table.keyValue[cl.key[c]!])
      .sort();
    expect(parts).toEqual(["msg0_1", "msg0_2"]);
    expect(learned.splits.size).toBe(5);
  });

  it("judges nothing for fields the user named (forced)", () => {
    const records = Array.from({ length: 100 }, (_, k) =>
      [0, 500, 1000].map((d) =>
        rec({ at: k * 100 + d, keys: keys(`request_id=${req(k)}`, "tenant=acme") }),
      ),
    ).flat();
    const { cl, learned } = learn(records, true);
    expect([...cl.rejected].every((r) => r === Reason.none)).toBe(true);
    expect([learned.dropped, learned.splits.size]).toEqual([[], 0]);
  });
});

describe("learn helpers", () => {
  it("formatMs writes ms below a second, seconds with one decimal above", () => {
    expect([formatMs(230.4), formatMs(999), formatMs(1000), formatMs(61_250)]).toEqual([
      "230 ms",
      "999 ms",
      "1.0 s",
      "61.3 s",
    ]);
  });

  it("spreadOf is 0 for a cluster without times", () => {
    const table = KeyTable.of([
      rec({ keys: keys("order_id=1") }),
      rec({ keys: keys("order_id=1") }),
    ]);
    const cl = buildClusters(table, recordFacts(table));
    expect(spreadOf(cl, 0)).toBe(0);
  });
});
