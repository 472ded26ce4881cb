// Development system 2: chat assistant with sessions.
//   web -> chat-orchestrator -> moderation (input) ; -> memory (context; memory -> llm-proxy embeddings)
//   chat-orchestrator -> llm-proxy (provider retries/fallback) -> moderation (output)
//   chat-orchestrator -> calendar (tool call, 202) ... calendar -> chat-orchestrator /internal/tool-results (callback)
//   chat-orchestrator -> memory (append turn; every 5th turn memory asks llm-proxy for a summary)
import { STD_TRACE_FIELDS, readStd, backoff, errObj } from '../../validation/generator/lib/common.mjs';

const USERS = ['usr_7f3a01', 'usr_1c9e22', 'usr_40b7d3', 'usr_9a0c14', 'usr_e2d155', 'usr_5b6f06', 'usr_c81a97', 'usr_0d4e28', 'usr_73f2b9', 'usr_a5c10a', 'usr_68e9cb', 'usr_b2077c', 'usr_fd31ad', 'usr_2e94ce'];
const PROMPTS = ['what is on my calendar tomorrow', 'summarize the last email thread', 'book a meeting with Dana at 3pm', 'rewrite this paragraph more formally', 'how do I reset my VPN token', 'move my 1:1 to Friday', 'translate this to German', 'draft a reply declining the invite', 'any conflicts next week?', 'explain this SQL error'];

function syslogLevel(level) { return { debug: 7, info: 6, warn: 4, error: 3 }[level]; }

