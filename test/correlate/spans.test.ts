// SpanBuilder: one trace's records → its spans. Span exports give measured spans; log lines give spans
// timed from their first to their last line, named by their opening line, with their errors and service.
import { describe, expect, it } from "vitest";
import { byTime, SpanBuilder } from "../../src/correlate/spans.js";
import type { LogRecord } from "../../src/model.js";
import { at, facts, rec, builderRecords } from "./records.js";

const T1 = "4bf92f3577b34da6a3ce929d0e0e4736";
const S1 = "00f067aa0ba902b7";
const S2 = "b7ad6b7169203331";
const S3 = "53995c3f42cd8ad8";

function build(records: LogRecord[], keepRecords = true) {
  const b = new SpanBuilder(T1, keepRecords);
  for (const r of records) b.add(r);
  return b;
}

describe("SpanBuilder: span exports", () => {
  it("gives a measured span with the export's name, times, status, kind and attributes", () => {
    const { spans } = build([
      rec({
        traceId: T1,
        spanId: S2,
        parentSpanId: S1,
        service: "api",
        span: facts({
          name: "GET /users",
          start: 10,
          end: 40,
          status: "error",
          statusMessage: "timeout",
          kind: "server",
        }),
        attributes: { "http.status_code": 504 },
      }),
    ]).finish();
    const s = spans.get(S2)!;
    expect(s).toMatchObject({
      name: "GET /users",
      timing: "measured",
      start: at(10),
      end: at(40),
      status: "error",
      statusMessage: "timeout",
      kind: "server",
      service: "api",
      parentSpanId: S1,
      attributes: { "http.status_code": 504 },
    });
    expect(s.errorLogs).toBe(0);
  });

  it("keeps the export's timing and name when log lines of the span come before and after it", () => {
    const { spans } = build([
      rec({ traceId: T1, spanId: S1, at: 0, message: "early line", service: "api" }),
      rec({
        traceId: T1,
        spanId: S1,
        service: "api",
        span: facts({ name: "job", start: 5, end: 9 }),
      }),
      rec({ traceId: T1, spanId: S1, at: 20, level: "error", message: "late", service: "api" }),
    ]).finish();
    const s = spans.get(S1)!;
    expect([s.name, s.timing, s.start, s.end]).toEqual(["job", "measured", at(5), at(9)]);
    expect([s.status, s.errorLogs, s.records.length]).toEqual(["error", 1, 3]);
  });

  it("takes an export without an end as ending where it starts", () => {
    const { spans } = build([
      rec({ traceId: T1, spanId: S1, span: { name: "x", status: "ok", start: at(3) } }),
    ]).finish();
    expect(spans.get(S1)!.end).toEqual(at(3));
  });
});

