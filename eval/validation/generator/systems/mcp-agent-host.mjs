// System 5: MCP (Model Context Protocol) agent host.
//   agent-host -> vector-store (conversation memory: recall, and persist after the reply)
//   agent-host -> llm-gateway (streamed /v1/messages, SSE: first token ... message_stop)
//   agent-host -> mcp-github | mcp-web | mcp-kb  (JSON-RPC 2.0 over HTTP POST /mcp, Mcp-Session-Id sessions)
//   mcp-kb -> vector-store (kb search)
// mcp-web runs its fetch/search jobs in one cooperative event loop (every job advances one step per tick,
// the job's context restored around each step), so many operations interleave in that one process.
import { STD_TRACE_FIELDS, readStd, backoff } from '../lib/common.mjs';

const USERS = ['u-4412', 'u-0193', 'u-2871', 'u-3350', 'u-5120', 'u-6604', 'u-7781', 'u-8012', 'u-9245', 'u-1178'];
const PROMPTS = ['why does the refunds job fail on staging', 'summarise open issues about rate limiting', 'find the runbook for rotating the db password', 'what changed in the payments client last week', 'compare our retry policy with the vendor docs', 'draft a fix for the flaky checkout test', 'which services call the ledger api', 'explain this stack trace from the worker', 'is there a known issue with the oauth callback', 'list PRs touching the webhook handler'];
const REPOS = ['acme/payments-api', 'acme/web-console', 'acme/ledger', 'acme/infra', 'acme/notify-worker'];
const KB_DOCS = ['runbooks/payments/refund-retries.md', 'runbooks/db/rotate-credentials.md', 'adr/0042-idempotency-keys.md', 'postmortems/2026-09-14-ledger-lag.md', 'guides/oauth-callback.md', 'runbooks/queues/dead-letter.md', 'adr/0051-rate-limits.md', 'guides/feature-flags.md'];
const SITES = ['docs.stripe.com', 'developer.mozilla.org', 'nodejs.org', 'www.postgresql.org', 'modelcontextprotocol.io', 'docs.github.com'];
const PROTOCOL = '2025-06-18';

const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const NANO = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const b62 = (rng, n) => Array.from({ length: n }, () => B62[Math.floor(rng.next() * 62)]).join('');
const nanoid = (rng) => Array.from({ length: 21 }, () => NANO[Math.floor(rng.next() * 64)]).join('');
const tp = (sc) => `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags.toString(16)}`;
function parseTp(v) {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(v || '');
  return m ? { traceId: m[1], spanId: m[2] } : null;
}

// the tools each MCP server exposes, and how the host fills in their arguments
const TOOLS = {
  'mcp-github': {
    search_issues: (rng) => ({ owner: 'acme', repo: rng.hot(REPOS, 0.4).split('/')[1], query: rng.pick(['rate limit', 'flaky', 'timeout', 'oauth', 'refund']), state: 'open' }),
    get_file_contents: (rng) => ({ owner: 'acme', repo: rng.hot(REPOS, 0.4).split('/')[1], path: `src/${rng.pick(['client', 'handlers', 'jobs', 'lib'])}/${rng.pick(['retry', 'webhook', 'refunds', 'ledger'])}.ts` }),
    list_pull_requests: (rng) => ({ owner: 'acme', repo: rng.hot(REPOS, 0.4).split('/')[1], state: rng.pick(['open', 'closed']), per_page: 10 }),
  },
  'mcp-web': {
    fetch: (rng) => ({ url: `https://${rng.pick(SITES)}/${rng.pick(['docs', 'api', 'guide'])}/${rng.b32(6)}`, max_length: 5000 }),
    web_search: (rng) => ({ query: rng.pick(['exponential backoff jitter', 'json-rpc error codes', 'pg advisory locks', 'oauth pkce redirect']), count: 5 }),
  },
  'mcp-kb': {
    kb_search: (rng) => ({ query: rng.pick(['refund retries', 'rotate credentials', 'idempotency', 'dead letter']), top_k: rng.int(3, 6) }),
    kb_get_document: (rng) => ({ path: rng.hot(KB_DOCS, 0.3) }),
  },
};

// ---- JSON-RPC over HTTP (MCP "streamable HTTP" transport, JSON responses) ----
function rpcPost(rt, target, sid, msg) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(msg);
    const req = rt.http.request({
      host: '127.0.0.1', port: rt.ports[target], path: '/mcp', method: 'POST', agent: false, timeout: 30000,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL, ...(sid ? { 'mcp-session-id': sid } : {}), 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      let d = '';
      res.on('data', (c) => { d += c; });
      res.on('end', () => { let b = null; try { b = d ? JSON.parse(d) : null; } catch { b = null; } resolve({ status: res.statusCode, headers: res.headers, body: b }); });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`timeout calling ${target}`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.write(payload);
    req.end();
  });
}

