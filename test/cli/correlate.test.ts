// End-to-end behaviour of `agtrace correlate`: inputs, filters, exit codes, rendering.
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it, onTestFinished } from "vitest";
import { parseDocument, parseNdjson } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";

const THREE = "fixtures/three-services";
const json = parseDocument;
/** Every fixture trace here has times; an unknown duration (`null`) would count as -1. */
const ms = (t: { durationMs: number | null }): number => t.durationMs ?? -1;

describe("inputs", () => {
  it("reads stdin when no input is given, naming the source '-'", async () => {
    const input = readFileSync(`${THREE}/gateway.jsonl`);
    const r = await agtrace(["correlate", "--format", "json"], { stdin: input });
    expect(r.code).toBe(0);
    const doc = parseDocument(r.stdout);
    expect(doc.stats.sources).toBe(1);
    expect(doc.traces[0]!.spans[0]!.records[0]!.source).toBe("-");
  });

  it("reads gzip-compressed files and expands quoted globs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agtrace-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "gateway.jsonl.gz"), gzipSync(readFileSync(`${THREE}/gateway.jsonl`)));
    writeFileSync(join(dir, "planner.log"), readFileSync(`${THREE}/planner.jsonl`));
    const r = await agtrace(["correlate", `${dir}/*.{gz,log}`, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(json(r.stdout).stats.sources).toBe(2);
    expect(json(r.stdout).traces.some((t) => t.services.includes("planner"))).toBe(true);
  });

  it("reports a missing file, still processes the others, and exits 2", async () => {
    const r = await agtrace([
      "correlate",
      "no/such/file.jsonl",
      `${THREE}/gateway.jsonl`,
      "--format",
      "json",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no/such/file.jsonl: no such file or directory");
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(json(r.stdout).traces.length).toBeGreaterThan(0);
  });

  it("refuses to wait on a terminal: usage error without inputs and without a pipe", async () => {
    const r = await agtrace(["correlate", "--bogus-flag"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });

  it("rejects invalid option values with the flag named", async () => {
    const r = await agtrace(["correlate", THREE, "--min-duration", "soon"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--min-duration");
  });
});

describe("broken input", () => {
  it("reports bad lines with file:line, counts them, and keeps every good record", async () => {
    const r = await agtrace(["correlate", "fixtures/broken/mixed.jsonl", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("fixtures/broken/mixed.jsonl:4: unterminated JSON");
    // The plain-text stack trace after the error record (lines 8-11) belongs to it, not to the skipped.
    expect(r.stderr).toMatch(/skipped 2 lines \(1 unterminated JSON, 1 not JSON\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const doc = parseDocument(r.stdout);
    expect(doc.stats).toMatchObject({ lines: 14, records: 7, skipped: 2 });
    const failed = doc.traces
      .flatMap((t) => t.spans)
      .flatMap((sp) => sp.records)
      .find((x) => x.line === 7);
    expect(failed!.message.split("\n")).toHaveLength(5);
    expect(failed!.message).toContain("Error: connect ECONNREFUSED 127.0.0.1:5432");
    const lines = doc.traces.flatMap((t) => t.spans.flatMap((s) => s.records.map((x) => x.line)));
    expect(lines.sort((a: number, b: number) => a - b)).toEqual([1, 2, 5, 7, 12, 13, 14]);
  });

  it("skips a line over the size limit with a warning instead of holding it", async () => {
    const big = `{"msg":"${"x".repeat(70 * 1024 * 1024)}"}\n{"msg":"after","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}\n`;
    const r = await agtrace(["correlate", "--format", "json"], { stdin: big });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/-:1: line too long/);
    expect(parseDocument(r.stdout).traces[0]!.spans[0]!.records[0]!.line).toBe(2);
  });
});

describe("records without times", () => {
  it("says the time is unknown instead of inventing one", async () => {
    const ids = '"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"';
    const input = `{"level":"info","message":"winston without timestamp()",${ids}}\n`;
    const json = parseDocument(
      (await agtrace(["correlate", "--format", "json"], { stdin: input })).stdout,
    );
    expect(json.traces[0]).toMatchObject({ startTime: null, durationMs: null });
    expect(json.traces[0]!.spans[0]).toMatchObject({
      startTime: null,
      endTime: null,
      durationMs: null,
    });
    const text = (await agtrace(["correlate"], { stdin: input })).stdout;
    expect(text).not.toContain("1970");
    expect(text).toContain("no times in its records");
  });
});

describe("in-house field names", () => {
  it("--trace-field/--span-field/--parent-field/--time-field/--service-field/--message-field read custom fields", async () => {
    const lines = [
      {
        ctx: { op: "order-42", step: "s1" },
        at: "2026-11-24T10:00:00.000Z",
        app: "shop",
        text: "checkout started",
      },
      {
        ctx: { op: "order-42", step: "s2", up: "s1" },
        at: "2026-11-24T10:00:00.250Z",
        app: "payments",
        text: "charging card",
      },
      {
        ctx: { op: "order-43", step: "s3" },
        at: "2026-11-24T10:00:01.000Z",
        app: "shop",
        text: "other order",
      },
    ];
    const args = [
      "--trace-field",
      "ctx.op",
      "--span-field",
      "ctx.step",
      "--parent-field",
      "ctx.up",
    ];
    const more = ["--time-field", "at", "--service-field", "app", "--message-field", "text"];
    const r = await agtrace(["correlate", ...args, ...more, "--format", "json"], {
      stdin: lines.map((l) => JSON.stringify(l)).join("\n"),
    });
    expect(r.code).toBe(0);
    const doc = parseDocument(r.stdout);
    const order = doc.traces.find((t) => t.traceId === "order-42")!;
    expect(order.services).toEqual(["shop", "payments"]);
    expect(order.durationMs).toBe(250);
    expect(order.spans[1]).toMatchObject({
      spanId: "s2",
      parentSpanId: "s1",
      parentInferred: false,
      service: "payments",
    });
    expect(order.spans[1]!.records[0]!.message).toBe("charging card");
  });
});

describe("filters and order", () => {
  it("--errors keeps failed traces only and --fail-on error exits 1", async () => {
    const r = await agtrace([
      "correlate",
      THREE,
      "--errors",
      "--fail-on",
      "error",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(1);
    const traces = json(r.stdout).traces;
    expect(traces.length).toBeGreaterThan(0);
    expect(traces.every((t) => t.status === "error")).toBe(true);
  });

  it("--fail-on error exits 0 when the shown traces are fine", async () => {
    const all = json((await agtrace(["correlate", THREE, "--format", "json"])).stdout).traces;
    const ok = all.find((t) => t.status === "ok")!;
    const r = await agtrace([
      "correlate",
      THREE,
      "--trace",
      ok.traceId.slice(0, 8),
      "--fail-on",
      "error",
    ]);
    expect(r.code).toBe(0);
  });

  it("--trace, --min-duration, --sort duration and --limit select and order traces", async () => {
    const all = json((await agtrace(["correlate", THREE, "--format", "json"])).stdout).traces;
    const one = await agtrace([
      "correlate",
      THREE,
      "--trace",
      all[3]!.traceId.slice(0, 6),
      "--format",
      "json",
    ]);
    expect(json(one.stdout).traces.map((t) => t.traceId)).toEqual([all[3]!.traceId]);
    const top = await agtrace([
      "correlate",
      THREE,
      "--sort",
      "duration",
      "--limit",
      "3",
      "--format",
      "json",
    ]);
    const durations = json(top.stdout).traces.map(ms);
    expect(durations).toEqual([...all.map(ms)].sort((a, b) => b - a).slice(0, 3));
    const long = await agtrace(["correlate", THREE, "--min-duration", "300ms", "--format", "json"]);
    expect(json(long.stdout).traces.every((t) => ms(t) >= 300)).toBe(true);
    expect(json(long.stdout).traces.length).toBe(all.filter((t) => ms(t) >= 300).length);
  });

  it("--service keeps traces touching that service; --since/--until bound by time", async () => {
    const r = await agtrace(["correlate", THREE, "--service", "worker", "--format", "json"]);
    expect(json(r.stdout).traces.every((t) => t.services.includes("worker"))).toBe(true);
    const none = await agtrace([
      "correlate",
      THREE,
      "--until",
      "2000-01-01T00:00:00Z",
      "--format",
      "json",
    ]);
    expect(json(none.stdout).traces).toHaveLength(0);
    const all = await agtrace([
      "correlate",
      THREE,
      "--since",
      "2000-01-01T00:00:00Z",
      "--format",
      "json",
    ]);
    expect(json(all.stdout).traces).toHaveLength(12);
  });
});

describe("confidence of inferred parents", () => {
  it("gives every inferred parent a probability in JSON and draws the unlikely ones as a guess (~)", async () => {
    const doc = parseDocument((await agtrace(["correlate", THREE, "--format", "json"])).stdout);
    const spans = doc.traces.flatMap((t) => t.spans);
    const inferred = spans.filter((s) => s.parentInferred);
    expect(inferred.length).toBeGreaterThan(0);
    for (const s of inferred) expect(s.parentConfidence).toBeGreaterThan(0);
    for (const s of spans.filter((x) => !x.parentInferred))
      expect(s.parentConfidence).toBeUndefined();
    const unlikely = inferred.filter((s) => s.parentConfidence! < 0.5).length;
    expect(unlikely).toBeGreaterThan(0);
    const text = await agtrace(["correlate", THREE, "--width", "200", "--no-color"]);
    expect(text.stdout.split("\n").filter((l) => /[├└]~/.test(l))).toHaveLength(unlikely);
  });
});

describe("terminal output", () => {
  // Checked against fixtures/truth/three-services.jsonl: 20 of the 23 spans of these three traces hang
  // under their true parent; the planner's span for a callback from the worker and two one-line worker
  // spans do not (inferred nesting, see README "How spans are rebuilt").
  it.each([80, 140])("renders the timeline at %i columns (snapshot, colour off)", async (width) => {
    const r = await agtrace(["correlate", THREE, "--width", String(width), "--limit", "3"]);
    expect(r.code).toBe(0);
    for (const line of r.stdout.split("\n")) expect([...line].length).toBeLessThanOrEqual(width);
    await expect(r.stdout).toMatchFileSnapshot(`__snapshots__/three-services.${width}.txt`);
  });

  it("uses colour only when asked, and never passes escape sequences from log content", async () => {
    const evil = `${JSON.stringify({ level: 50, time: 1795482162056, trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7", msg: "boom \u001b[2J\u001b]0;pwned\u0007 \u202eevil" })}\n`;
    const plain = await agtrace(["correlate"], { stdin: evil });
    expect(plain.stdout).not.toContain("\u001b");
    expect(plain.stdout).not.toContain("\u202e");
    expect(plain.stdout).toContain("boom");
    const colored = await agtrace(["correlate"], {
      stdin: evil,
      env: { FORCE_COLOR: "1", NO_COLOR: "" },
    });
    expect(colored.stdout).toContain("\u001b[31m"); // the error in red
    expect(colored.stdout).not.toContain("\u001b[2J");
    expect(colored.stdout).not.toContain("pwned\u0007");
  });

  it("--format ndjson prints one trace object per line; --no-records leaves the log lines out", async () => {
    const nd = await agtrace(["correlate", THREE, "--format", "ndjson"]);
    const lines = nd.stdout.trim().split("\n");
    expect(lines).toHaveLength(12);
    expect(parseNdjson(nd.stdout).map((l) => ("traceId" in l ? l.traceId : "unmatched"))).toEqual(
      json((await agtrace(["correlate", THREE, "--format", "json"])).stdout).traces.map(
        (t) => t.traceId,
      ),
    );
    const bare = await agtrace(["correlate", THREE, "--no-records", "--limit", "1"]);
    expect(bare.stdout).not.toMatch(/\d\d:\d\d:\d\d\.\d{3} (INFO|DEBUG|WARN|ERROR)/);
  });

  it("--summary prints the table only", async () => {
    const r = await agtrace(["correlate", THREE, "--summary"]);
    expect(r.stdout).not.toContain("━━");
    expect(r.stdout).toContain("operation");
    expect(r.stdout.match(/^│ [0-9a-f]{8} /gm)).toHaveLength(12);
  });

  it("--summary prints the same table as the full output ends with", async () => {
    const inputs = [THREE, "fixtures/broken-propagation", "fixtures/threaded-agents"];
    const table = (out: string): string => out.slice(out.indexOf("┌"));
    for (const input of inputs) {
      const full = await agtrace(["correlate", input, "--width", "120"]);
      const summary = await agtrace(["correlate", input, "--width", "120", "--summary"]);
      expect(summary.stdout.length).toBeGreaterThan(200);
      expect(table(summary.stdout)).toBe(table(full.stdout));
    }
  });
});

describe("scale", () => {
  it("handles one trace of 20,000 log-only spans (a long-running job) in linear time", async () => {
    const T = "4bf92f3577b34da6a3ce929d0e0e4736";
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const span = (0x1000000000000000n + BigInt(i)).toString(16);
      const service = ["a", "b", "c"][i % 3];
      for (let j = 0; j < 2; j++) {
        lines.push(
          JSON.stringify({
            level: 30,
            time: 1795482162056 + 2 * i + j,
            trace_id: T,
            span_id: span,
            service,
            msg: `step ${j}`,
          }),
        );
      }
    }
    const started = Date.now();
    const r = await agtrace(["correlate", "--no-records", "--width", "100"], {
      stdin: lines.join("\n"),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("20000 spans");
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const line of r.stdout.split("\n")) expect([...line].length).toBeLessThanOrEqual(100);
  });
});
