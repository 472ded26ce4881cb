// Plain-text lines placed by the records around them in their own stream (source and service).
import { describe, expect, it } from "vitest";
import { PlainLines } from "../../src/correlate/plain-lines.js";
import type { LogRecord } from "../../src/model.js";
import { rec } from "./records.js";

const A = "a".repeat(32);
const B = "b".repeat(32);

function run(steps: [LogRecord, string | undefined][]) {
  const plain = new PlainLines();
  return steps
    .flatMap(([r, traceId]) => plain.note(r, traceId))
    .map((p) => [p.record.message, p.traceId, p.spanId ?? "-"]);
}

const line = (message: string, spanId?: string, service = "svc"): LogRecord =>
  rec({ message, service, ...(spanId ? { spanId } : {}) });
const text = (message: string, service = "svc"): LogRecord =>
  rec({ message, service, plain: true });

describe("PlainLines", () => {
  it("places a line printed between two records of one span in that span", () => {
    expect(
      run([
        [line("start", "s1"), A],
        [text("working on 12345"), undefined],
        [line("done", "s1"), A],
      ]),
    ).toEqual([["working on 12345", A, "s1"]]);
  });

  it("places it in the trace, in no span, between two spans of one trace", () => {
    expect(
      run([
        [line("a", "s1"), A],
        [text("between"), undefined],
        [line("b", "s2"), A],
      ]),
    ).toEqual([["between", A, "-"]]);
  });

  it("leaves a line between two operations, or before the first record, alone", () => {
    expect(
      run([
        [text("banner"), undefined],
        [line("a", "s1"), A],
        [text("between"), undefined],
        [line("b", "s2"), B],
        [text("after the last"), undefined],
      ]),
    ).toEqual([]);
  });

  it("reads each stream on its own: another service's records in between change nothing", () => {
    expect(
      run([
        [line("a", "s1", "api"), A],
        [text("api prints", "api"), undefined],
        [line("other", "s9", "db"), B],
        [line("b", "s1", "api"), A],
      ]),
    ).toEqual([["api prints", A, "s1"]]);
  });

  it("needs a record placed by ids on both sides", () => {
    expect(
      run([
        [line("a", "s1"), A],
        [text("between"), undefined],
        [line("no ids"), undefined],
        [line("b", "s1"), A],
      ]),
    ).toEqual([]);
  });
});