// An MCP server: sessions (Mcp-Session-Id), initialize, notifications/initialized, tools/list, tools/call.
// keys(sid, msg) gives this server's own field names for the session and the JSON-RPC id.
function serveMcp(rt, { log, keys, newSessionId, idleMs = Infinity, serverInfo, tools, call }) {
  const api = rt.api;
  const sessions = new Map();
  const server = rt.http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', async () => {
      const reply = (status, body, headers = {}) => {
        const s = body === undefined ? '' : JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), ...headers });
        res.end(s);
      };
      const span = api.trace.getActiveSpan();
      if (span) { span.updateName('POST /mcp'); span.setAttribute('http.route', '/mcp'); }
      let msg;
      try { msg = JSON.parse(data); } catch { return reply(400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }); }
      if (span) span.setAttribute('mcp.method.name', msg.method);
      if (msg.method === 'initialize') {
        const sid = newSessionId();
        sessions.set(sid, { last: Date.now(), calls: 0 });
        log.info({ ...keys(sid, msg), client: msg.params?.clientInfo?.name, protocol_version: msg.params?.protocolVersion }, 'session initialized');
        return reply(200, { jsonrpc: '2.0', id: msg.id, result: { protocolVersion: PROTOCOL, capabilities: { tools: { listChanged: false } }, serverInfo } }, { 'mcp-session-id': sid });
      }
      const sid = req.headers['mcp-session-id'];
      const s = sessions.get(sid);
      if (!s || Date.now() - s.last > idleMs) {
        if (s) sessions.delete(sid);
        log.warn({ ...keys(sid, msg), reason: s ? 'idle timeout' : 'unknown' }, 'session not found');
        return reply(404, { jsonrpc: '2.0', id: msg.id ?? null, error: { code: -32001, message: 'Session not found' } });
      }
      s.last = Date.now();
      if (msg.method === 'notifications/initialized') { log.debug(keys(sid, msg), 'client initialized'); return reply(202); }
      if (msg.method === 'tools/list') {
        log.debug({ ...keys(sid, msg), tools: Object.keys(tools).length }, 'tools listed');
        return reply(200, { jsonrpc: '2.0', id: msg.id, result: { tools: Object.keys(tools).map((name) => ({ name, inputSchema: { type: 'object' } })) } });
      }
      if (msg.method === 'tools/call') {
        s.calls++;
        const name = msg.params.name;
        const t = Date.now();
        log.info({ ...keys(sid, msg), tool: name }, 'tools/call');
        const out = await rt.span(`tools/call ${name}`, async (sp) => {
          try {
            return { result: await call(name, msg.params.arguments || {}, msg._sim || {}, keys(sid, msg)) };
          } catch (e) {
            sp.recordException(e);
            sp.setStatus({ code: api.SpanStatusCode.ERROR, message: e.message });
            return { error: e };
          }
        }, { attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': name } });
        s.last = Date.now();
        if (out.error) {
          log.error({ ...keys(sid, msg), tool: name, code: -32603, error: out.error.message, duration_ms: Date.now() - t }, 'tool error');
          return reply(200, { jsonrpc: '2.0', id: msg.id, error: { code: -32603, message: 'Internal error', data: { detail: out.error.message } } });
        }
        log.info({ ...keys(sid, msg), tool: name, duration_ms: Date.now() - t }, 'tool result');
        return reply(200, { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: JSON.stringify(out.result) }], isError: false } });
      }
      log.warn(keys(sid, msg), 'method not found');
      return reply(200, { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
    });
  });
  server.keepAliveTimeout = 500;
  return new Promise((resolve) => server.listen(rt.ports[rt.service], '127.0.0.1', () => resolve(server)));
}

// streamed LLM call (SSE); onFirst runs in the caller's context when the first content delta arrives
function streamMessages(rt, body, onFirst) {
  const api = rt.api;
  const ctx = api.context.active();
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = rt.http.request({
      host: '127.0.0.1', port: rt.ports['llm-gateway'], path: '/v1/messages', method: 'POST', agent: false, timeout: 60000,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'anthropic-version': '2023-06-01', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let d = '';
        res.on('data', (c) => { d += c; });
        res.on('end', () => { let b = {}; try { b = JSON.parse(d); } catch { b = {}; } reject(Object.assign(new Error(b?.error?.message || `llm-gateway responded ${res.statusCode}`), { status: res.statusCode, code: b?.error?.type })); });
        return;
      }
      let buf = ''; let first = false; let msgId = null; let usage = null; let stop = null;
      res.on('data', (c) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i); buf = buf.slice(i + 2);
          const dl = ev.split('\n').find((l) => l.startsWith('data: '));
          if (!dl) continue;
          const d = JSON.parse(dl.slice(6));
          if (d.type === 'message_start') msgId = d.message.id;
          else if (d.type === 'content_block_delta' && !first) { first = true; api.context.with(ctx, () => onFirst(msgId)); }
          else if (d.type === 'message_delta') { usage = d.usage; stop = d.delta.stop_reason; }
        }
      });
      res.on('end', () => resolve({ id: msgId, usage, stop_reason: stop }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout calling llm-gateway'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.write(payload);
    req.end();
  });
}

