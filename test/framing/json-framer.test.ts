import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { JsonFramer, type SkipReason } from "../../src/framing/json-framer.js";
import { splitLines } from "../../src/framing/lines.js";

type Event =
  | { kind: "value"; line: number; value: unknown }
  | { kind: "skip"; line: number; reason: SkipReason; detail: string | undefined };

function collector(): { events: Event[]; framer: JsonFramer } {
  const events: Event[] = [];
  const framer = new JsonFramer({
    value: (value, line) => events.push({ kind: "value", line, value }),
    skip: (reason, line, detail) => events.push({ kind: "skip", line, reason, detail }),
  });
  return { events, framer };
}

/** Frames `lines` (numbered from 1) and ends the input. */
function frame(lines: string[]): Event[] {
  const { events, framer } = collector();
  for (const [i, text] of lines.entries()) framer.push(text, i + 1);
  framer.end();
  return events;
}

/** Events without skip details, for compact comparison. */
function brief(events: Event[]): (string | [number, unknown])[] {
  return events.map((e) => (e.kind === "value" ? [e.line, e.value] : `${e.line}: ${e.reason}`));
}

const pretty = (v: unknown): string[] => JSON.stringify(v, null, 4).split("\n");

// Shaped like OpenTelemetry Python's ConsoleSpanExporter output (json.dumps(indent=4)).
const SPAN = {
  name: "GET /data/{id}",
  context: {
    trace_id: "0xb3a4943a98246949047f79725ebc393a",
    span_id: "0xbc38af9d5c745b36",
    trace_state: "[]",
  },
  kind: "SpanKind.CLIENT",
  parent_id: "0xfd3718411133468c",
  start_time: "2026-11-24T01:05:40.998814Z",
  end_time: "2026-11-24T01:05:41.001753Z",
  status: { status_code: "UNSET" },
  attributes: { "http.url": 'http://h/{x}?q="}"', "http.status_code": 200 },
  events: [{ name: "exception", attributes: { "exception.message": "bad ] } [ {" } }],
  links: [],
  resource: { attributes: { "service.name": "agent-a" }, schema_url: "" },
};

