// The schema of the `--format json` contract: what it accepts and what it turns down.
import { describe, expect, it } from "vitest";
import {
  documentSchema,
  ndjsonLineSchema,
  type JsonDocument,
} from "../../src/output/json-schema.js";
import { parseDocument, parseNdjson } from "../helpers/json-doc.js";

function validDocument(): JsonDocument {
  return {
    version: 1,
    stats: { sources: 2, lines: 5, records: 4, skipped: 1, traces: 1 },
    traces: [
      {
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        correlation: "ids",
        name: "fetch_data_from_api",
        services: ["agent-a", "agent-b"],
        startTime: "2026-04-10T10:30:00.123456Z",
        durationMs: 1420.5,
        status: "error",
        errorCount: 1,
        spans: [
          {
            spanId: "00f067aa0ba902b7",
            parentSpanId: null,
            parentInferred: false,
            service: "agent-a",
            name: "fetch_data_from_api",
            startTime: "2026-04-10T10:30:00.123456Z",
            endTime: "2026-04-10T10:30:00.743556Z",
            durationMs: 620.1,
            timing: "measured",
            status: "ok",
            kind: "SERVER",
            records: [
              {
                source: "logs/agent-a.jsonl",
                line: 12,
                time: "2026-04-10T10:30:00.2Z",
                level: "info",
                message: "fetching",
                service: "agent-a",
                spanId: "00f067aa0ba902b7",
                idSource: "trace_id",
              },
            ],
          },
        ],
        records: [
          {
            source: "-",
            line: 3,
            time: null,
            level: "error",
            message: "failed",
            service: null,
          },
        ],
        findings: [
          {
            kind: "first-error",
            severity: "error",
            message: "first error in agent-b: failed",
            records: [{ source: "-", line: 3 }],
          },
          {
            kind: "propagation-break",
            severity: "warn",
            message: "context not propagated",
            services: ["agent-a", "agent-b"],
            key: "data.id",
            spanIds: ["00f067aa0ba902b7"],
          },
        ],
      },
    ],
    unmatched: [
      { source: "b.log", line: 1, time: null, level: "info", message: "hi", service: "b" },
    ],
    findings: [],
  };
}

/** The issue paths zod reports for `value`. */
function issuePaths(value: unknown): string[] {
  const r = documentSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
}

describe("the JSON document schema", () => {
  it("accepts a document as the contract describes it", () => {
    expect(issuePaths(validDocument())).toEqual([]);
    expect(
      parseDocument(JSON.stringify(validDocument())).traces[0]!.spans[0]!.records[0]!.line,
    ).toBe(12);
  });

  it("accepts additive fields on records, spans, traces and the document", () => {
    const doc = validDocument() as unknown as {
      traces: { attributes?: unknown; spans: { attributes?: unknown; records: object[] }[] }[];
      generator?: string;
    };
    doc.traces[0]!.attributes = { a: 1 };
    doc.traces[0]!.spans[0]!.attributes = { "http.status_code": 200 };
    Object.assign(doc.traces[0]!.spans[0]!.records[0]!, { attributes: { x: "y" } });
    doc.generator = "agtrace";
    const parsed = parseDocument(JSON.stringify(doc)) as unknown as typeof doc;
    expect(parsed.traces[0]!.spans[0]!.attributes).toEqual({ "http.status_code": 200 });
  });

  it("accepts a record's attributes, error, events and resource, and turns down ill-typed ones", () => {
    const doc = validDocument();
    const record = doc.traces[0]!.spans[0]!.records[0]! as Record<string, unknown>;
    Object.assign(record, {
      attributes: { task_id: "t-42", usage: { prompt_tokens: 12 }, tags: ["a", null, 1.5] },
      error: { type: "Error", message: "boom", code: "ECONNREFUSED", stack: "Error: boom\n at x" },
      events: [{ name: "exception", time: "2026-04-10T10:30:00.5Z", attributes: { a: 1 } }],
      resource: { "service.name": "agent-a" },
    });
    expect(issuePaths(doc)).toEqual([]);
    Object.assign(record, {
      error: { message: 42 },
      events: [{ name: "exception", time: "yesterday" }],
    });
    expect(issuePaths(doc)).toEqual([
      "traces.0.spans.0.records.0.error.message",
      "traces.0.spans.0.records.0.events.0.time",
    ]);
  });

  it("turns down a document without stats.records", () => {
    const doc = validDocument() as unknown as { stats: Record<string, unknown> };
    delete doc.stats.records;
    expect(issuePaths(doc)).toEqual(["stats.records"]);
    expect(() => parseDocument(JSON.stringify(doc))).toThrow(/stats\.records/);
  });

  it('turns down level "loud"', () => {
    const doc = validDocument() as unknown as { unmatched: { level: string }[] };
    doc.unmatched[0]!.level = "loud";
    expect(issuePaths(doc)).toEqual(["unmatched.0.level"]);
    expect(() => parseDocument(JSON.stringify(doc))).toThrow(/unmatched\[0\]\.level.*"loud"/);
  });

  it("turns down line 0 (lines are 1-based), in records and in findings' record references", () => {
    const doc = validDocument();
    doc.traces[0]!.spans[0]!.records[0]!.line = 0;
    doc.traces[0]!.findings[0]!.records = [{ source: "-", line: 0 }];
    expect(issuePaths(doc)).toEqual([
      "traces.0.spans.0.records.0.line",
      "traces.0.findings.0.records.0.line",
    ]);
  });

  it("turns down other breaches: times not RFC 3339 UTC, unknown enums, missing fields", () => {
    const doc = validDocument() as unknown as {
      version: number;
      traces: Record<string, unknown>[];
    };
    const trace = doc.traces[0]!;
    trace.startTime = "2026-04-10 10:30:00";
    trace.correlation = "guess";
    delete trace.errorCount;
    const span = (trace.spans as Record<string, unknown>[])[0]!;
    span.endTime = "2026-04-10T12:30:00+02:00";
    span.timing = "exact";
    span.status = "fine";
    (trace.findings as Record<string, unknown>[])[1]!.severity = "critical";
    doc.version = 2;
    expect(issuePaths(doc).sort()).toEqual(
      [
        "version",
        "traces.0.startTime",
        "traces.0.correlation",
        "traces.0.errorCount",
        "traces.0.spans.0.endTime",
        "traces.0.spans.0.timing",
        "traces.0.spans.0.status",
        "traces.0.findings.1.severity",
      ].sort(),
    );
  });
});

describe("the ndjson line schema", () => {
  it("accepts a trace line and a continuation line", () => {
    const trace = validDocument().traces[0]!;
    const continuation = {
      traceId: trace.traceId,
      continuation: true,
      records: [{ source: "-", line: 9, time: null, level: "info", message: "late", service: "a" }],
    };
    const lines = parseNdjson(`${JSON.stringify(trace)}\n${JSON.stringify(continuation)}\n`);
    expect(lines).toHaveLength(2);
    expect(ndjsonLineSchema.safeParse({ ...continuation, continuation: false }).success).toBe(
      false,
    );
    expect(ndjsonLineSchema.safeParse({ traceId: trace.traceId, records: [] }).success).toBe(false);
  });
});