// bare console JSON loggers writing the W3C traceparent as one string field, levels as numbers
function consoleLogger(rt, shape) {
  return rt.wrap(null, (level, fields, msg) => {
    const sc = rt.activeIds();
    const rec = shape(level, msg, fields);
    if (sc) rec.traceparent = tp(sc);
    console.log(JSON.stringify(rec));
  });
}
function isoMicros() {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return new Date(Math.floor(us / 1000)).toISOString().slice(0, 23) + String(us % 1000).padStart(3, '0') + 'Z';
}
function pinoTeam(rt, name) {
  const pino = rt.require('pino');
  return pino({ level: 'debug', messageKey: 'event', timestamp: pino.stdTimeFunctions.unixTime, base: { service: name } }, pino.destination({ dest: 1, sync: true }));
}
function winstonZoneless(rt, meta) {
  const winston = rt.require('winston');
  return winston.createLogger({
    level: 'debug',
    defaultMeta: meta,
    format: winston.format.combine(winston.format.timestamp({ format: 'YYYY-MM-DD HH:mm:ss.SSS' }), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
}

const system = {
  name: 'mcp-agent-host',
  seed: 5505,
  ops: 120,
  inFlight: [10, 20],
  arrivalMaxMs: 110,
  entry: 'agent-host',
  portBase: 19400, // ports 19400-19405 (ids), 19450-19455 (broken)
  asyncDone: true, // an operation ends when its background memory.persist has finished
  settleMs: 3000,
  brokenService: 'mcp-kb',
  mixedStrip: ['mcp-web', 'vector-store'],
  // pino's unixTime rounds to whole seconds: those lines' times are up to 500 ms off
  timeToleranceMs: { 'agent-host': 600, 'mcp-web': 600 },
  services: [
    { name: 'agent-host', logger: 'pino messageKey event, unixTime (s)' },
    { name: 'llm-gateway', logger: 'winston, zone-less local timestamp' },
    { name: 'mcp-github', logger: 'console JSON, traceparent string, OTel severity numbers' },
    { name: 'mcp-web', logger: 'pino messageKey event, unixTime (s); event loop' },
    { name: 'mcp-kb', logger: 'winston, zone-less local timestamp' },
    { name: 'vector-store', logger: 'console JSON, traceparent string, pino-like numeric levels' },
  ],
  traceFields(svc) { return svc === 'mcp-github' || svc === 'vector-store' ? ['traceparent'] : STD_TRACE_FIELDS; },
  readIds(svc, o) {
    if (svc === 'mcp-github' || svc === 'vector-store') return parseTp(o.traceparent);
    return readStd(o);
  },
  writesIds() { return true; },

  schedule(rng, nOps) {
    // conversations of 2-6 user turns, one after the other (0.5-6 s after the previous reply); many open at once
    const ops = [];
    let n = 0;
    const next = () => `op-${String(++n).padStart(4, '0')}`;
    const convs = [];
    while (convs.reduce((a, c) => a + c.len, 0) < nOps) convs.push({ id: nanoid(rng), user: rng.hot(USERS, 0.3), len: rng.int(2, 6), client: rng.hot(['claude-desktop', 'vscode', 'web'], 0.5) });
    const cur = convs.map(() => 0);
    const prev = convs.map(() => null);
    while (n < nOps) {
      let progressed = false;
      for (let c = 0; c < convs.length && n < nOps; c++) {
        if (cur[c] >= convs[c].len) continue;
        const op = next();
        ops.push({
          op, ...(prev[c] ? { after: prev[c], gapMs: rng.int(500, 6000) } : {}),
          request: { method: 'POST', path: `/v1/conversations/${convs[c].id}/turns`, headers: { 'x-user-id': convs[c].user, 'x-client': convs[c].client }, body: { text: rng.pick(PROMPTS) } },
        });
        prev[c] = op; cur[c]++; progressed = true;
      }
      if (!progressed) break;
    }
    return ops;
  },

  run: {
    async 'agent-host'(rt) {
      const api = rt.api;
      const log = rt.wrap(pinoTeam(rt, 'agent-host'), 'pino');
      const turns = new Map(); // conversation -> turns so far
      const sessions = new Map(); // conversation|server -> { sid, nextId, ready }
      log.info({ mcp_servers: Object.keys(TOOLS), model: 'claude-sonnet-4-5' }, 'agent host started');

      // one MCP client session per conversation and server; JSON-RPC ids restart at 0 in every session
      async function session(conv, server, f) {
        const key = `${conv}|${server}`;
        let s = sessions.get(key);
        if (!s) {
          s = { sid: null, nextId: 0 };
          s.ready = (async () => {
            const init = await rpcPost(rt, server, null, { jsonrpc: '2.0', id: s.nextId++, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'acme-agent-host', version: '0.9.3' } } });
            s.sid = init.headers['mcp-session-id'];
            await rpcPost(rt, server, s.sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
            const list = await rpcPost(rt, server, s.sid, { jsonrpc: '2.0', id: s.nextId++, method: 'tools/list' });
            log.info({ ...f, server, mcp_session_id: s.sid, tools: list.body?.result?.tools?.length ?? 0 }, 'mcp session ready');
          })();
          sessions.set(key, s);
        }
        await s.ready;
        return s;
      }

      async function toolCall(c, f) {
        return rt.span(`execute_tool ${c.tool}`, async (span) => {
          const rng = rt.rng(`tool-${c.id}`);
          log.info({ ...f, tool_use_id: c.id, server: c.server, tool: c.tool }, 'tool call requested');
          let reinit = 0;
          for (let attempt = 1; ; attempt++) {
            const s = await session(f.conversation_id, c.server, f);
            const id = s.nextId++;
            const t = Date.now();
            const r = await rpcPost(rt, c.server, s.sid, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: c.tool, arguments: c.args }, _sim: { fail: attempt <= c.fails, key: c.id } });
            if (r.status === 404 && reinit < 2) {
              reinit++; attempt--;
              if (sessions.get(`${f.conversation_id}|${c.server}`) === s) sessions.delete(`${f.conversation_id}|${c.server}`);
              log.warn({ ...f, server: c.server, mcp_session_id: s.sid, rpc_id: id, status: 404, error_code: r.body?.error?.code }, 'mcp session expired, re-initializing');
              continue;
            }
            if (r.body?.error) {
              if (attempt < 3) {
                const wait = backoff(rng, 250, attempt);
                log.warn({ ...f, tool_use_id: c.id, server: c.server, mcp_session_id: s.sid, rpc_id: id, error_code: r.body.error.code, error: r.body.error.data?.detail || r.body.error.message, attempt, retry_in_ms: wait }, 'tool call failed, retrying');
                await rt.sleep(wait);
                continue;
              }
              span.setStatus({ code: api.SpanStatusCode.ERROR, message: r.body.error.message });
              log.error({ ...f, tool_use_id: c.id, server: c.server, rpc_id: id, error_code: r.body.error.code, error: r.body.error.data?.detail || r.body.error.message, attempts: attempt }, 'tool call failed, returning error to the model');
              return { is_error: true };
            }
            log.info({ ...f, tool_use_id: c.id, server: c.server, mcp_session_id: s.sid, rpc_id: id, attempt, duration_ms: Date.now() - t }, 'tool result received');
            return { is_error: false };
          }
        }, { attributes: { 'gen_ai.tool.name': c.tool, 'gen_ai.tool.call.id': c.id } });
      }

      async function llm(f, round, purpose, rng, user) {
        const model = purpose === 'final' ? 'claude-sonnet-4-5' : rng.hot(['claude-sonnet-4-5', 'claude-haiku-4-5'], 0.7);
        return rt.span(`chat ${model}`, async () => {
          for (let attempt = 1; ; attempt++) {
            const t = Date.now();
            try {
              const r = await streamMessages(rt, {
                model, stream: true, max_tokens: 4096, metadata: { user_id: user },
                _sim: { key: `${f.conversation_id}-${f.turn}-${round}-${attempt}`, overloaded: attempt === 1 && rng.chance(0.05), stop: purpose === 'final' ? 'end_turn' : 'tool_use', ttft: rng.int(150, 700), ms: purpose === 'final' ? rng.int(500, 2200) : rng.int(150, 700) },
              }, (msgId) => log.debug({ ...f, round, llm_message_id: msgId, ttft_ms: Date.now() - t }, 'first token'));
              log.info({ ...f, round, llm_message_id: r.id, stop_reason: r.stop_reason, output_tokens: r.usage.output_tokens, duration_ms: Date.now() - t }, 'llm stream done');
              return r;
            } catch (e) {
              if (e.status === 529 && attempt < 3) {
                const wait = backoff(rng, 400, attempt);
                log.warn({ ...f, round, model, status: 529, error_type: e.code, retry_in_ms: wait }, 'llm overloaded, retrying');
                await rt.sleep(wait);
                continue;
              }
              throw e;
            }
          }
        }, { kind: api.SpanKind.CLIENT, attributes: { 'gen_ai.request.model': model } });
      }

      await rt.serve({
        'POST /v1/conversations/:conv/turns': async ({ params, body, headers }) => {
          try { return await handleTurn(params, body, headers); } catch (e) { rt.done(); throw e; }
        },
      });

      async function handleTurn(params, body, headers) {
        const rng = rt.rng('turn');
        const conv = params.conv;
        const turn = (turns.get(conv) || 0) + 1;
        turns.set(conv, turn);
        const f = { conversation_id: conv, turn };
        const t = Date.now();
        log.info({ ...f, user: headers['x-user-id'], client: headers['x-client'], chars: body.text.length }, 'user turn received');
        const mem = await rt.call('vector-store', 'POST', '/collections/conversation-memory/points/search', { filter: { must: [{ key: 'conversation_id', match: { value: conv } }] }, limit: 6, with_payload: true, _sim: { key: `mem-${conv}-${turn}` } });
        const rounds = rng.pick([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3]);
        let calls = 0; let failed = 0;
        for (let round = 1; round <= rounds; round++) {
          await llm(f, round, 'tools', rng, headers['x-user-id']);
          // the model asks for 1-3 tools; several tool_use blocks run in parallel
          const n = rng.chance(0.4) ? rng.int(2, 3) : 1;
          const plan = Array.from({ length: n }, () => {
            const server = rng.pick(Object.keys(TOOLS));
            const tool = rng.pick(Object.keys(TOOLS[server]));
            return { id: 'toolu_01' + b62(rng, 22), server, tool, args: TOOLS[server][tool](rng), fails: rng.chance(0.12) ? rng.int(1, 3) : 0 };
          });
          if (n > 1) log.info({ ...f, round, parallel: n, tools: plan.map((p) => p.tool).join(',') }, 'running tool calls in parallel');
          const res = await Promise.all(plan.map((c) => toolCall(c, f)));
          calls += n; failed += res.filter((r) => r.is_error).length;
        }
        const fin = await llm(f, rounds + 1, 'final', rng, headers['x-user-id']);
        log.info({ ...f, memories: mem.result.length, rounds, tool_calls: calls, tool_errors: failed, output_tokens: fin.usage.output_tokens, latency_ms: Date.now() - t }, 'turn completed');
        // persist the turn to memory after replying (background work of this turn)
        const points = rng.int(1, 3);
        setTimeout(() => rt.span('memory.persist', async () => {
          try {
            const r = await rt.call('vector-store', 'PUT', '/collections/conversation-memory/points?wait=true', { points: Array.from({ length: points }, (_, i) => ({ id: `${conv}:${turn}:${i}`, payload: { conversation_id: conv, turn } })), _sim: { key: `up-${conv}-${turn}` } });
            log.debug({ ...f, points, operation_id: r.result.operation_id }, 'turn persisted to memory');
          } catch (e) {
            log.warn({ ...f, error: e.message }, 'memory persist failed');
          }
        }).catch(() => {}).finally(() => rt.done()), 5);
        return { conversation_id: conv, turn, message_id: fin.id };
      }
    },

    async 'llm-gateway'(rt) {
      const api = rt.api;
      const log = rt.wrap(winstonZoneless(rt, { service: 'llm-gateway' }), 'winston');
      log.info({ upstream: 'anthropic', models: ['claude-sonnet-4-5', 'claude-haiku-4-5'] }, 'gateway listening');
      const server = rt.http.createServer((req, res) => {
        let data = '';
        req.on('data', (c) => { data += c; });
        req.on('end', async () => {
          const span = api.trace.getActiveSpan();
          if (span) { span.updateName('POST /v1/messages'); span.setAttribute('http.route', '/v1/messages'); }
          let body = {};
          try { body = JSON.parse(data); } catch { body = {}; }
          const rng = rt.rng(`gw-${body._sim.key}`);
          const requestId = 'req_011' + b62(rng, 21);
          const msgId = 'msg_01' + b62(rng, 22);
          const t = Date.now();
          const input = rng.int(800, 12000);
          log.info({ request_id: requestId, model: body.model, stream: true, input_tokens: input, user_id: body.metadata?.user_id }, 'messages request');
          if (body._sim.overloaded) {
            await rt.sleep(rng.int(20, 80));
            log.warn({ request_id: requestId, status: 529, error_type: 'overloaded_error' }, 'upstream overloaded');
            const s = JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
            res.writeHead(529, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), 'request-id': requestId });
            res.end(s);
            return;
          }
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId });
          const ev = (type, d) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...d })}\n\n`);
          ev('message_start', { message: { id: msgId, model: body.model, usage: { input_tokens: input } } });
          await rt.sleep(body._sim.ttft);
          ev('content_block_start', { index: 0, content_block: { type: body._sim.stop === 'tool_use' ? 'tool_use' : 'text' } });
          ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: '…' } });
          log.info({ request_id: requestId, message_id: msgId, ttft_ms: Date.now() - t }, 'first token');
          const chunks = rng.int(4, 16);
          for (let k = 0; k < chunks; k++) {
            await rt.sleep(Math.round(body._sim.ms / chunks));
            ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: '…' } });
          }
          const out = body._sim.stop === 'tool_use' ? rng.int(40, 220) : rng.int(150, 1400);
          log.info({ request_id: requestId, message_id: msgId, stop_reason: body._sim.stop, output_tokens: out, duration_ms: Date.now() - t }, 'stream done');
          ev('message_delta', { delta: { stop_reason: body._sim.stop }, usage: { output_tokens: out } });
          ev('message_stop', {});
          res.end();
        });
      });
      server.keepAliveTimeout = 500;
      await new Promise((r) => server.listen(rt.ports[rt.service], '127.0.0.1', r));
    },

    async 'mcp-github'(rt) {
      const sev = { debug: 5, info: 9, warn: 13, error: 17 };
      const log = consoleLogger(rt, (level, msg, fields) => ({ time: new Date().toISOString().replace('Z', '+00:00'), level: sev[level], logger: 'github-mcp-server', msg, ...fields }));
      let remaining = 5000; // GitHub rate-limit budget shared by every call
      log.info({ version: '0.14.1', toolsets: 'repos,issues,pull_requests' }, 'github MCP server listening');
      await serveMcp(rt, {
        log,
        keys: (sid, msg) => ({ session: sid, rpc: { id: msg.id ?? null, method: msg.method } }),
        newSessionId: () => crypto.randomUUID(),
        serverInfo: { name: 'github-mcp-server', version: '0.14.1' },
        tools: TOOLS['mcp-github'],
        async call(name, args, sim) {
          const rng = rt.rng(`gh-${sim.key}-${sim.fail ? 'f' : 'ok'}`);
          const url = name === 'search_issues' ? `/search/issues?q=repo:${args.owner}/${args.repo}+${encodeURIComponent(args.query)}+is:${args.state}`
            : name === 'get_file_contents' ? `/repos/${args.owner}/${args.repo}/contents/${args.path}` : `/repos/${args.owner}/${args.repo}/pulls?state=${args.state}&per_page=${args.per_page}`;
          await rt.sleep(rng.int(60, 400));
          remaining--;
          if (sim.fail) {
            log.warn({ method: 'GET', url, status: 502, ratelimit_remaining: remaining }, 'github api error');
            throw new Error('GitHub API responded 502 Bad Gateway');
          }
          const items = name === 'get_file_contents' ? 1 : rng.int(0, 12);
          log.debug({ method: 'GET', url, status: 200, items, ratelimit_remaining: remaining }, 'github api');
          return { items };
        },
      });
    },

    async 'mcp-web'(rt) {
      const api = rt.api;
      const log = rt.wrap(pinoTeam(rt, 'mcp-web'), 'pino');
      // cooperative scheduler: every job advances one step per tick, in its own context
      const jobs = [];
      let lastStats = Date.now(); let done = 0;
      setInterval(() => {
        const now = Date.now();
        for (const j of jobs.slice()) {
          if (j.nextAt > now) continue;
          api.context.with(j.ctx, () => {
            try {
              const fin = j.step(j);
              if (fin) { jobs.splice(jobs.indexOf(j), 1); done++; j.resolve(fin.result); }
            } catch (e) { jobs.splice(jobs.indexOf(j), 1); done++; j.reject(e); }
          });
        }
        if (now - lastStats > 3000) {
          lastStats = now;
          if (jobs.length) log.debug({ active_jobs: jobs.length, completed: done, loop_lag_ms: Date.now() - now }, 'event loop stats');
        }
      }, 10).unref();
      log.info({ version: '1.3.0', concurrency: 'event-loop' }, 'web MCP server listening');
      await serveMcp(rt, {
        log,
        keys: (sid, msg) => ({ sid, jsonrpc_id: msg.id ?? null, rpc_method: msg.method }),
        newSessionId: () => crypto.randomUUID().replace(/-/g, ''),
        idleMs: 5000,
        serverInfo: { name: 'mcp-server-fetch', version: '1.3.0' },
        tools: TOOLS['mcp-web'],
        call(name, args, sim) {
          const rng = rt.rng(`web-${sim.key}-${sim.fail ? 'f' : 'ok'}`);
          const jobId = rng.int(1000, 9999);
          return new Promise((resolve, reject) => {
            const stages = name === 'fetch' ? ['connect', 'headers', ...Array(rng.int(1, 2)).fill('body'), 'extract'] : ['query', 'results', 'rank'];
            let k = 0; let bytes = 0;
            const job = {
              ctx: api.context.active(), nextAt: Date.now() + rng.int(5, 40), resolve, reject,
              step() {
                const stage = stages[k++];
                job.nextAt = Date.now() + rng.int(20, 180);
                if (stage === 'connect') log.debug({ job: jobId, url: args.url }, 'fetch: connecting');
                else if (stage === 'headers') {
                  if (sim.fail) { log.warn({ job: jobId, url: args.url, error: 'ETIMEDOUT' }, 'fetch: upstream timed out'); throw new Error(`fetch ${args.url}: ETIMEDOUT`); }
                  log.debug({ job: jobId, status: 200, content_type: 'text/html' }, 'fetch: headers');
                } else if (stage === 'body') { bytes += rng.int(4000, 60000); log.debug({ job: jobId, bytes }, 'fetch: reading body'); }
                else if (stage === 'extract') log.info({ job: jobId, url: args.url, bytes, markdown_chars: Math.min(bytes, args.max_length) }, 'fetch: page converted');
                else if (stage === 'query') log.debug({ job: jobId, query: args.query }, 'search: querying');
                else if (stage === 'results') {
                  if (sim.fail) { log.warn({ job: jobId, error: 'search backend 503' }, 'search: backend unavailable'); throw new Error('search backend 503'); }
                  log.debug({ job: jobId, hits: rng.int(3, 10) }, 'search: results');
                } else if (stage === 'rank') log.info({ job: jobId, query: args.query, returned: args.count }, 'search: ranked');
                return k >= stages.length ? { result: { job: jobId } } : null;
              },
            };
            jobs.push(job);
          });
        },
      });
    },

    async 'mcp-kb'(rt) {
      const log = rt.wrap(winstonZoneless(rt, { service: 'kb-mcp' }), 'winston');
      log.info({ collection: 'kb-articles', documents: KB_DOCS.length }, 'kb MCP server listening');
      await serveMcp(rt, {
        log,
        keys: (sid, msg) => ({ mcpSessionId: sid, requestId: msg.id ?? null, method: msg.method }),
        newSessionId: () => crypto.randomUUID(),
        serverInfo: { name: 'kb-mcp', version: '0.3.0' },
        tools: TOOLS['mcp-kb'],
        async call(name, args, sim) {
          const rng = rt.rng(`kb-${sim.key}-${sim.fail ? 'f' : 'ok'}`);
          if (name === 'kb_get_document') {
            await rt.sleep(rng.int(10, 60));
            if (sim.fail) throw new Error(`document store: read ${args.path} failed (EIO)`);
            log.debug({ path: args.path, bytes: rng.int(2000, 30000) }, 'document read');
            return { path: args.path };
          }
          try {
            const r = await rt.call('vector-store', 'POST', '/collections/kb-articles/points/search', { vector: Array.from({ length: 4 }, () => +rng.next().toFixed(3)), limit: args.top_k, with_payload: ['path'], _sim: { key: `kb-${sim.key}`, fail: sim.fail } });
            log.debug({ query: args.query, hits: r.result.map((h) => h.payload.path).join(',') }, 'kb search hits');
            return { hits: r.result.length };
          } catch (e) {
            log.error({ query: args.query, status: e.status, error: e.message }, 'vector search failed');
            throw e;
          }
        },
      });
    },

    async 'vector-store'(rt) {
      const lv = { debug: 20, info: 30, warn: 40, error: 50 };
      const log = consoleLogger(rt, (level, msg, fields) => ({ timestamp: isoMicros(), level: lv[level], target: 'vecstore::collection', message: msg, ...fields }));
      let opId = 0; // Qdrant-like operation_id, one counter for every collection
      log.info({ collections: ['conversation-memory', 'kb-articles'], dims: 1024 }, 'vector store ready');
      await rt.serve({
        'POST /collections/:c/points/search': async ({ params, body }) => {
          const rng = rt.rng(`vs-${body._sim.key}`);
          const t = Date.now();
          await rt.sleep(rng.int(8, 60));
          if (body._sim.fail) {
            log.error({ collection: params.c, error: 'search queue full', status: 503 }, 'search rejected');
            return { status: 503, body: { status: { error: 'Service unavailable: search queue full' }, error: { message: 'search queue full', code: 'UNAVAILABLE' } } };
          }
          const n = params.c === 'kb-articles' ? body.limit : rng.int(0, body.limit);
          const result = Array.from({ length: n }, (_, i) => ({ id: rng.int(1, 50000), score: +(0.92 - i * 0.05).toFixed(3), payload: { path: rng.hot(KB_DOCS, 0.3) } }));
          log.debug({ collection: params.c, limit: body.limit, hits: n, took_ms: Date.now() - t }, 'search');
          return { result, time: (Date.now() - t) / 1000 };
        },
        'PUT /collections/:c/points': async ({ params, body }) => {
          const rng = rt.rng(`vs-${body._sim.key}`);
          await rt.sleep(rng.int(10, 50));
          const id = ++opId;
          log.info({ collection: params.c, points: body.points.length, operation_id: id, status: 'completed' }, 'upsert');
          return { result: { operation_id: id, status: 'completed' } };
        },
      });
    },
  },

  readme: `
