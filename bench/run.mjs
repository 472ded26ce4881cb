#!/usr/bin/env node
// Shared benchmark runner: node bench/run.mjs [scenario…] [--records N] [options]
//
// Every scenario (bench/<name>.bench.mjs) names a baseline command and the commands under
// test; this runner generates (or reuses) the data in a temp dir, times everything with
// hyperfine in one session, measures peak RSS, and prints each figure as a ratio against the
// baseline measured in the same run: absolute seconds on a shared machine are noise, ratios
// against a fixed tool measured minutes apart are much less so.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DATA_VERSION, DEFAULT_RECORDS, DEFAULT_SEED, generate, parseCount } from "./generate.mjs";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const WORK_DIR = join(tmpdir(), "agtrace-bench");

const USAGE = `usage: node bench/run.mjs [scenario…] [options]     (npm run bench -- [scenario…] [options])

  --records N     records to generate (default ${DEFAULT_RECORDS.toLocaleString("en-US")}; 200k, 1e6, 1m work)
  --seed S        generator seed (default ${DEFAULT_SEED})
  --runs N        timed runs per command (default 3)
  --warmup N      untimed runs per command first (default 1)
  --no-rss        skip the extra run per command that measures peak RSS
  --alternate     instead of hyperfine: rounds of one run per command, baseline first, and the
                  ratio of each run to the baseline run of its own round (median and range); on a
                  shared machine whose speed drifts within minutes, only neighbours compare
  --no-snapshot   run bin/ + dist/ in place instead of a copy taken at start
  --fresh         regenerate the data even if a cached copy exists
  --build         run \`npm run build\` first (otherwise dist/ is used as it is)
  --list          list the scenarios and exit
  --clean         delete ${WORK_DIR} (cached data, past results) and exit

With no scenario, every bench/*.bench.mjs runs. Needs jq and hyperfine on PATH.`;

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const o = {
    scenarios: [],
    records: DEFAULT_RECORDS,
    seed: DEFAULT_SEED,
    runs: 3,
    warmup: 1,
    rss: true,
    alternate: false,
    snapshot: true,
    fresh: false,
    build: false,
    list: false,
    clean: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? a.split(/=(.*)/s) : [a];
    const val = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (min) => {
      const n = Number(val());
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min}`);
      return n;
    };
    if (flag === "--records" || flag === "-n") o.records = parseCount(val());
    else if (flag === "--seed") o.seed = int(0);
    else if (flag === "--runs") o.runs = int(1);
    else if (flag === "--warmup") o.warmup = int(0);
    else if (flag === "--no-rss") o.rss = false;
    else if (flag === "--alternate") o.alternate = true;
    else if (flag === "--no-snapshot") o.snapshot = false;
    else if (flag === "--fresh") o.fresh = true;
    else if (flag === "--build") o.build = true;
    else if (flag === "--list") o.list = true;
    else if (flag === "--clean") o.clean = true;
    else if (flag === "--help" || flag === "-h") o.help = true;
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
    else o.scenarios.push(a.replace(/\.bench\.mjs$/, ""));
  }
  return o;
}

// ---------------------------------------------------------------- environment checks

function has(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return !r.error;
}

function gnuTimeAvailable() {
  if (!existsSync("/usr/bin/time")) return false;
  const r = spawnSync("/usr/bin/time", ["-v", "true"], { encoding: "utf8" });
  return !r.error && /Maximum resident set size/.test(r.stderr ?? "");
}

function checkTools() {
  const missing = ["jq", "hyperfine"].filter((t) => !has(t));
  if (missing.length === 0) return;
  console.error(`bench: missing ${missing.join(" and ")} on PATH.`);
  console.error("  Debian/Ubuntu: sudo apt-get install jq hyperfine");
  console.error("  macOS:         brew install jq hyperfine");
  console.error(
    "  other:         https://jqlang.org/download, https://github.com/sharkdp/hyperfine",
  );
  process.exit(2);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
    }
  }
  return newest;
}

function checkBuild(build) {
  if (build) {
    console.log("$ npm run build");
    const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
    if (r.status !== 0) {
      console.error("bench: npm run build failed");
      process.exit(2);
    }
  }
  const main = join(ROOT, "dist", "cli", "main.js");
  if (!existsSync(main)) {
    console.error("bench: dist/ is missing; run `npm run build` first (or pass --build).");
    process.exit(2);
  }
  if (
    existsSync(join(ROOT, "src")) &&
    newestMtime(join(ROOT, "src")) > newestMtime(join(ROOT, "dist"))
  ) {
    console.warn(
      "bench: warning: src/ is newer than dist/; measuring the last build (--build rebuilds)",
    );
  }
}

function gitState() {
  const rev = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  if (rev.status !== 0) return "not a git checkout";
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "src", "bin", "package.json"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return `${rev.stdout.trim()}${dirty.stdout.trim() ? " + uncommitted changes in src/bin" : ""}`;
}

// ---------------------------------------------------------------- build snapshot

/** Short content hash of a directory tree (paths + bytes), to name the build measured. */
function treeHash(dir) {
  const h = createHash("sha256");
  const files = readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
  for (const f of files) h.update(relative(dir, f)).update("\0").update(readFileSync(f));
  return h.digest("hex").slice(0, 10);
}

/**
 * Copies bin/, dist/ and package.json into the run dir (node_modules symlinked) and runs the
 * CLI from there: others rebuild dist/ while a long run is in progress, and a benchmark whose
 * runs straddle two builds measures neither. Retries when a build lands mid-copy.
 */
function snapshotApp(runDir) {
  const app = join(runDir, "app");
  for (let attempt = 0; attempt < 5; attempt++) {
    rmSync(app, { recursive: true, force: true });
    mkdirSync(app, { recursive: true });
    const before = treeHash(join(ROOT, "dist"));
    cpSync(join(ROOT, "dist"), join(app, "dist"), { recursive: true });
    cpSync(join(ROOT, "bin"), join(app, "bin"), { recursive: true });
    cpSync(join(ROOT, "package.json"), join(app, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"), "dir");
    const copied = treeHash(join(app, "dist"));
    if (copied === before && treeHash(join(ROOT, "dist")) === before) return { app, hash: before };
    spawnSync("sleep", ["2"]);
  }
  throw new Error("dist/ kept changing while it was being copied; try again");
}

// ---------------------------------------------------------------- scenarios

async function loadScenarios() {
  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(".bench.mjs"))
    .sort((a, b) => a.replace(/\.bench\.mjs$/, "").localeCompare(b.replace(/\.bench\.mjs$/, "")));
  const out = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(join(BENCH_DIR, f)).href);
    out.push({ name: f.replace(/\.bench\.mjs$/, ""), ...mod });
  }
  return out;
}

// ---------------------------------------------------------------- data

/** Generated data cached by (records, seed): deterministic, so reuse is safe. */
async function ensureData(records, seed, fresh) {
  const dir = join(WORK_DIR, `data-n${records}-s${seed}-v${DATA_VERSION}`);
  const manifest = join(dir, "manifest.json");
  if (!fresh && existsSync(manifest)) {
    return { ...JSON.parse(readFileSync(manifest, "utf8")), cached: true };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(WORK_DIR, { recursive: true });
  const partial = mkdtempSync(join(WORK_DIR, "partial-"));
  process.stdout.write(`generating ${records.toLocaleString("en-US")} records (seed ${seed})… `);
  const t = performance.now();
  const r = await generate({ records, seed, layout: "both", out: partial });
  console.log(
    `${(r.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)}s`,
  );
  renameSync(partial, dir);
  const rel = (p) => join(dir, basename(p));
  const info = {
    dir,
    records: r.records,
    traces: r.traces,
    seed,
    split: r.files.split.map(rel),
    merged: rel(r.files.merged),
  };
  writeFileSync(manifest, `${JSON.stringify(info, null, 2)}\n`);
  return { ...info, cached: false };
}

// ---------------------------------------------------------------- measuring

const shq = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
const shellLine = (argv) => `${argv.map(shq).join(" ")} > /dev/null`;

/** Wall-clock seconds of one run of argv, stdout discarded. */
function timeOnce(argv, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0 && argv[0] !== "jq")
    throw new Error(`${argv.join(" ")} exited with ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Rounds of one run per command (baseline first): results shaped as hyperfine's, plus per-round ratios. */
function alternate(commands, { runs, warmup, cwd }) {
  for (let w = 0; w < warmup; w++) for (const c of commands) timeOnce(c.argv, cwd);
  const times = commands.map(() => []);
  for (let round = 0; round < runs; round++) {
    commands.forEach((c, i) => times[i].push(timeOnce(c.argv, cwd)));
    const line = commands.map((c, i) => `${c.label} ${times[i][round].toFixed(2)} s`).join(" · ");
    console.log(`   round ${round + 1}/${runs}: ${line}`);
  }
  return times.map((t) => {
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const stddev = Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / t.length);
    const ratios = t.map((x, round) => x / times[0][round]);
    return { mean, stddev, times: t, ratios };
  });
}