describe("JsonFramer", () => {
  it("frames JSONL, one value per line", () => {
    const events = frame(['{"a":1}', '{"b":[1,2]}', '  {"c":"x"}  ', '\t{"d":null}']);
    expect(brief(events)).toEqual([
      [1, { a: 1 }],
      [2, { b: [1, 2] }],
      [3, { c: "x" }],
      [4, { d: null }],
    ]);
  });

  it("reports a pretty-printed (indent=4) object once, at its first line", () => {
    const lines = ['{"before":true}', ...pretty(SPAN), '{"after":true}'];
    const events = frame(lines);
    expect(brief(events)).toEqual([
      [1, { before: true }],
      [2, SPAN],
      [lines.length, { after: true }],
    ]);
  });

  it("frames pretty-printed objects back to back and separated by text", () => {
    const span2 = { ...SPAN, name: "second" };
    const lines = [...pretty(SPAN), ...pretty(span2), "Agent A: done", ...pretty(SPAN)];
    const n = pretty(SPAN).length;
    expect(brief(frame(lines))).toEqual([
      [1, SPAN],
      [n + 1, span2],
      `${2 * n + 1}: not JSON`,
      [2 * n + 2, SPAN],
    ]);
  });

  it("frames a pretty-printed top-level array as one value", () => {
    const arr = [{ a: 1 }, { b: [2, 3] }];
    expect(brief(frame(pretty(arr)))).toEqual([[1, arr]]);
  });

  it("frames a multi-line object whose first line already holds a nested {}", () => {
    expect(brief(frame(['{"a": {}', '  ,"b": 2', "}"]))).toEqual([[1, { a: {}, b: 2 }]]);
  });

  it("skips plain text lines as not JSON, ignores blank lines, keeps numbering", () => {
    const events = frame([
      "Agent A: starting, API at http://127.0.0.1:43387",
      '{"a":1}',
      "",
      "   ",
      "Traceback (most recent call last):",
      '  File "x.py", line 1, in <module>',
      '{"b":2}',
      "}",
      "42",
      '"just a string"',
    ]);
    expect(brief(events)).toEqual([
      "1: not JSON",
      [2, { a: 1 }],
      "5: not JSON",
      "6: not JSON",
      [7, { b: 2 }],
      "8: not JSON",
      "9: not JSON",
      "10: not JSON",
    ]);
  });

  it.each([
    { name: "adjacent", line: '{"a":1}{"b":2}', first: { a: 1 } },
    { name: "space-separated", line: '{"a":1} {"b":2}', first: { a: 1 } },
    { name: "with braces in strings", line: '{"s":"}{"}{"b":2}', first: { s: "}{" } },
    { name: "object then array", line: '{"a":1}[{"b":2}]', first: { a: 1 } },
  ])("splits values concatenated on one line ($name)", ({ line, first }) => {
    const second = line.endsWith("]") ? [{ b: 2 }] : { b: 2 };
    expect(brief(frame([line]))).toEqual([
      [1, first],
      [1, second],
    ]);
  });

  it("reports the bad part of a concatenated line and keeps the good part", () => {
    expect(brief(frame(['{"a":1}x{"b":2}']))).toEqual([[1, { a: 1 }], "1: invalid JSON"]);
  });

  it.each([
    { line: "[1,2,3]", value: [1, 2, 3] },
    { line: '[{"a":1},{"b":2}]', value: [{ a: 1 }, { b: 2 }] },
    { line: "[]", value: [] },
    { line: "{}", value: {} },
  ])("frames the array/object line $line as one value", ({ line, value }) => {
    expect(brief(frame(["x", line]))).toEqual(["1: not JSON", [2, value]]);
  });

  it.each([
    { line: '{"a":1,}', why: "trailing comma" },
    { line: '{"a" 1}', why: "missing colon" },
    { line: "{'a':1}", why: "single quotes" },
    { line: '{"a":1} trailing', why: "text after the object" },
    { line: '{"a":1}}', why: "extra closing brace" },
    { line: "[1,2,]", why: "trailing comma in array" },
  ])("reports an invalid JSON line ($why) with its line number", ({ line }) => {
    const events = frame(['{"ok":1}', line, '{"ok":2}']);
    expect(brief(events)).toEqual([[1, { ok: 1 }], "2: invalid JSON", [3, { ok: 2 }]]);
    const skip = events[1]!;
    expect(skip.kind === "skip" && typeof skip.detail).toBe("string");
  });

  it("keeps a complete value that precedes a cut-short one on the same line", () => {
    const events = brief(frame(['{"a":1}{"b":', '{"ok":2}']));
    expect(events[0]).toEqual([1, { a: 1 }]);
    expect(events.at(-1)).toEqual([2, { ok: 2 }]);
  });

  it("reports an unterminated object and still frames the valid lines after it", () => {
    const events = frame([
      '{"a":1}',
      '{"level":30,"msg":"request sta',
      '{"b":2}',
      "plain text",
      '{"c":3}',
    ]);
    expect(brief(events)).toEqual([
      [1, { a: 1 }],
      "2: unterminated JSON",
      [3, { b: 2 }],
      "4: not JSON",
      [5, { c: 3 }],
    ]);
  });

  it("replays the lines swallowed by a cut-short pretty-printed object", () => {
    const events = frame([
      "{",
      '    "name": "GET",',
      "    plain",
      '{"b":2}',
      "{",
      '    "x": 1',
      "}",
    ]);
    expect(brief(events)).toEqual([
      "1: unterminated JSON",
      "2: not JSON",
      "3: not JSON",
      [4, { b: 2 }],
      [5, { x: 1 }],
    ]);
  });

  it("reports an object still open at the end of input as unterminated", () => {
    expect(brief(frame(['{"a":1}', '{"b":', '  "c"']))).toEqual([
      [1, { a: 1 }],
      "2: unterminated JSON",
      "3: not JSON",
    ]);
  });

  it("reports a multi-line object that closes but is invalid, at its first line", () => {
    expect(brief(frame(["{", '    "a": 1,', "}", '{"b":2}']))).toEqual([
      "1: invalid JSON",
      [4, { b: 2 }],
    ]);
  });

  it("gives up on an object left open for more than 10,000 lines", () => {
    const body = Array.from({ length: 10_000 }, (_, i) => `    "k${i}": ${i},`);
    const events = frame(["{", ...body, '{"ok":true}']);
    expect(events[0]).toMatchObject({ kind: "skip", line: 1, reason: "unterminated JSON" });
    expect(events.filter((e) => e.kind === "skip" && e.reason === "not JSON")).toHaveLength(10_000);
    expect(events.at(-1)).toEqual({ kind: "value", line: 10_002, value: { ok: true } });
  });

  it("parses long integers losslessly and drops __proto__", () => {
    const [e] = frame(['{"t":1700000000123456789,"__proto__":{"x":1}}']);
    expect(e).toEqual({ kind: "value", line: 1, value: { t: "1700000000123456789" } });
  });

  it("reports events in line order when a replayed line re-opens an object", () => {
    const events = frame([
      "{",
      '    "events": [',
      "        {",
      '            "name": "x",',
      '{"a":1}',
      '{"b":2}',
    ]);
    const order = events.map((e) => e.line);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

// --- property tests with a seeded PRNG (mulberry32) ---

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JSONISH = ["{", "}", "[", "]", '"', ":", ",", "\\", " ", "\t", "a", "1", "é", "😀", "null"];
const ANY = [...JSONISH, "\u0000", "\u001b", "\r", "\u2028", "\uFEFF", "x", "Z", "-", "."];

function randomString(next: () => number, alphabet: string[], max: number): string {
  const n = Math.floor(next() * (max + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)]!;
  return s;
}

function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth <= 0 || r < 0.4) {
    const k = Math.floor(next() * 5);
    if (k === 0) return randomString(next, ANY, 12);
    if (k === 1) return Math.floor(next() * 2_000_000) - 1_000_000;
    if (k === 2) return Math.round(next() * 1e6) / 1e3;
    if (k === 3) return next() < 0.5;
    return null;
  }
  if (r < 0.6) {
    return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth - 1));
  }
  const o: Record<string, unknown> = {};
  const n = Math.floor(next() * 5);
  for (let i = 0; i < n; i++)
    o[`k${i}${randomString(next, ANY, 4)}`] = randomValue(next, depth - 1);
  return o;
}