describe("SpanBuilder: log lines", () => {
  it("times a log-only span from its first to its last line, named by the line it opens with", () => {
    const { spans } = build([
      rec({ traceId: T1, spanId: S1, at: 30, message: "step two", service: "a" }),
      rec({
        traceId: T1,
        spanId: S1,
        at: 10,
        message: "request received\nwith details",
        service: "a",
      }),
      rec({ traceId: T1, spanId: S1, at: 20, message: "step one", service: "a" }),
    ]).finish();
    const s = spans.get(S1)!;
    expect(s.timing).toBe("inferred");
    expect([s.start, s.end]).toEqual([at(10), at(30)]);
    expect(s.name).toBe("request received");
    expect(s.opening).toMatchObject({ message: "request received\nwith details", time: at(10) });
    // Lines are put in time order when the span is finished.
    expect(s.records.map((r) => r.message)).toEqual([
      "request received\nwith details",
      "step one",
      "step two",
    ]);
  });

  it("cuts a long opening line to 60 characters", () => {
    const { spans } = build([
      rec({ traceId: T1, spanId: S1, at: 0, message: "x".repeat(100) }),
    ]).finish();
    expect(spans.get(S1)!.name).toBe(`${"x".repeat(59)}…`);
  });

  it("counts error lines and marks the span failed", () => {
    const { spans } = build([
      rec({ traceId: T1, spanId: S1, at: 0, level: "warn" }),
      rec({ traceId: T1, spanId: S1, at: 1, level: "error" }),
      rec({ traceId: T1, spanId: S1, at: 2, level: "fatal" }),
      rec({ traceId: T1, spanId: S2, at: 3, level: "warn" }),
    ]).finish();
    expect([spans.get(S1)!.status, spans.get(S1)!.errorLogs]).toEqual(["error", 2]);
    expect([spans.get(S2)!.status, spans.get(S2)!.errorLogs]).toEqual(["unset", 0]);
  });

  it("names the service most of the span's lines name", () => {
    const { spans } = build([
      rec({ traceId: T1, spanId: S1, at: 0, service: "sidecar" }),
      rec({ traceId: T1, spanId: S1, at: 1, service: "api" }),
      rec({ traceId: T1, spanId: S1, at: 2, service: "api" }),
    ]).finish();
    expect(spans.get(S1)!.service).toBe("api");
  });

  it("takes the first stated parent, never the span itself", () => {
    const { spans } = build([
      rec({ traceId: T1, spanId: S2, parentSpanId: S2, at: 0 }),
      rec({ traceId: T1, spanId: S2, parentSpanId: S1, at: 1 }),
      rec({ traceId: T1, spanId: S2, parentSpanId: S3, at: 2 }),
    ]).finish();
    expect(spans.get(S2)!.parentSpanId).toBe(S1);
  });

  it("starts a span rebuilt from business ids when its line says how long the work took", () => {
    const { spans } = build([
      rec({ traceId: T1, spanId: S1, at: 1000, durationMs: 230, idSource: "join:request_id" }),
      // A span with ids of its own starts at its first line, whatever the line says.
      rec({ traceId: T1, spanId: S2, at: 1000, durationMs: 230, idSource: "trace_id" }),
    ]).finish();
    expect(spans.get(S1)!.start).toMatchObject({ ms: at(770).ms });
    expect(spans.get(S2)!.start).toEqual(at(1000));
  });

  it("without keepRecords, keeps what the lines said but not the lines", () => {
    const loose = rec({ traceId: T1, at: 5, message: "no span" });
    const b = build(
      [
        rec({ traceId: T1, spanId: S1, at: 0, message: "open", service: "a" }),
        rec({ traceId: T1, spanId: S1, at: 9, level: "error", service: "a" }),
        loose,
      ],
      false,
    );
    const { spans, loose: rest } = b.finish();
    const s = spans.get(S1)!;
    expect(s.records).toEqual([]);
    expect([s.name, s.start, s.end, s.errorLogs, s.service]).toEqual([
      "open",
      at(0),
      at(9),
      1,
      "a",
    ]);
    expect(rest).toEqual([loose]);
    expect(builderRecords(b)).toEqual([loose]);
  });

  it("lists the services its spans and loose records name", () => {
    const b = build([
      rec({ traceId: T1, spanId: S1, at: 0, service: "a" }),
      rec({ traceId: T1, spanId: S1, at: 1, service: "b" }),
      rec({ traceId: T1, at: 2, service: "c" }),
    ]);
    expect([...b.services()].sort()).toEqual(["a", "b", "c"]);
  });
});

describe("SpanBuilder: records that name only their caller's span", () => {
  it("puts a loose record naming its caller's span into the callee span of its service", () => {
    const received = rec({
      traceId: T1,
      parentSpanId: S1,
      at: 5,
      level: "error",
      service: "worker",
    });
    const { spans, loose } = build([
      rec({ traceId: T1, spanId: S1, at: 0, service: "gateway" }),
      rec({ traceId: T1, spanId: S2, parentSpanId: S1, at: 4, service: "worker" }),
      received,
    ]).finish();
    expect(loose).toEqual([]);
    expect(spans.get(S2)!.records).toContain(received);
    expect(spans.get(S2)!.errorLogs).toBe(1);
  });

  it("keeps the callee span's records in time order once the moved record is in", () => {
    const received = rec({ traceId: T1, parentSpanId: S1, at: 5, service: "worker" });
    const later = rec({ traceId: T1, spanId: S2, parentSpanId: S1, at: 9, service: "worker" });
    const { spans } = build([
      rec({ traceId: T1, spanId: S1, at: 0, service: "gateway" }),
      later,
      received,
    ]).finish();
    expect(spans.get(S2)!.records).toEqual([received, later]);
  });

  it("leaves it loose when no callee of its service is there", () => {
    const received = rec({ traceId: T1, parentSpanId: S1, at: 5, service: "billing" });
    const { loose } = build([
      rec({ traceId: T1, spanId: S1, at: 0, service: "gateway" }),
      rec({ traceId: T1, spanId: S2, parentSpanId: S1, at: 4, service: "worker" }),
      received,
    ]).finish();
    expect(loose).toEqual([received]);
  });
});

