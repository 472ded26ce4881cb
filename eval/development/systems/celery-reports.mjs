// celery-reports: a Python system (services in ./celery_reports.py, run by generator/py/launcher.py with python3).
import { fileURLToPath } from 'node:url';
import { OTEL_LOGGING_FIELDS, readOtelLogging } from '../../validation/generator/lib/python.mjs';

const system = {
  name: 'celery-reports',
  pythonFile: fileURLToPath(new URL('./celery_reports.py', import.meta.url)),
  seed: 3301,
  ops: 120,
  brokenService: 'worker-render',
  mixedStrip: ['worker-default', 'datastore'],
  services: ['web', 'worker-default', 'worker-render', 'datastore'].map((name) => ({ name })),
  clockSkewMs: { 'worker-render': 380 },
  traceFields(svc) {
    if (svc === 'worker-default' || svc === 'datastore') return ['trace_id', 'span_id'];
    return OTEL_LOGGING_FIELDS;
  },
  readIds(svc, o) {
    if (svc === 'worker-default') return typeof o.trace_id === 'string' ? { traceId: o.trace_id, spanId: o.span_id } : null;
    if (svc === 'datastore') return typeof o.trace_id === 'string' && o.trace_id !== '0' ? { traceId: o.trace_id, spanId: o.span_id } : null;
    return readOtelLogging(o);
  },
  writesIds() { return true; },
  readme: `
# celery-reports

Imitates a **Celery** report pipeline written in **Python**: a web app (Flask/Django-like behind gunicorn)
enqueues task workflows through a broker; two Celery workers on two hosts run them; a datastore HTTP API
serves datasets and stores objects.

**Tracer.** Each service is its own \`python3\` process (Debian bookworm's /usr/bin/python3 3.11). The
OpenTelemetry Python SDK is **not** available here (no PyPI), so the trace context is carried by the
generator's own small tracer (\`eval/validation/generator/py/evalrt.py\`): random 16-byte trace ids / 8-byte
span ids from a seeded RNG, W3C \`traceparent\` \`00-<32hex>-<16hex>-01\` in HTTP headers and in the Celery
message headers, the active span in a \`contextvars\` variable, each span's start and end written to a side file
as ground truth. Spans are named as \`opentelemetry-instrumentation-celery\` names them: PRODUCER
\`apply_async/<task>\` in the publisher, CONSUMER \`run/<task>\` in the worker (child of the producer span);
HTTP SERVER spans \`GET /route\`, CLIENT spans \`GET\`. **The log libraries are real**: stdlib \`logging\` with
**python-json-logger 2.0.1** (Debian \`python3-pythonjsonlogger\`) and a LogRecord factory doing what
\`opentelemetry-instrumentation-logging\` does (\`otelTraceID\`, \`otelSpanID\`, \`otelServiceName\`,
\`otelTraceSampled\`), and **structlog 22.3** (Debian \`python3-structlog\`) \`JSONRenderer\`. The broker is the
launcher's control channel (a queue per name, delayed delivery for countdowns/ETA), not Redis/RabbitMQ; the
messages carry Celery protocol-2 headers (\`id\`, \`task\`, \`root_id\`, \`parent_id\`, \`group\`, \`retries\`,
\`eta\`, …).

Topology:

    web --broker "default"--> worker-default: fetch_dataset -> normalize -> group(render_page x 2..5)
        --broker "render"--> worker-render (chord) --last part--> assemble -> notify --HTTP--> web
    worker-default --HTTP--> datastore   (worker-render uploads pages to S3: no span, no logs)

- Two kinds of operations: \`POST /api/reports\` (~70 %): a **chain** fetch_dataset → normalize → **chord**
  (a **group** of 2–5 render_page tasks on the render queue, whose last finishing member applies the callback
  \`assemble\` — **fan-in**) → notify; \`POST /api/exports\` (~30 %): export_table → notify. The web answers
  202 at once; an operation ends when \`notify\` calls the web back (\`POST /internal/reports/{id}/ready\`):
  **asynchronous operations**.
- **Workers with concurrency**: worker-default runs 4 threads, worker-render 3; tasks wait in the queue for a
  free worker, so tasks of many operations interleave in one process.
- **Retries with countdown**: ~12 % of render attempts raise \`RendererBusy\` and \`self.retry(countdown=…)\`
  (same \`task_id\`, \`retries\`+1, delivered after the countdown, backoff 0.8 s·2^n); ~20 % of exports retry
  once (1 s).
- Paginated dataset reads (1–3 pages, \`cursor\`); a hot account (\`acct_100234\`, ~35 %).
- **Two hosts**: worker-render runs on \`ip-10-0-2-37\` whose clock is **+380 ms** ahead: its log timestamps are
  shifted, its truth spans are not.
- Celery ids: \`task_id\` UUID4 per task (all of a workflow's ids frozen by the web at enqueue time, as
  \`chain.freeze()\` does); \`root_id\` = the first task's id, \`parent_id\` = the task that published this one,
  \`group\` = the chord's group id. The web's \`report_id\` (\`rpt_\`/\`exp_\`+12 hex) travels in the task kwargs.

| service | logger | trace keys written |
|---|---|---|
| web | stdlib logging + python-json-logger \`%(asctime)s %(levelname)s %(name)s %(message)s\`; loggers \`reports.views\`, \`gunicorn.access\` (access line at the end of each request), \`gunicorn.error\` | \`otelTraceID\`, \`otelSpanID\`, \`otelServiceName\`, \`otelTraceSampled\` |
| worker-default | structlog \`JSONRenderer\`, \`TimeStamper(fmt="iso")\`, \`add_log_level\`, \`merge_contextvars\` (task context bound per task: \`task_id\`, \`task_name\`, \`report_id\`); django-structlog-like events \`task_received\` (logged before the task runs: **no span**), \`task_enqueued\` (\`child_task_id\`), \`task_succeeded\`, \`task_retrying\` | \`trace_id\`, \`span_id\` (a structlog processor adding the current span) |
| worker-render | stdlib logging + python-json-logger \`%(levelname)s %(name)s %(processName)s %(message)s\`, \`timestamp=True\` (ISO \`+00:00\`, **+380 ms**); Celery's own messages \`Task reports.render_page[<task_id>] received\` (**outside any span**: ids \`"0"\`), \`… succeeded in 0.41s: …\`, \`… retry: Retry in 1.6s: …\` | \`otelTraceID\`, \`otelSpanID\`, \`otelServiceName\`, \`otelTraceSampled\` |
| datastore | stdlib logging + python-json-logger with \`rename_fields\` (\`otelTraceID\`→\`trace_id\`, \`otelSpanID\`→\`span_id\`, \`levelname\`→\`level\`), \`asctime\` and \`timestamp\` | \`trace_id\`, \`span_id\` (\`"0"\` outside a span) |

Variants: \`ids\` as written; \`stripped\` all trace keys removed (JSON lines re-serialised); \`broken\` = a
real run where **worker-render** ignores the \`traceparent\` message header and starts a fresh trace for each
task it runs (the chord callback it applies continues that fresh trace); \`mixed\` = ids with the trace keys
removed from **worker-default** and **datastore** only.

Regenerate (needs \`apt-get install -y python3-structlog python3-pythonjsonlogger\`; uses /usr/bin/python3,
\`EVAL_PYTHON\` overrides): \`cd eval/validation/generator && npm ci && npm run generate -- celery-reports --out ../../development\`.
`,
};
export default system;
