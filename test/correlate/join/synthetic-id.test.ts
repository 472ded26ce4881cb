// Ids the join makes up for its operations and spans: hex of the asked length, the same on every run,
// different for different places.
import { describe, expect, it } from "vitest";
import { syntheticId } from "../../../src/correlate/join/synthetic-id.js";

describe("syntheticId", () => {
  it("gives hex ids of 16 or 32 digits, the same for the same place", () => {
    const at = { source: "api.log", line: 7, service: "api" };
    expect(syntheticId(at, 16)).toMatch(/^[0-9a-f]{16}$/);
    expect(syntheticId(at, 32)).toMatch(/^[0-9a-f]{32}$/);
    expect(syntheticId({ ...at }, 32)).toBe(syntheticId(at, 32));
  });

  it("differs between sources, lines and services", () => {
    const ids = new Set(
      [
        { source: "api.log", line: 7, service: "api" },
        { source: "api.log", line: 8, service: "api" },
        { source: "db.log", line: 7, service: "api" },
        { source: "api.log", line: 7, service: "db" },
        { source: "api.log", line: 7 },
      ].map((at) => syntheticId(at, 32)),
    );
    expect(ids.size).toBe(5);
  });
});
