import { describe, expect, it } from "vitest";
import { analyzeTrace } from "../../src/analyze/findings.js";
import { Correlator } from "../../src/correlate/index.js";
import type { LogRecord } from "../../src/model.js";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";
const at = (ms: number) => ({ ms: 1_795_000_000_000 + ms, ns: 0, digits: 3 });

function trace(records: LogRecord[]) {
  const c = new Correlator();
  for (const r of records) c.add(r);
  const [t] = c.finish().traces;
  analyzeTrace(t!);
  return t!;
}

describe("analyzeTrace", () => {
  it("points at the earliest error line, with its span and file:line", () => {
    const t = trace([
      {
        source: "a.log",
        line: 1,
        time: at(0),
        level: "info",
        message: "start",
        service: "a",
        traceId: T,
        spanId: "1".repeat(16),
        attributes: {},
      },
      {
        source: "b.log",
        line: 7,
        time: at(20),
        level: "error",
        message: "later error",
        service: "b",
        traceId: T,
        spanId: "2".repeat(16),
        attributes: {},
      },
      {
        source: "b.log",
        line: 3,
        time: at(10),
        level: "error",
        message: "missing field 'values'\nstack…",
        service: "b",
        traceId: T,
        spanId: "2".repeat(16),
        attributes: {},
      },
    ]);
    const first = t.findings.find((f) => f.kind === "first-error");
    expect(first).toMatchObject({
      severity: "error",
      message: "first error in b › missing field 'values': missing field 'values'",
      spanIds: ["2".repeat(16)],
      records: [{ source: "b.log", line: 3 }],
    });
  });

  it("reports spans whose parent is not in the input", () => {
    const t = trace([
      {
        source: "a.log",
        line: 1,
        time: at(0),
        level: "info",
        message: "x",
        service: "a",
        traceId: T,
        spanId: "1".repeat(16),
        parentSpanId: "9".repeat(16),
        attributes: {},
      },
    ]);
    expect(t.findings).toEqual([
      expect.objectContaining({ kind: "orphan", severity: "warn", parentSpanId: "9".repeat(16) }),
    ]);
  });

  it("has no findings for a clean trace", () => {
    const t = trace([
      {
        source: "a.log",
        line: 1,
        time: at(0),
        level: "info",
        message: "x",
        service: "a",
        traceId: T,
        spanId: "1".repeat(16),
        attributes: {},
      },
    ]);
    expect(t.findings).toEqual([]);
  });
});
