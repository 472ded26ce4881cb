// How long a record says its work took: unit from the field name, or from the text.
import { describe, expect, it } from "vitest";
import { parseDurationText } from "../../src/decode/duration.js";
import { NameKinds, scanRecord } from "../../src/decode/join-keys.js";

/** The duration a record states, read in the same pass as its join keys. */
const pickDurationMs = (obj: Record<string, unknown>): number | undefined =>
  scanRecord(obj, new NameKinds()).durationMs;

describe("parseDurationText", () => {
  it("reads single units and Go's compound form", () => {
    expect(parseDurationText("230ms")).toBe(230);
    expect(parseDurationText("1.5s")).toBe(1500);
    expect(parseDurationText("2m3.5s")).toBe(123_500);
    expect(parseDurationText("750µs")).toBeCloseTo(0.75);
    expect(parseDurationText(" 12 ms ")).toBe(12);
  });

  it("refuses anything else", () => {
    for (const text of ["", "fast", "12", "1.5 sec", "3d", "ms"]) {
      expect(parseDurationText(text), text).toBeUndefined();
    }
  });
});

describe("the duration a record states", () => {
  it("takes the unit a field name states", () => {
    expect(pickDurationMs({ ms: 209 })).toBe(209); // pino apps: `{status, ms}`
    expect(pickDurationMs({ durationMs: 12.5 })).toBe(12.5); // winston's profiler
    expect(pickDurationMs({ responseTime: 31 })).toBe(31); // pino-http
    expect(pickDurationMs({ elapsed_s: 1.25 })).toBe(1250);
    expect(pickDurationMs({ duration_ns: 2_000_000 })).toBe(2);
    expect(pickDurationMs({ duration_ms: "40" })).toBe(40);
  });

  it("reads unitless names only as text with units: their bare numbers differ by library", () => {
    expect(pickDurationMs({ elapsed: "1.2s" })).toBe(1200);
    expect(pickDurationMs({ duration: "85ms" })).toBe(85);
    expect(pickDurationMs({ duration: 1.2 })).toBeUndefined(); // zap: seconds; slog: nanoseconds
    expect(pickDurationMs({ latency: 120 })).toBeUndefined();
  });

  it("ignores nonsense: zero, negative, text that is no number, a month or more", () => {
    expect(pickDurationMs({ ms: 0 })).toBeUndefined();
    expect(pickDurationMs({ ms: -5 })).toBeUndefined();
    expect(pickDurationMs({ ms: "fast" })).toBeUndefined();
    expect(pickDurationMs({ duration_s: 40 * 86_400 })).toBeUndefined();
    expect(pickDurationMs({ status: 200 })).toBeUndefined();
  });
});
