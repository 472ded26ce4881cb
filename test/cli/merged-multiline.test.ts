// OTel Python's pretty-printed span exports of two pods, merged line by line the way `kubectl logs
// --prefix`, stern and `docker compose logs` print them: agtrace rebuilds the same spans and traces as from
// the two files read separately.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocument } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";

interface Doc {
  traces: {
    traceId: string;
    spans: { spanId: string; parentSpanId: string | null; service: string; timing: string }[];
  }[];
}

const PODS = {
  "agent-a": "agent-a-6f7c9d8b4-k2x9p",
  "agent-b": "agent-b-5b8d7c6f9-q4w7z",
};

const PREFIXES: [string, (pod: string, container: string) => string][] = [
  ["kubectl --prefix", (pod, container) => `[pod/${pod}/${container}] `],
  ["stern", (pod, container) => `${pod} ${container} `],
  ["docker compose logs", (_pod, container) => `${`${container}-1`.padEnd(10)} | `],
];

/** The two files' lines, each with its container's prefix, taken one from each in turn. */
function interleaved(prefix: (pod: string, container: string) => string): string {
  const [a, b] = Object.entries(PODS).map(([name, pod]) =>
    readFileSync(`fixtures/two-agents/${name}.log`, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => prefix(pod, name) + l),
  );
  const out: string[] = [];
  for (let i = 0; i < Math.max(a!.length, b!.length); i++) {
    if (i < a!.length) out.push(a![i]!);
    if (i < b!.length) out.push(b![i]!);
  }
  return `${out.join("\n")}\n`;
}

/**
 * span id → its trace, parent and service, for the spans exported. (The print lines between the exports
 * join the operations too, in spans made up per service, whose names come from the file or the pod.)
 */
function spans(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of (parseDocument(stdout) as Doc).traces)
    for (const s of t.spans)
      if (s.timing === "measured") out.set(s.spanId, `${t.traceId} ${s.parentSpanId} ${s.service}`);
  return out;
}

describe.each(PREFIXES)("%s stream of interleaved multi-line span exports", (_name, prefix) => {
  it("yields the spans and traces of the separate files", async () => {
    const separate = await agtrace(["correlate", "fixtures/two-agents", "--format", "json"]);
    const merged = await agtrace(["correlate", "--format", "json"], { stdin: interleaved(prefix) });
    expect(merged.code).toBe(0);
    expect(merged.stderr).toBe(separate.stderr);
    const expected = spans(separate.stdout);
    expect(expected.size).toBeGreaterThan(20);
    expect(spans(merged.stdout)).toEqual(expected);
  });
});
