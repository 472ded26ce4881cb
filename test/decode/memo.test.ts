// What decoding remembers belongs to one run: two decode contexts with their own memos share nothing.
import { describe, expect, it } from "vitest";
import { DecodeMemo, type DecodeOptions, decodeValue } from "../../src/decode/index.js";
import type { LogRecord } from "../../src/model.js";
import { ShapeMemo } from "../../src/decode/shape.js";
import { NameKinds } from "../../src/decode/join-keys.js";

const RECORD = {
  time: "2026-11-24T01:02:03.456Z",
  level: "info",
  msg: "charged",
  meta: { at: "2026-11-24T01:02:04.000Z" },
  order_id: "o-42",
};

function decode(memo: DecodeMemo, options: DecodeOptions = {}): LogRecord {
  const [r] = decodeValue(structuredClone(RECORD), { source: "t", line: 1, options, memo });
  return r!;
}

describe("DecodeMemo: one per run", () => {
  it("a run's shapes, field names, option paths and time head stay in its own memo", () => {
    const a = new DecodeMemo();
    const b = new DecodeMemo();
    decode(a, { joinKeys: true, time: "meta.at" });

    expect(a.shapes.size).toBeGreaterThan(0);
    expect(a.names.has("order_id")).toBe(true);
    expect(a.paths.size).toBeGreaterThan(0);
    expect(a.time.head).toBe("2026-11-24T01:02:04");

    expect(b.shapes.size).toBe(0);
    expect(b.names.size).toBe(0);
    expect(b.paths.size).toBe(0);
    expect(b.time.head).toBe("");
  });

  it("the other run learns the same shape for itself and decodes the record the same", () => {
    const a = new DecodeMemo();
    const b = new DecodeMemo();
    const first = decode(a, { joinKeys: true });
    const learned = a.shapes.size;
    const second = decode(b, { joinKeys: true });
    expect(b.shapes.size).toBe(learned);
    expect(a.shapes.size).toBe(learned);
    expect(second).toEqual(first);
  });

  it("instants are shared between neighbours of a run, never across runs", () => {
    const a = new DecodeMemo();
    const b = new DecodeMemo();
    const [a1, a2, b1] = [decode(a), decode(a), decode(b)];
    expect(a2.time).toBe(a1.time);
    expect(b1.time).toEqual(a1.time);
    expect(b1.time).not.toBe(a1.time);
  });
});

describe("bounded caches stay bounded per run", () => {
  it("a run that fills its shape trie leaves the next run's empty", () => {
    const full = new ShapeMemo();
    let refused = 0;
    for (let i = 0; i < 10_001; i++) if (!full.plan({ [`k${i}`]: 1 })) refused++;
    expect(full.size).toBe(10_000);
    expect(refused).toBe(1);
    const next = new ShapeMemo();
    expect(next.plan({ k10000: 1 })).toBeDefined();
    expect(next.size).toBe(1);
  });

  it("a run that fills its name classes leaves the next run's empty", () => {
    const full = new NameKinds();
    for (let i = 0; i < 5000; i++) full.kind(`field${i}`);
    expect(full.size).toBe(4096);
    expect(full.has("field4999")).toBe(false);
    const next = new NameKinds();
    next.kind("field4999");
    expect(next.has("field4999")).toBe(true);
  });
});
