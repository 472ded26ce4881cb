import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitLines } from "../../src/framing/lines.js";
import { expandGlob, hasGlobMagic, segmentRegExp } from "../../src/sources/glob.js";
import { readSource } from "../../src/sources/open.js";
import { describeIoError, resolveInputs, type SourceSpec } from "../../src/sources/resolve.js";

let root: string;
const p = (...parts: string[]): string => join(root, ...parts);
const names = (sources: SourceSpec[]): string[] =>
  sources.map((s) => (s.path ? s.path.slice(root.length + 1) : s.name));

const noStdin = (): Readable => Readable.from([] as Buffer[]);

async function readAll(spec: SourceSpec, stdin: Readable = noStdin()): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of readSource(spec, stdin)) chunks.push(c);
  return Buffer.concat(chunks);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "agtrace-resolve-"));
  const files: Record<string, string | Buffer> = {
    "a.jsonl": '{"a":1}\n',
    "b.log": '{"b":1}\n',
    "c.ndjson": '{"c":1}\n',
    "d.json": '{"d":1}\n',
    "e.log.gz": gzipSync('{"e":1}\n'),
    "notes.txt": "not a log\n",
    "a.jsonl.bak": "old\n",
    ".hidden.jsonl": '{"h":1}\n',
    ".git/x.jsonl": '{"x":1}\n',
    "sub/h.LOG": '{"h":2}\n',
    "sub/readme.md": "# hi\n",
    "sub/deeper/g.jsonl": '{"g":1}\n',
    "sub/deeper/.hidden/i.jsonl": '{"i":1}\n',
    "node_modules/pkg/package.json": '{"name":"pkg"}\n',
    "other/only.txt": "x\n",
    "literal/x[1].log": '{"lit":1}\n',
    "plain.gz": "not gzipped\n",
    "gz-named.log": gzipSync("line one\nline two\n"),
    "multi.jsonl.gz": Buffer.concat([gzipSync('{"m":1}\n'), gzipSync('{"m":2}\n')]),
    "empty.jsonl": "",
  };
  for (const [rel, content] of Object.entries(files)) {
    const path = p(rel);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
  }
  mkdirSync(p("emptydir/nested"), { recursive: true });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("resolveInputs", () => {
  it("reads stdin when there are no inputs, and for -", () => {
    expect(resolveInputs([])).toEqual({ sources: [{ name: "-" }], problems: [] });
    expect(resolveInputs(["-"]).sources).toEqual([{ name: "-" }]);
  });

  it("walks a directory recursively for log files, sorted, skipping hidden entries and node_modules", () => {
    const { sources, problems } = resolveInputs([root]);
    expect(problems).toEqual([]);
    expect(names(sources)).toEqual([
      "a.jsonl",
      "b.log",
      "c.ndjson",
      "d.json",
      "e.log.gz",
      "empty.jsonl",
      "gz-named.log",
      "literal/x[1].log",
      "multi.jsonl.gz",
      "sub/deeper/g.jsonl",
      "sub/h.LOG",
    ]);
    for (const s of sources) expect(s.name).toBe(s.path);
  });

  it("takes an explicitly named file whatever its extension", () => {
    const { sources, problems } = resolveInputs([p("notes.txt"), p(".hidden.jsonl")]);
    expect(problems).toEqual([]);
    expect(names(sources)).toEqual(["notes.txt", ".hidden.jsonl"]);
  });

  it("reports a missing file as a problem and keeps the other inputs", () => {
    const missing = p("nope.jsonl");
    const { sources, problems } = resolveInputs([p("a.jsonl"), missing, "-", p("b.log")]);
    expect(names(sources)).toEqual(["a.jsonl", "-", "b.log"]);
    expect(problems).toEqual([{ input: missing, reason: "no such file or directory" }]);
  });

  it("reports a directory without log files", () => {
    const { sources, problems } = resolveInputs([p("other"), p("emptydir"), p("a.jsonl")]);
    expect(names(sources)).toEqual(["a.jsonl"]);
    expect(problems.map((x) => x.input)).toEqual([p("other"), p("emptydir")]);
    expect(problems[0]!.reason).toMatch(/no \.jsonl/);
  });

  it("lists a file named twice (directly and via its directory) once", () => {
    const { sources } = resolveInputs([p("sub/h.LOG"), p("sub"), p("sub/h.LOG")]);
    expect(names(sources)).toEqual(["sub/h.LOG", "sub/deeper/g.jsonl"]);
  });

  it("expands a quoted glob with ** and {a,b}", () => {
    const { sources, problems } = resolveInputs([`${root}/**/*.{jsonl,log}`]);
    expect(problems).toEqual([]);
    expect(names(sources)).toEqual([
      "a.jsonl",
      "b.log",
      "empty.jsonl",
      "gz-named.log",
      "literal/x[1].log",
      "sub/deeper/g.jsonl",
    ]);
  });

  it.each([
    { pattern: "*.gz", expected: ["e.log.gz", "multi.jsonl.gz", "plain.gz"] },
    { pattern: "[ab].*", expected: ["a.jsonl", "a.jsonl.bak", "b.log"] },
    { pattern: "?.json", expected: ["d.json"] },
    { pattern: "[!ab].*", expected: ["c.ndjson", "d.json", "e.log.gz"] },
    { pattern: ".*.jsonl", expected: [".hidden.jsonl"] },
    { pattern: "sub/*/*.jsonl", expected: ["sub/deeper/g.jsonl"] },
    { pattern: "su*", expected: ["sub/deeper/g.jsonl", "sub/h.LOG"] },
  ])("expands the glob $pattern", ({ pattern, expected }) => {
    const { sources, problems } = resolveInputs([`${root}/${pattern}`]);
    expect(problems).toEqual([]);
    expect(names(sources)).toEqual(expected);
  });

  it.each([{ pattern: "**/g.jsonl" }, { pattern: "*/deeper/g.jsonl" }])(
    "expands $pattern (literal last segment) without spurious problems",
    ({ pattern }) => {
      const { sources, problems } = resolveInputs([`${root}/${pattern}`]);
      expect(names(sources)).toEqual(["sub/deeper/g.jsonl"]);
      expect(problems).toEqual([]);
    },
  );

  it("reports a glob that matches nothing", () => {
    const pattern = `${root}/**/*.nothing`;
    expect(resolveInputs([pattern])).toEqual({
      sources: [],
      problems: [{ input: pattern, reason: "no files match this pattern" }],
    });
  });

  it("takes an existing path with glob characters literally", () => {
    const { sources, problems } = resolveInputs([p("literal/x[1].log")]);
    expect(problems).toEqual([]);
    expect(names(sources)).toEqual(["literal/x[1].log"]);
  });
});

