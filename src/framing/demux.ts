// A merged stream (`kubectl logs --prefix`, stern, `docker compose logs`) interleaves the lines of several
// containers: each container's lines get state of their own, so an object printed over many lines (OTel
// Python's console exporters) is framed whole even when other containers' lines come between its lines.
import type { LineContext } from "./transport.js";

/** Which container a line came from: pod and container, else the compose service; "" when unwrapped. */
export function containerKey(context: LineContext | undefined): string {
  if (!context) return "";
  if (context.pod !== undefined) return `${context.pod}/${context.container ?? ""}`;
  return context.service ?? "";
}

export interface DemuxLimits {
  /** Most containers held at once (at least 1); the least recently heard one is closed beyond it. */
  maxContainers: number;
  /** A container with no line for this many lines of the stream is closed (its pod is gone or silent). */
  idleLines: number;
}

export const DEFAULT_DEMUX_LIMITS: DemuxLimits = { maxContainers: 1024, idleLines: 100_000 };

interface Entry<S> {
  state: S;
  lastLine: number;
}

/** State per container, opened on a container's first line and closed when idle, evicted, or at the end. */
export class Demux<S> {
  readonly #open: (key: string) => S;
  readonly #close: (state: S) => void;
  readonly #limits: DemuxLimits;
  // In order of last use (re-inserted on use), so the idlest container is always the first.
  readonly #byKey = new Map<string, Entry<S>>();
  #lastKey: string | undefined;
  #last: Entry<S> | undefined;

  constructor(open: (key: string) => S, close: (state: S) => void, limits = DEFAULT_DEMUX_LIMITS) {
    this.#open = open;
    this.#close = close;
    this.#limits = limits;
  }

  /** The state of a line's container. */
  get(context: LineContext | undefined, lineNo: number): S {
    const key = containerKey(context);
    // The common case, a run of lines from one container (a whole plain file), touches no map.
    if (key === this.#lastKey) {
      this.#last!.lastLine = lineNo;
      return this.#last!.state;
    }
    let entry = this.#byKey.get(key);
    if (entry) this.#byKey.delete(key);
    else entry = { state: this.#open(key), lastLine: lineNo };
    entry.lastLine = lineNo;
    this.#byKey.set(key, entry);
    this.#lastKey = key;
    this.#last = entry;
    this.#evict(lineNo);
    return entry.state;
  }

  /** Closes every container, idlest first. */
  end(): void {
    const entries = [...this.#byKey.values()];
    this.#byKey.clear();
    this.#lastKey = undefined;
    this.#last = undefined;
    for (const e of entries) this.#close(e.state);
  }

  get size(): number {
    return this.#byKey.size;
  }

  #evict(lineNo: number): void {
    for (const [key, e] of this.#byKey) {
      const idle = lineNo - e.lastLine > this.#limits.idleLines;
      if (!idle && this.#byKey.size <= this.#limits.maxContainers) return;
      this.#byKey.delete(key);
      this.#close(e.state);
    }
  }
}
