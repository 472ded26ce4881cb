// Development system 4: search autocomplete (short, bursty operations; request ids next to trace ids).
//   edge -> query-api -> cache ; on a miss: query-api -> ranker -> feature-store x3 (parallel) ; query-api -> cache (set)
import { STD_TRACE_FIELDS, readStd, errObj } from '../../validation/generator/lib/common.mjs';

const PREFIXES = ['iph', 'ip', 'iphone', 'sam', 'samsung g', 'air', 'airpods', 'mac', 'macbook p', 'ps5', 'swi', 'switch o', 'kin', 'kindle', 'gar', 'garmin f', 'son', 'sony wh', 'lego', 'lego st'];
const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR'];

const system = {
  name: 'search-suggest',
  seed: 8404,
  ops: 200,
  inFlight: [8, 14],
  arrivalMaxMs: 25,
  entry: 'edge',
  settleMs: 2000,
  brokenService: 'ranker',
  mixedStrip: ['cache', 'feature-store'],
  services: [
    { name: 'edge', logger: 'console JSON access log (nginx-like, float-seconds ts, otel_* keys)' },
    { name: 'query-api', logger: 'pino epoch ms, child logger with reqId' },
    { name: 'cache', logger: 'bunyan 1.8' },
    { name: 'ranker', logger: 'winston json + timestamp' },
    { name: 'feature-store', logger: 'console JSON, ECS nested trace.id/span.id' },
  ],
  traceFields(svc) {
    if (svc === 'edge') return ['otel_trace_id', 'otel_span_id', 'otel_trace_flags'];
    if (svc === 'feature-store') return ['trace', 'span'];
    return STD_TRACE_FIELDS;
  },
  readIds(svc, o) {
    if (svc === 'edge') return typeof o.otel_trace_id === 'string' ? { traceId: o.otel_trace_id, spanId: o.otel_span_id } : null;
    if (svc === 'feature-store') return o.trace && typeof o.trace.id === 'string' ? { traceId: o.trace.id, spanId: o.span.id } : null;
    return readStd(o);
  },
  writesIds() { return true; },

  schedule(rng, nOps) {
    const ops = [];
    const visitors = Array.from({ length: 30 }, () => rng.hex(16));
    for (let n = 1; n <= nOps; n++) {
      const q = rng.hot(PREFIXES, 0.15);
      ops.push({
        op: `op-${String(n).padStart(4, '0')}`,
        request: { method: 'GET', path: `/suggest?q=${encodeURIComponent(q)}&locale=${rng.hot(LOCALES, 0.6)}`, headers: { cookie: `vid=${rng.hot(visitors, 0.25)}`, 'user-agent': rng.pick(['Mozilla/5.0 (iPhone)', 'Mozilla/5.0 (Windows NT 10.0)', 'okhttp/4.12']) } },
      });
    }
    return ops;
  },

  run: {
    async edge(rt) {
      // access log written by the proxy itself at the end of each request; nginx-like field names
      const write = (level, fields, msg) => {
        const sc = rt.activeIds();
        const rec = { ts: +(Date.now() / 1000).toFixed(3), level, msg, ...fields };
        if (sc) { rec.otel_trace_id = sc.traceId; rec.otel_span_id = sc.spanId; rec.otel_trace_flags = '01'; }
        console.log(JSON.stringify(rec));
      };
      const log = rt.wrap(null, write);
      log.info({ worker_processes: 2 }, 'edge started');
      await rt.serve({
        'GET /suggest': async ({ query, headers }) => {
          const t = Date.now();
          const rng = rt.rng('edge');
          const requestId = rng.hex(32);
          const vid = (headers.cookie || '').split('=')[1];
          let status = 200; let bytes = 0;
          try {
            const r = await rt.call('query-api', 'GET', `/v1/suggest?q=${encodeURIComponent(query.q)}&locale=${query.locale}`, undefined, { headers: { 'x-request-id': requestId, 'x-visitor-id': vid } });
            bytes = JSON.stringify(r).length;
            return r;
          } catch (e) {
            status = e.status || 502;
            return { status, body: { error: { message: 'upstream error', code: 'UPSTREAM' } } };
          } finally {
            log.info({ request_id: requestId, remote_addr: `10.2.${rng.int(0, 9)}.${rng.int(2, 250)}`, request: `GET /suggest?q=${query.q}`, status, body_bytes_sent: bytes, request_time: +((Date.now() - t) / 1000).toFixed(3), upstream: 'query-api:8080', http_user_agent: headers['user-agent'] }, 'access');
          }
        },
      });
    },

    async 'query-api'(rt) {
      const pino = rt.require('pino');
      const root = pino({ level: 'debug', name: 'query-api' }, pino.destination({ dest: 1, sync: true }));
      rt.wrap(root, 'pino').info({ port: rt.ports['query-api'] }, 'query-api listening');
      await rt.serve({
        'GET /v1/suggest': async ({ query, headers }) => {
          const log = rt.wrap(root.child({ reqId: headers['x-request-id'] }), 'pino');
          const rng = rt.rng('query');
          const key = `sugg:${query.locale}:${query.q}`;
          log.debug({ q: query.q, locale: query.locale, visitor: headers['x-visitor-id'] }, 'suggest request');
          const c = await rt.call('cache', 'GET', `/get/${encodeURIComponent(key)}`, undefined, { headers: { 'x-request-id': headers['x-request-id'] } });
          if (c.hit) { log.info({ q: query.q, source: 'cache', n: c.n }, 'suggestions served'); return { n: c.n }; }
          try {
            const r = await rt.call('ranker', 'POST', '/rank', { prefix: query.q, locale: query.locale, visitor: headers['x-visitor-id'], _sim: { slow: rng.chance(0.03) } }, { headers: { 'x-request-id': headers['x-request-id'] }, timeout: 600 });
            await rt.call('cache', 'PUT', `/set/${encodeURIComponent(key)}`, { n: r.items, ttl_s: 2 }, { headers: { 'x-request-id': headers['x-request-id'] } });
            log.info({ q: query.q, source: 'ranker', n: r.items }, 'suggestions served');
            return { n: r.items };
          } catch (e) {
            log.warn({ q: query.q, err: errObj(e) }, 'ranker unavailable, serving popular fallback');
            return { n: 5, fallback: true };
          }
        },
      });
    },

    async cache(rt) {
      const bunyan = rt.require('bunyan');
      const log = rt.wrap(bunyan.createLogger({ name: 'suggest-cache', streams: [{ stream: process.stdout, level: 'debug' }] }), 'bunyan');
      const store = new Map(); // key -> { n, until }
      log.info({ max_keys: 10000 }, 'cache up');
      await rt.serve({
        'GET /get/:key': async ({ params, headers }) => {
          const e = store.get(params.key);
          const hit = !!(e && e.until > Date.now());
          log.debug({ key: params.key, hit, x_request_id: headers['x-request-id'] }, hit ? 'cache hit' : 'cache miss');
          return hit ? { hit, n: e.n } : { hit };
        },
        'PUT /set/:key': async ({ params, body, headers }) => {
          store.set(params.key, { n: body.n, until: Date.now() + body.ttl_s * 1000 });
          log.debug({ key: params.key, ttl_s: body.ttl_s, x_request_id: headers['x-request-id'] }, 'cache set');
          return { ok: true };
        },
      });
    },

    async ranker(rt) {
      const winston = rt.require('winston');
      const log = rt.wrap(winston.createLogger({ level: 'debug', defaultMeta: { service: 'ranker' }, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Console()] }), 'winston');
      log.info({ model: 'lambdamart-v12' }, 'ranker ready');
      await rt.serve({
        'POST /rank': async ({ body, headers }) => {
          const rng = rt.rng('rank');
          const rid = headers['x-request-id'];
          const candidates = rng.int(20, 200);
          log.debug({ requestId: rid, prefix: body.prefix, candidates }, 'ranking candidates');
          const groups = ['visitor', 'item', 'popularity'];
          await Promise.all(groups.map((g) => rt.call('feature-store', 'POST', `/features/${g}`, { entity: g === 'visitor' ? body.visitor : body.prefix, locale: body.locale })));
          await rt.sleep(body._sim.slow ? rng.int(700, 900) : rng.int(60, 250));
          const items = rng.int(3, 10);
          log.info({ requestId: rid, prefix: body.prefix, items, model_ms: rng.int(2, 30) }, 'ranked');
          return { items };
        },
      });
    },

    async 'feature-store'(rt) {
      // console JSON in ECS shape with nested objects (like @elastic/ecs-*-format output)
      const write = (level, fields, msg) => {
        const sc = rt.activeIds();
        const rec = { '@timestamp': new Date().toISOString(), log: { level }, message: msg, service: { name: 'feature-store' }, ...fields };
        if (sc) { rec.trace = { id: sc.traceId }; rec.span = { id: sc.spanId }; }
        console.log(JSON.stringify(rec));
      };
      const log = rt.wrap(null, write);
      log.info({}, 'feature store online');
      await rt.serve({
        'POST /features/:group': async ({ params, body }) => {
          const rng = rt.rng(`fs-${params.group}`);
          await rt.sleep(rng.int(15, 90));
          const stale = rng.chance(0.08);
          if (stale) log.warn({ feature_group: params.group, entity_id: body.entity, age_s: rng.int(900, 4000) }, 'stale features');
          else log.debug({ feature_group: params.group, entity_id: body.entity }, 'features fetched');
          return { ok: true };
        },
      });
    },
  },

  readme: `
# search-suggest (development system)

Imitates a **search autocomplete** backend: short, bursty operations (a few ms on a cache hit, 100–400 ms on a miss), a proxy access log, a
request id (\`X-Request-ID\`) carried next to the trace context, and a cache that short-circuits most of the
call graph. The **edge** proxy writes one access-log line per request (after the upstream answered); the
**query-api** looks the prefix up in the **cache**; on a miss it calls the **ranker**, which fetches three
feature groups from the **feature-store** in parallel, then stores the result in the cache (2 s TTL). About 3 %
of ranker calls are slow and hit query-api's 600 ms timeout (fallback answer; the ranker goes on and logs
"ranked" after the caller gave up).

Topology (all HTTP):

    edge -> query-api -> cache (get)
                      -> ranker -> feature-store ×3 (parallel)      (miss only)
                      -> cache (set)                               (miss only)

- One operation = one \`GET /suggest?q=…\` (200 operations, hot prefixes and a hot visitor; the same prefix in
  the same locale is often a cache hit, so many operations touch only edge, query-api and cache).
- The request id is a 32-hex string like a trace id but is not one; it is named \`request_id\` (edge),
  \`reqId\` (query-api child logger), \`x_request_id\` (cache), \`requestId\` (ranker); the feature-store does not
  see it.

| service | logger | trace keys | business id names |
|---|---|---|---|
| edge | bare \`console.log(JSON.stringify())\` nginx-like access log: \`ts\` float epoch seconds, \`request\`, \`status\`, \`request_time\` | \`otel_trace_id\`, \`otel_span_id\`, \`otel_trace_flags\` | \`request_id\`, \`remote_addr\` |
| query-api | pino 10 epoch ms, child logger per request | \`trace_id\`, \`span_id\`, \`trace_flags\` | \`reqId\`, \`q\`, \`visitor\` |
| cache | bunyan 1.8 | same | \`key\` (\`sugg:<locale>:<prefix>\`), \`x_request_id\` |
| ranker | winston 3 json + timestamp | same | \`requestId\`, \`prefix\` |
| feature-store | bare console JSON in ECS shape: \`@timestamp\`, \`log.level\` (nested), \`message\` | nested \`trace.id\`, \`span.id\` | \`feature_group\`, \`entity_id\` (visitor id or prefix) |

Variants: \`ids\` as written; \`stripped\` all trace keys removed (feature-store's whole \`trace\`/\`span\` objects);
\`broken\` = a real run where **ranker** ignores incoming trace context; \`mixed\` = ids with the trace keys
removed from **cache** and **feature-store** only.

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- search-suggest --out ../../development\`.
`,
};
export default system;
