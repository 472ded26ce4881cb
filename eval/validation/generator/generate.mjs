// Launcher: node generate.mjs <system|all> [--seed N] [--ops N] [--out DIR]
//   --out DIR (or env EVAL_OUT): write the systems under DIR instead of eval/validation, reading their
//   definitions from DIR/systems/*.mjs (e.g. --out ../../development for the development systems).
// For each system it runs the real variants (ids, broken) as separate sets of child processes,
// drives the seeded scenario over plain HTTP (the driver itself is not traced), routes queue
// messages between processes, restarts crashed services, then collects the truth and derives
// the `stripped` and `mixed` variants from the `ids` logs.
import { fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rngFrom, hashSeed } from './lib/rng.mjs';
import { verifySystem } from './verify.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SYSTEMS = ['research-assistant', 'ticket-triage', 'checkout-saga', 'code-agent', 'mcp-agent-host', 'agent-crew'];

const args = process.argv.slice(2);
const VALUED = new Set(['--seed', '--ops', '--out']);
const which = args.find((a, i) => !a.startsWith('--') && !VALUED.has(args[i - 1])) || 'all';
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : dflt; };
const strOpt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
// output root: eval/validation (default) or another tree whose definitions live in <root>/systems/
const OUT = strOpt('out', process.env.EVAL_OUT);
const ROOT = OUT ? path.resolve(OUT) : path.resolve(HERE, '..');
const SYSTEMS_DIR = OUT ? path.join(ROOT, 'systems') : path.join(HERE, 'systems');
const systemList = () => (OUT ? fs.readdirSync(SYSTEMS_DIR).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).sort() : SYSTEMS);

