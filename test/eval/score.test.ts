// The scoring of `npm run eval` (eval/score.mjs) on tiny hand-made truth/output pairs with known answers.
import { describe, expect, it } from "vitest";
import {
  breakScore,
  continuationLines,
  countDocRecords,
  fileName,
  groupingScore,
  loggedSpansPresent,
  mean,
  pairwiseF1,
  parentScore,
  type OutDoc,
  type OutRecord,
  type OutSpan,
  type TruthBreak,
  type TruthRecord,
  type TruthSpan,
  withoutContinuations,
} from "../../eval/score.mjs";

// Two operations over services a → b (through a client span of a that logs nothing):
//   op-1: trace T1: A1 (a, logs a.jsonl:2) → A1c (a, no log) → B1 (b, logs b.jsonl:1)
//   op-2: trace T2: A2 (a, logs a.jsonl:3) → A2c (a, no log) → B2 (b, logs b.jsonl:2 and the plain-text b.jsonl:3)
// plus a startup line a.jsonl:1 with op null.
const rec = (
  source: string,
  line: number,
  op: string | null,
  spanId: string | null,
  service: string,
): TruthRecord => ({
  source,
  line,
  op,
  traceId: spanId ? (op === "op-1" ? "T1" : "T2") : null,
  spanId,
  service,
});
const truthRecords: TruthRecord[] = [
  rec("a.jsonl", 1, null, null, "a"),
  rec("a.jsonl", 2, "op-1", "A1", "a"),
  rec("b.jsonl", 1, "op-1", "B1", "b"),
  rec("a.jsonl", 3, "op-2", "A2", "a"),
  rec("b.jsonl", 2, "op-2", "B2", "b"),
  rec("b.jsonl", 3, "op-2", "B2", "b"),
];
const truthSpans: TruthSpan[] = [
  { traceId: "T1", spanId: "A1", parentSpanId: null, service: "a" },
  { traceId: "T1", spanId: "A1c", parentSpanId: "A1", service: "a" },
  { traceId: "T1", spanId: "B1", parentSpanId: "A1c", service: "b" },
  { traceId: "T2", spanId: "A2", parentSpanId: null, service: "a" },
  { traceId: "T2", spanId: "A2c", parentSpanId: "A2", service: "a" },
  { traceId: "T2", spanId: "B2", parentSpanId: "A2c", service: "b" },
];

// Output sources are paths as given on the command line; scoring uses the file name only.
const r = (file: string, line: number): OutRecord => ({ source: `logs/x/${file}`, line });
const span = (
  spanId: string,
  parentSpanId: string | null,
  service: string,
  records: OutRecord[],
): OutSpan => ({
  spanId,
  parentSpanId,
  service,
  records,
});

/** The right answer: one trace per operation, B's spans under A's, the startup line unmatched. */
function perfect(): OutDoc {
  return {
    traces: [
      {
        traceId: "T1",
        spans: [span("A1", null, "a", [r("a.jsonl", 2)]), span("B1", "A1", "b", [r("b.jsonl", 1)])],
        records: [],
        findings: [],
      },
      {
        traceId: "T2",
        spans: [
          span("A2", null, "a", [r("a.jsonl", 3)]),
          span("B2", "A2", "b", [r("b.jsonl", 2), r("b.jsonl", 3)]),
        ],
        records: [],
        findings: [],
      },
    ],
    unmatched: [r("a.jsonl", 1)],
  };
}

describe("pairwiseF1", () => {
  it("is 1.0 for identical groupings, whatever the labels", () => {
    const truth = new Map([
      ["x", "p"],
      ["y", "p"],
      ["z", "q"],
    ]);
    const predicted = new Map([
      ["x", 7],
      ["y", 7],
      ["z", 9],
    ]);
    expect(pairwiseF1(predicted, truth)).toMatchObject({ precision: 1, recall: 1, f1: 1 });
  });

  it("treats items missing from the prediction as singletons", () => {
    const truth = new Map([
      ["x", "p"],
      ["y", "p"],
    ]);
    expect(pairwiseF1(new Map(), truth)).toMatchObject({ precision: 1, recall: 0, f1: 0 });
  });
});

