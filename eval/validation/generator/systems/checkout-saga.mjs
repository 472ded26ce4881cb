// System 3: checkout saga (like the OpenTelemetry Demo shop).
//   frontend -> checkout -> (payment || inventory || shipping) -> [queue orders.placed] -> email, fraud-check,
//   accounting (batch consumer: one flush span per N orders, fan-in)
import { STD_TRACE_FIELDS, readStd, errObj } from '../lib/common.mjs';

const SKUS = ['OLJCESPC7Z', '66VCHSJNUP', '1YMWWN1N4O', 'L9ECAV7KIM', '2ZYFJ3GM2N', '0PUK6V6EV0', 'LS4PSXUNUM', '9SIQT8TOJO', '6E92ZMYYFZ', 'HQTGWGPNH4'];
const USERS = ['u-1001', 'u-1002', 'u-1003', 'u-1004', 'u-1005', 'u-1006', 'u-1007', 'u-1008', 'u-1009', 'u-1010', 'u-1011', 'u-1012'];
const CLOCK_SKEW_MS = 400; // shipping runs on "shop-node-b" whose clock is 400 ms ahead

function pinoLog(rt, opts = {}) {
  const pino = rt.require('pino');
  return rt.wrap(pino({ level: 'debug', ...opts }, pino.destination({ dest: 1, sync: true })), 'pino');
}
function winstonLog(rt, meta) {
  const winston = rt.require('winston');
  return rt.wrap(winston.createLogger({ level: 'debug', defaultMeta: meta, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Console()] }), 'winston');
}
function bunyanLog(rt) {
  const bunyan = rt.require('bunyan');
  return rt.wrap(bunyan.createLogger({ name: rt.service, level: 'debug', streams: [{ stream: process.stdout }] }), 'bunyan');
}

