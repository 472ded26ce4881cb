# agent-crew: a CrewAI / AutoGen-style multi-agent crew behind a FastAPI-like HTTP API, in Python.
#   gateway -> crew (agents in a thread pool) -> { tool-server (parallel tool calls), llm-proxy, agent-b }
# Each service is its own python3 process (py/service.py) with the generator's own small W3C tracer
# (py/evalrt.py: the OTel Python SDK is not installable here); the log libraries are real: stdlib logging
# with python-json-logger, structlog's JSONRenderer, print().
import contextvars
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import structlog
from pythonjsonlogger import jsonlogger

import evalrt
from evalrt import HttpError, b32, backoff, hexs, hot, rng_for, uuid4

TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark']
HOT_MODEL = 'gpt-4o-mini'
MODELS = [HOT_MODEL, 'gpt-4o', 'claude-3-5-sonnet-20241022', 'llama-3.1-70b']
USERS = ['u_1042', 'u_2210', 'u_2211', 'u_3307', 'u_4410', 'u_5123', 'u_6001', 'u_7770']
_drng = rng_for('agent-crew', 'documents')
DOCS = ['doc_' + hexs(_drng, 8) for _ in range(24)]   # shared pool; DOCS[0] is hot
ROLES = ['researcher', 'analyst', 'writer']
TOOLS = {'researcher': ['doc_search', 'doc_search', 'web_fetch'], 'analyst': ['sql_query', 'doc_search', 'calculator'], 'writer': ['doc_search']}

SYSTEM = {
    'name': 'agent-crew',
    'services': [{'name': n} for n in ['gateway', 'crew', 'tool-server', 'llm-proxy', 'agent-b']],
    'entry': 'gateway',
    'inFlight': [12, 20],
    'arrivalMaxMs': 160,
    'settleMs': 2500,
}


def schedule(rng, n_ops):
    ops = []
    n = 0
    while n < n_ops:
        conv = 'conv_' + hexs(rng, 20)
        tenant = hot(rng, TENANTS, 0.45)
        user = hot(rng, USERS, 0.3)
        msgs = min(rng.randint(2, 5), n_ops - n)
        prev = None
        for i in range(msgs):
            n += 1
            op = 'op-%04d' % n
            ops.append({'op': op, 'after': prev, 'gapMs': rng.randint(800, 4000),
                        'request': {'method': 'POST', 'path': f'/v1/conversations/{conv}/messages',
                                    'body': {'tenant': tenant, 'user_id': user, 'turn': i + 1,
                                             'content': f'question {i + 1} about topic {rng.randint(1, 40)}'}}})
            prev = op
    return ops


# ---------------------------------------------------------------- loggers

def stdlib_json_logger(rt, name, fmt, **kw):
    """stdlib logging + python-json-logger, with opentelemetry-instrumentation-logging's record factory."""
    evalrt.install_otel_log_record_factory(rt, rt.service)
    h = logging.StreamHandler(sys.stdout)
    h.setFormatter(jsonlogger.JsonFormatter(fmt, **kw))
    root = logging.getLogger()
    root.handlers[:] = [h]
    root.setLevel(logging.DEBUG)
    return logging.getLogger(name)


def structlog_logger(rt, processors):
    structlog.configure(processors=processors, logger_factory=structlog.WriteLoggerFactory(file=sys.stdout), cache_logger_on_first_use=False)
    return structlog.get_logger()


# ---------------------------------------------------------------- gateway (stdlib logging JSON)

