#!/usr/bin/env node
// Deterministic generator of realistic multi-service JSONL logs for the benchmarks.
//
//   node bench/generate.mjs [--records N] [--seed S] [--layout split|merged|both] [--out DIR]
//
// Three services, each with its own logging library:
//   gateway  pino     {"level":30,"time":<epoch ms>,"pid":…,"hostname":"vm","name":"gateway",…,"msg":…}
//   planner  winston  {"level":"info","message":…,"service":"planner",…,"timestamp":"<ISO>",…}
//   worker   bunyan   {"name":"worker","hostname":"vm","pid":…,"level":30,…,"msg":…,"time":"<ISO>","v":0,…}
// Every traced line carries OTel-style trace_id (32 hex), span_id (16 hex) and trace_flags.
// A trace has ~5 spans (gateway root, planner, worker tools), a span ~10 records, and traces
// overlap heavily in time (a few hundred in flight at once). Output is in time order per file
// (and globally in the merged file), streamed through a min-heap of pending lines so memory is
// bounded by the number of traces in flight, never by N.
//
// layout "split" writes gateway.jsonl, planner.jsonl and worker.jsonl; "merged" writes one
// all.jsonl with every service interleaved; "both" writes the four files from the same stream.
// Output goes to a fresh temp dir unless --out is given.
import { once } from "node:events";
import { createWriteStream, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const DEFAULT_RECORDS = 1_000_000;
export const DEFAULT_SEED = 20261124;
export const SERVICES = ["gateway", "planner", "worker"];
export const MERGED_FILE = "all.jsonl";

const BASE_TIME = 1795479993449; // 2026-11-24T00:26:33.449Z, as in the sample lines
const MEAN_TRACE_GAP_MS = 4; // ~250 traces started per second …
const MEAN_TRACE_MS = 900; // … lasting ~0.9 s each: ~225 traces in flight at any moment
const CHUNK_BYTES = 1 << 16;

/** mulberry32: tiny, fast, good enough for synthetic data; same seed, same bytes. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Min-heap of [time, seq, service, line-builder args]; ties keep insertion order. */
class Heap {
  items = [];
  get size() {
    return this.items.length;
  }
  peek() {
    return this.items[0];
  }
  static less(a, b) {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq);
  }
  push(item) {
    const h = this.items;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!Heap.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop() {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && Heap.less(h[l], h[m])) m = l;
        if (r < h.length && Heap.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

const TOOLS = ["tool.fetch", "tool.search", "tool.embed", "tool.calc", "tool.sql", "tool.browse"];
const KINDS = ["chat", "report", "search", "summarize"];
const ERRORS = ["timeout after 30s", "upstream returned 503", "rate limited", "ECONNRESET"];

// Messages per service for the lines between a span's first and last record.
const MIDDLE = {
  gateway: [
    ["info", "auth ok"],
    ["debug", "rate limit check passed"],
    ["info", "routing to planner"],
    ["debug", "request body parsed"],
    ["info", "planner responded"],
    ["debug", "cache miss"],
    ["info", "streaming response"],
  ],
  planner: [
    ["info", "building route plan"],
    ["debug", "prompt assembled"],
    ["info", "llm call started"],
    ["info", "llm call finished"],
    ["info", "step planned"],
    ["debug", "context window trimmed"],
    ["info", "dispatching to worker"],
  ],
  worker: [
    ["info", "tool started"],
    ["debug", "input validated"],
    ["info", "tool progress"],
    ["debug", "cache lookup"],
    ["info", "tool finished"],
    ["debug", "result serialized"],
    ["warn", "slow dependency"],
  ],
};
const FIRST = {
  gateway: "request received",
  planner: "plan request received",
  worker: "task received",
};
const LAST = { gateway: "request completed", planner: "plan ready", worker: "task done" };

const PINO_LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };
const PID = { gateway: 9077, planner: 9081, worker: 9090 };

function iso(ms) {
  return new Date(ms).toISOString();
}

/** One JSON line in the style of the service's logging library. */
function format(ev) {
  const { svc, t, level, msg, ids, extra } = ev;
  if (svc === "gateway") {
    // pino: bindings (pid, hostname, name), mixin (trace context), merge object, msg last.
    const ctx = ids ? `"trace_id":"${ids[0]}","span_id":"${ids[1]}","trace_flags":"01",` : "";
    return `{"level":${PINO_LEVEL[level]},"time":${t},"pid":${PID.gateway},"hostname":"vm","name":"gateway",${ctx}${extra}"msg":"${msg}"}\n`;
  }
  if (svc === "planner") {
    // winston format.json(): keys in sorted order, defaultMeta {service}.
    const fields = extra ? JSON.parse(`{${extra.slice(0, -1)}}`) : {};
    fields.level = level;
    fields.message = msg;
    fields.service = "planner";
    fields.timestamp = iso(t);
    if (ids) {
      fields.span_id = ids[1];
      fields.trace_flags = "01";
      fields.trace_id = ids[0];
    }
    const sorted = {};
    for (const k of Object.keys(fields).sort()) sorted[k] = fields[k];
    return `${JSON.stringify(sorted)}\n`;
  }
  // bunyan: name, hostname, pid, level, fields, msg, time, v; trace context appended by the hook.
  const ctx = ids ? `,"trace_id":"${ids[0]}","span_id":"${ids[1]}","trace_flags":"01"` : "";
  return `{"name":"worker","hostname":"vm","pid":${PID.worker},"level":${PINO_LEVEL[level]},${extra}"msg":"${msg}","time":"${iso(t)}","v":0${ctx}}\n`;
}

/**
 * Writes `records` lines. Returns { dir, files: {split?: string[], merged?: string}, records, traces, bytes }.
 */
export async function generate({
  records = DEFAULT_RECORDS,
  seed = DEFAULT_SEED,
  layout = "both",
  out,
} = {}) {
  if (!["split", "merged", "both"].includes(layout)) throw new Error(`unknown layout ${layout}`);
  const dir = out ?? mkdtempSync(join(tmpdir(), "agtrace-bench-"));
  mkdirSync(dir, { recursive: true });
  const rnd = prng(seed);
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const hex8 = () =>
    Math.floor(rnd() * 4294967296)
      .toString(16)
      .padStart(8, "0");
  const exp = (mean) => -Math.log(1 - rnd()) * mean;

  // Buffered writers with back-pressure.
  const sinks = [];
  const open = (path) => {
    const s = { path, stream: createWriteStream(path), buf: "", bytes: 0 };
    sinks.push(s);
    return s;
  };
  const splitSinks =
    layout === "merged"
      ? null
      : Object.fromEntries(SERVICES.map((n) => [n, open(join(dir, `${n}.jsonl`))]));
  const mergedSink = layout === "split" ? null : open(join(dir, MERGED_FILE));
  const flush = async (s) => {
    const chunk = s.buf;
    s.buf = "";
    s.bytes += Buffer.byteLength(chunk);
    if (!s.stream.write(chunk)) await once(s.stream, "drain");
  };
  const emit = async (line, svc) => {
    for (const s of [splitSinks?.[svc], mergedSink]) {
      if (!s) continue;
      s.buf += line;
      if (s.buf.length >= CHUNK_BYTES) await flush(s);
    }
  };

  const heap = new Heap();
  let seq = 0;
  const push = (ev) => {
    ev.seq = seq++;
    heap.push(ev);
  };

  // A span: `n` records spread over [start, end], first/last lines fixed, middle ones varied.
  const spanLines = (svc, ids, start, end, n, first, last, failed) => {
    const times = [start];
    for (let i = 1; i < n - 1; i++) times.push(start + Math.round(rnd() * (end - start)));
    times.push(end);
    times.sort((a, b) => a - b);
    push({ svc, t: times[0], level: "info", msg: FIRST[svc], ids, extra: first });
    for (let i = 1; i < n - 1; i++) {
      const [level, msg] = pick(MIDDLE[svc]);
      const extra =
        svc === "worker"
          ? `"step":${i},`
          : svc === "planner"
            ? `"depth":${i % 3},`
            : `"step":${i},`;
      push({ svc, t: times[i], level, msg, ids, extra });
    }
    if (failed) {
      const err = pick(ERRORS);
      push({
        svc,
        t: end,
        level: "error",
        msg: svc === "worker" ? "tool failed" : "failed",
        ids,
        extra: `"err":"${err}",`,
      });
    } else {
      push({ svc, t: end, level: "info", msg: LAST[svc], ids, extra: last });
    }
  };

  let traceNo = 0;
  const startTrace = (t0) => {
    traceNo++;
    const traceId = hex8() + hex8() + hex8() + hex8();
    const op = `op-${String(traceNo).padStart(7, "0")}`;
    const kind = pick(KINDS);
    const dur = Math.max(40, Math.round(exp(MEAN_TRACE_MS)));
    const failed = rnd() < 0.03;
    const workers = int(1, 5); // 2..6 spans in total, ~5 on average with the two above
    const perSpan = () => int(8, 12);
    // gateway root span covers the whole trace
    spanLines(
      "gateway",
      [traceId, hex8() + hex8()],
      t0,
      t0 + dur,
      perSpan(),
      `"op":"${op}","kind":"${kind}","route":"/v1/ops/${kind}",`,
      `"op":"${op}","status":${failed ? 502 : 200},"ms":${dur},`,
      failed,
    );
    // planner span inside it
    const pStart = t0 + int(1, 5);
    const pEnd = t0 + dur - int(1, 5);
    spanLines(
      "planner",
      [traceId, hex8() + hex8()],
      pStart,
      Math.max(pStart, pEnd),
      perSpan(),
      `"depth":0,"steps":${workers},`,
      `"depth":0,"steps":${workers},`,
      false,
    );
    // worker spans, sequential slices of the planner span
    const slice = Math.max(1, Math.floor((pEnd - pStart) / workers));
    for (let w = 0; w < workers; w++) {
      const ws = pStart + w * slice + int(0, 3);
      const we = Math.max(ws, pStart + (w + 1) * slice - int(0, 3));
      const tool = pick(TOOLS);
      const wFailed = failed && w === workers - 1;
      spanLines(
        "worker",
        [traceId, hex8() + hex8()],
        ws,
        we,
        perSpan(),
        `"tool":"${tool}","depth":1,`,
        `"tool":"${tool}","depth":1,`,
        wFailed,
      );
    }
  };

  // Startup lines without trace context.
  push({
    svc: "worker",
    t: BASE_TIME - 700,
    level: "info",
    msg: "worker listening",
    extra: `"port":37797,`,
  });
  push({
    svc: "planner",
    t: BASE_TIME - 400,
    level: "info",
    msg: "planner listening",
    extra: `"port":38677,`,
  });
  push({
    svc: "gateway",
    t: BASE_TIME - 100,
    level: "info",
    msg: "gateway listening",
    extra: `"port":42583,`,
  });

  let written = 0;
  let nextTrace = BASE_TIME;
  while (written < records) {
    if (heap.size > 0 && heap.peek().t < nextTrace) {
      const ev = heap.pop();
      await emit(format(ev), ev.svc);
      written++;
      continue;
    }
    startTrace(nextTrace);
    // the odd untraced line (health checks), ~1 in 60 lines
    if (rnd() < 0.3) {
      const svc = pick(SERVICES);
      push({
        svc,
        t: nextTrace,
        level: "debug",
        msg: "health check ok",
        extra: `"route":"/healthz",`,
      });
    }
    nextTrace += Math.max(1, Math.round(exp(MEAN_TRACE_GAP_MS)));
  }

  const finished = [];
  for (const s of sinks) {
    await flush(s);
    finished.push(once(s.stream, "finish"));
    s.stream.end();
  }
  await Promise.all(finished);
  return {
    dir,
    records: written,
    traces: traceNo,
    bytes: sinks.reduce((a, s) => a + s.bytes, 0),
    files: {
      split: splitSinks ? SERVICES.map((n) => splitSinks[n].path) : undefined,
      merged: mergedSink?.path,
    },
  };
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--records" || a === "-n") opts.records = parseCount(val());
    else if (a === "--seed") opts.seed = Number(val());
    else if (a === "--layout") opts.layout = val();
    else if (a === "--out") opts.out = val();
    else if (a === "--help" || a === "-h") opts.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

/** 1000000, 1_000_000, 1e6, 200k, 1m */
export function parseCount(text) {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([km]?)$/i.exec(String(text).replaceAll("_", "").trim());
  const n = m ? Math.round(Number(m[1]) * { "": 1, k: 1e3, m: 1e6 }[m[2].toLowerCase()]) : NaN;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`"${text}" is not a positive record count`);
  return n;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
      console.log(
        "usage: node bench/generate.mjs [--records N] [--seed S] [--layout split|merged|both] [--out DIR]",
      );
    } else {
      const t = performance.now();
      const r = await generate(opts);
      const secs = ((performance.now() - t) / 1000).toFixed(1);
      console.log(
        `${r.records} records, ${r.traces} traces, ${(r.bytes / 1e6).toFixed(0)} MB in ${secs}s`,
      );
      for (const f of [...(r.files.split ?? []), r.files.merged].filter(Boolean)) console.log(f);
    }
  } catch (e) {
    console.error(`generate: ${e.message}`);
    process.exit(2);
  }
}
