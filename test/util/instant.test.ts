import { describe, expect, it } from "vitest";
import type { Instant } from "../../src/model.js";
import {
  compareInstants,
  diffMs,
  epochDigitsInstant,
  epochSecondsFloat,
  formatInstant,
  fromSecondsNanos,
  maxInstant,
  minInstant,
  parseIsoInstant,
  parseTimeValue,
  TimeMemo,
  toEpochMs,
  unixNanoInstant,
} from "../../src/util/instant.js";
import { parseJson } from "../../src/util/json.js";

const BASE_MS = 1709622489000; // 2024-03-05T07:08:09Z
const EPOCH_MS = 1700000000000; // 2023-11-14T22:13:20Z
/** One run's time memo for the file: the cases below also go through its cached heads. */
const memo = new TimeMemo();

describe("parseIsoInstant / parseTimeValue: text shapes (FORMATS.md §10)", () => {
  it.each([
    // [input, ms, ns, digits, formatted]
    ["2024-03-05T07:08:09Z", BASE_MS, 0, 0, "2024-03-05T07:08:09Z"],
    ["2024-03-05T07:08:09z", BASE_MS, 0, 0, "2024-03-05T07:08:09Z"],
    ["2024-03-05T07:08:09.123Z", BASE_MS + 123, 0, 3, "2024-03-05T07:08:09.123Z"],
    ["2024-03-05T07:08:09.1Z", BASE_MS + 100, 0, 3, "2024-03-05T07:08:09.100Z"],
    ["2024-03-05T07:08:09.123456Z", BASE_MS + 123, 456_000, 6, "2024-03-05T07:08:09.123456Z"],
    ["2024-03-05T07:08:09.123456789Z", BASE_MS + 123, 456_789, 9, "2024-03-05T07:08:09.123456789Z"],
    // Serilog @t: 7 fraction digits, shown on the 9-digit grid.
    ["2024-03-05T07:08:09.1234567Z", BASE_MS + 123, 456_700, 9, "2024-03-05T07:08:09.123456700Z"],
    // More than 9 digits: cut to ns.
    [
      "2024-03-05T07:08:09.1234567891Z",
      BASE_MS + 123,
      456_789,
      9,
      "2024-03-05T07:08:09.123456789Z",
    ],
    // Offsets with a colon (ECS, OpenAI Agents), without (zap dev +0000), hours only.
    ["2024-03-05T09:08:09.123+02:00", BASE_MS + 123, 0, 3, "2024-03-05T07:08:09.123Z"],
    ["2024-03-05T07:08:09.123456+00:00", BASE_MS + 123, 456_000, 6, "2024-03-05T07:08:09.123456Z"],
    ["2024-03-05T07:08:09.123+0000", BASE_MS + 123, 0, 3, "2024-03-05T07:08:09.123Z"],
    ["2024-03-05T02:08:09-0500", BASE_MS, 0, 0, "2024-03-05T07:08:09Z"],
    ["2024-03-05T12:38:09+05:30", BASE_MS, 0, 0, "2024-03-05T07:08:09Z"],
    ["2024-03-05T09:08:09+02", BASE_MS, 0, 0, "2024-03-05T07:08:09Z"],
    ["2024-03-04T23:08:09-08:00", BASE_MS, 0, 0, "2024-03-05T07:08:09Z"],
    // Python logging asctime: space, comma millis, no zone (read as UTC).
    ["2024-03-05 07:08:09,123", BASE_MS + 123, 0, 3, "2024-03-05T07:08:09.123Z"],
    ["2024-03-05 07:08:09", BASE_MS, 0, 0, "2024-03-05T07:08:09Z"],
    ["2024-03-05T07:08:09.123 +02:00", BASE_MS + 123 - 7_200_000, 0, 3, "2024-03-05T05:08:09.123Z"],
    ["2024-03-05T07:08Z", BASE_MS - 9000, 0, 0, "2024-03-05T07:08:00Z"],
    ["  2024-03-05T07:08:09Z  ", BASE_MS, 0, 0, "2024-03-05T07:08:09Z"],
  ])("%s", (input, ms, ns, digits, formatted) => {
    const t = parseIsoInstant(input);
    expect(t).toEqual({ ms, ns, digits });
    expect(parseTimeValue(input, memo)).toEqual(t);
    expect(formatInstant(t!)).toBe(formatted);
  });

  it.each([
    "",
    "yesterday",
    "2024-03-05",
    "07:08:09",
    "2024/03/05 07:08:09",
    "2024-03-05T07:08:09.Z",
    "2024-03-05T07:08:09+2",
    "2024-03-05T07:08:09 UTC",
    "Nov 24 01:05:40",
    "01/Jan/2010:10:11:23 -0400",
  ])("rejects %j", (input) => {
    expect(parseIsoInstant(input)).toBeUndefined();
    expect(parseTimeValue(input, memo)).toBeUndefined();
  });

  it.each(["2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-03-05T25:61:00Z"])(
    "rejects the impossible date %s",
    (input) => {
      expect(parseIsoInstant(input)).toBeUndefined();
    },
  );
});

