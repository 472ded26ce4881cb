// A failed operation says why in the JSON document: the error object and the other fields of each
// record. fixtures/errors/gateway.jsonl holds lines written by pino 10.4.0 itself (its `err` serializer,
// generated in a scratch directory outside the repo and copied as is).
import { describe, expect, it } from "vitest";
import { parseDocument, parseNdjson } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";

const FILE = "fixtures/errors/gateway.jsonl";

describe("errors and attributes in --format json", () => {
  it("carries a pino err line's message, code and stack, and its other fields", async () => {
    const r = await agtrace(["correlate", FILE, "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = parseDocument(r.stdout);
    const records = [
      ...doc.unmatched,
      ...doc.traces.flatMap((t) => [...t.records, ...t.spans.flatMap((s) => s.records)]),
    ];
    const first = records.find((x) => x.line === 1)!;
    expect(first.message).toBe("upstream failed");
    expect(first.error).toEqual({
      type: "Error",
      message: "connect ECONNREFUSED 127.0.0.1:1",
      code: "ECONNREFUSED",
      stack:
        "Error: connect ECONNREFUSED 127.0.0.1:1\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1611:16)",
    });
    expect(first.attributes).toMatchObject({
      task_id: "t-42",
      usage: { prompt_tokens: 12, completion_tokens: 3 },
      err: { errno: -111, syscall: "connect" },
    });
    // What agtrace read into the record's own fields is not repeated.
    expect(Object.keys(first.attributes ?? {})).not.toContain("msg");
    expect(Object.keys(first.attributes ?? {})).not.toContain("time");

    const traced = doc.traces.find((t) => t.traceId === "4bf92f3577b34da6a3ce929d0e0e4736")!;
    const inSpan = traced.spans.flatMap((s) => s.records).find((x) => x.line === 3)!;
    expect(inSpan.error?.code).toBe("ECONNREFUSED");
    expect(Object.keys(inSpan.attributes ?? {})).not.toContain("trace_id");
  });

  it("carries them in --format ndjson too", async () => {
    const r = await agtrace(["correlate", FILE, "--format", "ndjson"]);
    expect(r.code).toBe(0);
    const lines = parseNdjson(r.stdout);
    const records = lines.flatMap((l) =>
      "spans" in l ? [...l.records, ...l.spans.flatMap((s) => s.records)] : l.records,
    );
    expect(records.find((x) => x.line === 3)?.error?.message).toBe(
      "connect ECONNREFUSED 127.0.0.1:1",
    );
  });

  it("the summary table still reads such lines", async () => {
    const r = await agtrace(["correlate", FILE, "--summary"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("4bf92f35");
    expect(r.stdout).toContain("fetch failed");
  });
});
