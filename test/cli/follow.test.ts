// `--follow`: traces printed as they complete while the input is still open.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, onTestFinished } from "vitest";
import { agtrace, ROOT } from "../helpers/exec.js";
import { isContinuation, isUnmatched, parseNdjsonLine } from "../helpers/json-doc.js";

const A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

function line(traceId: string, msg: string, level = 30): string {
  return `${JSON.stringify({ level, time: Date.now(), trace_id: traceId, span_id: `${traceId.slice(0, 15)}1`, msg })}\n`;
}

/** The CLI with its stdout collected as lines, each stamped with when it arrived. */
function start(args: string[]): {
  child: ChildProcessWithoutNullStreams;
  out: { at: number; text: string }[];
  err: () => string;
  done: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["bin/agtrace.js", "correlate", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", TZ: "UTC", NO_COLOR: "1", COLUMNS: "100" },
  });
  const out: { at: number; text: string }[] = [];
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    const parts = (partial + d).split("\n");
    partial = parts.pop()!;
    for (const text of parts) out.push({ at: Date.now(), text });
  });
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, out, err: () => err, done };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(50);
}

describe("correlate --follow", () => {
  it("prints each trace once, within idle + 1 s, while stdin stays open; late records as continuations", async () => {
    const { child, out, done } = start(["-f", "--idle", "1s", "--format", "ndjson"]);
    child.stdin.write(line(A, "a starts"));
    child.stdin.write(line(A, "a ends"));
    const sentA = Date.now();
    await until(() => out.some((l) => l.text.includes(A)), 5000);
    const printedA = out.find((l) => l.text.includes(A));
    expect(printedA, "trace A printed while stdin is open").toBeDefined();
    expect(printedA!.at - sentA).toBeLessThan(2000 + 500);
    expect(parseNdjsonLine(printedA!.text)).toMatchObject({
      traceId: A,
      spans: [{ records: [{}, {}] }],
    });

    child.stdin.write(line(B, "b starts", 50));
    child.stdin.write(line(A, "a late line"));
    child.stdin.end();
    expect(await done).toBe(0);
    const objects = out.flatMap((l) => {
      const o = parseNdjsonLine(l.text);
      return isUnmatched(o) ? [] : [o];
    });
    expect(objects.filter((o) => o.traceId === A && !isContinuation(o))).toHaveLength(1);
    expect(objects.find((o) => o.traceId === A && isContinuation(o))).toMatchObject({
      records: [{ message: "a late line" }],
    });
    expect(objects.filter((o) => o.traceId === B)).toHaveLength(1);
  });

  it("tails a file: lines appended later are read; Ctrl-C prints the summary and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agtrace-follow-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "agent.jsonl");
    writeFileSync(file, line(A, "already there"));
    const { child, out, done } = start(["-f", file, "--idle", "500ms"]);
    await until(() => out.some((l) => l.text.includes("already there")), 5000);
    appendFileSync(file, line(B, "appended later"));
    await until(() => out.some((l) => l.text.includes("appended later")), 5000);
    expect(out.some((l) => l.text.includes("appended later"))).toBe(true);
    child.kill("SIGINT");
    expect(await done).toBe(0);
    const summaryRows = out.filter((l) => /^│ (aaaaaaaa|bbbbbbbb) /.test(l.text));
    expect(summaryRows).toHaveLength(2);
  });

  it("tails a directory of many files without a warning on stderr", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agtrace-follow-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const ids = Array.from({ length: 12 }, (_, i) => `${i}`.padStart(2, "0").repeat(16));
    ids.forEach((id, i) => writeFileSync(join(dir, `agent-${i}.jsonl`), line(id, `agent ${i}`)));
    const { child, out, err, done } = start(["-f", dir, "--idle", "300ms"]);
    await until(() => ids.every((id) => out.some((l) => l.text.includes(id.slice(0, 8)))), 8000);
    child.kill("SIGINT");
    expect(await done).toBe(0);
    expect(err()).toBe("");
  });

  it("refuses --format json with --follow (one document cannot be printed piece by piece)", async () => {
    const { child, done } = start(["-f", "--format", "json"]);
    child.stdin.end();
    expect(await done).toBe(2);
  });

  it("refuses the options that need the whole input with --follow", async () => {
    for (const flags of [["--join", "off"], ["--attach-by-time"], ["--explain"]]) {
      const r = await agtrace(["correlate", "-f", ...flags], { stdin: "" });
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.stderr).toMatch(
        /needs the whole input; --follow prints each operation as it completes/,
      );
    }
  });
});

describe("correlate --follow on logs without trace ids", () => {
  /** A line of request `req` of `service`, with no trace context. */
  const plain = (service: string, req: string, msg: string): string =>
    `${JSON.stringify({ level: 30, time: Date.now(), service, request_id: req, msg })}\n`;

  it("prints an operation rebuilt from business ids while stdin stays open, every record once", async () => {
    const r1 = "req_8f3k2a9x1";
    const r2 = "req_4c7d1e0b2";
    const { child, out, done } = start(["-f", "--idle", "1s", "--format", "ndjson"]);
    child.stdin.write(plain("gateway", r1, "request received"));
    child.stdin.write(plain("gateway", r2, "request received"));
    child.stdin.write(plain("worker", r1, "job done"));
    child.stdin.write(plain("worker", r2, "job done"));
    child.stdin.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: "cache warm" })}\n`);
    // Printed before the input ends: once the operations' records waited --idle.
    await until(() => out.filter((l) => l.text.includes('"heuristic"')).length === 2, 6000);
    const printed = out.map((l) => parseNdjsonLine(l.text));
    const traces = printed.flatMap((o) => ("spans" in o ? [o] : []));
    expect(traces.map((t) => t.correlation)).toEqual(["heuristic", "heuristic"]);
    for (const t of traces) expect(t.services.sort()).toEqual(["gateway", "worker"]);
    child.stdin.end();
    expect(await done).toBe(0);
    const all = out.map((l) => parseNdjsonLine(l.text));
    const unmatched = all.flatMap((o) => (isUnmatched(o) ? o.records : []));
    expect(unmatched.map((r) => r.message)).toEqual(["cache warm"]);
  });
});