describe("parseTimeValue: epoch numbers and objects", () => {
  it.each([
    // [label, value, formatted, digits]
    ["epoch s (number)", 1700000000, "2023-11-14T22:13:20Z", 0],
    ["epoch s (text)", "1700000000", "2023-11-14T22:13:20Z", 0],
    ["epoch s, 9 digits", 999999999, "2001-09-09T01:46:39Z", 0],
    ["epoch ms (pino)", 1700000000123, "2023-11-14T22:13:20.123Z", 3],
    ["epoch ms (text)", "1700000000123", "2023-11-14T22:13:20.123Z", 3],
    ["epoch µs (OTel JS, Jaeger)", 1700000000123456, "2023-11-14T22:13:20.123456Z", 6],
    ["epoch µs (text)", "1700000000123456", "2023-11-14T22:13:20.123456Z", 6],
    ["epoch ns (text)", "1700000000123456789", "2023-11-14T22:13:20.123456789Z", 9],
    ["epoch ns, 17 digits", "99999999999999999", "1973-03-03T09:46:39.999999999Z", 9],
    ["float s (zap, structlog)", 1700000000.123456, "2023-11-14T22:13:20.123456Z", 6],
    ["float s, short", 1700000000.5, "2023-11-14T22:13:20.500000Z", 6],
    ["float s (text)", "1700000000.25", "2023-11-14T22:13:20.250000Z", 6],
    ["float ms", 1700000000123.456, "2023-11-14T22:13:20.123456Z", 6],
    [
      "{seconds,nanos} (GCP)",
      { seconds: 1700000000, nanos: 123456789 },
      "2023-11-14T22:13:20.123456789Z",
      9,
    ],
    ["{seconds} as text", { seconds: "1700000000", nanos: 5 }, "2023-11-14T22:13:20.000000005Z", 9],
    ["{seconds} without nanos", { seconds: 1700000000 }, "2023-11-14T22:13:20.000000000Z", 9],
    [
      "{$date} ISO (MongoDB)",
      { $date: "2023-11-14T22:13:20.123+00:00" },
      "2023-11-14T22:13:20.123Z",
      3,
    ],
    ["{$date} epoch ms", { $date: 1700000000123 }, "2023-11-14T22:13:20.123Z", 3],
    [
      "log4j2 instant",
      { epochSecond: 1700000000, nanoOfSecond: 123456789 },
      "2023-11-14T22:13:20.123456789Z",
      9,
    ],
    ["log4j2 instant, no nanos", { epochSecond: 1700000000 }, "2023-11-14T22:13:20.000000000Z", 9],
  ])("%s", (_label, value, formatted, digits) => {
    const t = parseTimeValue(value, memo);
    expect(t?.digits).toBe(digits);
    expect(formatInstant(t!)).toBe(formatted);
  });

  it("reads a ns epoch that went through parseJson without losing digits", () => {
    const { ts } = parseJson('{"ts":1700000000123456789}') as { ts: unknown };
    expect(parseTimeValue(ts, memo)).toEqual({ ms: EPOCH_MS + 123, ns: 456_789, digits: 9 });
  });

  it.each([
    ["zero", 0],
    ["negative", -5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["8-digit integer", 12345678],
    ["8-digit text", "12345678"],
    ["20-digit text", "12345678901234567890"],
    ["boolean", true],
    ["null", null],
    ["undefined", undefined],
    ["empty object", {}],
    ["array", [1700000000]],
    ["{$date} with $numberLong", { $date: { $numberLong: "x" } }],
  ])("rejects %s", (_label, value) => {
    expect(parseTimeValue(value, memo)).toBeUndefined();
  });
});

describe("epoch helpers", () => {
  it.each([
    ["12345678", undefined],
    ["123456789", { ms: 123456789000, ns: 0, digits: 0 }],
    ["1700000000", { ms: EPOCH_MS, ns: 0, digits: 0 }],
    ["17000000001", { ms: 17000000001, ns: 0, digits: 3 }],
    ["1700000000123", { ms: EPOCH_MS + 123, ns: 0, digits: 3 }],
    ["17000000001234", { ms: 17000000001, ns: 234_000, digits: 6 }],
    ["1700000000123456", { ms: EPOCH_MS + 123, ns: 456_000, digits: 6 }],
    ["17000000001234567", { ms: 17000000001, ns: 234_567, digits: 9 }],
    ["1700000000123456789", { ms: EPOCH_MS + 123, ns: 456_789, digits: 9 }],
    ["17000000001234567890", undefined],
  ])("epochDigitsInstant(%s): unit told by digit count", (digits, expected) => {
    expect(epochDigitsInstant(digits)).toEqual(expected);
  });

  it("epochSecondsFloat keeps µs precision", () => {
    expect(epochSecondsFloat(1700000000.000001)).toEqual({ ms: EPOCH_MS, ns: 1000, digits: 6 });
    expect(epochSecondsFloat(1700000000.999999)).toEqual({
      ms: EPOCH_MS + 999,
      ns: 999_000,
      digits: 6,
    });
  });

  it.each([
    ["1700000000123456789", { ms: EPOCH_MS + 123, ns: 456_789, digits: 9 }],
    [1700000000000000, { ms: 1700000000, ns: 0, digits: 9 }],
    ["0", undefined],
    ["000", undefined],
    ["", undefined],
    ["-1", undefined],
    ["1.5", undefined],
    ["abc", undefined],
  ])("unixNanoInstant(%j)", (input, expected) => {
    expect(unixNanoInstant(input)).toEqual(expected);
  });

  it("fromSecondsNanos splits nanos into ms and sub-ms ns", () => {
    expect(fromSecondsNanos(1700000000, 1_234_567)).toEqual({
      ms: EPOCH_MS + 1,
      ns: 234_567,
      digits: 9,
    });
  });
});

describe("formatInstant", () => {
  const t: Instant = { ms: EPOCH_MS + 5, ns: 60_700, digits: 9 };

  it.each([
    [0, "2023-11-14T22:13:20Z"],
    [3, "2023-11-14T22:13:20.005Z"],
    [6, "2023-11-14T22:13:20.005060Z"],
    [9, "2023-11-14T22:13:20.005060700Z"],
  ])("shows %i fraction digits, zero-padded", (digits, text) => {
    expect(formatInstant({ ...t, digits })).toBe(text);
  });

  it("formats the epoch itself", () => {
    expect(formatInstant({ ms: 0, ns: 0, digits: 3 })).toBe("1970-01-01T00:00:00.000Z");
  });

  it.each([
    "2024-03-05T07:08:09Z",
    "2024-03-05T07:08:09.000Z",
    "2024-03-05T07:08:09.999Z",
    "2024-03-05T07:08:09.000001Z",
    "2024-03-05T07:08:09.999999999Z",
    "1999-12-31T23:59:59.5000Z",
  ])("round-trips %s with its precision", (text) => {
    const back = formatInstant(parseIsoInstant(text)!);
    expect(back).toBe(text.replace(/\.(\d{4})Z$/, (_m, d: string) => `.${d}00Z`));
  });
});

describe("instant arithmetic", () => {
  const a: Instant = { ms: 1000, ns: 500_000, digits: 9 };
  const b: Instant = { ms: 1000, ns: 400_000, digits: 9 };
  const c: Instant = { ms: 999, ns: 999_999, digits: 9 };

  it("orders by ms, then ns", () => {
    expect([a, b, c].sort(compareInstants)).toEqual([c, b, a]);
    expect(compareInstants(a, { ...a, digits: 3 })).toBe(0);
  });

  it("picks min and max", () => {
    expect(minInstant(a, c)).toBe(c);
    expect(maxInstant(a, c)).toBe(a);
    expect(minInstant(a, b)).toBe(b);
    expect(maxInstant(b, a)).toBe(a);
  });

  it("diffs in fractional ms", () => {
    expect(diffMs(a, b)).toBeCloseTo(0.1, 9);
    expect(diffMs(c, a)).toBeCloseTo(-0.500001, 9);
  });

  it("converts to fractional epoch ms", () => {
    expect(toEpochMs(a)).toBe(1000.5);
  });
});

describe("TimeMemo: one run's cache", () => {
  it("hands neighbours one instant within a memo, a new one in another memo or without one", () => {
    const a = new TimeMemo();
    const b = new TimeMemo();
    const text = "2024-03-05T07:08:09.123Z";
    const first = parseTimeValue(text, a);
    expect(parseTimeValue(text, a)).toBe(first);
    expect(parseTimeValue(text, b)).toEqual(first);
    expect(parseTimeValue(text, b)).not.toBe(first);
    expect(parseIsoInstant(text)).toEqual(first);
    expect(parseIsoInstant(text)).not.toBe(first);
    expect(b.head).toBe("2024-03-05T07:08:09");
  });

  it("reads a new head after a cached one the same with or without a memo", () => {
    const m = new TimeMemo();
    for (const text of [
      "2024-03-05T07:08:09Z",
      "2024-03-05T07:08:10.5+01:00",
      "2024-03-05 07:08:10,5",
    ]) {
      expect(parseIsoInstant(text, m)).toEqual(parseIsoInstant(text));
    }
  });
});
