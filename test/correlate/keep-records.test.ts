// Spans built without their log lines (the summary table) must say exactly what spans built with them say.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Correlator, type JoinMode } from "../../src/correlate/index.js";
import { ingest } from "../../src/ingest/index.js";
import type { LogRecord } from "../../src/model.js";
import { summaryRow } from "../../src/output/summary.js";
import { resolveInputs } from "../../src/sources/resolve.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
/** Every fixture set of logs (generators and truth files are no input). */
const SETS = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "generators" && d.name !== "truth")
  .map((d) => d.name);

async function summarize(set: string, join: JoinMode, keepRecords: boolean) {
  const { sources } = resolveInputs([`${FIXTURES}/${set}`]);
  const correlator = new Correlator({ join, keepRecords });
  await ingest(
    sources,
    process.stdin,
    { joinKeys: join !== "ids" },
    { record: (r) => correlator.add(r), problem: () => {} },
  );
  const { traces, unmatched } = correlator.finish({ tree: false });
  const where = (r: LogRecord): string => `${r.source}:${r.line}`;
  return {
    rows: traces.map((t) => ({ ...summaryRow(t), status: t.status, correlation: t.correlation })),
    unmatched: unmatched.map(where).sort(),
    findings: traces.flatMap((t) => t.findings.map((f) => `${t.traceId} ${f.message}`)),
  };
}

describe("spans built without their lines", () => {
  it("finds fixture sets to compare", () => {
    expect(SETS.length).toBeGreaterThanOrEqual(8);
  });

  for (const set of SETS) {
    for (const join of ["auto", "ids", "heuristic"] as const) {
      it(`${set}, --join ${join}: the same traces, names, services, spans, times and errors`, async () => {
        const kept = await summarize(set, join, true);
        const lean = await summarize(set, join, false);
        // Logs without business ids have no heuristic traces; those without trace ids none by ids.
        if (join === "auto") expect(kept.rows.length).toBeGreaterThan(0);
        expect(lean).toEqual(kept);
      });
    }
  }
});
