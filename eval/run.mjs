#!/usr/bin/env node
// Accuracy on the validation (held-out) or development systems: node eval/run.mjs [options]   (npm run eval -- …)
//
// For each system and variant, runs the built CLI (`node bin/agtrace.js correlate
// eval/<set>/<system>/<variant> --format json`) and scores its document against
// eval/<set>/<system>/truth/<variant>/ with the functions of eval/score.mjs. <set> is `validation`
// (default; held out: measurement only, never use these figures to pick a rule, a threshold or a
// constant — eval/validation/README.md) or `development` (systems that may inform the design —
// eval/development/README.md).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import {
  breakScore,
  countDocRecords,
  groupingScore,
  loggedSpansPresent,
  mean,
  parentScore,
  continuationLines,
  withoutContinuations,
} from "./score.mjs";

const EVAL_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(EVAL_DIR);
const SETS = ["validation", "development"];
let SET_DIR = join(EVAL_DIR, "validation");
const BIN = join(ROOT, "bin", "agtrace.js");
const VARIANTS = ["ids", "stripped", "broken", "mixed"];

const USAGE = `usage: node eval/run.mjs [options]        (npm run eval -- [options])

  --set <name>      which systems: ${SETS.join(" or ")} (default validation: eval/<set>/)
  --system <name>   only this system (repeatable; default: every eval/<set>/<system>/ with truth/)
  --variant <name>  only this variant (${VARIANTS.join(", ")}; repeatable)
  --join <mode>     passed through to agtrace correlate (auto, ids, heuristic, off)
  --json            machine-readable results on stdout instead of the table
  -h, --help        this text`;

function parseArgs(argv) {
  const o = { set: "validation", systems: [], variants: [], join: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === "--set") o.set = value();
    else if (a === "--system") o.systems.push(...value().split(","));
    else if (a === "--variant") o.variants.push(...value().split(","));
    else if (a === "--join") o.join = value();
    else if (a === "--json") o.json = true;
    else if (a === "-h" || a === "--help") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument: ${a}`);
  }
  return o;
}

function fail(message) {
  process.stderr.write(`eval: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function allSystems() {
  return readdirSync(SET_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(SET_DIR, d.name, "truth")))
    .map((d) => d.name)
    .sort();
}