describe("glob helpers", () => {
  it.each([
    ["logs/*.jsonl", true],
    ["a?c", true],
    ["[ab]", true],
    ["{x,y}", true],
    ["plain/path.log", false],
  ])("hasGlobMagic(%s) is %s", (pattern, magic) => {
    expect(hasGlobMagic(pattern)).toBe(magic);
  });

  it.each([
    { seg: "*.log", yes: ["a.log", ".log", "x.y.log"], no: ["a.log.gz", "a/b.log"] },
    { seg: "a?c", yes: ["abc", "a.c"], no: ["ac", "abbc"] },
    { seg: "{x,y}.json", yes: ["x.json", "y.json"], no: ["z.json", "{x,y}.json", "xjson"] },
    { seg: "[ab]*", yes: ["a", "bzz"], no: ["c", ""] },
    { seg: "[!ab]*", yes: ["c1"], no: ["a1", "b"] },
    { seg: "a+b(1).log", yes: ["a+b(1).log"], no: ["aab1.log"] },
    { seg: "x[1", yes: ["x[1"], no: ["x1"] },
  ])("segmentRegExp($seg)", ({ seg, yes, no }) => {
    const re = segmentRegExp(seg);
    for (const s of yes) expect(re.test(s), s).toBe(true);
    for (const s of no) expect(re.test(s), s).toBe(false);
  });

  it("returns sorted, de-duplicated paths and no hidden directories under **", () => {
    const found = expandGlob(`${root}/**/*.jsonl`);
    expect(found).toEqual([...found].sort());
    expect(new Set(found).size).toBe(found.length);
    expect(found.some((f) => f.includes("/."))).toBe(false);
    expect(found).toContain(p("sub/deeper/g.jsonl"));
  });
});

