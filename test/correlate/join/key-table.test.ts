// KeyTable: candidate keys interned as records arrive. Id-shaped values join across field names, other
// values within their field's family; a key repeated in one record counts once; `settle` reads each
// record's trace and service once grouping by ids is done.
import { describe, expect, it } from "vitest";
import { familyOf, KeyTable, timeMs } from "../../../src/correlate/join/key-table.js";
import { EPOCH, keys, rec } from "../records.js";

const REQ = "5f2b1c9e-3d4a-4b6c-8e7f-0a1b2c3d4e5f";
const T1 = "4bf92f3577b34da6a3ce929d0e0e4736";

/** Key ids held by record index r, in order. */
function keysOf(table: KeyTable, r: number): number[] {
  const out: number[] = [];
  const recs = table.occRec.view();
  const ks = table.occKey.view();
  for (let i = 0; i < recs.length; i++) if (recs[i] === r) out.push(ks[i]!);
  return out;
}

describe("familyOf", () => {
  it.each([
    ["request_id", "requestid"],
    ["requestId", "requestid"],
    ["RequestID", "requestid"],
    ["x-request-id", "requestid"],
    ["X_Request_Id", "requestid"],
    ["http.headers.x-request-id", "requestid"],
    ["order.id", "id"],
    ["job-key", "jobkey"],
  ])("%s → %s", (field, family) => {
    expect(familyOf(field)).toBe(family);
  });
});

describe("timeMs", () => {
  it("reads epoch ms with the sub-millisecond part, NaN without a time", () => {
    expect(timeMs(rec({ time: { ms: EPOCH, ns: 500_000, digits: 6 } }))).toBe(EPOCH + 0.5);
    expect(timeMs(rec({}))).toBeNaN();
  });
});

describe("KeyTable", () => {
  it("interns an id-shaped value once across field names", () => {
    const table = new KeyTable();
    table.add(rec({ keys: keys(`request_id=${REQ}`) }));
    table.add(rec({ keys: keys(`requestId=${REQ}`) }));
    table.add(rec({ keys: keys(`payload.correlation=${REQ}`) }));
    expect(table.keyValue).toEqual([REQ]);
    expect([0, 1, 2].map((r) => keysOf(table, r))).toEqual([[0], [0], [0]]);
    // The key keeps the field it was first seen in.
    expect(table.fields[table.keyField[0]!]).toBe("request_id");
  });

  it("keeps other values within their field's family", () => {
    const table = new KeyTable();
    table.add(rec({ keys: keys("order_id=42") }));
    table.add(rec({ keys: keys("orderId=42") }));
    table.add(rec({ keys: keys("job_id=42") }));
    expect(table.keyValue).toEqual(["42", "42"]);
    expect([0, 1, 2].map((r) => keysOf(table, r))).toEqual([[0], [0], [1]]);
    expect(table.keyFamily.map((f) => table.families[f])).toEqual(["orderid", "jobid"]);
  });

  it("does not mistake a value for an id-shaped one it equals only after its family is added", () => {
    const table = new KeyTable();
    table.add(rec({ keys: keys("tenant=acme") }));
    table.add(rec({ keys: keys("label=tenant=acme") }));
    expect(table.keyValue).toEqual(["acme", "tenant=acme"]);
  });

  it("counts a key repeated in one record once", () => {
    const table = new KeyTable();
    table.add(
      rec({ keys: keys(`request_id=${REQ}`, `requestId=${REQ}`, `request_id=${REQ}`, "step=1") }),
    );
    expect(keysOf(table, 0)).toEqual([0, 1]);
    expect(table.occRec.length).toBe(2);
  });

  it("takes no record without keys, or with none of the fields allowed", () => {
    const table = new KeyTable((family) => family !== "userid");
    expect(table.add(rec({}))).toBe(false);
    expect(table.add(rec({ keys: keys("user_id=u1", "userId=u2") }))).toBe(false);
    expect(table.add(rec({ keys: keys("user_id=u1", "order_id=9") }))).toBe(true);
    expect(table.size).toBe(1);
    expect(table.keyValue).toEqual(["9"]);
  });

  it("keeps only ids, service, origin and time of a record with a trace id when told not to keep it", () => {
    const table = new KeyTable();
    const slim = rec({
      source: "api.log",
      line: 7,
      at: 5,
      traceId: T1,
      spanId: "00f067aa0ba902b7",
      service: "api",
      keys: keys(`request_id=${REQ}`),
    });
    // Without a trace id a record is kept whatever the caller says: the join places it.
    const idless = rec({ at: 6, service: "worker", keys: keys(`request_id=${REQ}`) });
    table.add(slim, slim.keys, false);
    table.add(idless, idless.keys, false);
    expect(table.records).toEqual([undefined, idless]);
    expect(table.spanIdOf(0)).toBe("00f067aa0ba902b7");
    expect(table.originOf(0)).toEqual({ source: "api.log", line: 7 });
    expect(table.timeMsOf(0)).toBe(EPOCH + 5);
    expect(table.recordOf(1)).toBe(idless);
    table.settle({
      trace: (r) => r.traceId,
      traceOfId: (id) => `merged:${id}`,
      service: (r) => r.service ?? "named-late",
    });
    expect([table.traceIdOf(0), table.serviceOf(0)]).toEqual([`merged:${T1}`, "api"]);
    expect([table.traceIdOf(1), table.serviceOf(1)]).toEqual([undefined, "worker"]);
  });

  it("settles kept records through the resolver: their trace after merges, their service named late", () => {
    const table = new KeyTable();
    table.add(rec({ traceId: T1, keys: keys(`request_id=${REQ}`) }));
    table.add(rec({ keys: keys(`request_id=${REQ}`) }));
    table.settle({
      trace: (r) => (r.traceId ? "into" : undefined),
      traceOfId: () => "unused",
      service: () => "from-file",
    });
    expect([table.traceIdOf(0), table.traceIdOf(1)]).toEqual(["into", undefined]);
    expect([table.serviceOf(0), table.serviceOf(1)]).toEqual(["from-file", "from-file"]);
  });

  it("grows past its first column size", () => {
    const table = new KeyTable();
    for (let i = 0; i < 3000; i++) table.add(rec({ at: i, keys: keys(`order_id=${i % 7}`) }));
    expect(table.size).toBe(3000);
    expect(table.keyValue).toHaveLength(7);
    expect(table.timeMsOf(2999)).toBe(EPOCH + 2999);
  });

  it("KeyTable.of settles records by their own trace ids and services", () => {
    const table = KeyTable.of([
      rec({ traceId: T1, service: "a", keys: keys(`request_id=${REQ}`) }),
      rec({ service: "b", keys: keys(`request_id=${REQ}`) }),
    ]);
    expect([table.traceIdOf(0), table.serviceOf(1)]).toEqual([T1, "b"]);
  });
});
