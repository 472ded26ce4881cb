import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import { Correlator } from "../../src/correlate/index.js";
import type { LogRecord } from "../../src/model.js";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";

/** A log record of trace T at `ms` after a fixed start; the rest defaults to an info line of service a. */
function log(ms: number, fields: Partial<LogRecord> = {}): LogRecord {
  return {
    source: "a.log",
    line: 1,
    time: { ms: 1_795_000_000_000 + ms, ns: 0, digits: 3 },
    level: "info",
    message: "x",
    service: "a",
    traceId: T,
    spanId: "1".repeat(16),
    ...fields,
  };
}

function trace(records: LogRecord[]) {
  const c = new Correlator();
  for (const r of records) c.add(r);
  const [t] = analyze(c.finish().traces);
  return t!;
}

describe("analyze: first error and orphans", () => {
  it("points at the earliest error line, with its span and file:line", () => {
    const b = { source: "b.log", service: "b", spanId: "2".repeat(16), level: "error" as const };
    const t = trace([
      log(0, { message: "start" }),
      log(20, { ...b, line: 7, message: "later error" }),
      log(10, { ...b, line: 3, message: "missing field 'values'\nstack…" }),
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
    const t = trace([log(0, { parentSpanId: "9".repeat(16) })]);
    expect(t.findings).toEqual([
      expect.objectContaining({ kind: "orphan", severity: "warn", parentSpanId: "9".repeat(16) }),
    ]);
  });

  it("has no findings for a clean trace", () => {
    expect(trace([log(0)]).findings).toEqual([]);
  });
});