def run_gateway(rt):
    log = stdlib_json_logger(rt, 'app.api', '%(asctime)s %(levelname)s %(name)s %(message)s')
    access = logging.getLogger('uvicorn.access')
    logging.getLogger('uvicorn.error').info('Uvicorn running on http://127.0.0.1:%d (Press CTRL+C to quit)', rt.ports[rt.service])

    def post_message(req):
        rng = rt.rng('gateway')
        conv = req['params']['conversation_id']
        b = req['body']
        message_id = 'msg_' + hexs(rng, 24)
        model = HOT_MODEL if rng.random() < 0.8 else rng.choice(MODELS)
        f = {'conversation_id': conv, 'message_id': message_id, 'tenant': b['tenant'], 'user_id': b['user_id']}
        log.info('message received', extra={**f, 'turn': b['turn'], 'model': model})
        t = time.time()
        try:
            r = rt.call('crew', 'POST', '/kickoff', {'conversation_id': conv, 'input_message_id': message_id, 'tenant': b['tenant'],
                                                     'model': model, 'input': b['content'], 'turn': b['turn']})
        except HttpError as e:
            log.exception('crew kickoff failed', extra={**f, 'status_code': e.status})
            return 502, {'error': {'message': 'crew failed', 'code': 'CREW_FAILED'}}
        log.info('assistant reply ready', extra={**f, 'crew_run_id': r['kickoff_id'], 'tasks': r['tasks'], 'elapsed_ms': round((time.time() - t) * 1000)})
        return {'message_id': message_id, 'kickoff_id': r['kickoff_id']}

    def access_line(req, method, path, status, client):
        access.info('%s:%d - "%s %s HTTP/1.1" %d', '127.0.0.1', 40000 + rt.rng('port').randint(0, 20000), method, path, status)

    rt.serve({'POST /v1/conversations/{conversation_id}/messages': post_message}, on_request=access_line)
    rt.on_shutdown(lambda: logging.getLogger('uvicorn.error').info('Shutting down'))


# ---------------------------------------------------------------- crew (structlog, thread pools)

def run_crew(rt):
    log = structlog_logger(rt, [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt='iso'),
        evalrt.structlog_otel_processor('trace_id', 'span_id'),
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ])
    agents_pool = ThreadPoolExecutor(max_workers=10, thread_name_prefix='crew-agent')
    tools_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix='crew-tool')
    log.info('crew worker started', agents=ROLES, max_workers=10)

    def llm(rng, f, purpose):
        llm_call_id = 'chatcmpl-' + b32(rng, 22)
        if True:
            for attempt in range(1, 5):
                if attempt > 1:
                    log.debug('llm call', llm_call_id=llm_call_id, purpose=purpose, attempt=attempt, **f)
                try:
                    r = rt.call('llm-proxy', 'POST', '/chat/completions', {
                        'model': f['model'], 'messages': [{'role': 'user', 'content': purpose}],
                        'metadata': {'request_id': llm_call_id, 'tenant': f['tenant'], 'agent': f.get('agent_role', 'manager')},
                        '_sim': {'latency_ms': rng.randint(150, 700), 'rate_limited': attempt <= 2 and rng.random() < 0.08}})
                    log.info('llm response', llm_call_id=llm_call_id, completion_tokens=r['usage']['completion_tokens'], **f)
                    return r
                except HttpError as e:
                    if e.status == 429 and attempt < 4:
                        wait = backoff(rng, 300, attempt)
                        log.warning('rate limited, retrying', llm_call_id=llm_call_id, attempt=attempt, retry_after_ms=wait, **f)
                        time.sleep(wait / 1000)
                        continue
                    log.error('llm call failed', llm_call_id=llm_call_id, status=e.status, **f)
                    raise

    def tool_call(rng_seed, f, tool, step):
        rng = rng_for(rng_seed)
        call_id = 'call_' + b32(rng, 20)
        log.info('tool call', tool=tool, tool_call_id=call_id, step=step, **f)
        try:
            r = rt.call('tool-server', 'POST', f'/tools/{tool}', {'call_id': call_id, 'tenant': f['tenant'], 'agent': f['agent_role'],
                                                                  'k': rng.randint(2, 6), '_sim': {'fail': rng.random() < 0.04, 'seed': rng_seed}})
            log.info('tool result', tool=tool, tool_call_id=call_id, items=len(r['items']), **f)
            return r['items']
        except HttpError:
            log.exception('tool call failed', tool=tool, tool_call_id=call_id, **f)
            return []

    def run_task(rng, base, role, idx):
        task_id = uuid4(rng)
        f = {**base, 'agent_role': role}
        with rt.span(f'task {role}', attributes={'gen_ai.agent.name': role, 'crewai.task.id': task_id}):
            # CrewAI's verbose console output: print() lines between the JSON lines of the same stdout
            print(f'# Agent: {role.title()}')
            print(f"## Task: {role} work for kickoff {base['kickoff_id']}")
            log.info('task started', task_index=idx, task_id=task_id, **f)
            steps = rng.randint(1, 2)
            docs = []
            for step in range(1, steps + 1):
                if True:
                    llm(rng, f, f'{role} step {step}')
                    n_tools = rng.choice([0, 1, 1, 2, 2, 3]) if step == 1 else rng.choice([0, 1])
                    if n_tools:
                        tools = [rng.choice(TOOLS[role]) for _ in range(n_tools)]
                        seeds = [f"{rt.seed}|{rt.op()}|{task_id}|{step}|{i}" for i in range(n_tools)]
                        futs = [tools_pool.submit(contextvars.copy_context().run, tool_call, s, f, t, step) for s, t in zip(seeds, tools)]
                        for fu in futs:
                            docs += fu.result()
                if step < steps:
                    time.sleep(rng.randint(200, 1500) / 1000)  # "thinking"
            log.info('task completed', task_id=task_id, steps=steps, sources=len(docs), **f)
            return docs

    def crew_run(body):
        rng = rt.rng('crew')
        kickoff_id = uuid4(rng)
        base = {'kickoff_id': kickoff_id, 'tenant': body['tenant']}
        with rt.span('crew.kickoff', attributes={'crewai.crew.id': kickoff_id}):
            log.info('crew kickoff', input_message_id=body['input_message_id'], conversation_id=body['conversation_id'], model=body['model'],
                     turn=body['turn'], process='sequential', **base)
            base['model'] = body['model']
            roles = ROLES[:rng.randint(2, 3)] if rng.random() < 0.8 else ['researcher']
            docs = []
            for i, role in enumerate(roles):
                docs += run_task(rng, base, role, i)
                if i < len(roles) - 1:
                    time.sleep(rng.randint(200, 800) / 1000)
            if rng.random() < 0.25:
                log.info('delegating review', reviewer='agent-b', documents=len(docs), **base)
                try:
                    r = rt.call('agent-b', 'POST', '/v1/review', {'job': kickoff_id, 'tenant': body['tenant'], 'doc_ids': sorted({d for d in docs if d.startswith('doc_')})[:5],
                                                                   '_sim': {'seed': f"{rt.seed}|{rt.op()}|review"}})
                    log.info('review received', verdict=r['verdict'], score=r['score'], **base)
                except HttpError as e:
                    log.error('review failed', status=e.status, **base)
            llm(rng, {**base, 'agent_role': 'manager'}, 'final answer')
            log.info('crew finished', tasks=len(roles), **base)
            return {'kickoff_id': kickoff_id, 'tasks': len(roles)}

    def kickoff(req):
        fut = agents_pool.submit(contextvars.copy_context().run, crew_run, req['body'])
        return fut.result()

    rt.serve({'POST /kickoff': kickoff})
    rt.on_shutdown(lambda: log.info('crew worker stopping'))


