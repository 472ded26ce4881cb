import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_LINE_BYTES, splitLines } from "../../src/framing/lines.js";

type Event = { line: number; text: string } | { tooLong: number; bytes: number };

async function* chunksOf(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
}

/** Cuts `buf` at the given byte offsets. */
function cutAt(buf: Buffer, offsets: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const to of offsets) {
    out.push(buf.subarray(from, to));
    from = to;
  }
  out.push(buf.subarray(from));
  return out;
}

/** Cuts `buf` into pieces of `size` bytes. */
function cutEvery(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function run(
  parts: Buffer[],
  maxLineBytes?: number,
): Promise<{ events: Event[]; count: number }> {
  const events: Event[] = [];
  const sink = {
    line: (text: string, line: number) => events.push({ line, text }),
    tooLong: (line: number, bytes: number) => events.push({ tooLong: line, bytes }),
  };
  const count =
    maxLineBytes === undefined
      ? await splitLines(chunksOf(parts), sink)
      : await splitLines(chunksOf(parts), sink, maxLineBytes);
  return { events, count };
}

function linesOf(events: Event[]): string[] {
  return events.map((e) => ("text" in e ? e.text : `<tooLong ${e.tooLong}>`));
}

const utf8 = (s: string): Buffer => Buffer.from(s, "utf8");

describe("splitLines: chunk boundaries", () => {
  // Each input is fed whole, one byte at a time, and in 2/3/7-byte pieces: the lines must not change.
  const cases: { name: string; input: Buffer; lines: string[] }[] = [
    { name: "LF-terminated lines", input: utf8("a\nbb\nccc\n"), lines: ["a", "bb", "ccc"] },
    { name: "CRLF is stripped", input: utf8("a\r\nbb\r\n"), lines: ["a", "bb"] },
    { name: "only one trailing CR is stripped", input: utf8("a\r\r\n"), lines: ["a\r"] },
    { name: "a CR inside a line is kept", input: utf8("a\rb\n"), lines: ["a\rb"] },
    { name: "no trailing newline", input: utf8("a\nb"), lines: ["a", "b"] },
    { name: "no trailing newline after CR", input: utf8("a\r\nb\r"), lines: ["a", "b"] },
    {
      name: "blank lines are kept and numbered",
      input: utf8("a\n\n\nb\n"),
      lines: ["a", "", "", "b"],
    },
    { name: "a lone newline is one empty line", input: utf8("\n"), lines: [""] },
    { name: "empty input", input: Buffer.alloc(0), lines: [] },
    {
      name: "multibyte UTF-8 (2, 3, 4 bytes)",
      input: utf8("héllo\n€ 漢字\n😀🚀\n"),
      lines: ["héllo", "€ 漢字", "😀🚀"],
    },
    { name: "BOM on line 1 is stripped", input: utf8("\uFEFF{}\n{}\n"), lines: ["{}", "{}"] },
    {
      name: "BOM is only stripped on line 1",
      input: utf8("\uFEFFa\n\uFEFFb\n"),
      lines: ["a", "\uFEFFb"],
    },
    { name: "BOM and CRLF together", input: utf8("\uFEFFa\r\nb\r\n"), lines: ["a", "b"] },
    { name: "BOM only", input: utf8("\uFEFF"), lines: [""] },
    {
      name: "invalid UTF-8 becomes U+FFFD",
      input: Buffer.from([0xff, 0x61, 0x0a, 0x62]),
      lines: ["\uFFFDa", "b"],
    },
  ];

  for (const size of [0, 1, 2, 3, 7]) {
    const label = size === 0 ? "one chunk" : `${size}-byte chunks`;
    it.each(cases)(`$name (${label})`, async ({ input, lines }) => {
      const parts = size === 0 ? [input] : cutEvery(input, size);
      const { events, count } = await run(parts);
      expect(linesOf(events)).toEqual(lines);
      expect(events.map((e) => ("line" in e ? e.line : -1))).toEqual(lines.map((_, i) => i + 1));
      expect(count).toBe(lines.length);
    });
  }

  it.each([
    { name: "CR and LF in different chunks", parts: ["a\r", "\nb\n"], lines: ["a", "b"] },
    { name: "chunk ending right at LF", parts: ["a\n", "b\n"], lines: ["a", "b"] },
    { name: "chunk starting with LF", parts: ["a", "\nb"], lines: ["a", "b"] },
    { name: "empty chunks in between", parts: ["a", "", "\n", "", "b"], lines: ["a", "b"] },
    {
      name: "a record split across three reads",
      parts: ['{"msg":"he', 'llo","n"', ":1}\n{}\n"],
      lines: ['{"msg":"hello","n":1}', "{}"],
    },
    {
      name: "many lines in one chunk after a carried piece",
      parts: ["x", "y\nz\nw\n"],
      lines: ["xy", "z", "w"],
    },
  ])("$name", async ({ parts, lines }) => {
    const { events } = await run(parts.map(utf8));
    expect(linesOf(events)).toEqual(lines);
  });

  it.each([
    { char: "é (2 bytes)", text: "é" },
    { char: "€ (3 bytes)", text: "€" },
    { char: "😀 (4 bytes)", text: "😀" },
  ])("keeps $char intact when split at every inner byte", async ({ text }) => {
    const input = utf8(`a${text}b\n`);
    const width = Buffer.byteLength(text);
    for (let cut = 2; cut <= width; cut++) {
      const { events } = await run(cutAt(input, [cut]));
      expect(linesOf(events)).toEqual([`a${text}b`]);
    }
  });

  it("keeps a BOM split across chunks out of line 1", async () => {
    const input = utf8("\uFEFFab\n");
    const { events } = await run(cutAt(input, [1, 2]));
    expect(linesOf(events)).toEqual(["ab"]);
  });

  it("returns a 100,000-char line whole, whether in one chunk or many", async () => {
    const long = `${"x".repeat(99_999)}é`;
    const input = utf8(`first\n${long}\nlast\n`);
    for (const parts of [[input], cutEvery(input, 4096), cutEvery(input, 1000)]) {
      const { events, count } = await run(parts);
      expect(count).toBe(3);
      expect(events).toHaveLength(3);
      const second = events[1]!;
      expect("text" in second && second.text.length).toBe(100_000);
      expect("text" in second && second.text === long).toBe(true);
      expect(events[2]).toEqual({ line: 3, text: "last" });
    }
  });

  it("has a 64 MiB default limit", () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(64 * 1024 * 1024);
  });
});

