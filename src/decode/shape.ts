// The fields a record of a given key set can hold: records of one shape skip the names it lacks.
import { type PreparedDialect, PREPARED } from "./context.js";
import { type ErrorPaths, errorPathsFor } from "./error.js";
import { LEVEL_PATHS, MESSAGE_PATHS, SERVICE_PATHS, TIME_PATHS } from "./fields.js";
import type { Path } from "./lookup.js";

/** Each search's names, in their order, less those whose key and every dotted head are absent. */
export interface ShapePlan {
  time: Path[];
  level: Path[];
  message: Path[];
  service: Path[];
  dialects: PreparedDialect[];
  /** Where its error may be; undefined when it has no such field. */
  error: ErrorPaths | undefined;
}

interface Node {
  next: Map<string, Node>;
  plan: ShapePlan | undefined;
}

// Bounds on the memory spent on shapes; records beyond them are searched in full.
const MAX_KEYS = 64;
const MAX_NODES = 10_000;

function planFor(keys: Set<string>): ShapePlan {
  // A path reads `obj[key]`, then `obj[head]` for each dotted split: absent from the keys, it is undefined.
  const possible = (p: Path | undefined): boolean =>
    p !== undefined && (keys.has(p.key) || p.splits.some(([head]) => keys.has(head)));
  return {
    time: TIME_PATHS.filter(possible),
    level: LEVEL_PATHS.filter(possible),
    message: MESSAGE_PATHS.filter(possible),
    service: SERVICE_PATHS.filter(possible),
    error: errorPathsFor(possible),
    dialects: PREPARED.filter(
      (p) =>
        (p.requires === undefined || possible(p.requires)) &&
        (possible(p.trace) || possible(p.span) || possible(p.alt)),
    ),
  };
}

/** One run's trie of record shapes (key sequences) → their plans, bounded. */
export class ShapeMemo {
  readonly #root: Node = { next: new Map(), plan: undefined };
  #nodes = 0;

  /** The plan for the object's own keys (in their order), or undefined past the bounds. */
  plan(obj: Record<string, unknown>): ShapePlan | undefined {
    let node = this.#root;
    let count = 0;
    for (const key in obj) {
      if (++count > MAX_KEYS) return undefined;
      let next = node.next.get(key);
      if (next === undefined) {
        if (this.#nodes >= MAX_NODES) return undefined;
        next = { next: new Map(), plan: undefined };
        node.next.set(key, next);
        this.#nodes++;
      }
      node = next;
    }
    node.plan ??= planFor(new Set(Object.keys(obj)));
    return node.plan;
  }

  /** Trie nodes held (one per distinct key-sequence prefix seen). */
  get size(): number {
    return this.#nodes;
  }
}
