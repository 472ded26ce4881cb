// Field access by name without copying the record: `log.level` is found as a literal dotted key or as
// `{"log": {"level": …}}` (and any mix, such as `resource.attributes["service.name"]`).

export interface Path {
  key: string;
  /** Each way to split the key at a dot: the head object's name and the path inside it. */
  splits: [string, Path][];
  /** `[key]`: where the field is when it is a top-level key (shared, not built per record). */
  own: readonly string[];
}

/**
 * A field name prepared for lookups, built anew: for the constant tables built once at load. Names
 * known only at run time (`--time`, `--trace`, …) go through the run's `PathMemo`.
 */
export function path(key: string): Path {
  return compile(key, path);
}

function compile(key: string, inner: (key: string) => Path): Path {
  const splits: [string, Path][] = [];
  for (let i = key.indexOf("."); i > 0; i = key.indexOf(".", i + 1)) {
    splits.push([key.slice(0, i), inner(key.slice(i + 1))]);
  }
  return { key, splits, own: [key] };
}

/** One run's prepared field names (a run names few: those of its options). */
export class PathMemo {
  readonly #compiled = new Map<string, Path>();

  /** A field name prepared for lookups (cached: call it once per name, or per record at no cost). */
  path(key: string): Path {
    let prepared = this.#compiled.get(key);
    if (!prepared) {
      prepared = compile(key, (k) => this.path(k));
      this.#compiled.set(key, prepared);
    }
    return prepared;
  }

  /** How many names are prepared. */
  get size(): number {
    return this.#compiled.size;
  }
}

function find(obj: Record<string, unknown>, path: Path): unknown {
  const v = obj[path.key];
  if (v !== undefined) return typeof v === "function" ? undefined : v;
  for (const [head, rest] of path.splits) {
    const inner = obj[head];
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner)) {
      const found = find(inner as Record<string, unknown>, rest);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Reads one field of a parsed record by its prepared (possibly dotted) name. */
export function read(obj: Record<string, unknown>, p: Path): unknown {
  const v = obj[p.key];
  if (v !== undefined) return typeof v === "function" ? undefined : v;
  // Only dotted names can also be nested paths.
  return p.splits.length > 0 ? find(obj, p) : undefined;
}

/** Where `read` finds the field: its path from the top as segments (`["log", "level"]`), if present. */
export function locate(obj: Record<string, unknown>, p: Path): readonly string[] | undefined {
  const v = obj[p.key];
  if (v !== undefined) return typeof v === "function" ? undefined : p.own;
  for (const [head, rest] of p.splits) {
    const inner = obj[head];
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner)) {
      const found = locate(inner as Record<string, unknown>, rest);
      if (found !== undefined) return [head, ...found];
    }
  }
  return undefined;
}