describe("splitLines: overlong lines", () => {
  const MAX = 8;

  it("reports a line over the limit via tooLong with its line number and byte count", async () => {
    const parts = ["ok\n0123456", "789abcdef", "\nnext\n", "last"].map(utf8);
    const { events, count } = await run(parts, MAX);
    expect(events).toEqual([
      { line: 1, text: "ok" },
      { tooLong: 2, bytes: 16 },
      { line: 3, text: "next" },
      { line: 4, text: "last" },
    ]);
    expect(count).toBe(4);
  });

  it("numbers later lines correctly after several overlong lines", async () => {
    const input = utf8(`${"a".repeat(20)}\nb\n${"c".repeat(30)}\n\nd\n`);
    const { events, count } = await run(cutEvery(input, 3), MAX);
    expect(events).toEqual([
      { tooLong: 1, bytes: 20 },
      { line: 2, text: "b" },
      { tooLong: 3, bytes: 30 },
      { line: 4, text: "" },
      { line: 5, text: "d" },
    ]);
    expect(count).toBe(5);
  });

  it("reports an overlong last line without a trailing newline", async () => {
    const { events } = await run(cutEvery(utf8(`a\n${"z".repeat(50)}`), 4), MAX);
    expect(events).toEqual([
      { line: 1, text: "a" },
      { tooLong: 2, bytes: 50 },
    ]);
  });

  it("keeps a line of exactly the limit", async () => {
    const { events } = await run(cutEvery(utf8("12345678\n"), 3), MAX);
    expect(events).toEqual([{ line: 1, text: "12345678" }]);
  });

  it("counts the CR of a CRLF line towards the limit", async () => {
    const { events } = await run(cutEvery(utf8("12345678\r\nx\n"), 3), MAX);
    expect(events).toEqual([
      { tooLong: 1, bytes: 9 },
      { line: 2, text: "x" },
    ]);
  });

  it.each([
    { name: "inside a single chunk", parts: ["0123456789abcdef\nnext\n"] },
    {
      name: "carried piece under the limit + final piece",
      parts: ["0123456", "789abcdef\nnext\n"],
    },
  ])("reports an overlong line $name via tooLong", async ({ parts }) => {
    const { events } = await run(parts.map(utf8), MAX);
    expect(events).toEqual([
      { tooLong: 1, bytes: 16 },
      { line: 2, text: "next" },
    ]);
  });
});
