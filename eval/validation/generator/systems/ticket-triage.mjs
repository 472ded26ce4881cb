// System 2: support-ticket pipeline (Zendesk-style webhook -> triage agent -> RAG -> reply).
//   webhook-receiver -> [queue tickets.inbound] -> triage-worker -> retriever, llm
//   triage-worker -> [queue tickets.reply] -> notifier -> (callback) webhook-receiver PUT /tickets/:id/status
import { STD_TRACE_FIELDS, readStd, backoff, errObj } from '../lib/common.mjs';

const DOCS = Array.from({ length: 20 }, (_, i) => `KB-${String(i + 1).padStart(4, '0')}`);

// retries of one step (same step_id, new attempt) with exponential backoff
async function withRetries(rt, log, base, step, maxAttempts, fn) {
  const rng = rt.rng(`retry-${base.job_id}-${step}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await rt.span(`triage.${step}`, () => fn(attempt), { attributes: { 'step.attempt': attempt } });
    } catch (e) {
      if (attempt >= maxAttempts) {
        log.error({ ...base, step, step_id: `${base.job_id}:${step}`, attempt, err: errObj(e) }, 'step failed, giving up');
        throw e;
      }
      const wait = backoff(rng, 300, attempt);
      log.warn({ ...base, step, step_id: `${base.job_id}:${step}`, attempt, retry_in_ms: wait, error: e.message }, 'step failed, retrying');
      await rt.sleep(wait);
    }
  }
}

const system = {
  name: 'ticket-triage',
  seed: 2202,
  ops: 260,
  inFlight: [10, 24],
  entry: 'webhook-receiver',
  asyncDone: true,
  brokenService: 'triage-worker',
  mixedStrip: ['retriever', 'llm'],
  topics: { 'tickets.inbound': ['triage-worker'], 'tickets.reply': ['notifier'] },
  services: [
    { name: 'webhook-receiver', logger: 'bunyan 1.8' },
    { name: 'triage-worker', logger: 'pino epoch ms, child logger' },
    { name: 'retriever', logger: 'winston, local timestamp format' },
    { name: 'llm', logger: 'console.log(JSON.stringify) with camelCase ids' },
    { name: 'notifier', logger: 'pino isoTime' },
  ],
  traceFields(svc) { return svc === 'llm' ? ['traceId', 'spanId', 'sampled'] : STD_TRACE_FIELDS; },
  readIds(svc, o) {
    if (svc === 'llm') return typeof o.traceId === 'string' ? { traceId: o.traceId, spanId: o.spanId } : null;
    return readStd(o);
  },
  writesIds() { return true; },

  schedule(rng, nOps) {
    const ops = [];
    let n = 0;
    const next = () => `op-${String(++n).padStart(4, '0')}`;
    while (n < nOps) {
      const ticketId = rng.int(40000, 69999);
      const op = next();
      const deliveryId = rng.uuid();
      const priority = rng.hot(['normal', 'low', 'high', 'urgent'], 0.6);
      const body = (event, dlv) => ({ delivery_id: dlv, event, ticket: { id: ticketId, subject: `issue #${rng.int(1, 500)}`, priority, requester: `cust${rng.int(1, 900)}@example.com` } });
      ops.push({ op, request: { method: 'POST', path: '/webhooks/zendesk', headers: { 'x-zendesk-webhook-id': deliveryId }, body: body('ticket.created', deliveryId) } });
      if (n < nOps && rng.chance(0.11)) {
        // the same delivery redelivered: mostly within seconds, sometimes after the dedup window
        const late = rng.chance(0.35);
        ops.push({ op: next(), afterStart: op, gapMs: late ? rng.int(9000, 15000) : rng.int(300, 2500), request: { method: 'POST', path: '/webhooks/zendesk', headers: { 'x-zendesk-webhook-id': deliveryId, 'x-zendesk-retry': '1' }, body: body('ticket.created', deliveryId) } });
      }
      if (n < nOps && rng.chance(0.2)) {
        const d2 = rng.uuid();
        ops.push({ op: next(), after: op, gapMs: rng.int(500, 5000), request: { method: 'POST', path: '/webhooks/zendesk', headers: { 'x-zendesk-webhook-id': d2 }, body: body('ticket.comment_added', d2) } });
      }
    }
    return ops.slice(0, nOps);
  },

  run: {
    async 'webhook-receiver'(rt) {
      const bunyan = rt.require('bunyan');
      const log = rt.wrap(bunyan.createLogger({ name: 'webhook-receiver', streams: [{ stream: process.stdout, level: 'debug' }] }), 'bunyan');
      const seen = new Map(); // delivery_id -> time first seen (dedup window 8 s)
      log.info({ port: rt.ports[rt.service] }, 'listening for webhooks');
      await rt.serve({
        'POST /webhooks/zendesk': async ({ body, headers }) => {
          const f = { delivery_id: body.delivery_id, ticket_id: body.ticket.id, event: body.event };
          log.info({ ...f, retry: headers['x-zendesk-retry'] === '1' }, 'webhook received');
          const prev = seen.get(body.delivery_id);
          if (prev && Date.now() - prev < 8000) {
            log.warn(f, 'duplicate delivery ignored');
            rt.done();
            return { status: 200, body: { duplicate: true } };
          }
          seen.set(body.delivery_id, Date.now());
          await rt.publish('tickets.inbound', { ...f, subject: body.ticket.subject, priority: body.ticket.priority });
          log.debug(f, 'ticket enqueued');
          return { status: 202, body: { accepted: true } };
        },
        'PUT /tickets/:id/status': async ({ params, body }) => {
          log.info({ ticket_id: Number(params.id), status: body.status, reply_id: body.reply_id, job_id: body.job_id }, 'ticket status updated');
          rt.done();
          return { ok: true };
        },
      });
    },

    async 'triage-worker'(rt) {
      const pino = rt.require('pino');
      const root = pino({ level: 'debug', name: 'triage' }, pino.destination({ dest: 1, sync: true }));
      const boot = rt.wrap(root, 'pino');
      boot.info({ queue: 'tickets.inbound', concurrency: 'unbounded' }, 'worker subscribed');
      rt.subscribe('tickets.inbound', async (msg) => {
        const rng = rt.rng('triage');
        const jobId = 'job_' + rng.ulid();
        const log = rt.wrap(root.child({ job_id: jobId, ticket_id: msg.ticket_id }), 'pino');
        const base = { job_id: jobId };
        log.info({ delivery_id: msg.delivery_id, event: msg.event, priority: msg.priority }, 'triage job started');
        const failPlan = { classify: rng.chance(0.15) ? rng.int(1, 2) : 0, retrieve: rng.chance(0.1) ? 1 : 0, draft: rng.chance(0.15) ? rng.int(1, 4) : 0 };
        try {
          const cls = await withRetries(rt, log, base, 'classify', 4, (attempt) => rt.call('llm', 'POST', '/generate', { purpose: 'classify', ticket_id: msg.ticket_id, step_id: `${jobId}:classify`, attempt, _sim: { fail: attempt <= failPlan.classify, ms: rng.int(150, 600) } }));
          log.info({ category: cls.text }, 'ticket classified');
          const docs = await withRetries(rt, log, base, 'retrieve', 3, (attempt) => rt.call('retriever', 'POST', '/v2/search', { ticket_id: msg.ticket_id, query: msg.subject, top_k: rng.int(2, 5), _sim: { fail: attempt <= failPlan.retrieve } }));
          log.info({ doc_ids: docs.hits.map((h) => h.doc_id).join(',') }, 'context retrieved');
          const draft = await withRetries(rt, log, base, 'draft', 4, (attempt) => rt.call('llm', 'POST', '/generate', { purpose: 'draft_reply', ticket_id: msg.ticket_id, step_id: `${jobId}:draft`, attempt, _sim: { fail: attempt <= failPlan.draft, ms: rng.int(400, 1400) } }));
          await rt.publish('tickets.reply', { ticket_id: msg.ticket_id, job_id: jobId, draft_id: draft.id, requester_channel: 'email' });
          log.info({ draft_id: draft.id }, 'triage job done');
        } catch (e) {
          log.error({ err: errObj(e) }, 'triage job failed; escalating to human');
          await rt.call('webhook-receiver', 'PUT', `/tickets/${msg.ticket_id}/status`, { status: 'needs_human', job_id: jobId }).catch(() => {});
          throw e;
        }
      });
    },

    async retriever(rt) {
      const winston = rt.require('winston');
      const log = rt.wrap(winston.createLogger({
        level: 'debug',
        format: winston.format.combine(winston.format.timestamp({ format: 'YYYY-MM-DD HH:mm:ss.SSS' }), winston.format.json()),
        transports: [new winston.transports.Console()],
      }), 'winston');
      log.info({ index: 'kb-articles', docs: DOCS.length }, 'vector index loaded');
      await rt.serve({
        'POST /v2/search': async ({ body }) => {
          const rng = rt.rng(`search-${body.ticket_id}`);
          log.info({ ticket_id: body.ticket_id, top_k: body.top_k }, 'search request');
          await rt.sleep(rng.int(30, 150));
          if (body._sim.fail) {
            log.error({ ticket_id: body.ticket_id, error: 'index shard unavailable' }, 'search failed');
            return { status: 503, body: { error: { message: 'index shard unavailable', code: 'SHARD_UNAVAILABLE' } } };
          }
          const hits = [];
          for (let i = 0; i < body.top_k; i++) {
            const doc = rng.hot(DOCS, 0.3);
            const score = +(0.9 - i * 0.07 - rng.next() * 0.05).toFixed(3);
            hits.push({ doc_id: doc, score });
            log.debug({ doc_id: doc, score }, 'hit');
          }
          return { hits };
        },
      });
    },

    async llm(rt) {
      // bare console logger that writes the trace context itself, camelCase, under its own keys
      const write = (level, fields, msg) => {
        const sc = rt.activeIds();
        const rec = { t: Date.now(), severity: level.toUpperCase(), component: 'llm', msg, ...fields };
        if (sc) { rec.traceId = sc.traceId; rec.spanId = sc.spanId; rec.sampled = (sc.traceFlags & 1) === 1; }
        console.log(JSON.stringify(rec));
      };
      const log = rt.wrap(null, write);
      log.info({ model: 'llama-3.1-70b-instruct', gpu: 'A100' }, 'model server up');
      await rt.serve({
        'POST /generate': async ({ body }) => {
          const rng = rt.rng(`gen-${body.step_id}-${body.attempt}`);
          const completionId = 'cmpl_' + rng.hex(16);
          log.info({ completion_id: completionId, purpose: body.purpose, ticket_id: body.ticket_id, attempt: body.attempt }, 'generation started');
          await rt.sleep(body._sim.ms);
          if (body._sim.fail) {
            log.error({ completion_id: completionId, error: 'CUDA out of memory' }, 'generation failed');
            return { status: 503, body: { error: { message: 'model overloaded', code: 'OVERLOADED' } } };
          }
          const tokens = rng.int(30, 600);
          log.info({ completion_id: completionId, output_tokens: tokens }, 'generation finished');
          return { id: completionId, text: rng.pick(['billing', 'bug', 'how-to', 'account', 'feature-request']) };
        },
      });
    },

    async notifier(rt) {
      const pino = rt.require('pino');
      const log = rt.wrap(pino({ level: 'debug', timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true })), 'pino');
      log.info({ smtp: 'smtp.internal:587' }, 'notifier ready');
      rt.subscribe('tickets.reply', async (msg) => {
        const rng = rt.rng('notify');
        const replyId = rng.uuid();
        const f = { ticket_id: msg.ticket_id, reply_id: replyId, draft_id: msg.draft_id };
        log.info(f, 'sending reply');
        const failures = rng.chance(0.12) ? rng.int(1, 2) : 0;
        for (let attempt = 1; ; attempt++) {
          const ok = await rt.span('smtp.send', async (s) => {
            await rt.sleep(rng.int(40, 200));
            if (attempt <= failures) { s.setStatus({ code: rt.api.SpanStatusCode.ERROR }); return false; }
            return true;
          });
          if (ok) break;
          const wait = backoff(rng, 400, attempt);
          log.warn({ ...f, attempt, retry_in_ms: wait, smtp_code: 421 }, 'smtp temporary failure');
          await rt.sleep(wait);
        }
        log.info(f, 'reply sent');
        await rt.call('webhook-receiver', 'PUT', `/tickets/${msg.ticket_id}/status`, { status: 'replied', reply_id: replyId, job_id: msg.job_id });
      });
    },
  },

  readme: `
# ticket-triage

Imitates a support-ticket automation pipeline: a Zendesk/GitHub-style **webhook** is received, queued, triaged
by an LLM **triage worker** that does RAG over a small knowledge base, and a **notifier** emails the reply and
calls the receiver back.

Topology (HTTP on 127.0.0.1 + a broker: messages pass through the launcher's IPC channel, trace context
injected/extracted by hand into the message headers, like an AMQP/Kafka client):

    webhook-receiver --[tickets.inbound]--> triage-worker --> llm (classify), retriever, llm (draft)
    triage-worker --[tickets.reply]--> notifier --HTTP PUT /tickets/:id/status--> webhook-receiver (callback)

- One operation = one webhook delivery. The receiver answers 202 at once; the operation continues
  asynchronously (queue, worker, notifier, callback).
- ~11 % of deliveries are delivered twice (same \`delivery_id\`, header \`x-zendesk-retry: 1\`); each delivery
  is its own operation. Most arrive within the 8 s dedup window (only the receiver logs them:
  "duplicate delivery ignored"); about a third arrive later and run the whole pipeline again.
- ~20 % of tickets get a second event later (\`ticket.comment_added\`, same \`ticket_id\`, new delivery).
- Steps fail and are retried with exponential backoff (same \`step_id\` = \`<job_id>:<step>\`, new
  \`attempt\`); a job whose step exhausts its attempts is escalated (worker calls the receiver directly).
  The notifier retries SMTP 421s.
- The retriever draws \`doc_id\`s from a pool of 20 (\`KB-0001\`…\`KB-0020\`, one hot), shared by all tickets.

| service | logger | trace keys |
|---|---|---|
| webhook-receiver | bunyan 1.8 | \`trace_id\`, \`span_id\`, \`trace_flags\` (instrumentation-bunyan) |
| triage-worker | pino 10 epoch ms, \`name\`, child logger with \`job_id\`, \`ticket_id\` | same (instrumentation-pino) |
| retriever | winston 3, \`timestamp\` as \`YYYY-MM-DD HH:mm:ss.SSS\` (no zone; host is UTC) | same (instrumentation-winston) |
| llm | bare \`console.log(JSON.stringify(...))\`: \`t\` epoch ms, \`severity\`, \`component\`, \`msg\` | written by the service itself: \`traceId\`, \`spanId\`, \`sampled\` (bool) |
| notifier | pino 10 \`isoTime\` | \`trace_id\`, \`span_id\`, \`trace_flags\` |

Id dialects: \`delivery_id\` (UUID, duplicated on redelivery), \`ticket_id\` (5-digit number, shared by a
ticket's events), \`job_id\` (\`job_\`+ULID), \`step_id\`, \`completion_id\` (\`cmpl_\`+16 hex), \`doc_id\`
(pool of 20), \`reply_id\` (UUID), \`draft_id\` (= llm \`completion_id\`).

Variants: \`ids\` as written; \`stripped\` all trace keys removed; \`broken\` = a real run where
**triage-worker** does not extract the context from queue messages (each job starts a fresh trace; its calls
to llm/retriever and its reply message continue that fresh trace); \`mixed\` = ids with the trace keys removed
from **retriever** and **llm** only.

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- ticket-triage\`.
`,
};
export default system;
