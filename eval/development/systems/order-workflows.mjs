// Development system 5: Temporal-style workflow engine running order workflows.
//   client (driver) -> frontend -> history (workflow executions: timers, child workflows, signals, retries)
//   history -> matching (AddActivityTask) -[task queue tq.orders | tq.payments, context in message headers]-> worker-orders | worker-payments
//   workers -> history (RecordActivityTaskHeartbeat, RespondActivityTaskCompleted/Failed)
// The workflow code runs inside history (no separate workflow tasks); activities run on the workers.
import { STD_TRACE_FIELDS, readStd, backoff, errObj } from '../../validation/generator/lib/common.mjs';

const TENANTS = ['northwind', 'contoso', 'fabrikam', 'tailspin', 'wingtip', 'adventure-works', 'litware', 'proseware', 'lucerne', 'margie', 'alpine-ski', 'coho'];
const CITIES = ['Lisbon', 'Porto', 'Braga', 'Coimbra', 'Faro'];
const HB_TIMEOUT_MS = 2000;
const HB_EVERY_MS = 800;

const system = {
  name: 'order-workflows',
  seed: 9505,
  ops: 120,
  inFlight: [10, 18],
  arrivalMaxMs: 160,
  entry: 'frontend',
  portBase: 19500, // ports 19500-19504 (ids), 19550-19554 (broken)
  asyncDone: true,
  settleMs: 6000,
  brokenService: 'worker-payments',
  mixedStrip: ['matching', 'worker-orders'],
  topics: { 'tq.orders': ['worker-orders'], 'tq.payments': ['worker-payments'] },
  services: [
    { name: 'frontend', logger: 'bunyan 1.8' },
    { name: 'history', logger: 'pino epoch ms, child logger per workflow run (wf-* tags)' },
    { name: 'matching', logger: 'winston json + timestamp' },
    { name: 'worker-orders', logger: 'pino isoTime, child logger per activity task (camelCase ids)' },
    { name: 'worker-payments', logger: 'winston json + timestamp, activity ids as defaultMeta of a child' },
  ],
  traceFields() { return STD_TRACE_FIELDS; },
  readIds(svc, o) { return readStd(o); },
  writesIds() { return true; },

  schedule(rng, nOps) {
    const ops = [];
    let n = 0;
    const next = () => `op-${String(++n).padStart(4, '0')}`;
    while (n < nOps) {
      const op = next();
      const k = rng.next();
      const requestId = rng.uuid();
      if (k < 0.6) {
        const orderNo = rng.int(1000, 9999);
        const wid = `order-${orderNo}-fulfilment`;
        ops.push({ op, request: { method: 'POST', path: `/api/v1/namespaces/default/workflows/${wid}`, body: { workflowType: 'OrderFulfilmentWorkflow', taskQueue: 'orders', requestId, input: { orderNo, items: rng.int(1, 6), amountCents: rng.int(1500, 95000) } } } });
        if (n < nOps && rng.chance(0.33)) {
          // the customer changes the delivery address later: while the workflow runs, or after it completed
          ops.push({ op: next(), afterStart: op, gapMs: rng.int(1500, 14000), request: { method: 'POST', path: `/api/v1/namespaces/default/workflows/${wid}/signal/address-updated`, body: { requestId: rng.uuid(), input: { orderNo, city: rng.pick(CITIES), zip: `${rng.int(1000, 9999)}-${rng.int(100, 999)}` } } } });
        }
      } else if (k < 0.8) {
        const orderNo = rng.int(1000, 9999);
        const wid = `refund-${orderNo}-r${rng.int(1, 2)}`;
        ops.push({ op, request: { method: 'POST', path: `/api/v1/namespaces/default/workflows/${wid}`, body: { workflowType: 'RefundWorkflow', taskQueue: 'payments', requestId, input: { orderNo, amountCents: rng.int(500, 30000) } } } });
      } else {
        // human-chosen ids that collide: the same tenant's renewal is started again (hot tenant)
        const tenant = rng.hot(TENANTS, 0.3);
        const wid = `sub-${tenant}-2026-12-renewal`;
        ops.push({ op, request: { method: 'POST', path: `/api/v1/namespaces/billing/workflows/${wid}`, body: { workflowType: 'SubscriptionRenewalWorkflow', taskQueue: 'payments', requestId, input: { tenant, plan: rng.pick(['team', 'business', 'enterprise']), amountCents: rng.int(4900, 99000) } } } });
      }
    }
    return ops.slice(0, nOps);
  },

  run: {
    async frontend(rt) {
      const bunyan = rt.require('bunyan');
      const log = rt.wrap(bunyan.createLogger({ name: 'temporal-frontend', streams: [{ stream: process.stdout, level: 'debug' }] }), 'bunyan');
      log.info({ grpcPort: 7233, httpPort: rt.ports.frontend }, 'frontend service started');
      await rt.serve({
        'POST /api/v1/namespaces/:ns/workflows/:wid': async ({ params, body }) => {
          const f = { namespace: params.ns, workflowId: params.wid, workflowType: body.workflowType };
          log.info({ ...f, taskQueue: body.taskQueue, requestId: body.requestId }, 'StartWorkflowExecution');
          try {
            const r = await rt.call('history', 'POST', '/executions', { namespace: params.ns, workflow_id: params.wid, workflow_type: body.workflowType, task_queue: body.taskQueue, request_id: body.requestId, input: body.input });
            log.debug({ ...f, runId: r.run_id }, 'workflow start accepted');
            return { status: 201, body: { runId: r.run_id } };
          } catch (e) {
            if (e.status === 409) { log.warn({ ...f, runId: e.body?.run_id, error: e.message }, 'workflow execution already started'); return { status: 409, body: e.body }; }
            log.error({ ...f, err: errObj(e) }, 'StartWorkflowExecution failed');
            return { status: 500, body: { error: { message: e.message, code: e.code } } };
          }
        },
        'POST /api/v1/namespaces/:ns/workflows/:wid/signal/:signal': async ({ params, body }) => {
          const f = { namespace: params.ns, workflowId: params.wid, signalName: params.signal };
          log.info({ ...f, requestId: body.requestId }, 'SignalWithStartWorkflowExecution');
          const r = await rt.call('history', 'POST', '/executions/signal', { namespace: params.ns, workflow_id: params.wid, signal: params.signal, request_id: body.requestId, input: body.input });
          log.debug({ ...f, runId: r.run_id, started: r.started }, 'signal accepted');
          return { runId: r.run_id };
        },
      });
    },

    async history(rt) {
      const api = rt.api;
      const pino = rt.require('pino');
      const root = pino({ level: 'debug', base: { service: 'history', shard: 3 } }, pino.destination({ dest: 1, sync: true }));
      const boot = rt.wrap(root, 'pino');
      const running = new Map(); // workflow id -> current running execution
      const tasks = new Map(); // task token -> pending activity attempt
      boot.info({ shards: 4, owned: [3] }, 'history shard acquired');

      // ---- activity attempts ----
      function waitResult(token, entry, heartbeatTimeout) {
        return new Promise((resolve) => {
          entry.resolve = (r) => { clearInterval(entry.watch); tasks.delete(token); resolve(r); };
          entry.watch = setInterval(() => {
            const now = Date.now();
            if (heartbeatTimeout && now - entry.lastBeat > heartbeatTimeout) entry.resolve({ ok: false, timeout: 'HEARTBEAT', error: `activity heartbeat timeout (${heartbeatTimeout} ms)` });
            else if (now - entry.started > 12000) entry.resolve({ ok: false, timeout: 'START_TO_CLOSE', error: 'activity start-to-close timeout' });
          }, 100);
        });
      }
      async function activity(run, type, taskQueue, plan, input = {}) {
        const aid = String(run.nextActivity++);
        const a = { 'wf-activity-id': aid, 'wf-activity-type': type };
        for (let attempt = 1; ; attempt++) {
          const p = plan(attempt);
          const token = Buffer.from(`${run.runId}|${aid}|${attempt}|${run.rng.hex(8)}`).toString('base64');
          const ev = (run.nextEvent += 2);
          const r = await rt.span(`StartActivity:${type}`, async (sp) => {
            const entry = { run, aid, attempt, lastBeat: Date.now(), started: Date.now() };
            tasks.set(token, entry);
            const res = waitResult(token, entry, p.heartbeat ? HB_TIMEOUT_MS : 0);
            run.log.info({ ...a, attempt, 'wf-task-queue-name': taskQueue, 'wf-event-id': ev }, 'activity task scheduled');
            await rt.call('matching', 'POST', `/task-queues/${taskQueue}/activity-tasks`, { namespace: run.ns, workflow_id: run.wid, run_id: run.runId, activity_id: aid, activity_type: type, attempt, task_token: token, heartbeat_timeout_ms: p.heartbeat ? HB_TIMEOUT_MS : null, input, _sim: p });
            const out = await res;
            if (!out.ok) sp.setStatus({ code: api.SpanStatusCode.ERROR, message: out.error });
            return out;
          }, { attributes: { 'temporalActivityId': aid, attempt } });
          if (r.ok) { run.log.info({ ...a, attempt, 'wf-event-id': ev + 1, result: r.result }, 'activity task completed'); return r.result; }
          if (r.nonRetryable || attempt >= 4) {
            run.log.error({ ...a, attempt, 'wf-event-id': ev + 1, failure: r.error, 'non-retryable': !!r.nonRetryable }, 'activity failed, retry policy exhausted');
            throw Object.assign(new Error(r.error), { type: r.errorType || 'ActivityFailure' });
          }
          const wait = backoff(run.rng, 500, attempt); // initialInterval 500 ms, backoffCoefficient 2
          run.log.warn({ ...a, attempt, 'wf-event-id': ev + 1, failure: r.error, 'timeout-type': r.timeout, 'next-attempt-in-ms': wait }, 'activity attempt failed, retrying');
          await rt.sleep(wait);
        }
      }
      async function timer(run, ms) {
        const id = String(run.nextEvent += 1);
        run.log.debug({ 'wf-timer-id': id, 'wf-timer-duration-ms': ms }, 'timer started');
        await rt.sleep(ms);
        run.log.debug({ 'wf-timer-id': id }, 'timer fired');
      }
      // a failing plan: attempt -> simulation for the worker
      const plans = (rng, opts = {}) => {
        const fails = rng.chance(opts.pFail ?? 0.05) ? rng.int(1, opts.maxFails ?? 1) : 0;
        const stall = !!opts.heartbeat && rng.chance(0.12);
        const decline = !!opts.decline && rng.chance(opts.decline);
        const ms = rng.int(opts.ms?.[0] ?? 80, opts.ms?.[1] ?? 400);
        return (attempt) => ({ ms, heartbeat: !!opts.heartbeat, stall: stall && attempt === 1, fail: !stall && attempt <= fails, decline: decline && attempt === 1 });
      };

      // ---- workflow code ----
      const workflows = {
        async OrderFulfilmentWorkflow(run, input) {
          const r = run.rng;
          if (input.amend) {
            // a run started by a signal after the previous run completed (same workflow id, new run id)
            await activity(run, 'update-shipping-address', 'orders', plans(r), { orderNo: input.orderNo, city: input.city });
            await activity(run, 'send-confirmation', 'orders', plans(r), { template: 'address-changed' });
            return { amended: true };
          }
          await activity(run, 'reserve-inventory', 'orders', plans(r, { pFail: 0.06 }), { orderNo: input.orderNo, items: input.items });
          await timer(run, r.int(1000, 3000)); // fraud-review window
          try {
            await activity(run, 'charge-payment', 'payments', plans(r, { pFail: 0.14, maxFails: 2, decline: 0.05, ms: [150, 600] }), { orderNo: input.orderNo, amountCents: input.amountCents });
          } catch (e) {
            await activity(run, 'release-inventory', 'orders', plans(r), { orderNo: input.orderNo });
            throw e;
          }
          await activity(run, 'pick-and-pack', 'orders', plans(r, { heartbeat: true, ms: [1400, 3200], pFail: 0 }), { orderNo: input.orderNo, items: input.items });
          if (run.signals.length) {
            const s = run.signals.shift();
            run.log.info({ 'wf-signal-name': s.name }, 'applying signal');
            await activity(run, 'update-shipping-address', 'orders', plans(rt.rng(`signal-${run.wid}`)), { orderNo: input.orderNo, city: s.input.city });
          }
          if (r.chance(0.6)) {
            await child(run, 'ShippingWorkflow', `${run.wid}/shipping`, { orderNo: input.orderNo });
          } else {
            await timer(run, r.int(1000, 2500));
            await activity(run, 'create-shipping-label', 'orders', plans(r), { orderNo: input.orderNo, carrier: 'ctt' });
          }
          await activity(run, 'send-confirmation', 'orders', plans(r), { template: 'order-shipped' });
          return { shipped: true };
        },
        async ShippingWorkflow(run, input) {
          const r = run.rng;
          await activity(run, 'create-shipping-label', 'orders', plans(r, { pFail: 0.08 }), { orderNo: input.orderNo, carrier: r.pick(['ctt', 'dhl', 'ups']) });
          await timer(run, r.int(1000, 2000));
          await activity(run, 'schedule-pickup', 'orders', plans(r), { orderNo: input.orderNo });
          return { labelled: true };
        },
        async RefundWorkflow(run, input) {
          const r = run.rng;
          await activity(run, 'fraud-check', 'payments', plans(r), { orderNo: input.orderNo });
          await timer(run, r.int(1000, 3000));
          await activity(run, 'refund-payment', 'payments', plans(r, { pFail: 0.15, maxFails: 3, ms: [150, 500] }), { orderNo: input.orderNo, amountCents: input.amountCents });
          await activity(run, 'send-confirmation', 'orders', plans(r), { template: 'refund-issued' });
          return { refunded: true };
        },
        async SubscriptionRenewalWorkflow(run, input) {
          const r = run.rng;
          await activity(run, 'charge-payment', 'payments', plans(r, { pFail: 0.14, maxFails: 2, ms: [150, 600] }), { tenant: input.tenant, amountCents: input.amountCents });
          await timer(run, r.int(1000, 2500));
          await activity(run, 'send-confirmation', 'orders', plans(r), { template: 'renewal-receipt' });
          return { renewed: true };
        },
      };

      function newRun({ ns, wid, type, taskQueue, salt, parent }) {
        const rng = rt.rng(`run-${wid}-${salt}`);
        const runId = rng.uuid();
        const run = { ns, wid, runId, type, taskQueue, rng, parent, nextEvent: 1, nextActivity: 1, signals: [], started: Date.now() };
        run.log = rt.wrap(root.child({ 'wf-namespace': ns, 'wf-id': wid, 'wf-run-id': runId }), 'pino');
        return run;
      }
      async function execute(run, input) {
        return rt.span(`RunWorkflow:${run.type}`, async () => {
          run.log.info({ 'wf-type': run.type, 'wf-task-queue-name': run.taskQueue, 'wf-parent-run-id': run.parent?.runId }, 'workflow execution started');
          try {
            const out = await workflows[run.type](run, input);
            run.log.info({ 'wf-status': 'completed', 'wf-duration-ms': Date.now() - run.started }, 'workflow execution completed');
            return out;
          } catch (e) {
            run.log.error({ 'wf-status': 'failed', 'wf-duration-ms': Date.now() - run.started, failure: e.message, 'failure-type': e.type }, 'workflow execution failed');
            throw e;
          } finally {
            if (running.get(run.wid) === run) running.delete(run.wid);
          }
        });
      }
      async function child(run, type, wid, input) {
        return rt.span(`StartChildWorkflow:${type}`, async () => {
          const c = newRun({ ns: run.ns, wid, type, taskQueue: run.taskQueue, salt: type, parent: run });
          run.log.info({ 'wf-child-id': wid, 'wf-child-run-id': c.runId, 'wf-event-id': (run.nextEvent += 2) }, 'child workflow initiated');
          running.set(wid, c);
          await execute(c, input);
          run.log.info({ 'wf-child-id': wid, 'wf-event-id': (run.nextEvent += 1) }, 'child workflow completed');
        });
      }
      function start(run, input) {
        running.set(run.wid, run);
        // the execution outlives the request: the op ends when the workflow closes
        execute(run, input).catch(() => {}).finally(() => rt.done());
      }

      await rt.serve({
        'POST /executions': async ({ body }) => {
          const cur = running.get(body.workflow_id);
          if (cur) {
            boot.warn({ 'wf-namespace': body.namespace, 'wf-id': body.workflow_id, 'wf-run-id': cur.runId, 'request-id': body.request_id }, 'workflow execution already running');
            rt.done();
            return { status: 409, body: { error: { message: 'Workflow execution already started', code: 'WorkflowExecutionAlreadyStarted' }, run_id: cur.runId } };
          }
          const run = newRun({ ns: body.namespace, wid: body.workflow_id, type: body.workflow_type, taskQueue: body.task_queue, salt: body.request_id });
          start(run, body.input);
          return { run_id: run.runId };
        },
        'POST /executions/signal': async ({ body }) => {
          const cur = running.get(body.workflow_id);
          if (cur && !cur.parent) {
            cur.log.info({ 'wf-signal-name': body.signal, 'wf-event-id': (cur.nextEvent += 1), 'request-id': body.request_id }, 'signal recorded');
            cur.signals.push({ name: body.signal, input: body.input });
            rt.done();
            return { run_id: cur.runId, started: false };
          }
          const run = newRun({ ns: body.namespace, wid: body.workflow_id, type: 'OrderFulfilmentWorkflow', taskQueue: 'orders', salt: body.request_id });
          run.log.info({ 'wf-signal-name': body.signal, 'request-id': body.request_id }, 'signal-with-start: no running execution, starting a new run');
          start(run, { ...body.input, amend: true });
          return { run_id: run.runId, started: true };
        },
        'POST /activity-tasks/heartbeat': async ({ body }) => {
          const e = tasks.get(body.task_token);
          if (!e) { boot.warn({ 'task-token': body.task_token }, 'heartbeat for unknown activity task'); return { status: 404, body: { error: { message: 'activity task not found', code: 'NotFound' } } }; }
          e.lastBeat = Date.now();
          e.run.log.debug({ 'wf-activity-id': e.aid, attempt: e.attempt, details: body.details }, 'activity heartbeat recorded');
          return { cancelRequested: false };
        },
        'POST /activity-tasks/respond': async ({ body }) => {
          const e = tasks.get(body.task_token);
          if (!e) {
            boot.warn({ 'task-token': body.task_token, outcome: body.outcome }, 'activity task not found (timed out or already completed)');
            return { status: 404, body: { error: { message: 'activity task not found', code: 'NotFound' } } };
          }
          if (body.outcome === 'completed') e.resolve({ ok: true, result: body.result });
          else e.resolve({ ok: false, error: body.failure.message, errorType: body.failure.type, nonRetryable: body.failure.non_retryable });
          return { ok: true };
        },
      });
    },

    async matching(rt) {
      const winston = rt.require('winston');
      const log = rt.wrap(winston.createLogger({ level: 'debug', defaultMeta: { service: 'matching' }, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Console()] }), 'winston');
      const backlog = { orders: 0, payments: 0 };
      log.info({ 'task-queues': Object.keys(backlog), partitions: 4 }, 'matching service started');
      await rt.serve({
        'POST /task-queues/:tq/activity-tasks': async ({ params, body }) => {
          backlog[params.tq] = (backlog[params.tq] || 0) + 1;
          log.info({ 'task-queue': params.tq, 'wf-id': body.workflow_id, 'wf-run-id': body.run_id, 'activity-id': body.activity_id, attempt: body.attempt, backlog: backlog[params.tq] }, 'activity task added');
          await rt.publish(`tq.${params.tq}`, body);
          backlog[params.tq]--;
          return { status: 201, body: {} };
        },
      });
    },

    async 'worker-orders'(rt) {
      const pino = rt.require('pino');
      const root = pino({ level: 'debug', name: 'temporal-worker', timestamp: pino.stdTimeFunctions.isoTime, base: { taskQueue: 'orders' } }, pino.destination({ dest: 1, sync: true }));
      rt.wrap(root, 'pino').info({ maxConcurrentActivityTaskExecutions: 20, identity: `${process.pid}@worker-orders-1` }, 'worker started');
      rt.subscribe('tq.orders', (task) => runActivity(rt, task, rt.wrap(root.child({ namespace: task.namespace, workflowId: task.workflow_id, runId: task.run_id, activityId: task.activity_id, activityType: task.activity_type, attempt: task.attempt }), 'pino')));
    },

    async 'worker-payments'(rt) {
      const winston = rt.require('winston');
      const root = winston.createLogger({ level: 'debug', defaultMeta: { service: 'payments-worker', taskQueue: 'payments' }, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Console()] });
      rt.wrap(root, 'winston').info({ provider: 'adyen', identity: `${process.pid}@worker-payments-1` }, 'worker started');
      rt.subscribe('tq.payments', (task) => runActivity(rt, task, rt.wrap(root.child({ workflow_id: task.workflow_id, run_id: task.run_id, activity_id: task.activity_id, activity_type: task.activity_type, attempt: task.attempt }), 'winston')));
    },
  },

  readme: `
# order-workflows (development system)

Imitates a **Temporal-style workflow engine** running an e-commerce company's workflows: a client starts
workflows through the **frontend**; **history** owns the executions (here it also runs the workflow code:
activities, timers, child workflows, signals, retry policies) and asks **matching** to add each activity
task to a **task queue**; matching hands tasks to the **workers** through a broker (trace context injected by
hand into the task's message headers); the workers heartbeat long activities and report results back to
history over HTTP.

Topology (HTTP on 127.0.0.1 + the launcher's IPC "broker" for the task queues):

    client -> frontend -> history ~~(workflow execution: timers, child workflows)~~
    history -> matching -[tq.orders]->   worker-orders   -> history (heartbeat, respond)
                        -[tq.payments]-> worker-payments -> history (respond)

- One operation = one \`StartWorkflowExecution\` or one \`SignalWithStartWorkflowExecution\` request. The frontend
  answers at once; the operation goes on until the workflow execution closes (async operations of 2–11 s; a signal that is
  only recorded, or a rejected start, is a short operation).
- Workflows: \`OrderFulfilmentWorkflow\` (reserve-inventory, 1–3 s timer, charge-payment, pick-and-pack with
  heartbeats, then a **child workflow** \`ShippingWorkflow\` (id \`<parent>/shipping\`, new run id; label, 1–2 s
  timer, pickup) or a label directly, send-confirmation), \`RefundWorkflow\`, \`SubscriptionRenewalWorkflow\`.
  **Timers** make the workflow sleep 1–3 s between activities: long idle gaps inside one operation.
- **Retry policies**: failed attempts are retried with backoff (500 ms × 2ⁿ) as the same \`activity_id\` with an
  increasing \`attempt\`, up to 4; a non-retryable \`card_declined\` fails the workflow after a compensating
  release-inventory. Activity ids are small sequential strings (\`"1"\`, \`"2"\`, …) restarting in every run,
  history event ids are small integers, too.
- **Heartbeats and timeouts**: pick-and-pack heartbeats every 800 ms (heartbeat timeout 2 s). ~12 % of its
  first attempts stall (stop heartbeating): history times the attempt out and schedules attempt 2; the stalled
  worker finishes later and its completion is rejected (history: "activity task not found").
- **Signals** arrive later (1.5–14 s after the start) for ~⅓ of orders: if the workflow still runs, the signal
  operation only records it (the workflow later applies it in **its own** operation: update-shipping-address);
  if it has completed, SignalWithStart starts a **new run of the same \`workflow_id\`** (new \`run_id\`).
- **Human-chosen workflow ids**: \`order-7731-fulfilment\`, \`refund-7731-r1\`, \`sub-northwind-2026-12-renewal\`;
  the renewal ids collide (hot tenant): a start while a run is open is rejected (409, a short operation), a
  later start opens a new run with the same id. Run ids are UUIDs; task tokens are opaque base64.

| service | logger | trace keys | business id names |
|---|---|---|---|
| frontend | bunyan 1.8, \`name: temporal-frontend\` | \`trace_id\`, \`span_id\`, \`trace_flags\` (instrumentation-bunyan) | camelCase \`workflowId\`, \`runId\`, \`namespace\`, \`requestId\`, \`signalName\` |
| history | pino 10 epoch ms, **child logger per run** bound with Temporal-server-style tags | same (instrumentation-pino) | \`wf-namespace\`, \`wf-id\`, \`wf-run-id\`, \`wf-activity-id\`, \`wf-event-id\`, \`wf-timer-id\`, \`wf-child-id\`, \`task-token\` |
| matching | winston 3 json + \`timestamp()\` | same (instrumentation-winston) | \`task-queue\`, \`wf-id\`, \`wf-run-id\`, \`activity-id\`, \`attempt\`, \`backlog\` |
| worker-orders | pino 10 isoTime, **child logger per activity task** bound with TS-SDK-style ids | same | \`workflowId\`, \`runId\`, \`activityId\`, \`activityType\`, \`attempt\`, \`taskQueue\` |
| worker-payments | winston 3 json, child logger per task (snake_case ids) | same | \`workflow_id\`, \`run_id\`, \`activity_id\`, \`activity_type\`, \`attempt\`, \`psp_reference\` |

Variants: \`ids\` as written; \`stripped\` all trace keys removed; \`broken\` = a real run where
**worker-payments** does not extract the context from task messages (each activity attempt starts a fresh
trace, which continues into its heartbeat/respond calls to history); \`mixed\` = ids with the trace keys removed
from **matching** and **worker-orders** only.

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- order-workflows --out ../../development\`.
`,
};