# mcp-agent-host

Imitates an **MCP (Model Context Protocol) agent host**: an assistant backend (Claude-Desktop/VS-Code-style host)
that, for every user turn, recalls conversation memory from a **vector store**, streams completions from an
Anthropic-compatible **llm-gateway** (SSE: \`message_start\`, first delta, \`message_stop\`) and calls tools on
three **MCP servers** over JSON-RPC 2.0 (\`POST /mcp\`, streamable-HTTP transport with JSON responses,
\`Mcp-Session-Id\` sessions), then persists the turn to memory after replying.

Topology (HTTP on 127.0.0.1, W3C traceparent via @opentelemetry/instrumentation-http):

    agent-host -> vector-store                         (memory recall; memory persist after the reply)
    agent-host -> llm-gateway                          (streamed, 1-4 rounds per turn)
    agent-host -> mcp-github | mcp-web | mcp-kb        (JSON-RPC: initialize, notifications/initialized, tools/list, tools/call)
    mcp-kb -> vector-store                             (kb_search)

- One operation = one user turn (\`POST /v1/conversations/:conv/turns\`). **Conversations** have 2–6 turns sent
  one after the other (0.5–6 s after the previous reply); many are open at once; user ids are hot.
- A turn: memory recall, 0–3 tool rounds (an LLM stream ending in \`tool_use\`, then 1–3 tool calls; 2–3 calls
  of a round run **in parallel**, rounds run in sequence), a final LLM stream, then a background
  \`memory.persist\` upsert (its lines come after the turn's reply).
- **MCP sessions** live per conversation and server: the first tool call of a conversation on a server opens
  it (\`initialize\` id 0, \`notifications/initialized\` without id, \`tools/list\` id 1), later calls of every turn
  of that conversation reuse it. **JSON-RPC ids are small integers that restart at 0 in every session**, so
  the same \`rpc_id\` values repeat across operations. mcp-web drops sessions idle for 5 s: the next call gets
  HTTP 404 / JSON-RPC \`-32001 Session not found\` and the host re-initializes (ids restart at 0 inside the
  same conversation).
- ~12 % of tool calls fail 1–3 times with a JSON-RPC error \`{"code": -32603, "message": "Internal error"}\`
  (GitHub 502, fetch timeout, search backend 503, vector-store 503 → kb error): the host retries with a
  **new JSON-RPC id** and backoff (same \`tool_use_id\`), giving up after 3 attempts (the error goes back to the
  model). ~5 % of first LLM attempts get 529 \`overloaded_error\` and are retried.
- **mcp-web is an event loop**: its fetch/search jobs advance one step per 10 ms tick in a single cooperative
  scheduler, each step run in its job's context, so the lines of many operations interleave; it also writes
  \`event loop stats\` lines outside any operation (\`op: null\`).

| service | logger | trace context as written | business ids |
|---|---|---|---|
| agent-host | pino 10, \`messageKey: "event"\`, \`timestamp: pino.stdTimeFunctions.unixTime\` (**whole seconds**, rounded) | \`trace_id\`, \`span_id\`, \`trace_flags\` (instrumentation-pino) | \`conversation_id\` (nanoid, 21 chars \`[A-Za-z0-9_-]\`), \`turn\` (1…n per conversation), \`user\`, \`tool_use_id\` (\`toolu_01\`+22 base62), \`mcp_session_id\`, \`rpc_id\`, \`llm_message_id\` |
| llm-gateway | winston 3, \`timestamp({format: 'YYYY-MM-DD HH:mm:ss.SSS'})\` (no zone; host is UTC) | same (instrumentation-winston) | \`request_id\` (\`req_011\`+21 base62), \`message_id\` (\`msg_01\`+22 base62 = host's \`llm_message_id\`), \`user_id\` |
| mcp-github | bare \`console.log(JSON.stringify())\`: \`time\` ISO with \`+00:00\`, numeric \`level\` (OTel severity numbers 5/9/13/17), \`msg\` | one string \`traceparent\` (\`00-<trace>-<span>-01\`), written by the service | \`session\` (UUID), nested \`rpc.id\` / \`rpc.method\`, repo paths, issue numbers, \`ratelimit_remaining\` (global counter) |
| mcp-web | pino 10, same team config as agent-host (\`event\`, unixTime seconds) | \`trace_id\`, \`span_id\`, \`trace_flags\` | \`sid\` (32 hex, a UUID without dashes — looks like a trace id), \`jsonrpc_id\`, \`job\` (4 digits), urls |
| mcp-kb | winston 3, same zone-less timestamp | \`trace_id\`, \`span_id\`, \`trace_flags\` | \`mcpSessionId\` (UUID), \`requestId\` (= the JSON-RPC id), kb paths |
| vector-store | bare console JSON: \`timestamp\` ISO with µs, numeric pino-like \`level\` 20/30/40/50, \`target\`, \`message\` | \`traceparent\` string | collection names, \`operation_id\` (one counter for all operations), point ids \`<conversation>:<turn>:<i>\` |

Variants: \`ids\` as written; \`stripped\` all trace context removed (\`traceparent\` included); \`broken\` = a real
run where **mcp-kb** does not extract incoming context (each JSON-RPC request starts a fresh trace, which
continues into vector-store); \`mixed\` = ids with the trace context removed from **mcp-web** and
**vector-store** only.

\`verify\` allows 600 ms of clock tolerance on agent-host and mcp-web lines (unixTime rounds to seconds).

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- mcp-agent-host\`.
`,
};
export default system;