describe("SpanBuilder: reserve and nameReserved", () => {
  it("keeps the input order of spans and loose records reserved before their service is named", () => {
    const b = new SpanBuilder(T1);
    const first = rec({ traceId: T1, spanId: S1, at: 0 });
    const looseFirst = rec({ traceId: T1, at: 1, message: "loose 1" });
    b.reserve(first);
    b.reserve(looseFirst);
    b.add(rec({ traceId: T1, spanId: S2, at: 2, service: "b" }));
    b.add(rec({ traceId: T1, at: 3, message: "loose 2", service: "b" }));
    expect([...b.spans.keys()]).toEqual([S1, S2]);
    b.nameReserved((r) => ({ ...r, service: "a" }));
    expect(b.loose.map((r) => [r.message, r.service])).toEqual([
      ["loose 1", "a"],
      ["loose 2", "b"],
    ]);
    const { spans } = b.finish();
    expect([...spans.keys()]).toEqual([S1, S2]);
    expect(spans.get(S1)!.service).toBe("a");
    expect(spans.get(S1)!.records.map((r) => r.service)).toEqual(["a"]);
  });

  it("adds a reserved record once only, however often names are settled", () => {
    const b = new SpanBuilder(T1);
    b.reserve(rec({ traceId: T1, spanId: S1, at: 0 }));
    b.nameReserved((r) => ({ ...r, service: "a" }));
    b.nameReserved((r) => ({ ...r, service: "a" }));
    expect(b.spans.get(S1)!.records).toHaveLength(1);
  });
});

describe("SpanBuilder: absorb", () => {
  it("merges drafts of the same span: lines, errors, time range, opening line, measured facts", () => {
    const a = build([
      rec({ traceId: T1, spanId: S1, at: 10, message: "second half", service: "api" }),
      rec({ traceId: T1, spanId: S1, at: 20, level: "error", service: "api" }),
      rec({ traceId: T1, at: 21, message: "loose a" }),
    ]);
    const b = build([
      rec({
        traceId: T1,
        spanId: S1,
        at: 0,
        message: "first half",
        level: "error",
        service: "api",
      }),
      rec({ traceId: T1, spanId: S2, at: 1, service: "db" }),
      rec({ traceId: T1, at: 2, message: "loose b" }),
    ]);
    a.absorb(b);
    expect([...a.spans.keys()]).toEqual([S1, S2]);
    expect(a.loose.map((r) => r.message)).toEqual(["loose a", "loose b"]);
    const { spans } = a.finish();
    const s = spans.get(S1)!;
    expect(s.records).toHaveLength(3);
    expect([s.errorLogs, s.status, s.name, s.start, s.end]).toEqual([
      2,
      "error",
      "first half",
      at(0),
      at(20),
    ]);
  });

  it("takes the measured facts of an absorbed span export", () => {
    const a = build([rec({ traceId: T1, spanId: S1, at: 10, message: "line", service: "x" })]);
    const b = build([
      rec({
        traceId: T1,
        spanId: S1,
        parentSpanId: S2,
        service: "api",
        span: facts({ name: "GET /", start: 0, end: 50 }),
      }),
    ]);
    a.absorb(b);
    const s = a.finish().spans.get(S1)!;
    expect([s.timing, s.name, s.start, s.end, s.service, s.parentSpanId]).toEqual([
      "measured",
      "GET /",
      at(0),
      at(50),
      "api",
      S2,
    ]);
  });

  it("keeps the places of records the absorbed builder reserved", () => {
    const a = build([rec({ traceId: T1, at: 0, message: "loose a", service: "x" })]);
    const b = new SpanBuilder(T1);
    b.reserve(rec({ traceId: T1, at: 1, message: "loose b" }));
    a.absorb(b);
    a.nameReserved((r) => ({ ...r, service: "named" }));
    expect(a.loose.map((r) => [r.message, r.service])).toEqual([
      ["loose a", "x"],
      ["loose b", "named"],
    ]);
  });
});

describe("byTime", () => {
  const o = (source: string, line: number, ms?: number) =>
    ms === undefined ? { source, line, message: "" } : { source, line, message: "", time: at(ms) };

  it("orders by time, then line, then source", () => {
    expect(byTime(o("a", 9, 1), o("a", 1, 2))).toBeLessThan(0);
    expect(byTime(o("a", 1, 1), o("a", 2, 1))).toBeLessThan(0);
    expect(byTime(o("b", 1, 1), o("a", 1, 1))).toBeGreaterThan(0);
  });

  it("keeps untimed records in line order within a source, after timed ones across sources", () => {
    expect(byTime(o("a", 1), o("a", 2, 0))).toBeLessThan(0);
    expect(byTime(o("a", 1), o("b", 2, 0))).toBeGreaterThan(0);
    expect(byTime(o("a", 1), o("b", 2))).toBe(0);
  });
});
