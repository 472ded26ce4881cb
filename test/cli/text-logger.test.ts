// A service that logs with Python's stdlib `logging` in plain text (no JSON at all; written by
// fixtures/generators/python-text): its lines are records with the time and level they start with, and
// the request ids they name rebuild each request as one operation.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";

const FILE = "fixtures/text-logger/app.log";

/** The request id a line names, if it is a request's start or end. */
const requestOf = (message: string): string | undefined =>
  /(?:start|end) request (\d+)/.exec(message)?.[1];

describe("a plain-text log of a worker pool (stdlib logging)", () => {
  let doc: ReturnType<typeof parseDocument>;
  beforeAll(async () => {
    const r = await agtrace(["correlate", FILE, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    doc = parseDocument(r.stdout);
  });

  it("keeps every line as a text record with its time and level, and the message after them", () => {
    const lines = readFileSync(FILE, "utf8").trim().split("\n");
    expect(doc.stats).toMatchObject({ lines: lines.length, records: lines.length, skipped: 0 });
    const all = [
      ...doc.traces.flatMap((t) => [...t.spans.flatMap((s) => s.records), ...t.records]),
      ...doc.unmatched,
    ];
    expect(all.every((r) => r.kind === "text" && r.time !== null)).toBe(true);
    const first = all.find((r) => r.line === 2)!;
    expect(first).toMatchObject({
      time: "2026-11-24T00:26:33.448Z",
      level: "info",
      message: "[worker-0] start request 48000 from 10.0.0.0:51234",
    });
  });

  it("rebuilds each request as one operation, failed where its end line is an error", () => {
    const lines = readFileSync(FILE, "utf8").trim().split("\n");
    const requests = new Set(lines.map(requestOf).filter(Boolean));
    const failed = new Set(lines.filter((l) => / ERROR /.test(l)).map(requestOf));
    expect(doc.traces).toHaveLength(requests.size);
    for (const t of doc.traces) {
      const records = [...t.spans.flatMap((s) => s.records), ...t.records];
      const ids = new Set(records.map((r) => requestOf(r.message)));
      expect(ids.size, `trace ${t.traceId}`).toBe(1);
      expect(records).toHaveLength(2);
      expect(t.status).toBe(failed.has([...ids][0]) ? "error" : "ok");
    }
  });

  it("leaves the lines that name only a user (a few users share every request) in no trace", () => {
    expect(doc.unmatched.map((r) => r.message).every((m) => !requestOf(m))).toBe(true);
    expect(doc.unmatched.filter((r) => r.message.includes("cache lookup"))).toHaveLength(40);
  });
});
