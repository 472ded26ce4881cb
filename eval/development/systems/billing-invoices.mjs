// Development system 3: monthly billing run per account (invoice pipeline with an external payment provider).
//   billing-scheduler -> invoice-service -> usage-service (paginated, 1-4 pages) ; -> tax-service
//   invoice-service -[invoices.render]-> pdf-renderer (3 workers in one process) -> psp (external, no logs)
//   psp ~~(new trace: no context crosses the provider)~~> billing-webhooks -> invoice-service PATCH paid (op done)
import { STD_TRACE_FIELDS, readStd, backoff, errObj } from '../../validation/generator/lib/common.mjs';

const ACCOUNTS = ['acct_0001', ...Array.from({ length: 24 }, (_, i) => `acct_${String(i + 2).padStart(4, '0')}`)];
const REGIONS = ['US-CA', 'US-NY', 'DE', 'FR', 'GB', 'US-TX'];
const hexToDec = (h) => BigInt('0x' + h).toString(10);
const decToHex = (d) => BigInt(d).toString(16).padStart(16, '0');

const system = {
  name: 'billing-invoices',
  seed: 7303,
  ops: 120,
  inFlight: [8, 13],
  arrivalMaxMs: 150,
  entry: 'billing-scheduler',
  asyncDone: true,
  settleMs: 3000,
  brokenService: 'usage-service',
  mixedStrip: ['billing-scheduler', 'tax-service'],
  topics: { 'invoices.render': ['pdf-renderer'] },
  services: [
    { name: 'billing-scheduler', logger: 'console JSON, Datadog-style dd{} ids' },
    { name: 'invoice-service', logger: 'pino epoch ms, level labels' },
    { name: 'usage-service', logger: 'winston json + timestamp' },
    { name: 'tax-service', logger: 'bunyan 1.8' },
    { name: 'pdf-renderer', logger: 'pino isoTime, child logger per worker' },
    { name: 'psp', logger: 'none (external provider emulation)' },
    { name: 'billing-webhooks', logger: 'winston json + timestamp' },
  ],
  traceFields(svc) {
    if (svc === 'billing-scheduler') return [['dd', 'trace_id'], ['dd', 'span_id']];
    return STD_TRACE_FIELDS;
  },
  readIds(svc, o) {
    if (svc === 'billing-scheduler') return o.dd && typeof o.dd.trace_id === 'string' ? { traceId: o.dd.trace_id, spanId: decToHex(o.dd.span_id) } : null;
    return readStd(o);
  },
  writesIds(svc) { return svc !== 'psp'; },

  schedule(rng, nOps) {
    const ops = [];
    for (let n = 1; n <= nOps; n++) {
      const account = rng.hot(ACCOUNTS, 0.2);
      ops.push({
        op: `op-${String(n).padStart(4, '0')}`,
        request: { method: 'POST', path: '/cron/invoice-run', headers: { 'x-cron-job': 'monthly-invoices' }, body: { account, period: '2026-10', _sim: { pages: rng.int(1, 4), renderFail: rng.chance(0.06) } } },
      });
    }
    return ops;
  },

  run: {
    async 'billing-scheduler'(rt) {
      // bare console logger in the shape dd-trace's log injection gives: 128-bit trace id as hex, span id as decimal
      const write = (level, fields, msg) => {
        const sc = rt.activeIds();
        const rec = { timestamp: new Date().toISOString(), status: level, 'logger.name': 'com.acme.billing.Scheduler', message: msg, ...fields };
        rec.dd = { service: 'billing-scheduler', env: 'prod', version: '4.18.2' };
        if (sc) { rec.dd.trace_id = sc.traceId; rec.dd.span_id = hexToDec(sc.spanId); }
        console.log(JSON.stringify(rec));
      };
      const log = rt.wrap(null, write);
      log.info({ job: 'monthly-invoices', schedule: '0 2 1 * *' }, 'scheduler started');
      let runNo = 0;
      await rt.serve({
        'POST /cron/invoice-run': async ({ body }) => {
          const runId = `run-${String(++runNo).padStart(5, '0')}`;
          log.info({ run_id: runId, account: body.account, period: body.period }, 'invoice run triggered');
          try {
            const r = await rt.call('invoice-service', 'POST', '/v2/invoices', { account_id: body.account, period: body.period, run_id: runId, _sim: body._sim });
            log.info({ run_id: runId, account: body.account, invoice_number: r.invoice_number }, 'invoice run dispatched');
            return { status: 202, body: r };
          } catch (e) {
            log.error({ run_id: runId, account: body.account, error: e.message }, 'invoice run failed');
            rt.done();
            return { status: 500, body: { error: { message: e.message, code: e.code } } };
          }
        },
      });
    },

    async 'invoice-service'(rt) {
      const pino = rt.require('pino');
      const log = rt.wrap(pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) }, base: { svc: 'invoice-service' } }, pino.destination({ dest: 1, sync: true })), 'pino');
      let seq = 4100;
      log.info({ db: 'postgres://billing' }, 'invoice service ready');
      await rt.serve({
        'POST /v2/invoices': async ({ body }) => {
          const rng = rt.rng('invoice');
          const no = `INV-2026-${String(++seq).padStart(6, '0')}`;
          const f = { invoice_number: no, account_id: body.account_id };
          log.info({ ...f, period: body.period, run_id: body.run_id }, 'drafting invoice');
          let cursor = null; let lines = 0;
          for (let page = 1; page <= body._sim.pages; page++) {
            const u = await rt.call('usage-service', 'GET', `/usage/${body.account_id}?period=${body.period}&page=${page}${cursor ? `&cursor=${cursor}` : ''}&last=${page === body._sim.pages ? 1 : 0}`);
            lines += u.records; cursor = u.next_cursor;
          }
          log.debug({ ...f, usage_lines: lines, pages: body._sim.pages }, 'usage aggregated');
          const tax = await rt.call('tax-service', 'POST', '/tax/quote', { accountId: body.account_id, invoiceNumber: no, subtotal_cents: lines * rng.int(30, 900) });
          log.info({ ...f, total_cents: tax.total_cents, tax_cents: tax.tax_cents }, 'invoice finalized');
          await rt.publish('invoices.render', { invoice: no, account: body.account_id, total_cents: tax.total_cents, _sim: body._sim });
          return { invoice_number: no };
        },
        'PATCH /v2/invoices/:no': async ({ params, body }) => {
          const lvl = body.status === 'paid' ? 'info' : 'warn';
          log[lvl]({ invoice_number: params.no, status: body.status, psp_charge: body.charge, reason: body.reason }, 'invoice status changed');
          rt.done();
          return { ok: true };
        },
      });
    },

    async 'usage-service'(rt) {
      const winston = rt.require('winston');
      const log = rt.wrap(winston.createLogger({ level: 'debug', defaultMeta: { component: 'usage' }, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Console()] }), 'winston');
      log.info({ warehouse: 'clickhouse://usage' }, 'usage service ready');
      await rt.serve({
        'GET /usage/:acct': async ({ params, query }) => {
          const rng = rt.rng(`usage-${query.page}`);
          log.debug({ acct: params.acct, period: query.period, page: Number(query.page), cursor: query.cursor }, 'usage page requested');
          await rt.sleep(rng.int(20, 180));
          const records = rng.int(50, 500);
          const next = query.last === '1' ? null : rng.b32(12);
          log.info({ acct: params.acct, page: Number(query.page), records, has_more: !!next }, 'usage page served');
          return { records, next_cursor: next };
        },
      });
    },

    async 'tax-service'(rt) {
      const bunyan = rt.require('bunyan');
      const log = rt.wrap(bunyan.createLogger({ name: 'tax', streams: [{ stream: process.stdout, level: 'debug' }] }), 'bunyan');
      log.info({ provider: 'avalara-mock' }, 'tax engine loaded');
      await rt.serve({
        'POST /tax/quote': async ({ body }) => {
          const rng = rt.rng('tax');
          const jurisdiction = rng.pick(REGIONS);
          await rt.sleep(rng.int(30, 220));
          const rate = jurisdiction.startsWith('US') ? 0.0725 : 0.19;
          const tax = Math.round(body.subtotal_cents * rate);
          log.info({ accountId: body.accountId, invoiceNumber: body.invoiceNumber, jurisdiction, rate, tax_cents: tax }, 'tax computed');
          return { tax_cents: tax, total_cents: body.subtotal_cents + tax };
        },
      });
    },

    async 'pdf-renderer'(rt) {
      const pino = rt.require('pino');
      const root = pino({ level: 'debug', name: 'pdf-renderer', timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
      rt.wrap(root, 'pino').info({ workers: 3, engine: 'chromium-headless' }, 'renderer pool started');
      // 3 workers in one process; messages wait for a free worker
      const free = [1, 2, 3];
      const waiters = [];
      const acquire = () => (free.length ? Promise.resolve(free.shift()) : new Promise((r) => waiters.push(r)));
      const release = (w) => { const n = waiters.shift(); if (n) n(w); else free.push(w); };
      rt.subscribe('invoices.render', async (m) => {
        const worker = await acquire();
        const docRef = m.invoice.toLowerCase();
        const log = rt.wrap(root.child({ worker }), 'pino');
        try {
          const rng = rt.rng('render');
          log.info({ doc_ref: docRef, template: 'invoice-v7' }, 'rendering');
          for (let attempt = 1; ; attempt++) {
            try {
              await rt.span('render.pdf', async () => {
                await rt.sleep(rng.int(80, 400));
                if (m._sim.renderFail && attempt === 1) throw Object.assign(new Error('Target closed'), { code: 'E_RENDER' });
              });
              break;
            } catch (e) {
              if (attempt >= 2) throw e;
              const wait = backoff(rng, 200, attempt);
              log.warn({ doc_ref: docRef, attempt, err: errObj(e), retry_in_ms: wait }, 'render failed, retrying');
              await rt.sleep(wait);
            }
          }
          log.info({ doc_ref: docRef, pages: rng.int(1, 6), key: `s3://invoices/${docRef}.pdf` }, 'pdf stored');
          const ch = await rt.call('psp', 'POST', '/v1/charges', { amount: m.total_cents, currency: 'usd', customer: m.account, metadata: { invoice: m.invoice } }, { headers: { 'idempotency-key': `charge-${docRef}` } });
          log.info({ doc_ref: docRef, charge: ch.id }, 'charge submitted');
        } finally { release(worker); }
      });
    },

    async psp(rt) {
      // an external payment provider: writes no logs, answers at once, then sends its webhook(s) later in a NEW
      // trace (no trace context crosses the provider), with the op label only (hidden, for the truth)
      const { api } = rt;
      let n = 0;
      await rt.serve({
        'POST /v1/charges': async ({ body }) => {
          const op = rt.op();
          const rng = rt.rng('psp');
          const chargeId = 'ch_' + rng.b32(24);
          const declined = rt.rngFor(op, 'decline').chance(0.07);
          const deliveries = rt.rngFor(op, 'dup').chance(0.12) ? 2 : 1;
          const evtId = 'evt_' + rng.b32(24);
          for (let d = 0; d < deliveries; d++) {
            setTimeout(() => api.context.with(api.ROOT_CONTEXT, () => rt.withOp(op, () => rt.call('billing-webhooks', 'POST', '/webhooks/psp', {
              id: evtId, type: declined ? 'charge.failed' : 'charge.succeeded', data: { object: { id: chargeId, amount: body.amount, metadata: body.metadata, failure_code: declined ? 'card_declined' : null } }, delivery: ++n,
            }).catch(() => {}))), rng.int(200, 900) + d * rng.int(300, 1500));
          }
          return { id: chargeId, object: 'charge', state: 'pending' };
        },
      });
    },

    async 'billing-webhooks'(rt) {
      const winston = rt.require('winston');
      const log = rt.wrap(winston.createLogger({ level: 'debug', defaultMeta: { app: 'billing-webhooks' }, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Console()] }), 'winston');
      const seen = new Set();
      log.info({ endpoint: '/webhooks/psp', signing: 'v1' }, 'webhook receiver up');
      await rt.serve({
        'POST /webhooks/psp': async ({ body }) => {
          const obj = body.data.object;
          log.info({ evt_id: body.id, evt_type: body.type, charge: obj.id, invoice: obj.metadata.invoice }, 'psp event received');
          if (seen.has(body.id)) {
            log.warn({ evt_id: body.id, charge: obj.id }, 'duplicate event skipped');
            return { ok: true };
          }
          seen.add(body.id);
          const paid = body.type === 'charge.succeeded';
          await rt.call('invoice-service', 'PATCH', `/v2/invoices/${obj.metadata.invoice}`, { status: paid ? 'paid' : 'payment_failed', charge: obj.id, reason: obj.failure_code ?? undefined });
          log.info({ evt_id: body.id, invoice: obj.metadata.invoice }, 'event processed');
          return { ok: true };
        },
      });
    },
  },

  readme: `
# billing-invoices (development system)

Imitates a **monthly billing run**: a cron-triggered **billing-scheduler** asks the **invoice-service** to draft
one account's invoice; the invoice service reads the account's usage from **usage-service** page by page
(1–4 sequential calls with a cursor), asks **tax-service** for a quote, and queues the invoice on
\`invoices.render\`; **pdf-renderer** (a pool of 3 workers in one process: messages wait for a free worker;
~6 % of first renders fail and are retried) stores the PDF and creates a charge at **psp**, an emulated
**external payment provider that writes no logs**. The provider answers at once and later sends its webhook
to **billing-webhooks** in a **new trace** (no trace context crosses the provider — in every variant, not only
\`broken\`), sometimes twice (same event id, the second skipped); billing-webhooks marks the invoice paid (or
\`payment_failed\`, ~7 %) on the invoice service, which ends the operation.

Topology:

    billing-scheduler -> invoice-service -> usage-service (×1–4, paginated)
                                         -> tax-service
    invoice-service --[invoices.render]--> pdf-renderer (3 workers) -> psp (external, no logs)
    psp ~~new trace~~> billing-webhooks -> invoice-service (PATCH /v2/invoices/:no)

- One operation = one \`POST /cron/invoice-run\` for one account (answered 202; ends with the PATCH). Each
  operation therefore has **two traces** even in \`ids\` (three with a duplicate delivery): the run's, and the
  webhook's (started by the provider). These are not propagation breaks: \`truth/broken/breaks.jsonl\` lists
  only usage-service's fresh traces.
- Hot account \`acct_0001\` (~20 % of runs; the same account can be billed by runs in flight together);
  \`run_id\` and \`invoice_number\` are sequential.

| service | logger | trace keys | business id names |
|---|---|---|---|
| billing-scheduler | bare \`console.log(JSON.stringify())\` in dd-trace's log-injection shape: \`timestamp\` ISO, \`status\`, \`logger.name\` | nested \`dd.trace_id\` (128-bit, 32 hex) and \`dd.span_id\` (**decimal** 64-bit), plus \`dd.service/env/version\` | \`run_id\`, \`account\`, \`invoice_number\` |
| invoice-service | pino 10 epoch ms, level as a label (\`"level":"info"\`), \`svc\` base | \`trace_id\`, \`span_id\`, \`trace_flags\` | \`invoice_number\` (\`INV-2026-004101\`), \`account_id\`, \`run_id\`, \`psp_charge\` |
| usage-service | winston 3 json + timestamp | same | \`acct\`, \`page\`, \`cursor\` |
| tax-service | bunyan 1.8 | same | \`accountId\`, \`invoiceNumber\` (camelCase) |
| pdf-renderer | pino 10 isoTime, child logger per worker | same | \`doc_ref\` (= invoice number lower-cased: \`inv-2026-004101\`), \`charge\` |
| psp | — (no logs; its spans are in truth) | — | — |
| billing-webhooks | winston 3 json + timestamp | same | \`evt_id\`, \`charge\` (\`ch_…\`), \`invoice\` |

Variants: \`ids\` as written; \`stripped\` all trace keys removed (the scheduler keeps \`dd.service/env/version\`);
\`broken\` = a real run where **usage-service** ignores incoming trace context; \`mixed\` = ids with the trace
keys removed from **billing-scheduler** and **tax-service** only.

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- billing-invoices --out ../../development\`.
`,
};
export default system;
