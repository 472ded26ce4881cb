// agent-crew: a Python system (services in ./agent_crew.py, run by ../py/launcher.py with python3).
import { fileURLToPath } from 'node:url';
import { OTEL_LOGGING_FIELDS, readOtelLogging, stripPythonLines } from '../lib/python.mjs';

const system = {
  name: 'agent-crew',
  pythonFile: fileURLToPath(new URL('./agent_crew.py', import.meta.url)),
  seed: 2201,
  ops: 120,
  brokenService: 'tool-server',
  mixedStrip: ['llm-proxy', 'agent-b'],
  services: ['gateway', 'crew', 'tool-server', 'llm-proxy', 'agent-b'].map((name) => ({ name })),
  traceFields(svc) {
    if (svc === 'crew') return ['trace_id', 'span_id'];
    if (svc === 'tool-server') return ['trace', 'span'];
    return OTEL_LOGGING_FIELDS;
  },
  readIds(svc, o) {
    if (svc === 'crew') return typeof o.trace_id === 'string' ? { traceId: o.trace_id, spanId: o.span_id } : null;
    if (svc === 'tool-server') return typeof o.trace === 'string' ? { traceId: o.trace, spanId: o.span } : null;
    if (svc === 'agent-b') return null; // text lines and multi-line span exports only
    return readOtelLogging(o);
  },
  writesIds(svc) { return svc !== 'agent-b'; },
  stripLines(svc, lines, stripJson) { return stripPythonLines(lines, stripJson); },
  readme: `
# agent-crew

Imitates a **CrewAI / AutoGen-style multi-agent crew** written in **Python**, behind a FastAPI-like HTTP API:
a **gateway**, a **crew** orchestrator that runs its agents in a thread pool, a **tool-server**, an
OpenAI-compatible **llm-proxy** (LiteLLM-like) and a small reviewer agent **agent-b**.

**Tracer.** Each service is its own \`python3\` process (Debian bookworm's /usr/bin/python3 3.11). The
OpenTelemetry Python SDK is **not** available here (no PyPI), so the trace context is carried by the
generator's own small tracer (\`generator/py/evalrt.py\`): random 16-byte trace ids / 8-byte span ids from a
seeded RNG, W3C \`traceparent\` \`00-<32hex>-<16hex>-01\` on every HTTP request, the active span in a
\`contextvars\` variable (copied into thread-pool tasks with \`contextvars.copy_context().run\`), each span's
start and end written to a side file as ground truth, SERVER spans named \`POST /route\` and CLIENT spans
\`POST\` as the FastAPI / requests instrumentations name them. **The log libraries are real**: stdlib
\`logging\` with **python-json-logger 2.0.1** (Debian \`python3-pythonjsonlogger\`) and a LogRecord factory
doing what \`opentelemetry-instrumentation-logging\` does (\`otelTraceID\`, \`otelSpanID\`,
\`otelServiceName\`, \`otelTraceSampled\`), **structlog 22.3** (Debian \`python3-structlog\`) with
\`JSONRenderer\`, and \`print()\`.

Topology (HTTP on 127.0.0.1):

    gateway -> crew -> { tool-server (parallel tool calls from a thread pool), llm-proxy, agent-b }

- One operation = one user message posted to \`/v1/conversations/{conversation_id}/messages\`;
  conversations have 2–5 messages sent one after another (next message 0.8–4 s after the previous reply).
- The crew runs its tasks **sequentially** (researcher, analyst, writer — 1 to 3 of them) inside a
  \`ThreadPoolExecutor\` of 10 workers; each task has 1–2 steps (LLM call, then 0–3 **parallel tool calls**
  in the first step, 0–1 in the second, from a second pool of 16 threads), with 200–1500 ms "thinking" gaps between steps; 25 % of the runs
  delegate a review to agent-b; a final "manager" LLM call ends the run.
- ~8 % of LLM attempts are rate-limited (429) by the proxy and retried with exponential backoff (same
  \`llm_call_id\`, new \`attempt\`); ~4 % of tool calls fail (503, logged with a traceback in \`exception\`);
  ~12 % of reviews fail in agent-b (\`logger.exception\`: a text line followed by a multi-line Python traceback).
- A shared pool of 24 document ids (\`doc_<8 hex>\`, one hot) is returned by \`doc_search\` across operations.

| service | logger | trace keys written |
|---|---|---|
| gateway | stdlib logging + python-json-logger \`%(asctime)s %(levelname)s %(name)s %(message)s\` (asctime \`2026-11-30 12:01:02,345\`, UTC); loggers \`app.api\`, \`uvicorn.access\` (access line at the end of each request), \`uvicorn.error\` | \`otelTraceID\`, \`otelSpanID\`, \`otelServiceName\`, \`otelTraceSampled\` (\`"0"\`/\`false\` outside a span); \`exc_info\` traceback string on errors |
| crew | structlog \`JSONRenderer\`, \`TimeStamper(fmt="iso")\`, \`add_log_level\`, \`format_exc_info\` (\`event\`, \`level\`, \`timestamp\`, traceback in \`exception\`), and CrewAI-verbose-like **\`print()\` lines** between them (\`# Agent: Researcher\`, \`## Task: researcher work for kickoff <kickoff_id>\` printed just before the task's JSON line) | \`trace_id\`, \`span_id\` (a structlog processor adding the current span) |
| tool-server | structlog \`JSONRenderer\`, \`TimeStamper()\` (float epoch seconds) | the team's own keys \`trace\`, \`span\` |
| llm-proxy | stdlib logging + python-json-logger \`%(levelname)s %(name)s %(message)s\`, \`timestamp=True\` (ISO \`+00:00\`), logger \`LiteLLM Proxy\`; 429s logged with the traceback in \`exc_info\` | \`otelTraceID\`, \`otelSpanID\`, \`otelServiceName\`, \`otelTraceSampled\` |
| agent-b | \`print()\` lines (\`Agent B: Processing data received: <kickoff id>\` printed just before its spans), its spans as the OTel Python **ConsoleSpanExporter** prints them (multi-line indent-4 JSON, \`0x\` ids, \`parent_id\`, ISO µs \`Z\` times), and stdlib text logging in instrumentation-logging's default format with **multi-line tracebacks** | \`context.trace_id\`/\`span_id\`/\`parent_id\` in the span exports; \`[trace_id=… span_id=… …]\` in text lines |

Id dialects, renamed hop to hop: gateway \`message_id\` (\`msg_\`+24 hex) = crew \`input_message_id\`; crew
\`kickoff_id\` (UUID) = gateway \`crew_run_id\` = agent-b's \`job\` (in its print lines); crew \`llm_call_id\`
(\`chatcmpl-\`+22 base32) = llm-proxy \`request_id\`, which adds its own \`litellm_call_id\` (UUID); crew
\`tool_call_id\` (\`call_\`+20 base32) = tool-server \`call_id\`; \`conversation_id\` spans several operations;
\`task_id\` per crew task (on its start and completion lines). Hot values on almost every line: \`model\` (\`gpt-4o-mini\` ~85 %), \`tenant\`
(6 values, one hot; \`user_api_key_team_alias\` in the proxy).

Records truth: one record per physical line (print lines, traceback lines and every line of a span export
included). A span-export line belongs to the span it exports (its op, trace and span), a traceback line to the
span active when \`logger.exception\` was called. Each line of a span-export block (~30 lines) is a truth record
of its own, so agent-b's blocks weigh much more in the pairwise figures of \`ids\`/\`broken\` than one JSON line
(see "Lines per service" below; they are absent from \`stripped\` and \`mixed\`).

Variants: \`ids\` as written; \`stripped\` all trace keys removed from JSON lines (re-serialised), the
\`[trace_id=… span_id=… resource.service.name=… trace_sampled=…]\` bracket removed from agent-b's text lines,
and **agent-b's span-export blocks dropped whole** (a span export is the trace context itself; the truth
records of the stripped and mixed variants are renumbered accordingly; print and traceback lines stay);
\`broken\` = a real run where **tool-server** ignores incoming \`traceparent\` and starts fresh traces;
\`mixed\` = ids with the trace context removed (as in stripped) from **llm-proxy** and **agent-b** only.

Regenerate (needs \`apt-get install -y python3-structlog python3-pythonjsonlogger\`; uses /usr/bin/python3,
\`EVAL_PYTHON\` overrides): \`cd eval/validation/generator && npm ci && npm run generate -- agent-crew\`.
`,
};
export default system;
