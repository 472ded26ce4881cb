// Fits the parent choice's weights (src/correlate/infer-parents.ts, PARENT_FEATURES) on the DEVELOPMENT
// systems' `ids` logs and the project's own fixtures with truth (trace and span ids, no parent ids: the
// tree is inferred), and measures it by leave-one-system-out. The validation systems are never read here.
//
//   npm run train:parents                # cross-validation table, then the weights fitted on all systems
//   npm run train:parents -- --write     # also writes src/correlate/parent-weights.ts
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TraceCore } from "../dist/correlate/core.js";
import { Correlator } from "../dist/correlate/index.js";
import { PARENT_FEATURES, learnCallModel, parentChoices } from "../dist/correlate/infer-parents.js";
import { ingest } from "../dist/ingest/index.js";
import { continuationLines, mean, parentScore, withoutContinuations } from "./score.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SET = join(ROOT, "eval", "development");
/**
 * L2 penalty, per unit of a system's weight: chosen by leave-one-system-out (0.03, 0.1, 0.3, 1 gave a
 * mean exact parent of 62.9, 63.0, 62.3, 58.1% on the `ids` logs).
 */
const LAMBDA = Number(process.env.LAMBDA ?? 0.1);
const F = PARENT_FEATURES.length;

const readJsonLinesOr = (file) => (existsSync(file) ? readJsonLines(file) : []);
/** A system to learn from: its logs and truth per variant (`ids` first: the one learned from). */
const development = readdirSync(SET, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "systems")
  .map((d) => ({
    name: d.name,
    variants: ["ids", "mixed"],
    logs: (v) => join(SET, d.name, v),
    spans: (v) => readJsonLines(join(SET, d.name, "truth", v, "spans.jsonl")),
    records: (v) => readJsonLines(join(SET, d.name, "truth", v, "records.jsonl")),
  }));
const fixtures = ["three-services", "node-multi"].map((name) => ({
  name: `fixtures/${name}`,
  variants: ["ids"],
  logs: () => join(ROOT, "fixtures", name),
  spans: () => readJsonLinesOr(join(ROOT, "fixtures", "truth", `${name}.jsonl`)),
  records: () => [],
}));
const systems = [...development, ...fixtures].sort((a, b) => a.name.localeCompare(b.name));

