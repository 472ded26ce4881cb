import { describe, expect, it } from "vitest";
import { correlateSchema, parseDuration, parseWhen } from "../../src/cli/options.js";

describe("option values", () => {
  it.each([
    ["500ms", 500],
    ["2s", 2000],
    ["1.5m", 90_000],
    ["1h", 3_600_000],
    ["250", 250],
    ["soon", undefined],
  ])("parseDuration(%s) = %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("reads --since as RFC 3339 or as a duration before now", () => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0);
    expect(parseWhen("2026-11-24T11:00:00Z", now)).toBe(now - 3_600_000);
    expect(parseWhen("15m", now)).toBe(now - 900_000);
    expect(parseWhen("15", now)).toBeUndefined();
  });

  it("fills defaults and names the flag of a bad value", () => {
    const ok = correlateSchema(0).parse({});
    expect(ok).toMatchObject({
      format: "text",
      idle: 5000,
      maxWait: 60_000,
      sort: "start",
      records: true,
    });
    const bad = correlateSchema(0).safeParse({ idle: "later" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["idle"]);
  });
});