describe("groupingScore", () => {
  it("is 1.0 for the right grouping, over records with an op only", () => {
    const s = groupingScore(perfect(), truthRecords);
    expect(s).toMatchObject({
      precision: 1,
      recall: 1,
      f1: 1,
      records: 5,
      opsFound: 2,
      opsTrue: 2,
    });
  });

  it("gives precision < 1 when everything is in one trace", () => {
    const doc: OutDoc = {
      traces: [
        {
          traceId: "all",
          spans: [],
          records: [
            "a.jsonl:1",
            "a.jsonl:2",
            "b.jsonl:1",
            "a.jsonl:3",
            "b.jsonl:2",
            "b.jsonl:3",
          ].map((k) => r(k.split(":")[0]!, Number(k.split(":")[1]))),
          findings: [],
        },
      ],
      unmatched: [],
    };
    const s = groupingScore(doc, truthRecords);
    // 5 scored records in one group: 10 predicted pairs, 1 + 3 true pairs, all 4 found.
    expect(s.precision).toBeCloseTo(4 / 10);
    expect(s.recall).toBe(1);
    expect(s.opsFound).toBe(1);
  });

  it("counts unmatched records and skipped lines as singletons, ignores output records without truth", () => {
    const doc = perfect();
    doc.traces[1]!.spans[1]!.records = [r("b.jsonl", 2)]; // b.jsonl:3 (plain text) skipped
    doc.traces[0]!.spans[1]!.records = []; // b.jsonl:1 left unmatched
    doc.unmatched.push(r("b.jsonl", 1));
    doc.traces[0]!.records.push(r("c.jsonl", 99)); // no truth line
    const s = groupingScore(doc, truthRecords);
    // true pairs: op-1 {a2,b1} 1, op-2 {a3,b2,b3} 3; found: {a3,b2} only.
    expect(s.precision).toBe(1);
    expect(s.recall).toBeCloseTo(1 / 4);
  });
});

describe("countDocRecords", () => {
  it("counts span records, trace records and unmatched", () => {
    const doc = perfect();
    doc.traces[0]!.records.push(r("c.jsonl", 1));
    expect(countDocRecords(doc)).toBe(7);
  });
});

describe("parentScore", () => {
  it("the right parent is the nearest ancestor that logged: all right on the perfect output", () => {
    expect(parentScore(perfect(), truthSpans, truthRecords)).toEqual({
      spans: 4,
      exact: 1,
      service: 1,
    });
  });

  it("a parent of the right service but the wrong span is right for service only", () => {
    const doc = perfect();
    doc.traces[1]!.spans.push(span("A1", null, "a", [])); // a record-less copy of A1 in trace T2
    doc.traces[1]!.spans[1]!.parentSpanId = "A1";
    expect(parentScore(doc, truthSpans, truthRecords)).toEqual({
      spans: 4,
      exact: 3 / 4,
      service: 1,
    });
  });

  it("a root given a parent, and a child left without one, are wrong for both", () => {
    const doc = perfect();
    doc.traces[0]!.spans[0]!.parentSpanId = "B1";
    doc.traces[0]!.spans[1]!.parentSpanId = null;
    expect(parentScore(doc, truthSpans, truthRecords)).toEqual({
      spans: 4,
      exact: 2 / 4,
      service: 2 / 4,
    });
  });

  it("skips ancestors missing from the output, and maps output service names to truth's", () => {
    const doc = perfect();
    // A1's line sits in the trace, not in a span: B1's right parent is then none (a root).
    doc.traces[0]!.records.push(...doc.traces[0]!.spans[0]!.records);
    doc.traces[0]!.spans.shift();
    doc.traces[0]!.spans[0]!.parentSpanId = null;
    // services named differently in logs than in truth
    for (const t of doc.traces)
      for (const s of t.spans) {
        s.service = `${s.service}-svc`;
        for (const x of s.records) x.service = s.service;
      }
    expect(parentScore(doc, truthSpans, truthRecords)).toEqual({ spans: 3, exact: 1, service: 1 });
  });
});

