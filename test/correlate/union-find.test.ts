// UnionFind: disjoint sets over string keys.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UnionFind } from "../../src/correlate/union-find.js";

describe("UnionFind", () => {
  it("makes each key its own set until joined, and the first argument's root the root", () => {
    const uf = new UnionFind();
    expect(uf.find("a")).toBe("a");
    uf.union("a", "b");
    uf.union("c", "d");
    uf.union("a", "c");
    expect(["a", "b", "c", "d"].map((k) => uf.find(k))).toEqual(["a", "a", "a", "a"]);
    expect(uf.find("e")).toBe("e");
  });

  it("finds the root of a long chain", () => {
    const uf = new UnionFind();
    for (let i = 1; i < 10_000; i++) uf.union(`k${i}`, `k${i - 1}`);
    expect(uf.find("k0")).toBe("k9999");
    expect(uf.find("k0")).toBe("k9999");
  });

  it("agrees with connectivity of the unions made (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 9 }), fc.nat({ max: 9 }))), (edges) => {
        const uf = new UnionFind();
        const label = Array.from({ length: 10 }, (_, i) => i);
        for (const [a, b] of edges) {
          uf.union(`${a}`, `${b}`);
          const [from, to] = [label[b]!, label[a]!];
          for (let i = 0; i < 10; i++) if (label[i] === from) label[i] = to;
        }
        const roots = label.map((_, i) => uf.find(`${i}`));
        const same = (xs: readonly (string | number)[]): boolean[] =>
          xs.flatMap((x) => xs.map((y) => x === y));
        expect(same(roots)).toEqual(same(label));
      }),
      { numRuns: 200 },
    );
  });
});
