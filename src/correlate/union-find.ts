/** Disjoint sets over string keys, with path halving. */
export class UnionFind {
  readonly #parent = new Map<string, string>();

  find(x: string): string {
    let p = this.#parent.get(x);
    if (p === undefined) {
      this.#parent.set(x, x);
      return x;
    }
    let cur = x;
    while (p !== cur) {
      const gp: string = this.#parent.get(p) ?? p;
      this.#parent.set(cur, gp);
      cur = p;
      p = gp;
    }
    return cur;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent.set(rb, ra);
  }
}
