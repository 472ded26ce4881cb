// OTLP/JSON files as the Collector's file exporter writes them: spans and (gzipped) logs of the same
// run merged into one view per trace.
import { describe, expect, it } from "vitest";
import { parseDocument } from "../helpers/json-doc.js";
import { agtrace } from "../helpers/exec.js";

interface Doc {
  traces: {
    traceId: string;
    services: string[];
    status: string;
    spans: {
      name: string;
      service: string;
      timing: string;
      parentSpanId: string | null;
      parentInferred: boolean;
      records: { message: string; source: string; line: number }[];
    }[];
  }[];
}

describe("OTLP collector files", () => {
  it("merges each trace's spans with its logs, services from the resources", async () => {
    const r = await agtrace(["correlate", "fixtures/otlp-collector", "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = parseDocument(r.stdout) as Doc;
    expect(doc.traces).toHaveLength(2);
    for (const t of doc.traces) {
      expect(t.services).toEqual(["gateway", "payments"]);
      expect(
        t.spans.map((s) => [s.name.split(" ")[0], s.service, s.timing, s.parentInferred]),
      ).toEqual([
        ["POST", "gateway", "measured", false],
        ["POST", "gateway", "measured", false],
        ["charge", "payments", "measured", false],
      ]);
      const charge = t.spans[2]!;
      expect(
        charge.records.some(
          (x) => x.message === "charging card" && x.source.endsWith("logs.jsonl.gz"),
        ),
      ).toBe(true);
    }
    const refund = doc.traces.find((t) => t.traceId === "0af7651916cd43dd8448eb211c80319c")!;
    expect(refund.status).toBe("error");
  });
});
