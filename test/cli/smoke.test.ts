import { describe, expect, it } from "vitest";
import { parseDocument } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";

describe("agtrace correlate (built CLI)", () => {
  it("prints --version and exits 0", async () => {
    const r = await agtrace(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("groups the three-service fixture into its 12 traces", async () => {
    const r = await agtrace(["correlate", "fixtures/three-services", "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = parseDocument(r.stdout);
    expect(doc.version).toBe(1);
    expect(doc.traces).toHaveLength(12);
  });
});
