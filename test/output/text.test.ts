import { describe, expect, it } from "vitest";
// `fit` is renamed: biome reads a bare fit() call as a focused test.
import {
  displayWidth,
  fit as fitTo,
  formatDuration,
  padTo,
  sanitize,
} from "../../src/output/text.js";

const ESC = "\u001b";
const BEL = "\u0007";

describe("sanitize", () => {
  it.each([
    ["plain text", "hello, world", "hello, world"],
    ["unicode text", "héllo 漢字 😀", "héllo 漢字 😀"],
    ["SGR colour", `${ESC}[31mred${ESC}[0m`, "red"],
    ["256-colour SGR with params", `${ESC}[1;38;5;208mX${ESC}[m`, "X"],
    ["clear screen + cursor home", `${ESC}[2J${ESC}[Hafter`, "after"],
    ["private mode (hide cursor)", `${ESC}[?25lx`, "x"],
    ["OSC title ended by BEL", `${ESC}]0;pwned${BEL}after`, "after"],
    ["OSC title ended by ST", `${ESC}]2;pwned${ESC}\\after`, "after"],
    ["OSC 8 hyperlink", `${ESC}]8;;https://evil.example${ESC}\\link${ESC}]8;;${ESC}\\`, "link"],
    ["unterminated OSC eats the rest", `ok${ESC}]0;never ends`, "ok"],
    ["C1 CSI", "\u009b31mred", "red"],
    ["two-byte escape (reverse index)", `${ESC}Mx`, "x"],
    ["ESC before a CSI", `${ESC}${ESC}[31mx`, " x"],
    ["bidi override (Trojan Source)", "abc\u202Efed", "abc fed"],
    ["bidi isolates", "\u2066x\u2069", " x "],
    ["LRM/RLM and zero-width space", "a\u200Eb\u200Fc\u200Bd", "a b c d"],
    ["BOM inside text", "a\uFEFFb", "a b"],
    ["LF, CRLF and CR", "a\nb\r\nc\rd", "a b  c d"],
    ["tab", "a\tb", "a b"],
    ["NUL, BEL, DEL", `a\u0000b${BEL}c\u007Fd`, "a b c d"],
    ["C1 NEL and other C1 controls", "a\u0085b\u0090c\u009Dd", "a b c d"],
  ])("%s", (_label, input, output) => {
    expect(sanitize(input)).toBe(output);
  });

  it("leaves nothing a terminal would act on, for random input (seeded)", () => {
    let s = 12345;
    const next = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 4294967296;
    };
    const alphabet = [ESC, "[", "]", "\\", BEL, "\u009b", "\u009d", "\n", "\r", "\u202E", "\u2067"];
    alphabet.push("0", ";", "m", "H", "A", "x", "漢", "😀", "\u0000", "\u007F", "\u0085", "\u200D");
    // eslint-disable-next-line no-control-regex -- asserting control characters are gone.
    const unsafe = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
    for (let i = 0; i < 2000; i++) {
      let text = "";
      const n = Math.floor(next() * 30);
      for (let j = 0; j < n; j++) text += alphabet[Math.floor(next() * alphabet.length)]!;
      const out = sanitize(text);
      expect(unsafe.test(out), JSON.stringify(text)).toBe(false);
      expect(sanitize(out)).toBe(out);
    }
  });
});

describe("displayWidth", () => {
  it.each([
    ["", 0],
    ["abc", 3],
    ["héllo", 5],
    ["e\u0301", 1],
    ["漢字", 4],
    ["한국어", 6],
    ["かな", 4],
    ["ＡＢ", 4],
    ["ｶﾀｶﾅ", 4],
    ["😀", 2],
    ["🚀 go", 5],
    ["a\uFE0F", 1],
    ["x\u200Dy", 2],
  ])("%j takes %i columns", (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
});

describe("fit", () => {
  it.each([
    ["abcdef", 10, "abcdef"],
    ["abcdef", 6, "abcdef"],
    ["abcdef", 5, "abcd…"],
    ["abcdef", 1, "…"],
    ["abcdef", 0, ""],
    ["abcdef", -3, ""],
    ["", 3, ""],
    ["漢字漢字", 8, "漢字漢字"],
    ["漢字漢字", 5, "漢字…"],
    ["漢字漢字", 4, "漢…"],
    ["a漢字", 3, "a…"],
    ["😀😀😀", 4, "😀…"],
    ["e\u0301e\u0301e\u0301", 2, "e\u0301…"],
  ])("fit(%j, %i) → %j", (text, width, out) => {
    expect(fitTo(text, width)).toBe(out);
    if (width > 0) expect(displayWidth(fitTo(text, width))).toBeLessThanOrEqual(width);
  });

  it("cuts between code points, never inside a surrogate pair", () => {
    expect(fitTo("😀😀b", 3)).toBe("😀…");
    expect(fitTo("a😀b😀c", 4)).toBe("a😀…");
  });
});

describe("padTo", () => {
  it.each([
    ["ab", 5, "left", "ab   "],
    ["ab", 5, "right", "   ab"],
    ["abcdef", 4, "left", "abc…"],
    ["abcdef", 4, "right", "abc…"],
    ["漢字", 5, "left", "漢字 "],
    ["漢字", 5, "right", " 漢字"],
    ["漢字漢字", 4, "left", "漢… "],
    ["", 3, "left", "   "],
    ["abc", 0, "left", ""],
  ] as const)("padTo(%j, %i, %s) → %j", (text, width, align, out) => {
    expect(padTo(text, width, align)).toBe(out);
    expect(displayWidth(padTo(text, width, align))).toBe(width);
  });

  it("aligns left by default", () => {
    expect(padTo("x", 3)).toBe("x  ");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [0.0004, "0µs"],
    [0.001, "1µs"],
    [0.85, "850µs"],
    [1, "1ms"],
    [1.5, "1.5ms"],
    [1.234, "1.23ms"],
    [5.25, "5.25ms"],
    [9.99, "9.99ms"],
    [9.999, "10ms"],
    [12.34, "12.3ms"],
    [17, "17ms"],
    [99.9, "99.9ms"],
    [99.96, "100ms"],
    [100, "100ms"],
    [420.4, "420ms"],
    [999, "999ms"],
    [1000, "1s"],
    [1420, "1.42s"],
    [9990, "9.99s"],
    [12_345, "12.3s"],
    [20_000, "20s"],
    [59_900, "59.9s"],
    [60_000, "1m00s"],
    [123_000, "2m03s"],
    [3_599_000, "59m59s"],
    [3_599_600, "1h00m"],
    [3_600_000, "1h00m"],
    [3_720_000, "1h02m"],
    [90_000_000, "25h00m"],
  ])("formatDuration(%s) → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    "formatDuration(%s) → ?",
    (ms) => {
      expect(formatDuration(ms)).toBe("?");
    },
  );

  it.each([
    [0.9996, "1ms"],
    [999.6, "1s"],
    [59_990, "1m00s"],
  ])("formatDuration(%s) → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
