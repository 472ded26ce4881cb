// System 4: code agent with sandboxes (like SWE-agent / OpenHands).
//   orchestrator -> planner ; orchestrator -> sandbox (worker pool, tasks interleaved) -> test-runner
import { errObj, backoff } from '../lib/common.mjs';

const REPOS = ['acme/api-server', 'acme/web', 'octo/tooling', 'octo/parser', 'data/pipeline', 'infra/deploy'];
const STEP_KINDS = ['read_file', 'grep', 'edit_file', 'run_shell', 'read_file', 'edit_file', 'run_tests'];

function parseTp(tp) {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(tp || '');
  return m ? { traceId: m[1], spanId: m[2] } : null;
}

const system = {
  name: 'code-agent',
  seed: 4404,
  ops: 150,
  inFlight: [10, 20],
  entry: 'orchestrator',
  settleMs: 3000,
  restartDelayMs: 600,
  brokenService: 'sandbox',
  mixedStrip: ['planner', 'test-runner'],
  services: [
    { name: 'orchestrator', logger: 'pino nestedKey ctx, isoTimeNano' },
    { name: 'planner', logger: 'winston logstash-style @fields' },
    { name: 'sandbox', logger: 'bunyan 1.8 + plain-text console.log lines' },
    { name: 'test-runner', logger: 'console JSON, traceparent string under tp' },
  ],
  traceFields(svc) {
    if (svc === 'orchestrator') return [['ctx', 'trace_id'], ['ctx', 'span_id'], ['ctx', 'trace_flags']];
    if (svc === 'planner') return [['@fields', 'trace_id'], ['@fields', 'span_id'], ['@fields', 'trace_flags']];
    if (svc === 'test-runner') return ['tp'];
    return ['trace_id', 'span_id', 'trace_flags'];
  },
  readIds(svc, o) {
    if (svc === 'orchestrator') return o.ctx && typeof o.ctx.trace_id === 'string' ? { traceId: o.ctx.trace_id, spanId: o.ctx.span_id } : null;
    if (svc === 'planner') return o['@fields'] && typeof o['@fields'].trace_id === 'string' ? { traceId: o['@fields'].trace_id, spanId: o['@fields'].span_id } : null;
    if (svc === 'test-runner') return parseTp(o.tp);
    return typeof o.trace_id === 'string' ? { traceId: o.trace_id, spanId: o.span_id } : null;
  },
  writesIds() { return true; },

  schedule(rng, nOps) {
    const ops = [];
    for (let n = 1; n <= nOps; n++) {
      ops.push({ op: `op-${String(n).padStart(4, '0')}`, request: { method: 'POST', path: '/api/tasks', body: { repo: rng.hot(REPOS, 0.4), issue: rng.int(100, 4000), agent: rng.hot(['CodeActAgent', 'SWEAgent'], 0.7) } } });
    }
    return ops;
  },

  run: {
    async orchestrator(rt) {
      const pino = rt.require('pino');
      const log = rt.wrap(pino({ level: 'debug', nestedKey: 'ctx', timestamp: pino.stdTimeFunctions.isoTimeNano, base: { pid: process.pid, hostname: 'agent-ctl-0' } }, pino.destination({ dest: 1, sync: true })), 'pino');
      log.info({ sandboxes: 1, workers: 4 }, 'orchestrator up');
      await rt.serve({
        'POST /api/tasks': async ({ body }) => {
          const rng = rt.rng('orch');
          const taskId = 'tsk_' + rng.b32(12);
          const f = { task_id: taskId, repo: body.repo, issue: body.issue };
          log.info({ ...f, agent: body.agent }, 'task accepted');
          let plan = await rt.call('planner', 'POST', '/plan', { task_id: taskId, repo: body.repo, issue: body.issue });
          log.info({ ...f, steps: plan.steps.length }, 'plan received');
          let replans = 0;
          for (let i = 0; i < plan.steps.length; i++) {
            const step = plan.steps[i];
            await rt.sleep(rng.int(50, 350)); // the agent "thinks" between actions
            let res;
            for (let attempt = 1; ; attempt++) {
              try {
                res = await rt.call('sandbox', 'POST', '/exec', { task_id: taskId, step: i + 1, action: step.kind, path: step.path, _sim: { ...step.sim, crash: step.sim.crash && attempt === 1 } });
                break;
              } catch (e) {
                if (!e.status && attempt < 3) { // connection lost: the sandbox died or is restarting
                  const wait = backoff(rng, 700, attempt);
                  log.warn({ ...f, step: i + 1, attempt, retry_in_ms: wait, err: errObj(e) }, 'sandbox unreachable, retrying step');
                  await rt.sleep(wait);
                  continue;
                }
                log.error({ ...f, step: i + 1, action: step.kind, err: { message: e.message, code: e.code, stack: e.stack, cause: e.body?.error } }, 'step failed');
                if (e.status && replans < 1 && rng.chance(0.5)) {
                  replans++;
                  plan = await rt.call('planner', 'POST', '/plan', { task_id: taskId, repo: body.repo, issue: body.issue, replan: true, after_step: i + 1 });
                  log.info({ ...f, steps: plan.steps.length, replan: replans }, 'replanned');
                  i = -1; res = null;
                  break;
                }
                log.error({ ...f, status: 'failed', failed_step: i + 1 }, 'task failed');
                return { status: 500, body: { task_id: taskId, error: { message: e.message, code: e.code } } };
              }
            }
            if (res) log.debug({ ...f, step: i + 1, action: step.kind, exit_code: res.exit_code, duration_ms: res.duration_ms }, 'step done');
          }
          log.info({ ...f, status: 'completed' }, 'task completed');
          return { task_id: taskId, status: 'completed' };
        },
      });
    },

    async planner(rt) {
      const winston = rt.require('winston');
      // logstash-style: everything but level/message/@timestamp goes under @fields (the trace ids too)
      const logstashish = winston.format((info) => {
        const fields = {};
        for (const k of Object.keys(info)) if (!['level', 'message', '@timestamp'].includes(k)) { fields[k] = info[k]; delete info[k]; }
        info['@fields'] = fields;
        return info;
      });
      const log = rt.wrap(winston.createLogger({
        level: 'debug',
        format: winston.format.combine(winston.format.timestamp({ alias: '@timestamp' }), winston.format((i) => { delete i.timestamp; return i; })(), logstashish(), winston.format.json()),
        transports: [new winston.transports.Console()],
      }), 'winston');
      log.info({ model: 'claude-3-5-sonnet' }, 'planner ready');
      await rt.serve({
        'POST /plan': async ({ body }) => {
          const rng = rt.rng(`plan-${body.replan ? 'r' : 'p'}`);
          log.info({ task_id: body.task_id, repo: body.repo, replan: !!body.replan }, 'planning');
          await rt.sleep(rng.int(200, 900));
          const n = rng.int(5, 13);
          const crashAt = !body.replan && rng.chance(0.03) ? rng.int(2, n) : 0;
          const steps = Array.from({ length: n }, (_, k) => {
            const kind = k === n - 1 ? 'run_tests' : rng.pick(STEP_KINDS);
            return { kind, path: `src/${rng.pick(['core', 'util', 'api', 'cli'])}/${rng.b32(6)}.py`, sim: { ms: rng.int(40, 500), crash: crashAt === k + 1, testFail: kind === 'run_tests' && rng.chance(0.14), exitCode: kind === 'run_shell' && rng.chance(0.1) ? 1 : 0 } };
          });
          log.info({ task_id: body.task_id, steps: n, actions: steps.map((s) => s.kind).join('>') }, 'plan ready');
          return { steps };
        },
      });
    },

    async sandbox(rt) {
      const bunyan = rt.require('bunyan');
      const log = rt.wrap(bunyan.createLogger({ name: 'sandbox-runtime', level: 'debug', streams: [{ stream: process.stdout }] }), 'bunyan');
      const container = 'c-' + Math.random().toString(16).slice(2, 8);
      rt.plain(`Starting sandbox runtime in container ${container}`);
      log.info({ container, workers: 4 }, 'runtime ready');
      // thread-pool-like: 4 workers, further tasks wait in a queue; several tasks interleave in this process
      let free = ['w-0', 'w-1', 'w-2', 'w-3'];
      const waiting = [];
      const acquire = () => new Promise((r) => { if (free.length) r(free.shift()); else waiting.push(r); });
      const release = (w) => { if (waiting.length) waiting.shift()(w); else free.push(w); };
      await rt.serve({
        'POST /exec': async ({ body }) => {
          const f = { task_id: body.task_id, step: body.step, action: body.action };
          if (!free.length) log.debug({ ...f, queue_depth: waiting.length + 1 }, 'waiting for a worker');
          const worker = await acquire();
          try {
            return await rt.span(`sandbox.${body.action}`, async () => {
              rt.plain(`Processing task ${body.task_id} step ${body.step} (${body.action}) on ${worker}`);
              const t = Date.now();
              await rt.sleep(body._sim.ms);
              if (body._sim.crash) {
                rt.plain(`Killed: worker ${worker} exceeded memory limit while running ${body.task_id}`);
                rt.crash();
                await rt.sleep(10000);
              }
              if (body.action === 'run_tests') {
                try {
                  const r = await rt.call('test-runner', 'POST', '/run', { task_id: body.task_id, suite: 'tests/', fail: body._sim.testFail });
                  log.info({ ...f, worker, passed: r.passed, failed: 0 }, 'tests passed');
                } catch (e) {
                  const err = new Error(`test run failed: ${e.message}`);
                  err.code = 'E_SANDBOX_EXEC';
                  log.error({ ...f, worker, err: { message: err.message, code: err.code, stack: err.stack, cause: e.body?.error } }, 'exec failed');
                  throw err;
                }
              }
              log.info({ ...f, worker, exit_code: body._sim.exitCode, duration_ms: Date.now() - t }, 'exec end');
              return { exit_code: body._sim.exitCode, duration_ms: Date.now() - t };
            });
          } finally { release(worker); }
        },
      });
    },

    async 'test-runner'(rt) {
      // bare console logger: float epoch seconds under ts, trace context as a traceparent string under tp
      const write = (level, fields, msg) => {
        const sc = rt.activeIds();
        const rec = { ts: Date.now() / 1000, lvl: level, logger: 'test-runner', message: msg, ...fields };
        if (sc) rec.tp = `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags.toString(16)}`;
        console.log(JSON.stringify(rec));
      };
      const log = rt.wrap(null, write);
      log.info({ framework: 'pytest', version: '8.3.2' }, 'runner ready');
      await rt.serve({
        'POST /run': async ({ body }) => {
          const rng = rt.rng('tests');
          const total = rng.int(4, 30);
          log.info({ task_id: body.task_id, suite: body.suite, collected: total }, 'collected tests');
          await rt.sleep(rng.int(100, 700));
          if (body.fail) {
            const e = new Error(`tests/test_${rng.b32(5)}.py::test_case timed out after 30s`);
            e.code = 'E_TEST_TIMEOUT';
            log.error({ task_id: body.task_id, err: errObj(e) }, 'test session failed');
            return { status: 500, body: { error: { message: e.message, code: e.code } } };
          }
          log.info({ task_id: body.task_id, passed: total, duration_s: +(rng.next() * 5).toFixed(2) }, 'test session passed');
          return { passed: total };
        },
      });
    },
  },

  readme: `
# code-agent

Imitates a coding agent with sandboxes (SWE-agent / OpenHands style): an **orchestrator** accepts a task,
asks the **planner** (an LLM) for a plan, then executes many actions one after another in a **sandbox**
runtime, which runs shell/edit actions in a 4-worker pool (tasks from several operations interleave in one
process; extra actions wait for a worker) and calls the **test-runner** for \`run_tests\` actions.

Topology (HTTP on 127.0.0.1):

    orchestrator -> planner            (plan, and sometimes a re-plan after a failed step)
    orchestrator -> sandbox -> test-runner   (5–13 sequential actions per task, 50–350 ms "thinking" gaps)

- One operation = one \`POST /api/tasks\`.
- Errors travel up three services: test-runner (root cause, \`err.code: E_TEST_TIMEOUT\`, with stack) →
  sandbox (\`E_SANDBOX_EXEC\`, \`cause\`) → orchestrator ("step failed", then "task failed" or a re-plan).
- ~3 % of plans make the sandbox **kill itself** (SIGKILL, "Killed: … exceeded memory limit") in the middle of
  an action. Every action in flight in that process dies with it: their spans never end (\`end: null\` in
  truth, recorded at span start). The launcher restarts the sandbox (new pid, new container name, startup
  lines again in the same file); the orchestrator retries unreachable steps with backoff.
- The sandbox prints **plain-text lines** (\`Processing task tsk_… step 3 (edit_file) on w-2\`, startup and
  kill messages) between its bunyan JSON lines; they are in truth too.

| service | logger | trace context as written |
|---|---|---|
| orchestrator | pino 10, \`nestedKey: "ctx"\`, \`isoTimeNano\` | nested: \`ctx.trace_id\`, \`ctx.span_id\`, \`ctx.trace_flags\` (instrumentation-pino; fields also under \`ctx\`) |
| planner | winston 3, logstash-style: \`@timestamp\`, \`level\`, \`message\`, all else under \`@fields\` | nested: \`@fields.trace_id\`, \`@fields.span_id\`, \`@fields.trace_flags\` (instrumentation-winston) |
| sandbox | bunyan 1.8 + plain \`console.log\` text | \`trace_id\`, \`span_id\`, \`trace_flags\` on JSON lines; none on text lines |
| test-runner | bare \`console.log(JSON.stringify(...))\`: \`ts\` float epoch seconds, \`lvl\`, \`logger\`, \`message\` | W3C traceparent-style string under \`tp\` (\`00-<trace>-<span>-01\`), written by the service |

Id dialects: \`task_id\` \`tsk_\`+12 base32 (in every service), \`step\` number, worker ids \`w-0\`…\`w-3\`,
container ids; hot values: \`repo\` (6, one hot), \`agent\`.

Variants: \`ids\` as written; \`stripped\` all trace context removed (including \`tp\` and the nested keys);
\`broken\` = a real run where **sandbox** does not extract incoming context (each action starts a fresh
trace, which continues into test-runner); \`mixed\` = ids with the trace context removed from **planner** and
**test-runner** only.

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- code-agent\`.
`,
};
export default system;