function hyperfine(commands, { runs, warmup, exportPath, cwd }) {
  const args = ["--warmup", String(warmup), "--runs", String(runs), "--style", "basic"];
  args.push("--export-json", exportPath);
  for (const c of commands) args.push("--command-name", c.label, shellLine(c.argv));
  const r = spawnSync("hyperfine", args, { cwd, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`hyperfine exited with ${r.status ?? r.signal}`);
  return JSON.parse(readFileSync(exportPath, "utf8")).results;
}

// Loaded into a node child with --import when GNU time is absent: reports the child's own peak RSS.
const RSS_HOOK =
  "data:text/javascript,import{writeFileSync}from'node:fs';" +
  "process.on('exit',()=>writeFileSync(process.env.AGTRACE_BENCH_RSS_FILE," +
  "String(process.resourceUsage().maxRSS)))";

/** Peak RSS in kB of one run of argv (stdout discarded): { kb, how } or undefined. */
async function peakRss(argv, { gnuTime, runDir, cwd }) {
  if (gnuTime) {
    const r = spawnSync("/usr/bin/time", ["-v", ...argv], {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? "");
    return m ? { kb: Number(m[1]), how: "time -v" } : undefined;
  }
  if (argv[0] === "node") {
    const file = join(runDir, `rss-${process.pid}-${Date.now()}`);
    const r = spawnSync(process.execPath, ["--import", RSS_HOOK, ...argv.slice(1)], {
      cwd,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, AGTRACE_BENCH_RSS_FILE: file },
    });
    if (r.status !== 0 || !existsSync(file)) return undefined;
    return { kb: Number(readFileSync(file, "utf8")), how: "resourceUsage" };
  }
  // Not node and no GNU time: sample VmHWM (the kernel's own high-water mark) while it runs.
  if (!existsSync("/proc/self/status")) return undefined;
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    stdio: ["ignore", "ignore", "inherit"],
  });
  let kb = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) kb = Math.max(kb, Number(m[1]));
    } catch {
      // the process may have exited between samples
    }
  };
  const timer = setInterval(sample, 5);
  await new Promise((resolve) => child.on("exit", resolve));
  clearInterval(timer);
  return kb ? { kb, how: "~VmHWM" } : undefined;
}

