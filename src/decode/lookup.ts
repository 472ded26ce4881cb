// Field access by name without copying the record: `log.level` is found as a literal dotted key or as
// `{"log": {"level": …}}` (and any mix, such as `resource.attributes["service.name"]`).

interface Path {
  key: string;
  /** Each way to split the key at a dot: the head object's name and the path inside it. */
  splits: [string, Path][];
}

const compiled = new Map<string, Path>();

function compile(key: string): Path {
  let path = compiled.get(key);
  if (!path) {
    const splits: [string, Path][] = [];
    for (let i = key.indexOf("."); i > 0; i = key.indexOf(".", i + 1)) {
      splits.push([key.slice(0, i), compile(key.slice(i + 1))]);
    }
    path = { key, splits };
    compiled.set(key, path);
  }
  return path;
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

/** Reads one field of a parsed record by its (possibly dotted) name. */
export type Get = (key: string) => unknown;

export function fieldReader(obj: Record<string, unknown>): Get {
  return (key) => {
    const v = obj[key];
    if (v !== undefined) return typeof v === "function" ? undefined : v;
    // Only dotted names can also be nested paths.
    return key.includes(".") ? find(obj, compile(key)) : undefined;
  };
}