# ---------------------------------------------------------------- tool server (structlog, own id names)

def run_tools(rt):
    log = structlog_logger(rt, [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(),           # float epoch seconds
        evalrt.structlog_otel_processor('trace', 'span'),
        structlog.processors.JSONRenderer(),
    ])
    log.info('tool server ready', tools=['doc_search', 'web_fetch', 'sql_query', 'calculator'])

    def invoke(req):
        tool = req['params']['tool']
        b = req['body']
        rng = rng_for(b['_sim']['seed'], 'server')
        log.info('tool invoked', tool=tool, call_id=b['call_id'], tenant=b['tenant'], caller=b['agent'])
        time.sleep((rng.randint(60, 350) if tool in ('web_fetch', 'sql_query') else rng.randint(20, 150)) / 1000)
        if b['_sim']['fail']:
            log.error('tool backend error', tool=tool, call_id=b['call_id'], error='upstream connect timeout (vector-store:6333)')
            return 503, {'error': {'message': 'tool backend unavailable'}}
        if tool == 'doc_search':
            items = [DOCS[0] if rng.random() < 0.3 else rng.choice(DOCS) for _ in range(b['k'])]
            log.info('documents retrieved', call_id=b['call_id'], doc_ids=items, tenant=b['tenant'])
        elif tool == 'web_fetch':
            items = [f'https://example.org/{b32(rng, 8)}' for _ in range(rng.randint(1, 3))]
        elif tool == 'sql_query':
            items = [f'row{rng.randint(1, 999)}' for _ in range(rng.randint(1, 4))]
            log.info('query executed', call_id=b['call_id'], rows=len(items), table=rng.choice(['orders', 'invoices', 'usage']))
        else:
            items = [str(rng.randint(1, 99999))]
        if tool != 'doc_search':
            log.info('tool finished', tool=tool, call_id=b['call_id'], items=len(items))
        return {'items': items}

    rt.serve({'POST /tools/{tool}': invoke})


