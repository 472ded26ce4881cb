// Value clusters: the records sharing one key value, in time order, cut where they pause for longer than
// the window — chosen from the data (three times the usual longest pause within a value, 1 s to 30 min).
import { describe, expect, it } from "vitest";
import {
  buildClusters,
  type Clusters,
  clustersByRecord,
  recordFacts,
} from "../../../src/correlate/join/clusters.js";
import { KeyTable } from "../../../src/correlate/join/key-table.js";
import type { LogRecord } from "../../../src/model.js";
import { EPOCH, keys, rec } from "../records.js";

function clustersOf(records: LogRecord[], windowMs?: number) {
  const table = KeyTable.of(records);
  const facts = recordFacts(table);
  return { table, facts, cl: buildClusters(table, facts, windowMs) };
}

/** Each cluster as `value: record indices`. */
function listed(table: KeyTable, cl: Clusters): string[] {
  const out: string[] = [];
  for (let c = 0; c < cl.size; c++)
    out.push(
      `${table.keyValue[cl.key[c]!]}: ${[...cl.recs.subarray(cl.offset[c]!, cl.offset[c + 1]!)].join(",")}`,
    );
  return out;
}

/** Two records per value, `gap` ms apart, values 1 h apart. */
function pairs(gaps: number[]): LogRecord[] {
  return gaps.flatMap((gap, k) => [
    rec({ at: k * 3_600_000, keys: keys(`job_id=j${k}`) }),
    rec({ at: k * 3_600_000 + gap, keys: keys(`job_id=j${k}`) }),
  ]);
}

describe("recordFacts", () => {
  it("gives each record its time and a service id", () => {
    const table = KeyTable.of([
      rec({ at: 1, service: "a", keys: keys("order_id=1") }),
      rec({ service: "b", keys: keys("order_id=1") }),
      rec({ at: 3, service: "a", keys: keys("order_id=1") }),
    ]);
    const facts = recordFacts(table);
    expect([...facts.times]).toEqual([EPOCH + 1, Number.NaN, EPOCH + 3]);
    expect([...facts.service]).toEqual([0, 1, 0]);
    expect(facts.serviceNames).toEqual(["a", "b"]);
  });
});

describe("buildClusters", () => {
  it("makes no cluster of a value seen on one record", () => {
    const { cl } = clustersOf([
      rec({ at: 0, keys: keys("order_id=1") }),
      rec({ at: 1, keys: keys("order_id=2") }),
    ]);
    expect(cl.size).toBe(0);
  });

  it("orders a value's records by time, whatever order they came in", () => {
    const { table, cl } = clustersOf([
      rec({ at: 20, keys: keys("order_id=1") }),
      rec({ at: 0, keys: keys("order_id=1") }),
      rec({ at: 10, keys: keys("order_id=1") }),
    ]);
    expect(listed(table, cl)).toEqual(["1: 1,2,0"]);
    expect([cl.first[0], cl.last[0], cl.maxGap[0]]).toEqual([EPOCH, EPOCH + 20, 10]);
  });

  it("cuts a value where its records pause longer than the window: a task re-run later is another", () => {
    const { table, cl } = clustersOf(
      [0, 400, 900, 5000, 5300, 9000].map((t) => rec({ at: t, keys: keys("task_id=t1") })),
      1000,
    );
    // The record alone after the last pause makes no cluster.
    expect(listed(table, cl)).toEqual(["t1: 0,1,2", "t1: 3,4"]);
    expect(cl.windowMs).toBe(1000);
  });

  it.each([
    ["three times the usual longest pause", [500, 500, 500, 500, 500], 1500],
    [
      "the 90th percentile of longest pauses",
      [100, 100, 100, 100, 100, 100, 100, 100, 100, 700],
      2100,
    ],
    ["at least 1 s", [10, 20, 30], 1000],
    ["at most 30 min", [20 * 60_000, 20 * 60_000], 30 * 60_000],
    ["1 s when no value has two records", [], 1000],
  ])("chooses the window from the data: %s", (_, gaps, window) => {
    expect(clustersOf(pairs(gaps)).cl.windowMs).toBe(window);
  });

  it("counts the services of a cluster, with a bit per service", () => {
    const { cl } = clustersOf([
      rec({ at: 0, service: "gw", keys: keys("order_id=1") }),
      rec({ at: 1, service: "db", keys: keys("order_id=2") }),
      rec({ at: 2, service: "db", keys: keys("order_id=2") }),
      rec({ at: 3, service: "worker", keys: keys("order_id=1") }),
      rec({ at: 4, service: "gw", keys: keys("order_id=1") }),
    ]);
    expect([...cl.services]).toEqual([2, 1]);
    expect([...cl.serviceMask]).toEqual([0b101, 0b010]);
    expect(cl.masksExact).toBe(true);
  });

  it("keeps untimed records in their value's cluster without cutting it", () => {
    const { table, cl } = clustersOf(
      [
        rec({ keys: keys("order_id=1") }),
        rec({ at: 0, keys: keys("order_id=1") }),
        rec({ at: 500, keys: keys("order_id=1") }),
        rec({ keys: keys("order_id=2") }),
        rec({ keys: keys("order_id=2") }),
      ],
      100_000,
    );
    expect(listed(table, cl)).toEqual(["1: 1,2,0", "2: 3,4"]);
    expect([cl.first[0], cl.last[0]]).toEqual([EPOCH, EPOCH + 500]);
    expect([cl.first[1], cl.last[1]]).toEqual([Number.NaN, Number.NaN]);
  });

  it("starts every cluster accepted", () => {
    const { cl } = clustersOf(pairs([5, 5]));
    expect([...cl.rejected]).toEqual([0, 0]);
  });
});

describe("clustersByRecord", () => {
  it("lists each record's clusters", () => {
    const { table, cl } = clustersOf([
      rec({ at: 0, keys: keys("order_id=1", "user_id=u") }),
      rec({ at: 1, keys: keys("order_id=1") }),
      rec({ at: 2, keys: keys("user_id=u", "job_id=lonely") }),
    ]);
    const { from, list } = clustersByRecord(cl, table.size);
    const of = (r: number) =>
      [...list.subarray(from[r]!, from[r + 1]!)].map((c) => table.keyValue[cl.key[c]!]);
    expect([of(0), of(1), of(2)]).toEqual([["1", "u"], ["1"], ["u"]]);
  });
});
