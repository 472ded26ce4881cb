// Records are values: correlation never writes to one, and every record comes out exactly once.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Correlator, type JoinMode } from "../../src/correlate/index.js";
import { ingest } from "../../src/ingest/index.js";
import type { LogRecord } from "../../src/model.js";
import { resolveInputs } from "../../src/sources/resolve.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
const SETS = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "generators" && d.name !== "truth")
  .map((d) => d.name);
const MODES: JoinMode[] = ["auto", "ids", "heuristic", "off"];

/** Freezes a record and everything in it: any later write throws (ES modules are strict). */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Every record of the result, wherever it was put, as `source:line` (a batch line repeats). */
function placedRecords(out: ReturnType<Correlator["finish"]>): string[] {
  const where = (r: LogRecord): string => `${r.source}:${r.line}`;
  return [
    ...out.traces.flatMap((t) => [
      ...t.records.map(where),
      ...t.spans.flatMap((s) => s.records.map(where)),
    ]),
    ...out.unmatched.map(where),
  ].sort();
}

function correlate(records: LogRecord[], settings: ConstructorParameters<typeof Correlator>[0]) {
  const c = new Correlator(settings);
  for (const r of records) c.add(deepFreeze(r));
  return c.finish();
}

async function fixtureRecords(set: string, mode: JoinMode): Promise<LogRecord[]> {
  const { sources } = resolveInputs([`${FIXTURES}/${set}`]);
  const records: LogRecord[] = [];
  const options = { joinKeys: mode !== "ids" && mode !== "off", explicitIds: mode !== "heuristic" };
  await ingest(sources, process.stdin, options, {
    record: (r) => records.push(r),
    problem: () => {},
  });
  return records;
}

describe("every fixture set, every --join mode, frozen records", () => {
  for (const set of SETS) {
    for (const mode of MODES) {
      it(`${set}, --join ${mode}: no record written to, each placed exactly once`, async () => {
        const records = await fixtureRecords(set, mode);
        const expected = records.map((r) => `${r.source}:${r.line}`).sort();
        for (const attachByTime of mode === "off" ? [false] : [false, true]) {
          const out = correlate(records, { join: mode, attachByTime });
          expect(placedRecords(out)).toEqual(expected);
        }
      });
    }
  }
});

describe("records that once came out twice", () => {
  const at = (ms: number) => ({ ms: 1_795_000_000_000 + ms, ns: 0, digits: 3 });
  const base = { source: "a.jsonl", level: "info", service: "agent" } as const;

  it("LangChain runs without trace ids, sharing a business id", () => {
    const root = "11111111111111111111111111111111".slice(0, 16);
    const records: LogRecord[] = [
      {
        ...base,
        line: 1,
        time: at(0),
        message: "chain",
        spanId: root,
        keys: ["conversation_id", "c-7f3a9b2e41"],
      },
      {
        ...base,
        line: 2,
        time: at(5),
        message: "llm",
        spanId: "2".repeat(16),
        parentSpanId: root,
        keys: ["conversation_id", "c-7f3a9b2e41"],
      },
      {
        ...base,
        line: 3,
        time: at(9),
        message: "tool",
        spanId: "3".repeat(16),
        parentSpanId: root,
      },
    ];
    for (const join of MODES) {
      const out = correlate(records, { join });
      expect(placedRecords(out)).toEqual(["a.jsonl:1", "a.jsonl:2", "a.jsonl:3"]);
    }
    expect(correlate(records, { join: "auto" }).traces).toHaveLength(1);
  });

  it("span ids without a trace id, two services sharing an order id", () => {
    const records: LogRecord[] = [
      {
        ...base,
        line: 1,
        time: at(0),
        message: "a",
        service: "s1",
        spanId: "00f067aa0ba902b7",
        keys: ["orderId", "ord-1"],
      },
      {
        ...base,
        line: 2,
        time: at(100),
        message: "b",
        service: "s2",
        spanId: "00f067aa0ba902b8",
        keys: ["orderId", "ord-1"],
      },
    ];
    for (const join of MODES) {
      expect(placedRecords(correlate(records, { join }))).toEqual(["a.jsonl:1", "a.jsonl:2"]);
    }
  });

  it("a span export and log lines of its span, with and without a trace id", () => {
    const T = "4bf92f3577b34da6a3ce929d0e0e4736";
    const S = "00f067aa0ba902b7";
    const records: LogRecord[] = [
      {
        ...base,
        line: 1,
        time: at(0),
        message: "checkout",
        traceId: T,
        spanId: S,
        span: { name: "checkout", start: at(0), end: at(50), status: "ok" },
        attributes: { "order.id": "ord_8f3k2a9x1" },
        keys: ["order.id", "ord_8f3k2a9x1"],
      },
      {
        ...base,
        line: 2,
        time: at(10),
        message: "charging",
        traceId: T,
        spanId: S,
        keys: ["order_id", "ord_8f3k2a9x1"],
      },
      { ...base, line: 3, time: at(20), message: "charged", keys: ["order_id", "ord_8f3k2a9x1"] },
    ];
    for (const join of MODES) {
      expect(placedRecords(correlate(records, { join }))).toEqual([
        "a.jsonl:1",
        "a.jsonl:2",
        "a.jsonl:3",
      ]);
    }
  });
});
