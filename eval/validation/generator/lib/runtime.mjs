// Per-process runtime of one service: its own OpenTelemetry SDK, its log-library instrumentation,
// an HTTP server/client (instrumented by @opentelemetry/instrumentation-http), a queue client over the
// launcher's IPC channel with manual propagation.inject/extract, and the ground-truth side files.
//
// Ground truth is written to side files that are never part of the logs:
//   <svc>.spans.side.jsonl : one "start" event per span (SpanProcessor.onStart) and one "end" event (onEnd)
//   <svc>.lines.side.jsonl : one record per log line written to stdout, in the same order
// The operation label travels in the hidden header/message field `x-eval-op` (never logged).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { rngFrom, hashSeed } from './rng.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { W3CTraceContextPropagator, hrTimeToTimeStamp } = require('@opentelemetry/core');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { PinoInstrumentation } = require('@opentelemetry/instrumentation-pino');
const { WinstonInstrumentation } = require('@opentelemetry/instrumentation-winston');
const { BunyanInstrumentation } = require('@opentelemetry/instrumentation-bunyan');

export const OP_KEY = api.createContextKey('eval.op');
const FROM_KEY = api.createContextKey('eval.from');
const OP_HEADER = 'x-eval-op';
const FROM_HEADER = 'x-eval-from';

function first(v) { return Array.isArray(v) ? v[0] : v; }

// Wraps the W3C propagator; also carries the hidden op label. With extractContext=false the service
// ignores incoming trace context (the "broken" variant) but still learns the op label for the truth.
class EvalPropagator {
  constructor(service, extractContext) {
    this.inner = new W3CTraceContextPropagator();
    this.service = service;
    this.extractContext = extractContext;
  }
  inject(ctx, carrier, setter) {
    this.inner.inject(ctx, carrier, setter);
    const op = ctx.getValue(OP_KEY);
    if (op) setter.set(carrier, OP_HEADER, op);
    setter.set(carrier, FROM_HEADER, this.service);
  }
  extract(ctx, carrier, getter) {
    let out = this.extractContext ? this.inner.extract(ctx, carrier, getter) : ctx;
    const op = first(getter.get(carrier, OP_HEADER));
    if (op) out = out.setValue(OP_KEY, op);
    const from = first(getter.get(carrier, FROM_HEADER));
    if (from) out = out.setValue(FROM_KEY, from);
    return out;
  }
  fields() { return [...this.inner.fields(), OP_HEADER, FROM_HEADER]; }
}

class TruthProcessor {
  constructor(file, service) { this.fd = fs.openSync(file, 'a'); this.service = service; }
  write(o) { fs.writeSync(this.fd, JSON.stringify(o) + '\n'); }
  onStart(span, parentContext) {
    const sc = span.spanContext();
    const parent = span.parentSpanContext;
    const from = parentContext.getValue(FROM_KEY) ?? null;
    this.write({
      ev: 'start', traceId: sc.traceId, spanId: sc.spanId,
      parentSpanId: parent && parent.spanId ? parent.spanId : null,
      service: this.service, name: span.name,
      op: parentContext.getValue(OP_KEY) ?? span.attributes['eval.op'] ?? null,
      // an upstream service sent us this request but we started a fresh trace (broken variant)
      brokenFrom: (!parent && from && from !== this.service) ? from : null,
      start: hrTimeToTimeStamp(span.startTime),
    });
  }
  onEnd(span) {
    const sc = span.spanContext();
    this.write({
      ev: 'end', traceId: sc.traceId, spanId: sc.spanId, name: span.name,
      end: hrTimeToTimeStamp(span.endTime), error: span.status.code === api.SpanStatusCode.ERROR,
    });
  }
  forceFlush() { return Promise.resolve(); }
  shutdown() { return Promise.resolve(); }
}