// an activity task on a worker: run it (heartbeating if asked), then report to history
async function runActivity(rt, task, log) {
  const p = task._sim;
  const rng = rt.rng(`act-${task.workflow_id}-${task.activity_id}-${task.attempt}`);
  const t = Date.now();
  log.info({ input: task.input }, 'activity started');
  if (p.heartbeat) {
    let done = 0;
    while (done < p.ms) {
      const step = Math.min(HB_EVERY_MS, p.ms - done);
      await rt.sleep(step);
      done += step;
      if (p.stall && done >= HB_EVERY_MS) {
        log.warn({ progress: +(done / p.ms).toFixed(2), blocked_on: 'warehouse scanner' }, 'activity blocked');
        await rt.sleep(rng.int(3500, 5000));
        break;
      }
      if (done < p.ms) await rt.call('history', 'POST', '/activity-tasks/heartbeat', { task_token: task.task_token, details: { progress: +(done / p.ms).toFixed(2) } }).catch(() => {});
    }
  } else await rt.sleep(p.ms);
  let outcome;
  if (p.decline) outcome = { outcome: 'failed', failure: { message: 'card_declined: insufficient funds', type: 'PaymentDeclined', non_retryable: true } };
  else if (p.fail) outcome = { outcome: 'failed', failure: { message: rng.pick(['psp timeout after 5000 ms', 'ECONNRESET from warehouse api', 'upstream 503']), type: 'ApplicationFailure', non_retryable: false } };
  else outcome = { outcome: 'completed', result: { ok: true, ...(task.activity_type.includes('payment') ? { psp_reference: rng.b32(16).toUpperCase() } : {}) } };
  if (outcome.outcome === 'failed') log.warn({ failure: outcome.failure, duration_ms: Date.now() - t }, 'activity failed');
  else log.info({ duration_ms: Date.now() - t, ...outcome.result }, 'activity completed');
  try {
    await rt.call('history', 'POST', '/activity-tasks/respond', { task_token: task.task_token, ...outcome });
  } catch (e) {
    log.warn({ err: errObj(e) }, 'activity result rejected by history (stale attempt)');
  }
}

export default system;