function writeJsonl(file, rows) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}
function readLines(file) {
  if (!fs.existsSync(file)) return [];
  const t = fs.readFileSync(file, 'utf8');
  const lines = t.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function httpSend(port, req, op) {
  return new Promise((resolve) => {
    const payload = req.body === undefined ? null : JSON.stringify(req.body);
    const r = http.request({
      host: '127.0.0.1', port, path: req.path, method: req.method, agent: false,
      headers: { 'content-type': 'application/json', 'x-eval-op': op, ...(req.headers || {}), ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}) },
      timeout: 120000,
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    r.on('error', (e) => resolve(String(e.code || e.message)));
    r.on('timeout', () => r.destroy(new Error('timeout')));
    if (payload) r.write(payload);
    r.end();
  });
}

// Python systems (definition names `pythonFile`): py/launcher.py runs the variant with python3 processes
// (Debian's /usr/bin/python3 with python3-structlog and python3-pythonjsonlogger; EVAL_PYTHON overrides) and
// writes the same side files as lib/runtime.mjs.
function runPythonVariant(system, variant, seed, nOps, portBase) {
  const outDir = path.join(ROOT, system.name, variant);
  const sideDir = fs.mkdtempSync(path.join(os.tmpdir(), `agval-${system.name}-${variant}-`));
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const py = process.env.EVAL_PYTHON || '/usr/bin/python3';
  const r = spawnSync(py, [path.join(HERE, 'py', 'launcher.py'), system.pythonFile, variant, outDir, sideDir, String(portBase), String(seed), String(nOps), system.brokenService],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.status !== 0) throw new Error(`${system.name}/${variant}: python launcher failed (${r.status ?? r.signal})`);
  const stats = JSON.parse(r.stdout.trim().split('\n').pop());
  return { sideDir, outDir, stats };
}

async function runVariant(system, variant, seed, nOps, portBase) {
  if (system.pythonFile) return runPythonVariant(system, variant, seed, nOps, portBase);
  const outDir = path.join(ROOT, system.name, variant);
  const sideDir = fs.mkdtempSync(path.join(os.tmpdir(), `agval-${system.name}-${variant}-`));
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const ports = {};
  system.services.forEach((s, i) => { ports[s.name] = portBase + i; });
  const env = { ...process.env, EVAL_SYSTEMS_DIR: SYSTEMS_DIR, EVAL_VARIANT: variant, EVAL_SIDE_DIR: sideDir, EVAL_PORTS: JSON.stringify(ports), EVAL_SEED: String(seed) };
  const children = {};
  const readyWaiters = {};
  const doneWaiters = new Map();
  const doneEarly = new Set();
  let shuttingDown = false;
  let lastActivity = Date.now();
  const pendingMq = {};
  const mqRng = rngFrom(hashSeed(`${seed}|mq|${variant}`));

  function deliver(svc, m) {
    const c = children[svc];
    if (c && c.ready && c.proc.connected) c.proc.send(m);
    else (pendingMq[svc] ||= []).push(m);
  }
  function spawn(svc, fds) {
    const proc = fork(path.join(HERE, 'service.mjs'), [system.name, svc], { stdio: ['ignore', fds.out, fds.err, 'ipc'], env, cwd: HERE });
    const entry = { proc, ready: false, fds };
    children[svc] = entry;
    proc.on('message', (m) => {
      lastActivity = Date.now();
      if (m.type === 'ready') {
        entry.ready = true;
        (readyWaiters[svc] || []).forEach((f) => f());
        readyWaiters[svc] = [];
        const q = pendingMq[svc] || []; pendingMq[svc] = [];
        q.forEach((x) => proc.send(x));
      } else if (m.type === 'mq') {
        for (const sub of system.topics?.[m.topic] || []) {
          setTimeout(() => deliver(sub, { type: 'mq', topic: m.topic, headers: m.headers, payload: m.payload }), mqRng.int(3, 40));
        }
      } else if (m.type === 'opdone') {
        const w = doneWaiters.get(m.op);
        if (w) w(); else doneEarly.add(m.op);
      }
    });
    proc.on('exit', (code, sig) => {
      entry.exited = true;
      if (!shuttingDown) {
        console.error(`  [${system.name}/${variant}] ${svc} died (${sig || code}); restarting`);
        setTimeout(() => spawn(svc, fds), system.restartDelayMs ?? 400);
      }
    });
    return entry;
  }
  for (const s of system.services) {
    const fds = { out: fs.openSync(path.join(outDir, `${s.name}.jsonl`), 'a'), err: fs.openSync(path.join(sideDir, `${s.name}.stderr.log`), 'a') };
    spawn(s.name, fds);
  }
  await Promise.all(system.services.map((s) => new Promise((r) => { if (children[s.name].ready) r(); else (readyWaiters[s.name] ||= []).push(r); })));

  // ---- drive the scenario ----
  const rng = rngFrom(hashSeed(`${seed}|schedule`));
  const ops = system.schedule(rng, nOps);
  const drv = rngFrom(hashSeed(`${seed}|driver|${variant}`));
  const doneAt = new Map();
  const startedAt = new Map();
  let inflight = 0; let maxInflight = 0; const samples = [];
  let limit = drv.int(system.inFlight[0], system.inFlight[1]);
  const pending = ops.slice();
  const t0 = Date.now();
  const entry = system.entry;
  await new Promise((resolveAll) => {
    let finished = 0;
    const tick = () => {
      if (drv.chance(0.02)) limit = drv.int(system.inFlight[0], system.inFlight[1]);
      samples.push(inflight);
      const now = Date.now();
      for (let i = 0; i < pending.length && inflight < limit; i++) {
        const o = pending[i];
        if (o.after && (!doneAt.has(o.after) || now < doneAt.get(o.after) + (o.gapMs || 0))) continue;
        if (o.notBeforeMs && now - t0 < o.notBeforeMs) continue;
        if (o.afterStart && (!startedAt.has(o.afterStart) || now < startedAt.get(o.afterStart) + (o.gapMs || 0))) continue;
        startedAt.set(o.op, now);
        pending.splice(i, 1); i--;
        inflight++; maxInflight = Math.max(maxInflight, inflight);
        const finish = () => { inflight--; doneAt.set(o.op, Date.now()); finished++; if (finished === ops.length) resolveAll(); };
        const waitDone = system.asyncDone && !o.syncOnly
          ? new Promise((r) => { if (doneEarly.has(o.op)) r(); else { doneWaiters.set(o.op, r); setTimeout(r, 90000); } })
          : null;
        httpSend(ports[o.request.service || entry], o.request, o.op).then(async () => { if (waitDone) await waitDone; finish(); });
        break; // stagger arrivals: at most one new operation per tick
      }
      if (pending.length) setTimeout(tick, drv.int(15, system.arrivalMaxMs ?? 120));
    };
    tick();
  });
  // let queues, batches and stragglers settle
  while (Date.now() - lastActivity < (system.settleMs ?? 2500)) await new Promise((r) => setTimeout(r, 200));
  shuttingDown = true;
  await Promise.all(system.services.map((s) => new Promise((r) => {
    const c = children[s.name];
    if (c.exited) return r();
    c.proc.on('exit', r);
    c.proc.send({ type: 'shutdown' });
    setTimeout(() => { if (!c.exited) c.proc.kill('SIGKILL'); }, 8000);
  })));
  for (const s of system.services) { fs.closeSync(children[s.name].fds.out); fs.closeSync(children[s.name].fds.err); }
  const stats = { ops: ops.length, maxInflight, meanInflight: +(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(1), wallSeconds: Math.round((Date.now() - t0) / 1000) };
  return { sideDir, outDir, stats, ops };
}

function collectTruth(system, variant, sideDir, outDir) {
  const records = [];
  const spans = new Map();
  for (const s of system.services) {
    const logLines = readLines(path.join(outDir, `${s.name}.jsonl`));
    const side = readLines(path.join(sideDir, `${s.name}.lines.side.jsonl`)).map((l) => JSON.parse(l));
    if (logLines.length !== side.length) throw new Error(`${system.name}/${variant}/${s.name}: ${logLines.length} log lines but ${side.length} truth notes`);
    side.forEach((t, i) => records.push({ source: `${s.name}.jsonl`, line: i + 1, op: t.op, traceId: t.traceId, spanId: t.spanId, service: s.name }));
    for (const l of readLines(path.join(sideDir, `${s.name}.spans.side.jsonl`))) {
      const e = JSON.parse(l);
      if (e.ev === 'start') spans.set(e.spanId, { traceId: e.traceId, spanId: e.spanId, parentSpanId: e.parentSpanId, service: e.service, name: e.name, op: e.op, start: e.start, end: null, error: false, brokenFrom: e.brokenFrom });
      else { const sp = spans.get(e.spanId); if (sp) { sp.end = e.end; sp.error = e.error; sp.name = e.name; } }
    }
  }
  // a span whose op was not in its context inherits its parent's
  const get = (sp, depth = 0) => (sp.op ?? (sp.parentSpanId && spans.has(sp.parentSpanId) && depth < 50 ? get(spans.get(sp.parentSpanId), depth + 1) : null));
  const spanRows = [...spans.values()].map((sp) => ({ traceId: sp.traceId, spanId: sp.spanId, parentSpanId: sp.parentSpanId, service: sp.service, name: sp.name, op: get(sp), start: sp.start, end: sp.end, error: sp.error }));
  spanRows.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const breaks = variant === 'broken'
    ? [...spans.values()].filter((sp) => sp.brokenFrom).map((sp) => ({ op: get(sp), upstreamService: sp.brokenFrom, downstreamService: sp.service, downstreamTraceId: sp.traceId }))
    : null;
  return { records, spans: spanRows, breaks };
}

function writeTruth(system, variant, truth) {
  const dir = path.join(ROOT, system.name, 'truth', variant);
  fs.rmSync(dir, { recursive: true, force: true });
  writeJsonl(path.join(dir, 'records.jsonl'), truth.records);
  writeJsonl(path.join(dir, 'spans.jsonl'), truth.spans);
  if (truth.breaks) writeJsonl(path.join(dir, 'breaks.jsonl'), truth.breaks);
}

// remove the trace context from one service's log line (re-serialising JSON lines; plain text unchanged)
function stripLine(system, service, line) {
  let o;
  try { o = JSON.parse(line); } catch { return line; }
  if (!o || typeof o !== 'object') return line;
  for (const p of system.traceFields(service)) {
    const parts = Array.isArray(p) ? p : p.split('.');
    let cur = o;
    for (let i = 0; i < parts.length - 1 && cur; i++) cur = cur[parts[i]];
    if (cur && typeof cur === 'object') delete cur[parts[parts.length - 1]];
  }
  return JSON.stringify(o);
}

function deriveVariant(system, name, stripServices) {
  const src = path.join(ROOT, system.name, 'ids');
  const dst = path.join(ROOT, system.name, name);
  fs.rmSync(dst, { recursive: true, force: true });
  fs.mkdirSync(dst, { recursive: true });
  const kept = {}; // service -> array of booleans when the system's stripLines dropped lines
  for (const s of system.services) {
    const lines = readLines(path.join(src, `${s.name}.jsonl`));
    let out = lines;
    if (stripServices.includes(s.name)) {
      // system.stripLines(service, lines) -> one string (re-serialised line) or null (line dropped) per line
      out = system.stripLines ? system.stripLines(s.name, lines, (l) => stripLine(system, s.name, l)) : lines.map((l) => stripLine(system, s.name, l));
      if (out.some((l) => l === null)) { kept[s.name] = out.map((l) => l !== null); out = out.filter((l) => l !== null); }
    }
    fs.writeFileSync(path.join(dst, `${s.name}.jsonl`), out.join('\n') + (out.length ? '\n' : ''));
  }
  const tdst = path.join(ROOT, system.name, 'truth', name);
  fs.rmSync(tdst, { recursive: true, force: true });
  fs.mkdirSync(tdst, { recursive: true });
  for (const f of ['records.jsonl', 'spans.jsonl']) fs.copyFileSync(path.join(ROOT, system.name, 'truth', 'ids', f), path.join(tdst, f));
  if (Object.keys(kept).length) {
    // records of dropped lines go; the remaining lines of that service are renumbered
    const recs = readLines(path.join(tdst, 'records.jsonl')).map((l) => JSON.parse(l));
    const next = {};
    const outRecs = [];
    for (const r of recs) {
      const svc = r.source.replace(/\.jsonl$/, '');
      if (!kept[svc]) { outRecs.push(r); continue; }
      if (!kept[svc][r.line - 1]) continue;
      next[svc] = (next[svc] || 0) + 1;
      outRecs.push({ ...r, line: next[svc] });
    }
    writeJsonl(path.join(tdst, 'records.jsonl'), outRecs);
  }
}

function countsSection(system, runStats) {
  const rows = [];
  for (const v of ['ids', 'stripped', 'broken', 'mixed']) {
    const dir = path.join(ROOT, system.name, v);
    const tdir = path.join(ROOT, system.name, 'truth', v);
    const recs = readLines(path.join(tdir, 'records.jsonl')).map((l) => JSON.parse(l));
    const spans = readLines(path.join(tdir, 'spans.jsonl')).map((l) => JSON.parse(l));
    const ops = new Set(recs.map((r) => r.op).filter(Boolean));
    const traces = new Set(spans.map((s) => s.traceId));
    const bytes = system.services.reduce((a, s) => a + fs.statSync(path.join(dir, `${s.name}.jsonl`)).size, 0);
    const breaks = v === 'broken' ? readLines(path.join(tdir, 'breaks.jsonl')).length : '';
    const st = runStats[v] || runStats.ids;
    rows.push(`| ${v} | ${recs.length} | ${recs.filter((r) => r.op === null).length} | ${ops.size} | ${spans.length} | ${spans.filter((s) => s.end === null).length} | ${spans.filter((s) => s.error).length} | ${traces.size} | ${breaks} | ${st.maxInflight} / ${st.meanInflight} | ${(bytes / 1048576).toFixed(2)} MB |`);
  }
  const perSvc = system.services.map((s) => `${s.name}: ${readLines(path.join(ROOT, system.name, 'ids', `${s.name}.jsonl`)).length}`).join(', ');
  return [
    '## Counts (last generation)',
    '',
    '| variant | log lines | lines with op=null | ops with lines | spans | spans never ended | error spans | traces | breaks | in flight max / mean | size |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Lines per service (ids): ${perSvc}.`,
    '',
    `Scenario seed ${runStats.seed}; ${runStats.ids.ops} operations scheduled.`,
  ].join('\n');
}

async function generate(name, idx) {
  const system = (await import(pathToFileURL(path.join(SYSTEMS_DIR, `${name}.mjs`)).href)).default;
  const seed = opt('seed', system.seed ?? 1);
  const nOps = opt('ops', system.ops);
  console.log(`== ${name}: ${nOps} ops, seed ${seed}`);
  const runStats = { seed };
  for (const [vi, variant] of ['ids', 'broken'].entries()) {
    const t = Date.now();
    // a definition may pin its own port base (keeps parallel generations of different trees apart)
    const { sideDir, outDir, stats } = await runVariant(system, variant, seed, nOps, (system.portBase ?? 17000 + idx * 100) + vi * 50);
    runStats[variant] = stats;
    writeTruth(system, variant, collectTruth(system, variant, sideDir, outDir));
    fs.rmSync(sideDir, { recursive: true, force: true });
    console.log(`  ${variant}: ${stats.ops} ops, in flight max ${stats.maxInflight} mean ${stats.meanInflight}, ${Math.round((Date.now() - t) / 1000)} s`);
  }
  deriveVariant(system, 'stripped', system.services.map((s) => s.name));
  deriveVariant(system, 'mixed', system.mixedStrip);
  const readme = system.readme.trim() + '\n\n' + countsSection(system, runStats) + '\n';
  fs.writeFileSync(path.join(ROOT, system.name, 'README.md'), readme);
  const problems = verifySystem(system, ROOT);
  if (problems.length) { console.log(`  VERIFY: ${problems.length} problems`); problems.slice(0, 20).forEach((p) => console.log('   - ' + p)); process.exitCode = 1; }
  else console.log('  verify: ok');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const all = systemList();
  const list = which === 'all' ? all : [which];
  // port bases: validation systems 17000 + i*100; other trees 18000 + i*100
  for (const n of list) await generate(n, (OUT ? 10 : 0) + (all.indexOf(n) >= 0 ? all.indexOf(n) : 5));
}