describe("loggedSpansPresent", () => {
  it("is the share of truth spans with log lines that appear as output spans", () => {
    expect(loggedSpansPresent(perfect(), truthSpans, truthRecords)).toEqual({
      logged: 4,
      present: 4,
      share: 1,
    });
    const doc = perfect();
    doc.traces[1]!.spans.pop();
    expect(loggedSpansPresent(doc, truthSpans, truthRecords)).toEqual({
      logged: 4,
      present: 3,
      share: 3 / 4,
    });
  });
});

describe("breakScore", () => {
  const breaks: TruthBreak[] = [
    { op: "op-1", upstreamService: "a", downstreamService: "b", downstreamTraceId: "D1" },
    { op: "op-2", upstreamService: "a", downstreamService: "b", downstreamTraceId: "D2" },
  ];
  const withFindings = (
    findings: { in: string; services: string[]; linkedTraceId?: string }[],
  ): OutDoc => ({
    traces: findings.map((f) => ({
      traceId: f.in,
      spans: [],
      records: [],
      findings: [
        {
          kind: "propagation-break",
          services: f.services,
          ...(f.linkedTraceId ? { linkedTraceId: f.linkedTraceId } : {}),
        },
      ],
    })),
    unmatched: [],
  });

  it("finds a break by linkedTraceId, misses the other", () => {
    const s = breakScore(
      withFindings([{ in: "U1", services: ["a", "b"], linkedTraceId: "D1" }]),
      breaks,
    );
    expect(s).toMatchObject({
      breaks: 2,
      found: 1,
      recall: 0.5,
      findings: 1,
      unmatchedFindings: 0,
      precision: 1,
    });
  });

  it("finds a break by the trace the finding sits in", () => {
    const s = breakScore(
      withFindings([{ in: "D2", services: ["a", "b"], linkedTraceId: "U2" }]),
      breaks,
    );
    expect(s).toMatchObject({ found: 1, precision: 1 });
  });

  it("wrong services or an unknown trace do not match and lower precision", () => {
    const s = breakScore(
      withFindings([
        { in: "U1", services: ["a", "b"], linkedTraceId: "D1" },
        { in: "U2", services: ["b", "a"], linkedTraceId: "D2" },
        { in: "U3", services: ["a", "b"], linkedTraceId: "D3" },
      ]),
      breaks,
    );
    expect(s).toMatchObject({ found: 1, findings: 3, unmatchedFindings: 2 });
    expect(s.precision).toBeCloseTo(1 / 3);
  });

  it("has no precision without findings", () => {
    expect(breakScore(withFindings([]), breaks)).toMatchObject({
      found: 0,
      recall: 0,
      precision: null,
    });
  });
});

describe("fileName and mean", () => {
  it("reduces paths to file names", () => {
    expect(fileName("eval/validation/x/ids/a.jsonl")).toBe("a.jsonl");
    expect(fileName("a.jsonl")).toBe("a.jsonl");
  });
  it("averages the numbers, leaving nulls out", () => {
    expect(mean([1, null, 0, undefined])).toBe(0.5);
    expect(mean([null])).toBeNull();
  });
});

describe("continuationLines", () => {
  it("marks the lines after the first of a pretty-printed JSON value, not single-line records or plain text", () => {
    const text = [
      '{"msg":"one line"}',
      "Agent B: processing 12345",
      "{",
      '    "name": "process_data",',
      '    "context": {',
      '        "trace_id": "0xabc"',
      "    }",
      "}",
      "{ not json",
      '{"msg":"after"}',
    ].join("\n");
    expect([...continuationLines(text)]).toEqual([4, 5, 6, 7, 8]);
  });

  it("drops truth records on continuation lines, by file name", () => {
    const truth = [
      { source: "b.jsonl", line: 3, op: "x" },
      { source: "b.jsonl", line: 4, op: "x" },
      { source: "a.jsonl", line: 4, op: "y" },
    ];
    const kept = withoutContinuations(truth, new Map([["b.jsonl", new Set([4])]]));
    expect(kept.map((r) => `${r.source}:${r.line}`)).toEqual(["b.jsonl:3", "a.jsonl:4"]);
  });
});
