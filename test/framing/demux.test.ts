// State per container of a merged stream: opened on first use, reused, closed when idle, evicted, or at the end.
import { describe, expect, it } from "vitest";
import { containerKey, Demux } from "../../src/framing/demux.js";
import { parseIsoInstant } from "../../src/util/instant.js";

function tracked(limits = { maxContainers: 8, idleLines: 1000 }) {
  const opened: string[] = [];
  const closed: string[] = [];
  const demux = new Demux(
    (key) => {
      opened.push(key);
      return { key };
    },
    (state) => closed.push(state.key),
    limits,
  );
  return { demux, opened, closed };
}

const pod = (name: string) => ({ pod: name, container: "app", service: name });

describe("containerKey", () => {
  it("keys by pod and container, else by compose service, else one for unwrapped lines", () => {
    expect(containerKey({ pod: "a-0", container: "app", service: "a" })).toBe("a-0/app");
    expect(containerKey({ pod: "a-0", container: "sidecar", service: "a/sidecar" })).toBe(
      "a-0/sidecar",
    );
    expect(containerKey({ service: "planner" })).toBe("planner");
    expect(containerKey({ captureTime: parseIsoInstant("2026-11-24T01:02:42Z")! })).toBe("");
    expect(containerKey(undefined)).toBe("");
  });
});

describe("Demux", () => {
  it("gives each container its own state and the same state to all its lines", () => {
    const { demux, opened } = tracked();
    const a = demux.get(pod("a"), 1);
    const b = demux.get(pod("b"), 2);
    expect(demux.get(pod("a"), 3)).toBe(a);
    expect(demux.get(pod("b"), 4)).toBe(b);
    expect(demux.get(undefined, 5)).not.toBe(a);
    expect(opened).toEqual(["a/app", "b/app", ""]);
  });

  it("closes the least recently heard container beyond the cap", () => {
    const { demux, closed } = tracked({ maxContainers: 2, idleLines: 1000 });
    demux.get(pod("a"), 1);
    demux.get(pod("b"), 2);
    demux.get(pod("a"), 3);
    demux.get(pod("c"), 4);
    expect(closed).toEqual(["b/app"]);
    expect(demux.size).toBe(2);
  });

  it("closes a container that sent no line for too long, once another container speaks", () => {
    const { demux, closed, opened } = tracked({ maxContainers: 8, idleLines: 10 });
    demux.get(pod("a"), 1);
    demux.get(pod("b"), 2);
    demux.get(pod("b"), 11);
    expect(closed).toEqual([]);
    demux.get(pod("c"), 12);
    expect(closed).toEqual(["a/app"]);
    demux.get(pod("a"), 13);
    expect(opened.filter((k) => k === "a/app")).toHaveLength(2);
  });

  it("closes every container at the end, idlest first", () => {
    const { demux, closed } = tracked();
    demux.get(pod("a"), 1);
    demux.get(pod("b"), 2);
    demux.get(pod("a"), 3);
    demux.end();
    expect(closed).toEqual(["b/app", "a/app"]);
    expect(demux.size).toBe(0);
  });
});