const isBlank = (t: string): boolean => /^[ \t]*$/.test(t);
const opensJson = (t: string): boolean => /^[ \t]*[[{]/.test(t);

describe("JsonFramer properties (seeded)", () => {
  it("never throws on random lines, and accounts for every non-blank line", () => {
    const next = rng(0xc0ffee);
    for (let round = 0; round < 400; round++) {
      const lines = Array.from({ length: 1 + Math.floor(next() * 25) }, () =>
        randomString(next, next() < 0.5 ? JSONISH : ANY, 30),
      );
      let events: Event[] = [];
      expect(() => {
        events = frame(lines);
      }).not.toThrow();
      const reported = new Set(events.map((e) => e.line));
      for (const e of events) {
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.line).toBeLessThanOrEqual(lines.length);
        const text = lines[e.line - 1]!;
        expect(isBlank(text)).toBe(false);
        if (e.kind === "value") expect(opensJson(text)).toBe(true);
        if (e.kind === "skip" && e.reason === "not JSON") expect(opensJson(text)).toBe(false);
      }
      // A line with no event of its own belongs to the multi-line record reported just before it.
      lines.forEach((text, i) => {
        const n = i + 1;
        if (isBlank(text) || reported.has(n)) return;
        const earlier = [...reported].filter((l) => l < n);
        expect(earlier.length, `line ${n} of ${JSON.stringify(lines)}`).toBeGreaterThan(0);
      });
    }
  });

  it("recovers exactly the records of a random mix of JSONL, pretty-printed, arrays and text", () => {
    const next = rng(20240601);
    for (let round = 0; round < 200; round++) {
      const lines: string[] = [];
      const expected: (string | [number, unknown])[] = [];
      const count = 1 + Math.floor(next() * 12);
      for (let r = 0; r < count; r++) {
        const kind = Math.floor(next() * 5);
        const start = lines.length + 1;
        if (kind === 0) {
          const v = { id: r, v: randomValue(next, 3) };
          lines.push(JSON.stringify(v));
          expected.push([start, v]);
        } else if (kind === 1) {
          const v = { id: r, v: randomValue(next, 3) };
          lines.push(...pretty(v));
          expected.push([start, v]);
        } else if (kind === 2) {
          const v = [randomValue(next, 2), { id: r }];
          lines.push(JSON.stringify(v));
          expected.push([start, v]);
        } else if (kind === 3) {
          let text = randomString(next, ANY, 40);
          if (isBlank(text) || opensJson(text)) text = `text ${text}`;
          lines.push(text);
          expected.push(`${start}: not JSON`);
        } else {
          lines.push(next() < 0.5 ? "" : " \t ");
        }
      }
      expect(brief(frame(lines)), JSON.stringify(lines)).toEqual(expected);
    }
  });
});

describe("fixtures/broken/mixed.jsonl", () => {
  const DIR = fileURLToPath(new URL("../../fixtures/broken/", import.meta.url));
  const FILE = join(DIR, "mixed.jsonl");

  async function frameFile(path: string, maxLineBytes?: number): Promise<Event[]> {
    const { events, framer } = collector();
    const sink = {
      line: (text: string, n: number) => framer.push(text, n),
      tooLong: (n: number) =>
        events.push({ kind: "skip", line: n, reason: "line too long", detail: undefined }),
    } as const;
    const chunks = createReadStream(path);
    if (maxLineBytes === undefined) await splitLines(chunks, sink);
    else await splitLines(chunks, sink, maxLineBytes);
    framer.end();
    return events;
  }

  it("skips exactly the broken lines and keeps every pino record", async () => {
    const events = await frameFile(FILE);
    const skips = events.filter((e) => e.kind === "skip").map((e) => `${e.line}: ${e.reason}`);
    expect(skips).toEqual([
      "4: unterminated JSON",
      "6: not JSON",
      "8: not JSON",
      "9: not JSON",
      "10: not JSON",
      "11: not JSON",
    ]);
    const values = events.filter((e) => e.kind === "value");
    expect(values.map((e) => e.line)).toEqual([1, 2, 5, 7, 12, 13, 14]);
    for (const e of values) {
      expect(e.value).toMatchObject({ trace_id: "b3a4943a98246949047f79725ebc393a" });
    }
    const huge = values.find((e) => e.line === 13)!.value as { body: string };
    expect(huge.body.length).toBeGreaterThan(2_000_000);
  });

  it("reports the 2 MiB line as too long under a 1 MiB limit, numbering the rest alike", async () => {
    const events = await frameFile(FILE, 1 << 20);
    expect(events.find((e) => e.line === 13)).toMatchObject({ reason: "line too long" });
    expect(events.filter((e) => e.kind === "value").map((e) => e.line)).toEqual([
      1, 2, 5, 7, 12, 14,
    ]);
  });

  it("is reproduced byte for byte by make.mjs and stays under 3 MB", () => {
    const tmp = mkdtempSync(join(tmpdir(), "agtrace-broken-"));
    try {
      const out = join(tmp, "mixed.jsonl");
      execFileSync(process.execPath, [join(DIR, "make.mjs"), out]);
      const committed = readFileSync(FILE);
      expect(readFileSync(out).equals(committed)).toBe(true);
      expect(committed.length).toBeLessThan(3_000_000);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