// ---------------------------------------------------------------- reporting

function table(rows) {
  const head = ["command", "mean s", "± s", "ratio vs baseline", "peak RSS MB", "records/s"];
  const cells = rows.map((r) => [
    r.label,
    r.mean.toFixed(2),
    r.stddev.toFixed(2),
    r.baseline
      ? "1.00 (baseline)"
      : r.ratios
        ? `${r.ratio.toFixed(2)}× (${Math.min(...r.ratios).toFixed(2)}–${Math.max(...r.ratios).toFixed(2)})`
        : `${r.ratio.toFixed(2)}×`,
    r.rssMb === undefined ? "n/a" : r.rssMb.toFixed(0),
    Math.round(r.recordsPerSec).toLocaleString("en-US"),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i])));
  const sep = widths.map((w) => "-".repeat(w));
  return [line(head), sep, ...cells.map(line)].map((c) => `  ${c.join("  ")}`).join("\n");
}

async function runScenario(sc, opts, data, env) {
  const input = sc.input ?? "merged";
  const files = input === "split" ? data.split : [data.merged];
  const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
  const { baseline, commands } = sc.commands({ files, records: data.records });
  const all = [{ ...baseline, baseline: true }, ...commands];

  console.log(`\n== ${sc.name}: ${sc.title ?? ""}`);
  console.log(
    `   ${data.records.toLocaleString("en-US")} records, ${data.traces.toLocaleString("en-US")} traces, ` +
      `${files.map((f) => basename(f)).join(" + ")} (${(bytes / 1e6).toFixed(0)} MB) in ${data.dir}`,
  );
  const exportPath = join(
    env.runDir,
    `${sc.name}.${opts.alternate ? "alternate" : "hyperfine"}.json`,
  );
  const measure = { runs: opts.runs, warmup: opts.warmup, exportPath, cwd: env.cwd };
  const results = opts.alternate ? alternate(all, measure) : hyperfine(all, measure);
  if (opts.alternate) writeFileSync(exportPath, JSON.stringify({ results }, null, 2));

  const rows = [];
  for (const [i, c] of all.entries()) {
    const res = results[i];
    const rss = opts.rss ? await peakRss(c.argv, env) : undefined;
    rows.push({
      label: c.label,
      command: shellLine(c.argv),
      baseline: Boolean(c.baseline),
      mean: res.mean,
      stddev: res.stddev ?? 0,
      times: res.times,
      rssMb: rss ? rss.kb / 1024 : undefined,
      rssHow: rss?.how,
      recordsPerSec: data.records / res.mean,
      ratios: res.ratios,
    });
  }
  // Alternating rounds: the median of each run's ratio to its own round's baseline.
  for (const r of rows) r.ratio = r.ratios ? median(r.ratios) : r.mean / rows[0].mean;

  console.log(`\n${sc.name} — ${data.records.toLocaleString("en-US")} records:`);
  console.log(table(rows));
  const hows = [...new Set(rows.map((r) => r.rssHow).filter(Boolean))];
  const ratioIs = opts.alternate
    ? "ratio = median over rounds of run / its round's baseline run (range in brackets)"
    : "ratio = mean / baseline mean";
  console.log(
    `  (mean of ${opts.runs} runs after ${opts.warmup} warm-up; ${ratioIs}` +
      `${hows.length ? `; RSS from one extra run via ${hows.join(", ")}` : ""})`,
  );
  const where = env.cwd === ROOT ? "the repo root" : `${env.cwd}, a copy of bin/ + dist/`;
  console.log(`  commands (cwd = ${where}):`);
  for (const r of rows) console.log(`    ${r.label}: ${r.command}`);
  return { scenario: sc.name, records: data.records, bytes, rows, hyperfine: exportPath };
}