function readJsonLines(path) {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** Runs the CLI; resolves with exit code, wall time (ms), stdout and stderr. */
function runAgtrace(args) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
    const out = [];
    const err = [];
    child.stdout.on("data", (c) => out.push(c));
    child.stderr.on("data", (c) => err.push(c));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? signal,
        ms: performance.now() - start,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

async function evaluate(system, variant, opts) {
  const dir = join(SET_DIR, system, variant);
  const truthDir = join(SET_DIR, system, "truth", variant);
  const args = ["correlate", relative(ROOT, dir), "--format", "json"];
  if (opts.join) args.push("--join", opts.join);
  const run = await runAgtrace(args);
  const result = {
    system,
    variant,
    command: `node bin/agtrace.js ${args.join(" ")}`,
    exitCode: run.code,
    wallMs: Math.round(run.ms),
    warnings: [],
  };
  let doc;
  try {
    doc = JSON.parse(run.stdout);
  } catch (e) {
    result.warnings.push(
      `output is not JSON (${e.message}); stderr: ${run.stderr.trim().slice(0, 300)}`,
    );
    return result;
  }
  const continued = new Map(
    readdirSync(dir).map((f) => [f, continuationLines(readFileSync(join(dir, f), "utf8"))]),
  );
  const records = withoutContinuations(readJsonLines(join(truthDir, "records.jsonl")), continued);
  const spans = readJsonLines(join(truthDir, "spans.jsonl"));
  result.statsRecords = doc.stats?.records ?? null;
  result.docRecords = countDocRecords(doc);
  result.statsTraces = doc.stats?.traces ?? null;
  if (result.statsRecords !== result.docRecords)
    result.warnings.push(
      `stats.records ${result.statsRecords} != records in the document ${result.docRecords}`,
    );
  result.grouping = groupingScore(doc, records);
  if (variant === "ids" || variant === "mixed") result.parents = parentScore(doc, spans, records);
  if (variant === "ids") result.loggedSpans = loggedSpansPresent(doc, spans, records);
  if (variant === "broken")
    result.breaks = breakScore(doc, readJsonLines(join(truthDir, "breaks.jsonl")), records);
  return result;
}

// The metrics of a result, flat, as averaged over systems (null where not measured).
const METRICS = {
  precision: (r) => r.grouping?.precision,
  recall: (r) => r.grouping?.recall,
  f1: (r) => r.grouping?.f1,
  opsFound: (r) => r.grouping?.opsFound,
  opsTrue: (r) => r.grouping?.opsTrue,
  parentService: (r) => r.parents?.service,
  exactParent: (r) => r.parents?.exact,
  loggedSpansPresent: (r) => r.loggedSpans?.share,
  breaksFound: (r) => r.breaks?.found,
  breaksTrue: (r) => r.breaks?.breaks,
  breakRecall: (r) => r.breaks?.recall,
  breakPrecision: (r) => r.breaks?.precision,
  wallMs: (r) => r.wallMs,
};

function means(results, variants) {
  return variants
    .map((variant) => {
      const rs = results.filter((r) => r.variant === variant);
      if (rs.length === 0) return null;
      const m = { variant, systems: rs.length };
      for (const [k, f] of Object.entries(METRICS)) m[k] = mean(rs.map((r) => f(r) ?? null));
      return m;
    })
    .filter(Boolean);
}

// ---------------------------------------------------------------- table

const pct = (x) => (x == null ? "–" : (100 * x).toFixed(1));
const num = (x, d = 0) => (x == null ? "–" : x.toFixed(d));
const ratio = (a, b, d = 0) => (a == null || b == null ? "–" : `${num(a, d)}/${num(b, d)}`);

const HEADER = [
  "system",
  "variant",
  "exit",
  "time s",
  "records (stats/doc)",
  "P %",
  "R %",
  "F1 %",
  "ops found/true",
  "parent svc %",
  "exact parent %",
  "logged spans %",
  "breaks found/true",
  "break prec %",
];

function row(r) {
  const recs =
    r.statsRecords == null
      ? "–"
      : `${r.statsRecords}/${r.docRecords}${r.statsRecords === r.docRecords ? "" : " ⚠"}`;
  return [
    r.system,
    r.variant,
    String(r.exitCode),
    (r.wallMs / 1000).toFixed(2),
    recs,
    pct(r.grouping?.precision),
    pct(r.grouping?.recall),
    pct(r.grouping?.f1),
    ratio(r.grouping?.opsFound, r.grouping?.opsTrue),
    pct(r.parents?.service),
    pct(r.parents?.exact),
    pct(r.loggedSpans?.share),
    ratio(r.breaks?.found, r.breaks?.breaks),
    pct(r.breaks?.precision),
  ];
}

function meanRow(m, set) {
  return [
    `mean (${m.systems} ${set})`,
    m.variant,
    "",
    (m.wallMs / 1000).toFixed(2),
    "",
    pct(m.precision),
    pct(m.recall),
    pct(m.f1),
    ratio(m.opsFound, m.opsTrue, 1),
    pct(m.parentService),
    pct(m.exactParent),
    pct(m.loggedSpansPresent),
    ratio(m.breaksFound, m.breaksTrue, 1),
    pct(m.breakPrecision),
  ];
}

function markdownTable(rows) {
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const sep = `|${widths.map((w, i) => (i < 2 ? `-${"-".repeat(w)}-` : `-${"-".repeat(w)}:`)).join("|")}|`;
  return [line(HEADER), sep, ...rows.map(line)].join("\n");
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!SETS.includes(opts.set)) fail(`no set ${opts.set} (${SETS.join(", ")})`);
  SET_DIR = join(EVAL_DIR, opts.set);
  if (!existsSync(join(ROOT, "dist")))
    fail("dist/ is missing: run `npm run build` first (npm run eval does)");
  const known = allSystems();
  const systems = opts.systems.length > 0 ? opts.systems : known;
  for (const s of systems)
    if (!known.includes(s)) fail(`no ${opts.set} system ${s} (${known.join(", ")})`);
  const variants = opts.variants.length > 0 ? opts.variants : VARIANTS;
  for (const v of variants)
    if (!VARIANTS.includes(v)) fail(`no variant ${v} (${VARIANTS.join(", ")})`);

  const results = [];
  for (const system of systems) {
    for (const variant of variants) {
      if (!existsSync(join(SET_DIR, system, variant))) continue;
      if (!opts.json) process.stderr.write(`eval: ${system} ${variant}…\n`);
      const r = await evaluate(system, variant, opts);
      for (const w of r.warnings)
        process.stderr.write(`eval: warning: ${system} ${variant}: ${w}\n`);
      results.push(r);
    }
  }
  const summary = means(results, variants);

  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ set: opts.set, join: opts.join ?? "auto", results, means: summary }, null, 2)}\n`,
    );
  } else {
    const rows = [...results.map(row), ...summary.map((m) => meanRow(m, opts.set))];
    process.stdout.write(`${markdownTable(rows)}\n`);
    const warned = results.filter((r) => r.warnings.length > 0);
    for (const r of warned)
      for (const w of r.warnings) process.stdout.write(`\nwarning: ${r.system} ${r.variant}: ${w}`);
    if (warned.length > 0) process.stdout.write("\n");
  }
  const failed = results.some((r) => r.exitCode !== 0 || r.grouping === undefined);
  process.exitCode = failed ? 1 : 0;
}

await main();
