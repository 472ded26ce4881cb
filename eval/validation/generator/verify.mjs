// node verify.mjs <system|all> [--out DIR] : checks the generated logs against the truth.
//  - one truth record per physical log line, in order
//  - every record's span exists in spans.jsonl with the same trace id; every parent link resolves
//  - in ids/broken, the ids a line carries (as the instrumentation or the service wrote them) equal the truth
//  - in stripped no trace id is left; in mixed only the named services lost theirs
//  - each line's time (less the service's known clock offset) falls within its span
//  - broken: every fresh downstream trace exists; op sets agree across variants
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_ROOT = path.resolve(HERE, '..');
const TOL_MS = 25;

function readLines(file) {
  if (!fs.existsSync(file)) return null;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
export function genericTime(o) {
  for (const k of ['time', 'timestamp', 'ts', 't', '@timestamp']) {
    const v = o[k];
    if (typeof v === 'number') return v > 1e12 ? v : v * 1000;
    if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  }
  return null;
}
const nsTime = (s) => Date.parse(s.slice(0, 23) + 'Z') + Number('0.' + s.slice(23, -1) || 0);

export function verifySystem(system, ROOT = DEFAULT_ROOT) {
  const problems = [];
  const stats = {};
  const opsets = {};
  for (const v of ['ids', 'stripped', 'broken', 'mixed']) {
    const tdir = path.join(ROOT, system.name, 'truth', v);
    const recLines = readLines(path.join(tdir, 'records.jsonl'));
    const spanLines = readLines(path.join(tdir, 'spans.jsonl'));
    if (!recLines || !spanLines) { problems.push(`${v}: truth missing`); continue; }
    const recs = recLines.map((l) => JSON.parse(l));
    const spans = new Map(spanLines.map((l) => JSON.parse(l)).map((s) => [s.spanId, s]));
    let badParent = 0; let badTime = 0; let lateTime = 0; let timed = 0; let idMismatch = 0; let idMissing = 0; let leaked = 0; let badRec = 0;
    for (const s of spans.values()) if (s.parentSpanId && !spans.has(s.parentSpanId)) badParent++;
    const bySource = {};
    for (const r of recs) (bySource[r.source] ||= []).push(r);
    for (const svc of system.services) {
      const lines = readLines(path.join(ROOT, system.name, v, `${svc.name}.jsonl`)) || [];
      const rs = bySource[`${svc.name}.jsonl`] || [];
      if (rs.length !== lines.length) problems.push(`${v}/${svc.name}: ${lines.length} lines, ${rs.length} records`);
      const stripped = v === 'stripped' || (v === 'mixed' && system.mixedStrip.includes(svc.name));
      rs.forEach((r, i) => {
        if (r.line !== i + 1 || r.service !== svc.name) badRec++;
        const sp = r.spanId ? spans.get(r.spanId) : null;
        if (r.spanId && (!sp || sp.traceId !== r.traceId)) badRec++;
        let o = null;
        try { o = JSON.parse(lines[i]); } catch { o = null; }
        if (!o || typeof o !== 'object') return;
        if (stripped) { if (r.traceId && lines[i].includes(r.traceId)) leaked++; }
        else {
          const ids = system.readIds(svc.name, o);
          if (ids && (ids.traceId !== r.traceId || ids.spanId !== r.spanId)) idMismatch++;
          if (!ids && r.spanId && system.writesIds(svc.name)) idMissing++;
        }
        if (sp) {
          const t0 = genericTime(o);
          if (t0 !== null) {
            const t = t0 - (system.clockSkewMs?.[svc.name] || 0);
            // a service whose log times are coarse (e.g. whole seconds) declares its own tolerance
            const tol = system.timeToleranceMs?.[svc.name] ?? TOL_MS;
            timed++;
            if (t < nsTime(sp.start) - tol) badTime++;
            else if (sp.end && t > nsTime(sp.end) + tol) lateTime++;
          }
        }
      });
    }
    if (badParent) problems.push(`${v}: ${badParent} spans with unresolved parent`);
    if (badRec) problems.push(`${v}: ${badRec} records inconsistent with spans or line numbers`);
    if (idMismatch) problems.push(`${v}: ${idMismatch} lines whose written ids differ from the truth`);
    if (idMissing) problems.push(`${v}: ${idMissing} lines without ids although in a span`);
    if (leaked) problems.push(`${v}: ${leaked} stripped lines still holding their trace id`);
    if (badTime) problems.push(`${v}: ${badTime}/${timed} lines written before their span started (±${TOL_MS} ms)`);
    // a line after its span ended is real (e.g. an HTTP server span ends when its client disconnects while the
    // handler goes on), but must stay rare
    if (lateTime > timed * 0.005) problems.push(`${v}: ${lateTime}/${timed} lines written after their span ended`);
    if (v === 'broken') {
      const br = (readLines(path.join(tdir, 'breaks.jsonl')) || []).map((l) => JSON.parse(l));
      const traces = new Set([...spans.values()].map((s) => s.traceId));
      if (!br.length) problems.push('broken: no breaks recorded');
      if (br.some((b) => !traces.has(b.downstreamTraceId) || !b.op)) problems.push('broken: a break without a known trace or op');
      if (br.some((b) => b.downstreamService !== system.brokenService)) problems.push('broken: a break outside the broken service');
    }
    opsets[v] = new Set(recs.map((r) => r.op).filter(Boolean));
    stats[v] = { lines: recs.length, spans: spans.size, ops: opsets[v].size, timed, early: badTime, late: lateTime };
  }
  if (opsets.ids && opsets.broken) {
    const missing = [...opsets.ids].filter((o) => !opsets.broken.has(o));
    if (missing.length > 3) problems.push(`broken run lacks ${missing.length} ops present in ids`);
  }
  verifySystem.lastStats = stats;
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const oi = args.indexOf('--out');
  const out = oi >= 0 ? args[oi + 1] : process.env.EVAL_OUT;
  const which = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--out') || 'all';
  const root = out ? path.resolve(out) : DEFAULT_ROOT;
  const sysDir = out ? path.join(root, 'systems') : path.join(HERE, 'systems');
  const SYSTEMS = out ? fs.readdirSync(sysDir).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).sort()
    : ['research-assistant', 'ticket-triage', 'checkout-saga', 'code-agent', 'mcp-agent-host', 'agent-crew'];
  let bad = 0;
  for (const n of which === 'all' ? SYSTEMS : [which]) {
    if (!fs.existsSync(path.join(sysDir, `${n}.mjs`))) continue;
    const system = (await import(pathToFileURL(path.join(sysDir, `${n}.mjs`)).href)).default;
    const p = verifySystem(system, root);
    console.log(`${n}: ${p.length ? 'PROBLEMS' : 'ok'} ${JSON.stringify(verifySystem.lastStats)}`);
    p.forEach((x) => console.log('  - ' + x));
    bad += p.length;
  }
  process.exitCode = bad ? 1 : 0;
}
