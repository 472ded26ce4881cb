// System 1: multi-agent research assistant (a LangGraph-style supervisor app behind an
// OpenAI-compatible proxy such as LiteLLM).
//   chat-api -> supervisor -> (researcher || coder) -> tools, and every agent -> llm-gateway
import { STD_TRACE_FIELDS, readStd, backoff, errObj } from '../lib/common.mjs';

const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];
const HOT_MODEL = 'gpt-4o-mini';
const MODELS = [HOT_MODEL, 'gpt-4o', 'claude-3-5-sonnet'];
const USERS = ['u_7731', 'u_1002', 'u_1003', 'u_2044', 'u_3150', 'u_3151', 'u_4420', 'u_5012'];

function pinoLogger(rt, opts = {}) {
  const pino = rt.require('pino');
  return pino({ level: 'debug', base: { pid: process.pid, hostname: 'ra-' + rt.service }, ...opts }, pino.destination({ dest: 1, sync: true }));
}
function winstonLogger(rt) {
  const winston = rt.require('winston');
  return winston.createLogger({
    level: 'debug',
    defaultMeta: { service: rt.service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
}
function bunyanLogger(rt) {
  const bunyan = rt.require('bunyan');
  return bunyan.createLogger({ name: rt.service, level: 'debug', streams: [{ stream: process.stdout }] });
}

// chat completion through the gateway, with client-side retries on 429
async function chat(rt, log, fields, step) {
  const rng = rt.rng(`chat-${fields.agent}-${step}`);
  const llmRequestId = 'chatcmpl-' + rng.hex(24);
  const model = fields.model;
  for (let attempt = 1; ; attempt++) {
    log.debug({ ...fields, llm_request_id: llmRequestId, attempt }, 'calling llm');
    try {
      const r = await rt.call('llm-gateway', 'POST', '/v1/chat/completions', {
        model, messages: [{ role: 'user', content: fields.task || 'plan' }],
        metadata: { request_id: llmRequestId, tenant: fields.tenant, trace_name: fields.agent },
        _sim: { latency: rng.int(120, 700), rateLimited: attempt === 1 && rng.chance(0.06) },
      });
      log.info({ ...fields, llm_request_id: llmRequestId, completion_tokens: r.usage.completion_tokens }, 'llm responded');
      return r;
    } catch (e) {
      if (e.status === 429 && attempt < 3) {
        const wait = backoff(rng, 250, attempt);
        log.warn({ ...fields, llm_request_id: llmRequestId, attempt, retry_in_ms: wait }, 'llm rate limited, backing off');
        await rt.sleep(wait);
        continue;
      }
      log.error({ ...fields, llm_request_id: llmRequestId, err: errObj(e) }, 'llm call failed');
      throw e;
    }
  }
}

async function agentLoop(rt, log, kind, body) {
  const rng = rt.rng(kind);
  const agentRunId = rng.uuid();
  const base = { agent: kind, agent_run_id: agentRunId, parent_run_id: body.run_id, thread_id: body.thread_id, tenant: body.tenant, model: body.model };
  log.info({ ...base, task: body.task }, `${kind} agent started`);
  const steps = kind === 'researcher' ? rng.int(2, 4) : rng.int(1, 3);
  let sources = 0;
  for (let step = 1; step <= steps; step++) {
    await rt.span(`${kind}.step`, async () => {
      await chat(rt, log, { ...base, step }, step);
      const tool = kind === 'researcher' ? rng.pick(['web_search', 'web_search', 'vector_retriever']) : 'vector_retriever';
      const toolCallId = 'call_' + rng.b32(20);
      log.info({ ...base, step, tool, tool_call_id: toolCallId }, 'tool call');
      const res = await rt.call('tools', 'POST', `/tools/${tool}`, { tool_call_id: toolCallId, query: body.task, tenant: body.tenant, k: rng.int(3, 8) });
      sources += res.results.length;
    }, { attributes: { 'gen_ai.agent.name': kind, step } });
    if (step < steps) await rt.sleep(rng.int(200, 1500)); // "thinking"
  }
  await chat(rt, log, { ...base, step: steps + 1, task: 'summarise' }, steps + 1);
  log.info({ ...base, steps, sources }, `${kind} agent finished`);
  return { agent_run_id: agentRunId, steps, sources };
}

const system = {
  name: 'research-assistant',
  seed: 1101,
  ops: 150,
  inFlight: [12, 22],
  entry: 'chat-api',
  brokenService: 'llm-gateway',
  mixedStrip: ['tools', 'coder'],
  services: [
    { name: 'chat-api', logger: 'pino (epoch ms)' },
    { name: 'supervisor', logger: 'winston json + timestamp' },
    { name: 'researcher', logger: 'pino isoTime' },
    { name: 'coder', logger: 'bunyan 1.8' },
    { name: 'tools', logger: 'pino, ECS-like keys', instrumentation: { pino: { logKeys: { traceId: 'trace.id', spanId: 'span.id', traceFlags: 'trace.flags' } } } },
    { name: 'llm-gateway', logger: 'pino (epoch ms)' },
  ],
  traceFields(svc) { return svc === 'tools' ? [['trace.id'], ['span.id'], ['trace.flags']] : STD_TRACE_FIELDS; },
  readIds(svc, o) {
    if (svc === 'tools') return typeof o['trace.id'] === 'string' ? { traceId: o['trace.id'], spanId: o['span.id'] } : null;
    return readStd(o);
  },
  writesIds() { return true; },

  schedule(rng, nOps) {
    const ops = [];
    let n = 0;
    while (n < nOps) {
      const threadId = rng.uuid();
      const tenant = rng.hot(TENANTS, 0.45);
      const user = rng.hot(USERS, 0.3);
      const msgs = Math.min(rng.int(2, 5), nOps - n);
      let prev = null;
      for (let i = 0; i < msgs; i++) {
        const op = `op-${String(++n).padStart(4, '0')}`;
        ops.push({
          op, after: prev, gapMs: rng.int(800, 4000),
          request: { method: 'POST', path: `/v1/threads/${threadId}/messages`, body: { tenant, user_id: user, content: `question ${i + 1} about topic ${rng.int(1, 40)}` } },
        });
        prev = op;
      }
    }
    return ops;
  },

  run: {
    async 'chat-api'(rt) {
      const log = rt.wrap(pinoLogger(rt), 'pino');
      log.info({ port: rt.ports[rt.service] }, 'chat-api listening');
      await rt.serve({
        'POST /v1/threads/:thread_id/messages': async ({ params, body }) => {
          const rng = rt.rng('api');
          const messageId = 'msg_' + rng.hex(24);
          const model = rng.chance(0.85) ? HOT_MODEL : rng.pick(MODELS);
          const f = { thread_id: params.thread_id, message_id: messageId, tenant: body.tenant, user_id: body.user_id, model };
          log.info(f, 'user message received');
          const t = Date.now();
          try {
            const r = await rt.call('supervisor', 'POST', '/runs', { thread_id: params.thread_id, message_id: messageId, tenant: body.tenant, model, input: body.content });
            log.info({ ...f, run_id: r.run_id, latency_ms: Date.now() - t }, 'assistant reply sent');
            return { status: 200, body: { message_id: messageId, run_id: r.run_id } };
          } catch (e) {
            log.error({ ...f, err: errObj(e) }, 'run failed');
            return { status: 502, body: { error: { message: e.message, code: 'RUN_FAILED' } } };
          }
        },
      });
      rt.onShutdown(() => log.info({}, 'chat-api shutting down'));
    },

    async supervisor(rt) {
      const log = rt.wrap(winstonLogger(rt), 'winston');
      log.info({ graph: 'research_supervisor', nodes: ['planner', 'researcher', 'coder', 'writer'] }, 'graph compiled');
      await rt.serve({
        'POST /runs': async ({ body }) => {
          const rng = rt.rng('supervisor');
          const runId = rng.uuid();
          const f = { run_id: runId, thread_id: body.thread_id, tenant: body.tenant, model: body.model };
          log.info({ ...f, message_id: body.message_id }, 'supervisor run started');
          const plans = rng.int(1, 2);
          for (let i = 1; i <= plans; i++) {
            await chat(rt, log, { ...f, agent: 'supervisor', step: i, task: body.input }, i);
            if (i < plans) await rt.sleep(rng.int(200, 900));
          }
          const agents = [];
          if (rng.chance(0.75)) agents.push('researcher');
          if (rng.chance(0.5) || !agents.length) agents.push('coder');
          log.info({ ...f, agents: agents.join(',') }, 'dispatching sub-agents');
          const results = await Promise.allSettled(agents.map((a) => rt.call(a, 'POST', '/invoke', { run_id: runId, thread_id: body.thread_id, tenant: body.tenant, model: body.model, task: body.input })));
          results.forEach((r, i) => {
            if (r.status === 'fulfilled') log.info({ ...f, agent: agents[i], child_run_id: r.value.agent_run_id, steps: r.value.steps }, 'sub-agent finished');
            else log.warn({ ...f, agent: agents[i], error: r.reason.message }, 'sub-agent failed');
          });
          await chat(rt, log, { ...f, agent: 'supervisor', step: plans + 1, task: 'write final answer' }, plans + 1);
          log.info({ ...f }, 'supervisor run finished');
          return { run_id: runId };
        },
      });
    },

    async researcher(rt) {
      const pino = rt.require('pino');
      const log = rt.wrap(pinoLogger(rt, { timestamp: pino.stdTimeFunctions.isoTime }), 'pino');
      log.info({}, 'researcher worker ready');
      await rt.serve({ 'POST /invoke': async ({ body }) => agentLoop(rt, log, 'researcher', body) });
    },

    async coder(rt) {
      const log = rt.wrap(bunyanLogger(rt), 'bunyan');
      log.info({}, 'coder worker ready');
      await rt.serve({ 'POST /invoke': async ({ body }) => agentLoop(rt, log, 'coder', body) });
    },

    async tools(rt) {
      const log = rt.wrap(pinoLogger(rt, {
        messageKey: 'message',
        timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
        formatters: { level: (label) => ({ 'log.level': label }) },
      }), 'pino');
      log.info({}, 'tool server started');
      await rt.serve({
        'POST /tools/:tool': async ({ params, body }) => {
          const rng = rt.rng(`tool-${body.tool_call_id}`);
          log.info({ tool: params.tool, tool_call_id: body.tool_call_id, tenant: body.tenant }, 'executing tool');
          await rt.sleep(params.tool === 'web_search' ? rng.int(80, 400) : rng.int(20, 120));
          const results = Array.from({ length: body.k }, () => (params.tool === 'web_search' ? `https://example.org/${rng.b32(8)}` : `chunk-${rng.int(1, 400)}`));
          log.info({ tool: params.tool, tool_call_id: body.tool_call_id, hits: results.length }, 'tool done');
          return { results };
        },
      });
    },

    async 'llm-gateway'(rt) {
      const log = rt.wrap(pinoLogger(rt), 'pino');
      log.info({ providers: ['openai', 'anthropic'] }, 'proxy started');
      await rt.serve({
        'POST /v1/chat/completions': async ({ body }) => {
          const rng = rt.rng(`gw-${body.metadata.request_id}`);
          const f = { request_id: body.metadata.request_id, litellm_call_id: rng.uuid(), model: body.model, tenant: body.metadata.tenant };
          log.info(f, 'chat completion request');
          if (body._sim.rateLimited) {
            log.warn({ ...f, status: 429 }, 'upstream rate limit');
            return { status: 429, body: { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } } };
          }
          const t = Date.now();
          await rt.sleep(body._sim.latency);
          const usage = { prompt_tokens: rng.int(200, 3000), completion_tokens: rng.int(20, 800) };
          log.info({ ...f, ...usage, latency_ms: Date.now() - t, status: 200 }, 'upstream response');
          return { id: body.metadata.request_id, usage, choices: [{ message: { role: 'assistant', content: '...' } }] };
        },
      });
    },
  },

  readme: `
# research-assistant

Imitates a multi-agent research assistant: a LangGraph-style **supervisor** graph behind a chat API, two
sub-agents (**researcher**, **coder**) running in parallel, a **tools** server (web search, vector retriever)
and an OpenAI-compatible **llm-gateway** (LiteLLM-like proxy).

Topology (HTTP on 127.0.0.1, W3C traceparent via @opentelemetry/instrumentation-http):

    chat-api -> supervisor -> { researcher, coder } (parallel) -> tools
                     \\-> llm-gateway <-/ (every agent step)

- One operation = one user message posted to \`/v1/threads/:thread_id/messages\`. Conversations have 2–5
  messages, sent one after another (next message 0.8–4 s after the previous reply).
- Supervisor: 1–2 planning LLM calls, dispatch, one final LLM call. Sub-agents: loops of LLM call → tool call
  with "thinking" gaps of 200–1500 ms between steps, then a summarising LLM call.
- ~6 % of LLM calls are rate-limited (429) by the gateway and retried with exponential backoff (same
  \`llm_request_id\`, new attempt).

| service | logger | trace keys written |
|---|---|---|
| chat-api | pino 10, epoch-ms \`time\` | \`trace_id\`, \`span_id\`, \`trace_flags\` (instrumentation-pino) |
| supervisor | winston 3 \`json()\` + \`timestamp()\` | same (instrumentation-winston) |
| researcher | pino 10, \`stdTimeFunctions.isoTime\` | same |
| coder | bunyan 1.8 | same (instrumentation-bunyan) |
| tools | pino 10, ECS-like: \`@timestamp\`, \`log.level\`, \`message\` | literal dotted keys \`trace.id\`, \`span.id\`, \`trace.flags\` (instrumentation-pino \`logKeys\`) |
| llm-gateway | pino 10, epoch-ms | \`trace_id\`, \`span_id\`, \`trace_flags\` |

Id dialects: \`thread_id\` (UUID, spans several operations), \`message_id\` (\`msg_\`+24 hex), supervisor
\`run_id\` (UUID) = sub-agents' \`parent_run_id\`; sub-agents' \`agent_run_id\` = supervisor's \`child_run_id\`;
\`llm_request_id\` (\`chatcmpl-\`+24 hex) upstream = \`request_id\` in the gateway, which adds its own
\`litellm_call_id\`; \`tool_call_id\` (\`call_\`+20 base32). Hot values on almost every line: \`model\`
(\`gpt-4o-mini\` ~90 %), \`tenant\` (5 values, one hot).

Variants: \`ids\` as written; \`stripped\` all trace keys removed; \`broken\` = a real run where
**llm-gateway** ignores incoming trace context (an OpenAI-compatible proxy that starts its own traces);
\`mixed\` = ids with the trace keys removed from **tools** and **coder** only.

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- research-assistant\`.
`,
};
export default system;