export async function startRuntime(system, serviceName) {
  const env = process.env;
  const variant = env.EVAL_VARIANT;
  const sideDir = env.EVAL_SIDE_DIR;
  const ports = JSON.parse(env.EVAL_PORTS);
  const seed = Number(env.EVAL_SEED || 1);
  const svcDef = system.services.find((s) => s.name === serviceName);
  if (!svcDef) throw new Error('unknown service ' + serviceName);
  const extractContext = !(variant === 'broken' && system.brokenService === serviceName);

  const provider = new NodeTracerProvider({
    spanProcessors: [new TruthProcessor(path.join(sideDir, `${serviceName}.spans.side.jsonl`), serviceName)],
  });
  provider.register({ propagator: new EvalPropagator(serviceName, extractContext) });
  const instr = svcDef.instrumentation || {};
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({}),
      new PinoInstrumentation({ disableLogSending: true, ...(instr.pino || {}) }),
      new WinstonInstrumentation({ disableLogSending: true, ...(instr.winston || {}) }),
      new BunyanInstrumentation({ disableLogSending: true, ...(instr.bunyan || {}) }),
    ],
  });
  const http = require('node:http');
  const tracer = api.trace.getTracer(serviceName, '1.0.0');
  const linesFd = fs.openSync(path.join(sideDir, `${serviceName}.lines.side.jsonl`), 'a');

  const rt = {
    api, tracer, http, require, service: serviceName, system: system.name, variant, seed, ports,
    def: svcDef,
    op() { return api.context.active().getValue(OP_KEY) ?? null; },
    // seeded PRNG per operation (+salt): the structure of every operation is fixed by the seed
    rng(salt = '') { return rngFrom(hashSeed(`${seed}|${rt.op()}|${salt}`)); },
    rngFor(op, salt = '') { return rngFrom(hashSeed(`${seed}|${op}|${salt}`)); },
    withOp(op, fn) { return api.context.with(api.context.active().setValue(OP_KEY, op), fn); },
    sleep(ms) { return new Promise((r) => setTimeout(r, ms)); },
    activeIds() {
      const sc = api.trace.getSpanContext(api.context.active());
      return sc && api.isSpanContextValid(sc) ? { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags } : null;
    },
    // record the truth of one physical stdout line, right after it was written
    noteLine(opOverride) {
      const ids = rt.activeIds();
      fs.writeSync(linesFd, JSON.stringify({
        op: opOverride !== undefined ? opOverride : rt.op(),
        traceId: ids ? ids.traceId : null, spanId: ids ? ids.spanId : null,
      }) + '\n');
    },
    // Wrap a real logger: calls it in its own native style, then notes the truth.
    // style: 'pino' | 'bunyan' (fields, msg) ; 'winston' (msg, fields) ; or a function(level, fields, msg)
    wrap(logger, style) {
      const mk = (level) => (fields, msg, opts = {}) => {
        if (typeof style === 'function') style(level, fields || {}, msg);
        else if (style === 'winston') logger.log(level, msg, fields || {});
        else logger[level](fields || {}, msg);
        rt.noteLine(opts.op);
      };
      return { debug: mk('debug'), info: mk('info'), warn: mk('warn'), error: mk('error'), raw: logger };
    },
    plain(text, opts = {}) { console.log(text); rt.noteLine(opts.op); },
    // run fn inside a new active span; errors mark the span and propagate
    async span(name, fn, opts = {}) {
      return tracer.startActiveSpan(name, { kind: opts.kind ?? api.SpanKind.INTERNAL, attributes: opts.attributes, links: opts.links }, opts.ctx ?? api.context.active(), async (span) => {
        try {
          const r = await fn(span);
          if (opts.errorIf && opts.errorIf(r)) span.setStatus({ code: api.SpanStatusCode.ERROR });
          return r;
        } catch (e) {
          span.recordException(e);
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: String(e.message || e) });
          throw e;
        } finally { span.end(); }
      });
    },
    // ---- HTTP ----
    serve(routes) {
      const table = Object.entries(routes).map(([k, fn]) => {
        const [method, pattern] = k.split(' ');
        const names = [];
        const re = new RegExp('^' + pattern.replace(/:([a-zA-Z_]+)/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '$');
        return { method, pattern, re, names, fn };
      });
      const server = http.createServer((req, res) => {
        let data = '';
        req.on('data', (c) => { data += c; });
        req.on('end', async () => {
          const url = new URL(req.url, 'http://x');
          const route = table.find((r) => r.method === req.method && r.re.test(url.pathname));
          const send = (status, body) => {
            const s = JSON.stringify(body ?? {});
            res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
            res.end(s);
          };
          if (!route) return send(404, { error: 'not found' });
          const span = api.trace.getActiveSpan();
          if (span) { span.updateName(`${req.method} ${route.pattern}`); span.setAttribute('http.route', route.pattern); }
          const m = route.re.exec(url.pathname);
          const params = {};
          route.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
          let body = {};
          try { body = data ? JSON.parse(data) : {}; } catch { body = {}; }
          try {
            const out = await route.fn({ body, params, query: Object.fromEntries(url.searchParams), headers: req.headers });
            if (out && out.status >= 500 && span) span.setStatus({ code: api.SpanStatusCode.ERROR });
            send(out?.status ?? 200, out?.body ?? out ?? {});
          } catch (e) {
            if (span) { span.recordException(e); span.setStatus({ code: api.SpanStatusCode.ERROR }); }
            send(e.status || 500, { error: { message: e.message, code: e.code || 'EINTERNAL' } });
          }
        });
      });
      server.keepAliveTimeout = 500;
      return new Promise((resolve) => server.listen(ports[serviceName], '127.0.0.1', () => resolve(server)));
    },
    call(target, method, p, body, opts = {}) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? null : JSON.stringify(body);
        const req = http.request({
          host: '127.0.0.1', port: ports[target], path: p, method, agent: false,
          headers: { 'content-type': 'application/json', ...(opts.headers || {}), ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}) },
          timeout: opts.timeout ?? 60000,
        }, (res) => {
          let data = '';
          res.on('data', (c) => { data += c; });
          res.on('end', () => {
            let parsed = {};
            try { parsed = data ? JSON.parse(data) : {}; } catch { parsed = { raw: data }; }
            if (res.statusCode >= 400) {
              const e = new Error(parsed?.error?.message || `${target} responded ${res.statusCode}`);
              e.status = res.statusCode; e.code = parsed?.error?.code || `HTTP_${res.statusCode}`; e.body = parsed;
              return reject(e);
            }
            resolve(parsed);
          });
          res.on('error', reject);
        });
        req.on('timeout', () => { req.destroy(Object.assign(new Error(`timeout calling ${target}`), { code: 'ETIMEDOUT' })); });
        req.on('error', reject);
        if (payload) req.write(payload);
        req.end();
      });
    },
    // ---- queue over the launcher's IPC channel ----
    async publish(topic, payload) {
      return rt.span(`${topic} publish`, async () => {
        const headers = {};
        api.propagation.inject(api.context.active(), headers);
        process.send({ type: 'mq', topic, headers, payload });
      }, { kind: api.SpanKind.PRODUCER });
    },
    subscribe(topic, handler, opts = {}) {
      subscriptions[topic] = async (msg) => {
        const ctx = api.propagation.extract(api.ROOT_CONTEXT, msg.headers);
        if (opts.raw) return api.context.with(ctx, () => handler(msg.payload, msg));
        return rt.span(`${topic} process`, () => handler(msg.payload, msg), { kind: api.SpanKind.CONSUMER, ctx }).catch(() => {});
      };
    },
    done(op) { process.send({ type: 'opdone', op: op ?? rt.op() }); },
    crash() { process.kill(process.pid, 'SIGKILL'); },
    onShutdown(fn) { shutdownHooks.push(fn); },
    ready() { process.send({ type: 'ready', service: serviceName }); },
  };
  const subscriptions = {};
  const shutdownHooks = [];
  process.on('message', async (m) => {
    if (m.type === 'mq' && subscriptions[m.topic]) subscriptions[m.topic](m);
    else if (m.type === 'shutdown') {
      for (const fn of shutdownHooks) { try { await fn(); } catch { /* ignore */ } }
      await provider.shutdown();
      setTimeout(() => process.exit(0), 50);
    }
  });
  return rt;
}
