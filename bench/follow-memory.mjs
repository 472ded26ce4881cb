#!/usr/bin/env node
// Memory of `agtrace correlate --follow` on an endless stream: records are piped in at a steady rate
// and the process's RSS is sampled once a second. Bounded means flat after warm-up.
//
//   node bench/follow-memory.mjs [--records 5m] [--rate 100k] [--idle 1s]
//
// Prints RSS after warm-up (20% of the records), the peak, at the end, and the growth
// end − warm-up, with traces printed per second. Data comes from bench/generate.mjs (cached).
import { spawn } from "node:child_process";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

const dir = join(tmpdir(), "agtrace-bench", `data-n${records}-s${DEFAULT_SEED}`);
const file = join(dir, MERGED_FILE);
if (!existsSync(file)) {
  process.stdout.write(`generating ${records.toLocaleString()} records… `);
  await generate({ records, layout: "both", out: dir });
  process.stdout.write("done\n");
}

const child = spawn(
  process.execPath,
  ["bin/agtrace.js", "correlate", "-f", "--idle", idle, "--format", "ndjson"],
  {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  },
);
let traces = 0;
child.stdout.on("data", (d) => {
  for (const b of d) if (b === 10) traces++;
});
const rssMb = () => {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
};

// Feed at `rate` records per second: a line budget per 100 ms tick.
let sent = 0;
const samples = [];
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
const sampler = setInterval(() => samples.push({ sent, rss: rssMb(), traces }), 1000);
await feeding;
await new Promise((r) => child.on("close", r));
clearInterval(sampler);

const warm = samples.find((s) => s.sent >= records * 0.2) ?? samples[0];
const end = samples.at(-1);
const peak = Math.max(...samples.map((s) => s.rss).filter(Number.isFinite));
const seconds = samples.length;
console.log(
  `follow-memory — ${records.toLocaleString()} records piped at ${rate.toLocaleString()}/s, --idle ${idle}`,
);
console.log(
  `  RSS after warm-up (20%): ${warm.rss.toFixed(0)} MB · peak ${peak.toFixed(0)} MB · at end ${end.rss.toFixed(0)} MB`,
);
console.log(
  `  growth after warm-up: ${(end.rss - warm.rss).toFixed(0)} MB · traces printed: ${traces.toLocaleString()} in ${seconds} s`,
);
console.log(
  `  RSS every 5 s (MB): ${samples
    .filter((_, i) => i % 5 === 4)
    .map((s) => s.rss.toFixed(0))
    .join(" ")}`,
);
