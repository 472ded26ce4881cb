// applyPlacement: a record placed by a later stage (the join, attach-by-time) as a new value.
import { describe, expect, it } from "vitest";
import { applyPlacement } from "../../src/correlate/placement.js";
import { rec } from "./records.js";

const T1 = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("applyPlacement", () => {
  it("gives the record the placement's trace, span and how it was placed, leaving the record as it was", () => {
    const record = rec({ at: 0, service: "a", message: "hi" });
    const placed = applyPlacement(
      { record, traceId: T1, spanId: "00f067aa0ba902b7", via: "join:request_id" },
      record,
    );
    expect(placed).toMatchObject({
      traceId: T1,
      spanId: "00f067aa0ba902b7",
      idSource: "join:request_id",
      message: "hi",
      service: "a",
    });
    expect(placed).not.toBe(record);
    expect(record.traceId).toBeUndefined();
  });

  it("keeps the record's own span when the placement names none", () => {
    const record = rec({ spanId: "b7ad6b7169203331" });
    expect(
      applyPlacement({ record, traceId: T1, spanId: undefined, via: "time" }, record),
    ).toMatchObject({
      traceId: T1,
      spanId: "b7ad6b7169203331",
      idSource: "time",
    });
  });

  it("applies to the record's form named late", () => {
    const record = rec({ at: 0 });
    const named = { ...record, service: "from-file" };
    const placed = applyPlacement({ record, traceId: T1, spanId: undefined, via: "time" }, named);
    expect(placed.service).toBe("from-file");
  });
});
