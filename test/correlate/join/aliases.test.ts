// Fields that hold the same ids under different names (`acct` here, `account` there), found from the data:
// shared values seen at about the same time in both fields. Counters that coincide in value do not count.
import { describe, expect, it } from "vitest";
import { findAliases } from "../../../src/correlate/join/aliases.js";
import { KeyTable } from "../../../src/correlate/join/key-table.js";
import type { LogRecord } from "../../../src/model.js";
import { keys, rec } from "../records.js";

const WINDOW = 1000;

/** Ten operations a minute apart; each names its account `acct` in one service, `account` in the next. */
function renamedHopToHop(): LogRecord[] {
  return Array.from({ length: 10 }, (_, k) => [
    rec({ at: k * 60_000, service: "api", keys: keys(`account=a${k}x`) }),
    rec({ at: k * 60_000 + 20, service: "usage", keys: keys(`acct=a${k}x`) }),
    rec({ at: k * 60_000 + 40, service: "usage", keys: keys(`acct=a${k}x`) }),
  ]).flat();
}

function familyNames(table: KeyTable, root: Int32Array): Record<string, string> {
  return Object.fromEntries(table.families.map((f, i) => [f, table.families[root[i]!]!]));
}

describe("findAliases", () => {
  it("reads two fields as one when many values are seen in both at the same time", () => {
    const table = KeyTable.of(renamedHopToHop());
    expect(familyNames(table, findAliases(table, WINDOW))).toEqual({
      account: "account",
      acct: "account",
    });
  });

  it("keeps fields apart whose shared values are seen at different times", () => {
    const records = renamedHopToHop().map((r) =>
      r.service === "usage" ? { ...r, time: { ...r.time!, ms: r.time!.ms + 30_000 } } : r,
    );
    const table = KeyTable.of(records);
    expect(familyNames(table, findAliases(table, WINDOW))).toEqual({
      account: "account",
      acct: "acct",
    });
  });

  it("keeps counters apart that coincide in value all through the input (page 1, turn 1)", () => {
    const records = Array.from({ length: 40 }, (_, k) => [
      rec({ at: k * 500, keys: keys(`page=${(k % 6) + 1}`) }),
      rec({ at: k * 500 + 10, keys: keys(`turn=${(k % 6) + 1}`) }),
    ]).flat();
    const table = KeyTable.of(records);
    expect(familyNames(table, findAliases(table, WINDOW))).toEqual({ page: "page", turn: "turn" });
  });

  it("needs several shared values: one coincidence is not a renamed field", () => {
    const records = [
      ...renamedHopToHop().filter((r) => r.service === "api"),
      rec({ at: 20, service: "usage", keys: keys("acct=a0x") }),
      ...Array.from({ length: 9 }, (_, k) =>
        rec({ at: (k + 1) * 60_000 + 20, service: "usage", keys: keys(`acct=b${k}y`) }),
      ),
    ];
    const table = KeyTable.of(records);
    expect(familyNames(table, findAliases(table, WINDOW))).toEqual({
      account: "account",
      acct: "acct",
    });
  });
});

describe("KeyTable.mergeFamilies", () => {
  it("makes one key of a value under both names, and a record naming it twice holds it once", () => {
    const records = [
      rec({ at: 0, keys: keys("account=a1x") }),
      rec({ at: 10, keys: keys("acct=a1x", "account=a1x") }),
      rec({ at: 20, keys: keys("acct=a1x") }),
    ];
    const table = KeyTable.of(records);
    expect(table.keyValue).toEqual(["a1x", "a1x"]);
    table.mergeFamilies(Int32Array.from([0, 0]));
    expect([...table.occKey.view()]).toEqual([0, 0, 0]);
    expect([...table.occRec.view()]).toEqual([0, 1, 2]);
    expect(table.fieldFamily).toEqual([0, 0]);
  });
});