const system = {
  name: 'chat-sessions',
  seed: 6202,
  ops: 170,
  inFlight: [8, 13],
  arrivalMaxMs: 140,
  entry: 'web',
  settleMs: 2500,
  brokenService: 'memory',
  mixedStrip: ['llm-proxy', 'calendar'],
  services: [
    { name: 'web', logger: 'pino epoch ms' },
    { name: 'chat-orchestrator', logger: 'winston json + timestamp' },
    { name: 'memory', logger: 'bunyan 1.8' },
    { name: 'llm-proxy', logger: 'winston, format renaming trace keys to traceID/spanID' },
    { name: 'moderation', logger: 'console JSON, syslog numeric levels, ids under otel{}' },
    { name: 'calendar', logger: 'pino child logger' },
  ],
  traceFields(svc) {
    if (svc === 'llm-proxy') return ['traceID', 'spanID'];
    if (svc === 'moderation') return ['otel'];
    return STD_TRACE_FIELDS;
  },
  readIds(svc, o) {
    if (svc === 'llm-proxy') return typeof o.traceID === 'string' ? { traceId: o.traceID, spanId: o.spanID } : null;
    if (svc === 'moderation') return o.otel && typeof o.otel.trace_id === 'string' ? { traceId: o.otel.trace_id, spanId: o.otel.span_id } : null;
    return readStd(o);
  },
  writesIds() { return true; },

  schedule(rng, nOps) {
    // sessions of 2-9 messages, one after the other (user typing gaps); a user may have several sessions,
    // sometimes open at the same time (two tabs); usr_7f3a01 is hot
    const ops = [];
    let n = 0;
    const next = () => `op-${String(++n).padStart(4, '0')}`;
    const sessions = [];
    while (sessions.reduce((a, s) => a + s.len, 0) < nOps) {
      sessions.push({ id: 'sess_' + rng.b32(20), user: rng.hot(USERS, 0.3), len: rng.int(2, 7) });
    }
    // interleave: walk sessions round-robin so that many are open at once
    const cursors = sessions.map(() => 0);
    const prev = sessions.map(() => null);
    while (n < nOps) {
      let progressed = false;
      for (let s = 0; s < sessions.length && n < nOps; s++) {
        if (cursors[s] >= sessions[s].len) continue;
        const op = next();
        const ss = sessions[s];
        ops.push({
          op, ...(prev[s] ? { after: prev[s], gapMs: rng.int(300, 2500) } : {}),
          request: { method: 'POST', path: `/api/chat/${ss.id}/messages`, headers: { cookie: `sid=${ss.id}`, 'x-user-id': ss.user }, body: { text: rng.pick(PROMPTS), client_msg_id: rng.uuid() } },
        });
        prev[s] = op; cursors[s]++; progressed = true;
      }
      if (!progressed) break;
    }
    return ops;
  },

  run: {
    async web(rt) {
      const pino = rt.require('pino');
      const log = rt.wrap(pino({ level: 'debug', name: 'web' }, pino.destination({ dest: 1, sync: true })), 'pino');
      log.info({ port: rt.ports.web }, 'web gateway listening');
      await rt.serve({
        'POST /api/chat/:session/messages': async ({ params, body, headers }) => {
          const t = Date.now();
          const f = { sessionId: params.session, userId: headers['x-user-id'] };
          log.info({ ...f, clientMsgId: body.client_msg_id, chars: body.text.length }, 'message received');
          try {
            const r = await rt.call('chat-orchestrator', 'POST', '/v1/turns', { session_id: params.session, user_id: headers['x-user-id'], text: body.text });
            log.info({ ...f, turnId: r.turn_id, latencyMs: Date.now() - t, blocked: r.blocked }, 'reply sent');
            return r;
          } catch (e) {
            log.error({ ...f, err: errObj(e) }, 'turn failed');
            return { status: 502, body: { error: { message: 'assistant unavailable', code: 'UPSTREAM' } } };
          }
        },
      });
    },

    async 'chat-orchestrator'(rt) {
      const winston = rt.require('winston');
      const log = rt.wrap(winston.createLogger({ level: 'debug', defaultMeta: { service: 'chat-orchestrator', env: 'prod' }, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Console()] }), 'winston');
      const turnsBySession = new Map();
      const waiting = new Map(); // tool_call_id -> resolve
      log.info({ tools: ['calendar.list_events', 'calendar.create_event', 'calendar.find_free_slot'] }, 'orchestrator ready');
      await rt.serve({
        'POST /v1/turns': async ({ body }) => {
          const rng = rt.rng('turn');
          const turnNo = (turnsBySession.get(body.session_id) || 0) + 1;
          turnsBySession.set(body.session_id, turnNo);
          const turnId = 'turn_' + rng.ulid();
          const f = { session_id: body.session_id, user_id: body.user_id, turn_id: turnId };
          log.info({ ...f, turn_no: turnNo }, 'turn started');
          const inMod = await rt.call('moderation', 'POST', '/v1/moderate', { source: 'input', ref: turnId, text: body.text, _sim: { flag: rng.chance(0.04) } });
          if (inMod.flagged) {
            log.warn({ ...f, categories: inMod.categories }, 'message blocked by moderation');
            await rt.call('memory', 'POST', `/sessions/${body.session_id}/turns`, { user: body.user_id, turn_id: turnId, blocked: true, turn_no: turnNo });
            return { turn_id: turnId, blocked: true, text: 'Sorry, I can\'t help with that.' };
          }
          const ctx = await rt.call('memory', 'GET', `/sessions/${body.session_id}/context?user=${body.user_id}&turn=${turnNo}`);
          log.debug({ ...f, history_turns: ctx.turns, memories: ctx.memories }, 'context loaded');
          const wantsTool = rng.chance(0.28);
          let ans = await rt.call('llm-proxy', 'POST', '/v1/chat/completions', { model: 'gpt-4o-mini', metadata: { turn_id: turnId, session: body.session_id }, tools: true, _sim: { tool: wantsTool, fails: rng.chance(0.12) ? rng.int(1, 3) : 0, ms: rng.int(250, 1200) } });
          if (ans.tool_call) {
            const callId = 'call_' + rng.b32(24);
            const tool = rng.pick(['calendar.list_events', 'calendar.create_event', 'calendar.find_free_slot']);
            log.info({ ...f, tool, tool_call_id: callId }, 'tool call requested');
            const result = new Promise((resolve) => {
              waiting.set(callId, resolve);
              setTimeout(() => { if (waiting.delete(callId)) resolve({ status: 'timeout' }); }, 6000);
            });
            await rt.call('calendar', 'POST', `/v1/tools/${tool}`, { tool_call_id: callId, user_id: body.user_id, session_id: body.session_id, callback: '/internal/tool-results', _sim: { fail: rng.chance(0.1), ms: rng.int(80, 700) } });
            const r = await result;
            if (r.status !== 'ok') log.warn({ ...f, tool_call_id: callId, tool_status: r.status, error: r.error }, 'tool call failed; answering without it');
            else log.info({ ...f, tool_call_id: callId, events: r.events }, 'tool result received');
            ans = await rt.call('llm-proxy', 'POST', '/v1/chat/completions', { model: 'gpt-4o-mini', metadata: { turn_id: turnId, session: body.session_id }, tools: false, _sim: { tool: false, fails: 0, ms: rng.int(200, 800) } });
          }
          await rt.call('memory', 'POST', `/sessions/${body.session_id}/turns`, { user: body.user_id, turn_id: turnId, turn_no: turnNo, tokens: ans.usage.total_tokens });
          log.info({ ...f, completion_tokens: ans.usage.completion_tokens, total_tokens: ans.usage.total_tokens }, 'turn completed');
          return { turn_id: turnId, text: 'ok' };
        },
        'POST /internal/tool-results/:callId': async ({ params, body }) => {
          log.debug({ tool_call_id: params.callId, status: body.status }, 'tool callback');
          const w = waiting.get(params.callId);
          if (!w) { log.warn({ tool_call_id: params.callId }, 'late tool callback ignored'); return { status: 410, body: { error: { message: 'gone', code: 'GONE' } } }; }
          waiting.delete(params.callId);
          w(body);
          return { ok: true };
        },
      });
    },

    async memory(rt) {
      const bunyan = rt.require('bunyan');
      const log = rt.wrap(bunyan.createLogger({ name: 'memory-svc', streams: [{ stream: process.stdout, level: 'debug' }] }), 'bunyan');
      const store = new Map(); // session -> turns
      log.info({ backend: 'redis://memory-cache:6379', vector_store: 'pgvector' }, 'memory service up');
      await rt.serve({
        'GET /sessions/:session/context': async ({ params, query }) => {
          const rng = rt.rng('mem-ctx');
          const turns = store.get(params.session) || [];
          log.debug({ conversation: params.session, user: query.user }, 'loading context');
          let memories = 0;
          if (turns.length > 0) {
            // long-term recall: embed the query through the llm-proxy
            await rt.call('llm-proxy', 'POST', '/v1/embeddings', { model: 'text-embedding-3-small', metadata: { session: params.session }, _sim: { ms: rng.int(40, 160) } });
            memories = rng.int(0, 4);
          }
          log.info({ conversation: params.session, user: query.user, turns_loaded: turns.length, memories }, 'context assembled');
          return { turns: turns.length, memories };
        },
        'POST /sessions/:session/turns': async ({ params, body }) => {
          const turns = store.get(params.session) || [];
          turns.push(body.turn_id);
          store.set(params.session, turns);
          log.info({ conversation: params.session, user: body.user, turn: body.turn_id, turn_count: turns.length, blocked: !!body.blocked }, 'turn appended');
          if (turns.length % 5 === 0) {
            const s = await rt.call('llm-proxy', 'POST', '/v1/chat/completions', { model: 'gpt-4o-mini', metadata: { session: params.session, purpose: 'summary' }, tools: false, _sim: { tool: false, fails: 0, ms: 300 } });
            log.info({ conversation: params.session, summary_tokens: s.usage.completion_tokens }, 'conversation summarized');
          }
          return { ok: true };
        },
      });
    },

    async 'llm-proxy'(rt) {
      const winston = rt.require('winston');
      // team format: rename the injected trace keys to Grafana-style traceID/spanID and drop the flags
      const rename = winston.format((info) => {
        if (info.trace_id) { info.traceID = info.trace_id; info.spanID = info.span_id; }
        delete info.trace_id; delete info.span_id; delete info.trace_flags;
        return info;
      });
      const log = rt.wrap(winston.createLogger({ level: 'debug', format: winston.format.combine(rename(), winston.format.timestamp({ format: 'YYYY-MM-DDTHH:mm:ss.SSSZ' }), winston.format.json()), transports: [new winston.transports.Console()] }), 'winston');
      log.info({ providers: ['openai', 'azure-openai'] }, 'llm proxy started');
      await rt.serve({
        'POST /v1/chat/completions': async ({ body }) => {
          const rng = rt.rng(`chat-${body.metadata.turn_id || body.metadata.session}-${body.tools}`);
          const reqId = 'chatcmpl-' + rng.b32(22);
          log.info({ request_id: reqId, model: body.model, metadata: body.metadata }, 'completion request');
          let provider = 'openai';
          for (let attempt = 1; ; attempt++) {
            const ok = await rt.span(`provider.${provider}`, async (s) => {
              await rt.sleep(attempt <= body._sim.fails ? rng.int(30, 120) : body._sim.ms);
              if (attempt <= body._sim.fails) { s.setStatus({ code: rt.api.SpanStatusCode.ERROR }); return false; }
              return true;
            }, { kind: rt.api.SpanKind.CLIENT });
            if (ok) break;
            const wait = backoff(rng, 200, attempt);
            log.warn({ request_id: reqId, provider, attempt, status: 429, retry_in_ms: wait }, 'provider rate limited');
            if (attempt >= 2) provider = 'azure-openai';
            await rt.sleep(wait);
          }
          const usage = { prompt_tokens: rng.int(200, 3000), completion_tokens: rng.int(20, 600) };
          usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
          if (body._sim.tool) {
            log.info({ request_id: reqId, provider, finish_reason: 'tool_calls', usage }, 'completion returned tool call');
            return { id: reqId, tool_call: true, usage };
          }
          const mod = await rt.call('moderation', 'POST', '/v1/moderate', { source: 'output', ref: reqId, text: 'x'.repeat(usage.completion_tokens), _sim: { flag: false } });
          log.info({ request_id: reqId, provider, finish_reason: 'stop', usage, moderated: !mod.flagged }, 'completion done');
          return { id: reqId, usage };
        },
        'POST /v1/embeddings': async ({ body }) => {
          const rng = rt.rng(`emb-${body.metadata.session}`);
          const reqId = 'emb-' + rng.b32(16);
          await rt.sleep(body._sim.ms);
          log.debug({ request_id: reqId, model: body.model, metadata: body.metadata }, 'embedding served');
          return { id: reqId };
        },
      });
    },

    async moderation(rt) {
      // bare console JSON: epoch-ms ts, syslog numeric level, ids the service writes under otel{}
      const write = (level, fields, msg) => {
        const sc = rt.activeIds();
        const rec = { ts: Date.now(), level: syslogLevel(level), event: msg, ...fields };
        if (sc) rec.otel = { trace_id: sc.traceId, span_id: sc.spanId };
        console.log(JSON.stringify(rec));
      };
      const log = rt.wrap(null, write);
      log.info({ model: 'omni-moderation-latest' }, 'moderation ready');
      await rt.serve({
        'POST /v1/moderate': async ({ body }) => {
          const rng = rt.rng(`mod-${body.ref}`);
          await rt.sleep(rng.int(15, 90));
          const hash = rng.hex(16);
          if (body._sim.flag) {
            const categories = [rng.pick(['harassment', 'self-harm', 'violence', 'illicit'])];
            log.warn({ source: body.source, ref: body.ref, input_hash: hash, categories }, 'content flagged');
            return { flagged: true, categories };
          }
          log.debug({ source: body.source, ref: body.ref, input_hash: hash }, 'content ok');
          return { flagged: false };
        },
      });
    },

    async calendar(rt) {
      const pino = rt.require('pino');
      const root = pino({ level: 'debug', name: 'calendar-tool' }, pino.destination({ dest: 1, sync: true }));
      rt.wrap(root, 'pino').info({ provider: 'google-calendar' }, 'calendar tool server up');
      await rt.serve({
        'POST /v1/tools/:tool': async ({ params, body }) => {
          const log = rt.wrap(root.child({ tool_call_id: body.tool_call_id, tool: params.tool }), 'pino');
          const rng = rt.rng(`cal-${body.tool_call_id}`);
          log.info({ user_id: body.user_id }, 'tool invocation accepted');
          // answer 202 now, do the work in the background and call the orchestrator back
          setTimeout(() => rt.span('calendar.run_tool', async () => {
            await rt.sleep(body._sim.ms);
            let result;
            if (body._sim.fail) {
              log.error({ user_id: body.user_id, error: 'googleapis: 503 backendError' }, 'calendar API failed');
              result = { status: 'error', error: 'backendError' };
            } else {
              const events = rng.int(0, 6);
              const eventId = rng.b32(26);
              log.info({ user_id: body.user_id, events, event_id: params.tool === 'calendar.create_event' ? eventId : undefined }, 'calendar API ok');
              result = { status: 'ok', events };
            }
            try {
              await rt.call('chat-orchestrator', 'POST', `${body.callback}/${body.tool_call_id}`, result);
              log.debug({}, 'result delivered');
            } catch (e) {
              log.warn({ err: errObj(e) }, 'result delivery failed');
            }
          }).catch(() => {}), 5);
          return { status: 202, body: { accepted: true } };
        },
      });
    },
  },

  readme: `
# chat-sessions (development system)

Imitates a **chat assistant with sessions**: a **web** gateway receives each user message and calls the
**chat-orchestrator**, which checks the message with **moderation**, loads the session's context from
**memory** (which, from the second turn on, embeds the query through the **llm-proxy**), asks the llm-proxy
for a completion (the proxy retries rate-limited providers with backoff and falls back from \`openai\` to
\`azure-openai\`, then has **moderation** check the output), and appends the turn to memory (every 5th turn of a
session memory also asks the llm-proxy for a summary). ~28 % of messages make the model request a **tool
call**: the orchestrator calls the **calendar** tool server, which answers 202 at once, runs the tool in the
background and **calls the orchestrator back** (\`POST /internal/tool-results/:callId\`); the orchestrator then
asks the llm-proxy again.

Topology (all HTTP):

    web -> chat-orchestrator -> moderation
                             -> memory -> llm-proxy            (context; summary on append)
                             -> llm-proxy -> moderation        (completion, output check)
                             -> calendar ~~> chat-orchestrator (tool call; async callback)

- One operation = one user message (\`POST /api/chat/:session/messages\`). **Sessions** hold 2–9 messages sent
  one after the other (0.6–5 s typing gaps), so a \`session_id\` spans many operations and many sessions are
  open at once; **user ids are hot** (\`usr_7f3a01\` on ~30 % of sessions) and a user may have several sessions.
- ~4 % of messages are blocked by input moderation (short operation: no LLM call); ~12 % of completions
  meet 1–3 provider 429s; ~10 % of tool calls fail (the orchestrator answers without the tool); \`turn_no\`
  restarts at 1 in every session.
- The calendar's background work runs in its own span \`calendar.run_tool\` (child of the ended 202 server span),
  so its lines and the callback are in the operation's trace.

| service | logger | trace keys | business id names |
|---|---|---|---|
| web | pino 10 epoch ms, \`name: web\` | \`trace_id\`, \`span_id\`, \`trace_flags\` | camelCase \`sessionId\`, \`userId\`, \`clientMsgId\`, \`turnId\` |
| chat-orchestrator | winston 3 json + timestamp, \`service\`/\`env\` meta | same | \`session_id\`, \`user_id\`, \`turn_id\` (\`turn_\`+ULID), \`turn_no\`, \`tool_call_id\` |
| memory | bunyan 1.8, \`name: memory-svc\` | same | \`conversation\` (= session id), \`user\`, \`turn\` |
| llm-proxy | winston 3 with a format that renames the injected keys; ISO time with offset | \`traceID\`, \`spanID\` (no flags) | \`request_id\` (\`chatcmpl-…\`, \`emb-…\`), nested \`metadata.turn_id\`, \`metadata.session\` |
| moderation | bare \`console.log(JSON.stringify())\`: \`ts\` epoch ms, numeric syslog \`level\`, \`event\` | nested \`otel.trace_id\`, \`otel.span_id\` | \`ref\` (turn id or completion id), \`source\`, \`input_hash\` |
| calendar | pino 10 child logger per call, \`name: calendar-tool\` | \`trace_id\`, \`span_id\`, \`trace_flags\` | \`tool_call_id\`, \`tool\`, \`user_id\`, \`event_id\` |

Variants: \`ids\` as written; \`stripped\` all trace keys removed (moderation's whole \`otel\` object);
\`broken\` = a real run where **memory** ignores incoming trace context (fresh trace per request; its calls to
the llm-proxy follow the fresh trace); \`mixed\` = ids with the trace keys removed from **llm-proxy** and
**calendar** only.

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- chat-sessions --out ../../development\`.
`,
};
export default system;