# ---------------------------------------------------------------- llm proxy (stdlib logging JSON, LiteLLM-like)

class RateLimitError(Exception):
    pass


def run_llm_proxy(rt):
    log = stdlib_json_logger(rt, 'LiteLLM Proxy', '%(levelname)s %(name)s %(message)s', timestamp=True)
    log.info('LiteLLM: Proxy initialized with Config, Set models: %s', ', '.join(MODELS))

    def completions(req):
        b = req['body']
        rng = rng_for(b['metadata']['request_id'], b['_sim']['rate_limited'], time.time_ns())
        f = {'request_id': b['metadata']['request_id'], 'litellm_call_id': uuid4(rng), 'model': b['model'], 'user_api_key_team_alias': b['metadata']['tenant']}
        if b['_sim']['rate_limited']:
            try:
                raise RateLimitError('OpenAIException - Rate limit reached for requests')
            except RateLimitError:
                log.warning('litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for requests',
                            exc_info=True, extra={**f, 'status_code': 429})
            return 429, {'error': {'message': 'Rate limit reached', 'type': 'rate_limit_exceeded'}}
        time.sleep(b['_sim']['latency_ms'] / 1000)
        usage = {'prompt_tokens': rng.randint(200, 3000), 'completion_tokens': rng.randint(20, 800)}
        log.info('litellm.completion success', extra={**f, **usage, 'response_ms': b['_sim']['latency_ms'], 'status_code': 200})
        return {'id': b['metadata']['request_id'], 'model': b['model'], 'usage': usage}

    rt.serve({'POST /chat/completions': completions})


# ---------------------------------------------------------------- agent B (print + ConsoleSpanExporter + text logging)

def run_agent_b(rt):
    evalrt.install_otel_log_record_factory(rt, 'agent-b')
    h = logging.StreamHandler(sys.stdout)
    # opentelemetry-instrumentation-logging's default text format (set_logging_format=True)
    h.setFormatter(logging.Formatter('%(asctime)s %(levelname)s [%(name)s] [%(filename)s:%(lineno)d] [trace_id=%(otelTraceID)s span_id=%(otelSpanID)s resource.service.name=%(otelServiceName)s trace_sampled=%(otelTraceSampled)s] - %(message)s'))
    logging.getLogger().handlers[:] = [h]
    logging.getLogger().setLevel(logging.INFO)
    log = logging.getLogger('agent_b.reviewer')
    evalrt.console_span_exporter(rt, {'telemetry.sdk.language': 'python', 'telemetry.sdk.name': 'opentelemetry',
                                      'telemetry.sdk.version': '1.27.0', 'service.name': 'agent-b'})
    print('Agent B: starting up, waiting for review requests')

    def check_citations(doc_ids, rng):
        if doc_ids and rng.random() < 0.12:
            raise ValueError(f'citation check failed: {doc_ids[0]} not found in tenant index')
        return rng.randint(60, 99) / 100

    def review(req):
        b = req['body']
        rng = rng_for(b['_sim']['seed'])
        print(f"Agent B: Processing data received: {b['job']}")
        sp = rt.current_span()   # the review runs in the request's SERVER span
        sp.set_attribute('gen_ai.agent.name', 'agent-b')
        sp.set_attribute('job', b['job'])
        sp.set_attribute('documents', len(b['doc_ids']))
        if True:
            time.sleep(rng.randint(80, 400) / 1000)
            for d in b['doc_ids'][:3]:
                print(f'Agent B: checking {d}')
            try:
                score = check_citations(b['doc_ids'], rng)
            except ValueError as e:
                sp.record_exception(e)
                sp.set_error(f'ValueError: {e}')
                log.exception('review failed for job %s', b['job'])
                print(f"Agent B: giving up on {b['job']}")
                return 500, {'error': {'message': 'review failed'}}
        verdict = 'approved' if score >= 0.7 else 'needs_changes'
        if verdict != 'approved':
            log.warning('low review score %.2f for job %s', score, b['job'])
        print(f"Agent B: done {b['job']} verdict={verdict} score={score:.2f}")
        return {'verdict': verdict, 'score': score}

    rt.serve({'POST /v1/review': review})
    rt.on_shutdown(lambda: print('Agent B: shutting down'))


RUN = {'gateway': run_gateway, 'crew': run_crew, 'tool-server': run_tools, 'llm-proxy': run_llm_proxy, 'agent-b': run_agent_b}