const system = {
  name: 'checkout-saga',
  seed: 3303,
  ops: 300,
  inFlight: [10, 22],
  arrivalMaxMs: 45,
  entry: 'frontend',
  settleMs: 3500,
  brokenService: 'payment',
  mixedStrip: ['inventory', 'shipping', 'accounting'],
  clockSkewMs: { shipping: CLOCK_SKEW_MS },
  topics: { 'orders.placed': ['email', 'fraud-check', 'accounting'] },
  services: [
    { name: 'frontend', logger: 'pino epoch ms' },
    { name: 'checkout', logger: 'winston json + timestamp' },
    { name: 'payment', logger: 'bunyan 1.8' },
    { name: 'inventory', logger: 'pino isoTime' },
    { name: 'shipping', logger: 'pino epoch ms, clock +400 ms' },
    { name: 'email', logger: 'winston json + timestamp' },
    { name: 'fraud-check', logger: 'bunyan 1.8' },
    { name: 'accounting', logger: 'pino epoch ms, batch consumer' },
  ],
  traceFields() { return STD_TRACE_FIELDS; },
  readIds(svc, o) { return readStd(o); },
  writesIds() { return true; },

  schedule(rng, nOps) {
    const ops = [];
    const sessions = {};
    for (let n = 1; n <= nOps; n++) {
      const user = rng.hot(USERS, 0.25);
      if (!sessions[user] || rng.chance(0.3)) sessions[user] = rng.uuid();
      const items = Array.from({ length: rng.int(1, 4) }, () => ({ sku: rng.hot(SKUS, 0.3), qty: rng.int(1, 3) }));
      ops.push({ op: `op-${String(n).padStart(4, '0')}`, request: { method: 'POST', path: '/api/checkout', headers: { cookie: `shop_session-id=${sessions[user]}` }, body: { user_id: user, currency: rng.hot(['USD', 'EUR', 'CAD', 'JPY'], 0.6), items, zip: String(rng.int(10000, 99999)), email: `${user}@example.com` } } });
    }
    return ops;
  },

  run: {
    async frontend(rt) {
      const log = pinoLog(rt);
      log.info({ port: rt.ports.frontend }, 'frontend started');
      await rt.serve({
        'POST /api/checkout': async ({ body, headers }) => {
          const session = (headers.cookie || '').split('=')[1];
          const f = { session_id: session, user_id: body.user_id, currency: body.currency };
          log.info({ ...f, items: body.items.length }, 'checkout requested');
          try {
            const r = await rt.call('checkout', 'POST', '/checkout', body);
            log.info({ ...f, order_id: r.order_id }, 'order placed');
            return { status: 200, body: r };
          } catch (e) {
            log.error({ ...f, err: errObj(e) }, 'checkout failed');
            return { status: e.status || 500, body: { error: { message: e.message, code: e.code } } };
          }
        },
      });
    },

    async checkout(rt) {
      const log = winstonLog(rt, { service: 'checkout' });
      let nextOrder = 100233;
      log.info({}, 'checkout service ready');
      await rt.serve({
        'POST /checkout': async ({ body }) => {
          const rng = rt.rng('checkout');
          const orderId = ++nextOrder;
          const amount = body.items.reduce((a, it) => a + it.qty * rng.int(499, 12999), 0);
          const f = { order_id: orderId, user_id: body.user_id };
          log.info({ ...f, amount_cents: amount, currency: body.currency }, 'placing order');
          const [pay, inv, ship] = await Promise.allSettled([
            rt.call('payment', 'POST', '/charge', { order_id: orderId, amount_cents: amount, currency: body.currency, user_id: body.user_id, _sim: { decline: rng.chance(0.06) } }),
            rt.call('inventory', 'POST', '/reserve', { order_id: orderId, items: body.items }),
            rt.call('shipping', 'POST', '/quote', { order_id: orderId, zip: body.zip, items: body.items.length }),
          ]);
          if (pay.status === 'rejected' || inv.status === 'rejected' || ship.status === 'rejected') {
            const why = [pay, inv, ship].find((x) => x.status === 'rejected').reason;
            log.warn({ ...f, error: why.message, code: why.code }, 'order failed, compensating');
            if (inv.status === 'fulfilled') await rt.call('inventory', 'POST', '/release', { order_id: orderId, items: body.items }).catch(() => {});
            const e = new Error(`order ${orderId} failed: ${why.message}`); e.status = 402; e.code = why.code;
            throw e;
          }
          await rt.publish('orders.placed', { order_id: orderId, user_id: body.user_id, email: body.email, amount_cents: amount, currency: body.currency, payment_id: pay.value.payment_id, tracking_id: ship.value.tracking_id });
          log.info({ ...f, payment_id: pay.value.payment_id, tracking_id: ship.value.tracking_id }, 'order confirmed');
          return { order_id: orderId, payment_id: pay.value.payment_id, tracking_id: ship.value.tracking_id };
        },
      });
    },

    async payment(rt) {
      const log = bunyanLog(rt);
      log.info({ processor: 'stripe-mock' }, 'payment service started');
      await rt.serve({
        'POST /charge': async ({ body }) => {
          const rng = rt.rng('payment');
          const paymentId = rng.ulid();
          const f = { order_id: body.order_id, payment_id: paymentId, amount_cents: body.amount_cents, currency: body.currency };
          log.info({ ...f, card_brand: rng.pick(['visa', 'mastercard', 'amex']) }, 'charging card');
          await rt.sleep(rng.int(150, 700));
          if (body._sim.decline) {
            log.warn({ ...f, decline_code: 'insufficient_funds' }, 'card declined');
            return { status: 402, body: { error: { message: 'card declined', code: 'card_declined' } } };
          }
          log.info(f, 'charge succeeded');
          return { payment_id: paymentId };
        },
      });
    },

    async inventory(rt) {
      const pino = rt.require('pino');
      const log = pinoLog(rt, { timestamp: pino.stdTimeFunctions.isoTime });
      log.info({ skus: SKUS.length }, 'inventory loaded');
      await rt.serve({
        'POST /reserve': async ({ body }) => {
          const rng = rt.rng('inventory');
          for (const it of body.items) {
            await rt.sleep(rng.int(5, 40));
            log.debug({ order_id: body.order_id, sku: it.sku, qty: it.qty }, 'reserved');
          }
          return { ok: true };
        },
        'POST /release': async ({ body }) => {
          log.info({ order_id: body.order_id, skus: body.items.map((i) => i.sku).join(',') }, 'reservation released');
          return { ok: true };
        },
      });
    },

    async shipping(rt) {
      // second host: its clock runs 400 ms ahead, so its logger's time function is shifted
      const log = pinoLog(rt, { base: { pid: process.pid, hostname: 'shop-node-b' }, timestamp: () => `,"time":${Date.now() + CLOCK_SKEW_MS}` });
      log.info({}, 'shipping service started');
      await rt.serve({
        'POST /quote': async ({ body }) => {
          const rng = rt.rng('shipping');
          await rt.sleep(rng.int(30, 250));
          const q = { order_id: body.order_id, zip: body.zip, carrier: rng.hot(['UPS', 'FedEx', 'USPS', 'DHL'], 0.5), cost_cents: rng.int(499, 2999), tracking_id: `1Z${rng.b32(16).toUpperCase()}` };
          log.info(q, 'quote computed');
          return q;
        },
      });
    },

    async email(rt) {
      const log = winstonLog(rt, { service: 'email' });
      log.info({ provider: 'sendgrid-mock' }, 'email consumer started');
      rt.subscribe('orders.placed', async (m) => {
        const rng = rt.rng('email');
        log.info({ order_id: m.order_id, to: m.email, template: 'order_confirmation' }, 'sending confirmation');
        await rt.sleep(rng.int(100, 600));
        log.info({ order_id: m.order_id, message_id: `<${rng.hex(20)}@mail.shop>` }, 'confirmation sent');
      });
    },

    async 'fraud-check'(rt) {
      const log = bunyanLog(rt);
      log.info({}, 'fraud consumer started');
      rt.subscribe('orders.placed', async (m) => {
        const rng = rt.rng('fraud');
        await rt.sleep(rng.int(20, 200));
        const score = +(rng.next() ** 3).toFixed(3);
        if (score > 0.6) log.warn({ order_id: m.order_id, user_id: m.user_id, payment_id: m.payment_id, score }, 'order flagged for review');
        else log.info({ order_id: m.order_id, user_id: m.user_id, score }, 'order scored');
      });
    },

    async accounting(rt) {
      const log = pinoLog(rt, { name: 'ledger' });
      const { api } = rt;
      let buf = [];
      let timer = null;
      let batchNo = 0;
      const flush = async () => {
        clearTimeout(timer); timer = null;
        const batch = buf; buf = [];
        if (!batch.length) return;
        const batchId = `batch-${String(++batchNo).padStart(5, '0')}`;
        const links = batch.map((b) => ({ context: api.trace.getSpanContext(b.ctx) })).filter((l) => l.context);
        await api.context.with(api.ROOT_CONTEXT, () => rt.span('accounting.flush_batch', async () => {
          log.info({ batch_id: batchId, size: batch.length }, 'flushing ledger batch', { op: null });
          for (const b of batch) {
            await rt.withOp(b.op, () => rt.span('accounting.record_order', async () => {
              await rt.sleep(5);
              log.info({ batch_id: batchId, order_id: b.m.order_id, payment_id: b.m.payment_id, amount_cents: b.m.amount_cents, currency: b.m.currency }, 'ledger entry written');
            }));
          }
          log.info({ batch_id: batchId, size: batch.length }, 'batch committed', { op: null });
        }, { kind: api.SpanKind.CONSUMER, links }));
      };
      log.info({ batch_size: 6, max_wait_ms: 1500 }, 'accounting consumer started');
      rt.subscribe('orders.placed', (m, msg) => {
        const ctx = api.context.active();
        buf.push({ m, ctx, op: rt.op() });
        if (buf.length >= 6) flush();
        else if (!timer) timer = setTimeout(flush, 1500);
      }, { raw: true });
      rt.onShutdown(flush);
    },
  },

  readme: `
# checkout-saga

Imitates an online shop's checkout saga, like the OpenTelemetry Demo: a **frontend** calls **checkout**,
which calls **payment**, **inventory** and **shipping** in parallel, compensates (releases the inventory
reservation) when a step fails, then publishes \`orders.placed\` to a queue read by three consumers:
**email**, **fraud-check** and **accounting** — the last a **batch consumer** that writes ledger entries in
batches of 6 orders (or after 1.5 s), one \`accounting.flush_batch\` span per batch (root span, with span
links to the orders' publish spans) and one \`accounting.record_order\` child span per order.

Topology:

    frontend -> checkout -> { payment, inventory, shipping } (parallel HTTP)
    checkout --[orders.placed]--> email, fraud-check, accounting (batched, fan-in)

- One operation = one \`POST /api/checkout\`. ~6 % of payments are declined (checkout then calls
  \`inventory /release\` and the frontend logs an error).
- **shipping** plays a second host (\`hostname: shop-node-b\`) whose clock is **400 ms ahead**: its pino
  \`timestamp\` function writes \`Date.now() + 400\`. Span times in truth are the real (unshifted) SDK times.
- Batch lines: "flushing ledger batch" and "batch committed" belong to no single operation (\`op: null\`, in the
  batch span); each "ledger entry written" line has its order's op (in that order's child span, whose trace is
  the batch's trace, not the order's).

| service | logger | trace keys |
|---|---|---|
| frontend | pino 10 epoch ms | \`trace_id\`, \`span_id\`, \`trace_flags\` |
| checkout | winston 3 json + timestamp (\`service\` default meta) | same |
| payment | bunyan 1.8 | same |
| inventory | pino 10 \`isoTime\` | same |
| shipping | pino 10 epoch ms **+400 ms**, \`hostname: shop-node-b\` | same |
| email | winston 3 json + timestamp | same |
| fraud-check | bunyan 1.8 | same |
| accounting | pino 10 epoch ms, \`name: ledger\` | same |

Id dialects: \`order_id\` numeric (100234, 100235, … assigned by checkout), \`payment_id\` ULID, \`tracking_id\`
\`1Z\`+16 chars, \`session_id\` UUID (from the cookie; reused by a user's later checkouts), \`user_id\` from a
pool of 12 with one hot user, \`sku\` from a pool of 10 (hot ones), \`batch_id\`, email \`message_id\`.

Variants: \`ids\` as written; \`stripped\` all trace keys removed; \`broken\` = a real run where **payment**
ignores incoming trace context (starts its own trace per charge); \`mixed\` = ids with the trace keys removed
from **inventory**, **shipping** and **accounting** only.

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- checkout-saga\`.
`,
};
export default system;
