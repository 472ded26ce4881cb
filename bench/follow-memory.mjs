#!/usr/bin/env node
// Memory of `agtrace correlate --follow` on an endless stream: records are piped in at a steady rate
// and the process's memory is sampled once a second. Bounded means flat after warm-up.
//
//   node bench/follow-memory.mjs [--records 5m] [--rate 100k] [--idle 1s] [--gc] [--node "<flags>"]
//
// The child reports its own `process.memoryUsage()` each second (a probe loaded with `--import`):
// RSS (what the OS sees) and the V8 heap in use, so growth of live objects is told apart from memory
// the process merely holds on to. Prints both after warm-up (20% of the records), at the peak and at
// the end of the input, the growth end − warm-up, the trend after warm-up (least squares, MB per million records),
// and the records/s the process kept up with. `--gc` forces a full GC before each sample (heap used is
// then the live heap; slower, and RSS is no longer representative). `--node` passes flags to node.
// Data comes from bench/generate.mjs (cached).
import { spawn } from "node:child_process";
import { createReadStream, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { DEFAULT_SEED, generate, MERGED_FILE, parseCount } from "./generate.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const records = parseCount(opt("records", "5m"));
const rate = parseCount(opt("rate", "100k"));
const idle = opt("idle", "1s");
const forceGc = args.includes("--gc");
const nodeFlags = (opt("node", "") ?? "").split(" ").filter(Boolean);

const dir = join(tmpdir(), "agtrace-bench", `data-n${records}-s${DEFAULT_SEED}`);
const file = join(dir, MERGED_FILE);
if (!existsSync(file)) {
  process.stdout.write(`generating ${records.toLocaleString()} records… `);
  await generate({ records, layout: "both", out: dir });
  process.stdout.write("done\n");
}

// Runs inside the child: one JSON line of memory figures per second on fd 3, never keeping it alive.
const PROBE = `
import { writeSync } from "node:fs";
setInterval(() => {
  if (${forceGc}) globalThis.gc();
  const m = process.memoryUsage();
  try { writeSync(3, JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external }) + "\\n"); } catch {}
}, 1000).unref();
`;
const child = spawn(
  process.execPath,
  [
    ...nodeFlags,
    ...(forceGc ? ["--expose-gc"] : []),
    "--import",
    `data:text/javascript,${encodeURIComponent(PROBE)}`,
    "bin/agtrace.js",
    "correlate",
    "-f",
    "--idle",
    idle,
    "--format",
    "ndjson",
  ],
  { cwd: ROOT, stdio: ["pipe", "pipe", "inherit", "pipe"] },
);
let traces = 0;
child.stdout.on("data", (d) => {
  for (const b of d) if (b === 10) traces++;
});
const MB = 1024 * 1024;
let memory;
createInterface({ input: child.stdio[3] }).on("line", (line) => {
  const m = JSON.parse(line);
  memory = { rss: m.rss / MB, heap: m.heapUsed / MB, heapTotal: m.heapTotal / MB };
});

// Feed at `rate` records per second: a line budget per 100 ms tick.
let sent = 0;
const samples = [];
const started = Date.now();
const feeding = (async () => {
  let pending = "";
  let budget = 0;
  let last = Date.now();
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 16 })) {
    pending += chunk;
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      while (budget < 1) {
        await sleep(100);
        const now = Date.now();
        budget += ((now - last) / 1000) * rate;
        last = now;
      }
      const line = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      if (!child.stdin.write(line)) await new Promise((r) => child.stdin.once("drain", r));
      sent++;
      budget--;
      nl = pending.indexOf("\n");
    }
  }
  child.stdin.end();
})();
const sampler = setInterval(() => {
  if (memory) samples.push({ sent, ...memory });
}, 1000);
await feeding;
// What comes after the input ends (finishing every open trace at once) is no steady state.
clearInterval(sampler);
const seconds = (Date.now() - started) / 1000;
await new Promise((r) => child.on("close", r));

const warmIndex = Math.max(
  0,
  samples.findIndex((s) => s.sent >= records * 0.2),
);
const warm = samples[warmIndex];
const end = samples.at(-1);
const after = samples.slice(warmIndex);
const peak = (key) => Math.max(...samples.map((s) => s[key]));
/** Least-squares slope of `key` against records sent, in MB per million records. */
const trend = (key) => {
  const n = after.length;
  const mx = after.reduce((a, s) => a + s.sent, 0) / n;
  const my = after.reduce((a, s) => a + s[key], 0) / n;
  const sxy = after.reduce((a, s) => a + (s.sent - mx) * (s[key] - my), 0);
  const sxx = after.reduce((a, s) => a + (s.sent - mx) ** 2, 0);
  return sxx > 0 ? (sxy / sxx) * 1e6 : 0;
};
const mb = (v) => `${v.toFixed(0)} MB`;
const row = (label, key) =>
  `  ${label.padEnd(10)} warm-up ${mb(warm[key]).padStart(7)} · peak ${mb(peak(key)).padStart(7)} · end ${mb(end[key]).padStart(7)} · growth ${mb(end[key] - warm[key]).padStart(7)} · trend ${trend(key).toFixed(1).padStart(5)} MB/M records`;
const every5 = (key) =>
  samples
    .filter((_, i) => i % 5 === 4)
    .map((s) => s[key].toFixed(0))
    .join(" ");

console.log(
  `follow-memory — ${records.toLocaleString()} records piped at up to ${rate.toLocaleString()}/s, --idle ${idle}${forceGc ? ", full GC before each sample" : ""}${nodeFlags.length ? `, node ${nodeFlags.join(" ")}` : ""}`,
);
console.log(
  `  kept up with ${Math.round(sent / seconds).toLocaleString()} records/s (${seconds.toFixed(0)} s) · traces printed: ${traces.toLocaleString()}`,
);
console.log(row("RSS", "rss"));
console.log(row("heap used", "heap"));
console.log(row("heap total", "heapTotal"));
console.log(`  RSS every 5 s (MB):       ${every5("rss")}`);
console.log(`  heap used every 5 s (MB): ${every5("heap")}`);
