import { describe, expect, it } from "vitest";
import { parseJson, quoteLongIntegers } from "../../src/util/json.js";

describe("parseJson", () => {
  it("parses ordinary JSON like JSON.parse", () => {
    const text = '{"a":1,"b":[true,null,"x",-2.5e3],"c":{"d":"é😀"}}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it.each([
    { text: '{"t":1700000000123456789}', value: { t: "1700000000123456789" } },
    { text: '{"t":-1700000000123456789}', value: { t: "-1700000000123456789" } },
    { text: "[18446744073709551615]", value: ["18446744073709551615"] },
    { text: "9007199254740993", value: "9007199254740993" },
    {
      text: '{"a":{"b":[1,12345678901234567,2]}}',
      value: { a: { b: [1, "12345678901234567", 2] } },
    },
  ])("keeps the integer past 2^53 in $text exact, as a string", ({ text, value }) => {
    expect(parseJson(text)).toEqual(value);
  });

  it("leaves a 16-digit integer that a double holds exactly as a number", () => {
    expect(parseJson('{"x" : 1234567890123456 }')).toEqual({ x: 1234567890123456 });
  });

  it.each([
    "[123456789012345]",
    "[-123456789012345]",
    "[1700000000123]",
    "[12345678901234567e2]",
    "[12345678901234567E-2]",
    "[12345678901234567.5]",
  ])("leaves shorter integers and non-integers as numbers: %s", (text) => {
    const [n] = parseJson(text) as unknown[];
    expect(typeof n).toBe("number");
    expect(n).toBe((JSON.parse(text) as number[])[0]);
  });

  it.each([
    { text: '{"id":"12345678901234567890"}', value: { id: "12345678901234567890" } },
    {
      text: '{"s":"a\\"1234567890123456789","n":1}',
      value: { s: 'a"1234567890123456789', n: 1 },
    },
    { text: '{"s":"\\\\","n":1234567890123456789}', value: { s: "\\", n: "1234567890123456789" } },
    { text: '{"1234567890123456789":1}', value: { "1234567890123456789": 1 } },
  ])("does not touch digits inside strings: $text", ({ text, value }) => {
    expect(parseJson(text)).toEqual(value);
  });

  it("drops __proto__ and constructor keys at every depth without polluting prototypes", () => {
    const v = parseJson(
      '{"__proto__":{"polluted":true},"a":{"constructor":{"prototype":{"p":1}},"__proto__":[1]},"b":2}',
    ) as Record<string, unknown>;
    expect(v).toEqual({ a: {}, b: 2 });
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["a", "b"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(v, "__proto__")).toBe(false);
  });

  it("keeps __proto__ when it is only a value", () => {
    expect(parseJson('{"k":"__proto__","c":["constructor"]}')).toEqual({
      k: "__proto__",
      c: ["constructor"],
    });
  });

  it("drops __proto__ even when long integers are quoted too", () => {
    expect(parseJson('{"__proto__":{"x":1},"t":1700000000123456789}')).toEqual({
      t: "1700000000123456789",
    });
  });

  it.each(["", "{", '{"a":1,}', "{'a':1}", "[1,2", "nul", '{"a":01}'])(
    "throws a SyntaxError on invalid JSON %j",
    (text) => {
      expect(() => parseJson(text)).toThrow(SyntaxError);
    },
  );

  it.each(['{"x":0.30000000000000004}', '{"created":1700000000.1234567890123456}'])(
    "parses the float in %s",
    (text) => {
      expect(parseJson(text)).toEqual(JSON.parse(text));
    },
  );
});

describe("quoteLongIntegers", () => {
  it("returns the very same string when nothing needs quoting", () => {
    const text = '{"a":123,"s":"12345678901234567890"}';
    expect(quoteLongIntegers(text)).toBe(text);
  });

  it.each([
    { text: "[1234567890123456]", out: '["1234567890123456"]' },
    { text: "[1,12345678901234567,2]", out: '[1,"12345678901234567",2]' },
    { text: '{"a":-12345678901234567}', out: '{"a":"-12345678901234567"}' },
    { text: "[12345678901234567e3]", out: "[12345678901234567e3]" },
  ])("rewrites $text", ({ text, out }) => {
    expect(quoteLongIntegers(text)).toBe(out);
  });
});