describe("describeIoError", () => {
  it.each([
    { code: "ENOENT", text: "no such file or directory" },
    { code: "EACCES", text: "permission denied" },
  ])("describes $code", ({ code, text }) => {
    expect(describeIoError(Object.assign(new Error("raw"), { code }))).toBe(text);
  });

  it("falls back to the error message", () => {
    expect(describeIoError(Object.assign(new Error("is a directory"), { code: "EISDIR" }))).toBe(
      "is a directory",
    );
  });
});

describe("readSource", () => {
  it("reads a plain file", async () => {
    expect((await readAll({ name: "a", path: p("a.jsonl") })).toString()).toBe('{"a":1}\n');
  });

  it.each([
    { file: "gz-named.log", text: "line one\nline two\n" },
    { file: "e.log.gz", text: '{"e":1}\n' },
    { file: "multi.jsonl.gz", text: '{"m":1}\n{"m":2}\n' },
    { file: "plain.gz", text: "not gzipped\n" },
  ])("decides gzip by magic bytes, not the name ($file)", async ({ file, text }) => {
    expect((await readAll({ name: file, path: p(file) })).toString()).toBe(text);
  });

  it("yields nothing for an empty file", async () => {
    expect((await readAll({ name: "e", path: p("empty.jsonl") })).length).toBe(0);
  });

  it("gunzips a file larger than one read, feeding splitLines", async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `{"i":${i},"pad":"${"x".repeat(40)}"}`);
    const text = `${lines.join("\n")}\n`;
    const path = p("big.log");
    writeFileSync(path, gzipSync(text));
    const seen: string[] = [];
    const count = await splitLines(readSource({ name: path, path }, noStdin()), {
      line: (t) => seen.push(t),
      tooLong: () => {
        throw new Error("unexpected tooLong");
      },
    });
    expect(count).toBe(60_000);
    expect(seen[59_999]).toBe(lines[59_999]);
    expect(seen.join("\n")).toBe(lines.join("\n"));
    rmSync(path);
  });

  it("rejects for a missing file", async () => {
    await expect(readAll({ name: "x", path: p("missing.log") })).rejects.toMatchObject({
      code: "ENOENT",
    });
  });

  it("rejects for corrupt gzip data instead of hanging", async () => {
    const bad = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(40, 0xff)]);
    await expect(readAll({ name: "-" }, Readable.from([bad]))).rejects.toThrow();
  });

  it("reads stdin for a spec without a path", async () => {
    const stdin = Readable.from([Buffer.from('{"a":'), Buffer.from("1}\n")]);
    expect((await readAll({ name: "-" }, stdin)).toString()).toBe('{"a":1}\n');
  });

  it("gunzips stdin", async () => {
    const z = gzipSync("from a pipe\n");
    const stdin = Readable.from([z.subarray(0, 10), z.subarray(10)]);
    expect((await readAll({ name: "-" }, stdin)).toString()).toBe("from a pipe\n");
  });

  it("yields nothing for empty stdin", async () => {
    expect((await readAll({ name: "-" }, noStdin())).length).toBe(0);
  });

  it("gunzips stdin whose first chunk holds a single byte", async () => {
    const z = gzipSync("from a pipe\n");
    const stdin = Readable.from([z.subarray(0, 1), z.subarray(1)]);
    expect((await readAll({ name: "-" }, stdin)).toString()).toBe("from a pipe\n");
  });
});