// ---------------------------------------------------------------- main

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`bench: ${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) return console.log(USAGE);
  if (opts.clean) {
    rmSync(WORK_DIR, { recursive: true, force: true });
    return console.log(`removed ${WORK_DIR}`);
  }
  const scenarios = await loadScenarios();
  if (opts.list) {
    for (const s of scenarios) console.log(`${s.name.padEnd(18)} ${s.title ?? ""}`);
    return;
  }
  const unknown = opts.scenarios.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) {
    console.error(
      `bench: unknown scenario ${unknown.join(", ")}; have ${scenarios.map((s) => s.name).join(", ")}`,
    );
    process.exit(2);
  }
  const chosen = opts.scenarios.length
    ? scenarios.filter((s) => opts.scenarios.includes(s.name))
    : scenarios;

  checkTools();
  checkBuild(opts.build);
  const gnuTime = gnuTimeAvailable();
  const node = spawnSync("node", ["--version"], { encoding: "utf8" }).stdout?.trim();
  const git = gitState();
  mkdirSync(WORK_DIR, { recursive: true });
  const runDir = mkdtempSync(
    join(WORK_DIR, `run-${new Date().toISOString().replace(/[:.]/g, "")}-`),
  );
  const snap = opts.snapshot
    ? snapshotApp(runDir)
    : { app: ROOT, hash: treeHash(join(ROOT, "dist")) };
  console.log(
    `agtrace ${git} · dist ${snap.hash}${opts.snapshot ? " (snapshot)" : " (live)"} · node ${node} · ` +
      `${cpus().length} CPUs · ${(totalmem() / 2 ** 30).toFixed(0)} GiB · ` +
      `peak RSS via ${gnuTime ? "/usr/bin/time -v" : "resourceUsage hook"}`,
  );

  const data = await ensureData(opts.records, opts.seed, opts.fresh);
  if (data.cached) console.log(`using cached data in ${data.dir} (--fresh regenerates)`);
  const env = { gnuTime, runDir, cwd: snap.app };

  const results = [];
  for (const sc of chosen) results.push(await runScenario(sc, opts, data, env));
  const summary = join(runDir, "results.json");
  writeFileSync(
    summary,
    `${JSON.stringify({ date: new Date().toISOString(), git, dist: snap.hash, node, opts, results }, null, 2)}\n`,
  );
  console.log(`\nraw results: ${summary}`);
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exit(1);
});