const readJsonLines = (file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

async function decode(dir) {
  const records = [];
  await ingest(
    readdirSync(dir)
      .sort()
      .map((f) => ({ name: join(dir, f), path: join(dir, f) })),
    process.stdin,
    { joinKeys: true },
    { record: (r) => records.push(r), problem: () => {} },
  );
  return records;
}

/** Choices (features of each candidate, index of the right one) from one system's `ids` logs. */
async function samples(system) {
  const records = await decode(system.logs("ids"));
  const truth = new Map(system.spans("ids").map((s) => [s.spanId, s]));
  const core = new TraceCore();
  for (const r of records) core.add(r);
  const sets = [...core.open()].map(([id]) => core.take(id).builder.finish());
  const logged = new Set();
  for (const set of sets)
    for (const s of set.spans.values()) if (s.records.length) logged.add(s.spanId);
  const rightOf = (id) => {
    let a = truth.get(truth.get(id)?.parentSpanId);
    while (a && !logged.has(a.spanId)) a = truth.get(a.parentSpanId);
    return a?.spanId;
  };
  const model = learnCallModel(sets);
  const rows = [];
  for (const set of sets) {
    for (const { span, candidates, features } of parentChoices(set, model)) {
      const right = rightOf(span.spanId);
      const k = candidates.findIndex((p) => p.spanId === right);
      if (k < 0 || candidates.length < 2) continue;
      const x = candidates.map((_, j) => {
        const row = new Float64Array(F);
        features(j, row);
        return row;
      });
      rows.push({ x, right: k, w: 1 });
    }
  }
  // Each system weighs the same in a fit, however many spans it has.
  for (const r of rows) r.w = 1000 / rows.length;
  return rows;
}

/** Conditional logit (softmax over each span's candidates) by Newton's method, L2 on every weight. */
function fit(rows) {
  const w = new Float64Array(F);
  for (let iter = 0; iter < 30; iter++) {
    const g = new Float64Array(F);
    const H = Array.from({ length: F }, () => new Float64Array(F));
    for (const { x, right, w: rw } of rows) {
      const z = x.map((f) => f.reduce((a, v, i) => a + v * w[i], 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / sum);
      const mu = new Float64Array(F);
      x.forEach((f, k) => f.forEach((v, i) => (mu[i] += p[k] * v)));
      for (let i = 0; i < F; i++) g[i] += rw * (x[right][i] - mu[i]);
      x.forEach((f, k) => {
        for (let i = 0; i < F; i++)
          for (let j = 0; j < F; j++) H[i][j] += rw * p[k] * (f[i] - mu[i]) * (f[j] - mu[j]);
      });
    }
    const total = rows.reduce((a, r) => a + r.w, 0);
    for (let i = 0; i < F; i++) {
      g[i] -= LAMBDA * total * w[i];
      H[i][i] += LAMBDA * total + 1e-9;
    }
    const step = solve(H, g);
    let moved = 0;
    for (let i = 0; i < F; i++) {
      w[i] += step[i];
      moved = Math.max(moved, Math.abs(step[i]));
    }
    if (moved < 1e-6) break;
  }
  return [...w];
}

function solve(A, b) {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    if (Math.abs(M[c][c]) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => (Math.abs(row[i]) < 1e-12 ? 0 : row[n] / row[i]));
}

async function parents(system, variant, parentWeights) {
  const dir = system.logs(variant);
  const records = await decode(dir);
  const correlator = new Correlator({ join: "auto", explain: false, parentWeights });
  for (const r of records) correlator.add(r);
  const { traces, unmatched } = correlator.finish();
  const continued = new Map(
    readdirSync(dir).map((f) => [f, continuationLines(readFileSync(join(dir, f), "utf8"))]),
  );
  const truthRecords = withoutContinuations(system.records(variant), continued);
  return parentScore({ traces, unmatched }, system.spans(variant), truthRecords);
}

const pct = (v) => (v == null ? "–" : (100 * v).toFixed(1));
/** The rules alone: all the weight on their choice. */
const RULES = PARENT_FEATURES.map((f) => (f === "the rules' choice" ? 1 : 0));
const bySystem = new Map();
for (const s of systems) bySystem.set(s.name, await samples(s));
console.log(
  "| held out | variant | rules exact % | model exact % | rules service % | model service % |",
);
console.log("|---|---|---:|---:|---:|---:|");
const sums = { ids: [[], [], [], []], mixed: [[], [], [], []] };
for (const held of systems) {
  const weights = fit(systems.filter((s) => s !== held).flatMap((s) => bySystem.get(s.name)));
  for (const variant of held.variants) {
    const rules = await parents(held, variant, RULES);
    const model = await parents(held, variant, weights);
    const row = [rules.exact, model.exact, rules.service, model.service];
    row.forEach((v, i) => sums[variant][i].push(v));
    console.log(`| ${held.name} | ${variant} | ${row.map(pct).join(" | ")} |`);
  }
}
for (const v of ["ids", "mixed"])
  console.log(
    `| mean (${sums[v][0].length}) | ${v} | ${sums[v].map((a) => pct(mean(a))).join(" | ")} |`,
  );
const all = systems.flatMap((s) => bySystem.get(s.name));
const weights = fit(all);
console.log(`\nFitted on all ${systems.length} development systems (${all.length} spans):`);
PARENT_FEATURES.forEach((f, i) => console.log(`  ${weights[i].toFixed(3).padStart(8)}  ${f}`));
if (process.argv.includes("--write")) {
  const file = join(ROOT, "src", "correlate", "parent-weights.ts");
  const lines = PARENT_FEATURES.map((f, i) => `  ${Number(weights[i].toFixed(4))}, // ${f}`);
  writeFileSync(
    file,
    `// The parent choice's weights, one per feature (PARENT_FEATURES in infer-parents.ts, same order). Fitted by
// \`npm run train:parents -- --write\` (eval/train-parents.mjs): a conditional logit over each span's
// candidate parents in the \`ids\` logs of ${systems.map((s) => s.name).join(", ")}, checked
// by leave-one-system-out. Not edited by hand.
export const PARENT_WEIGHTS: readonly number[] = [
${lines.join("\n")}
];
`,
  );
  console.log(`wrote ${file}`);
}
