# celery-reports: a Celery-like report pipeline in Python.
#   web --(broker: queue "default")--> worker-default: fetch_dataset -> normalize -> group(render_page x N)
#   --(queue "render")--> worker-render (other host, clock +380 ms) --chord--> assemble -> notify --HTTP--> web
#   both workers call the datastore over HTTP.
# Each service is its own python3 process (generator/py/service.py) with the generator's own small W3C tracer
# (generator/py/evalrt.py: the OTel Python SDK is not installable here); the broker is the launcher's control
# channel (messages with Celery protocol-2 headers and a `traceparent` header as opentelemetry-instrumentation-celery
# injects it). The log libraries are real: stdlib logging + python-json-logger, structlog.
import contextvars
import logging
import sys
import threading
import time
import urllib.parse

import structlog
from pythonjsonlogger import jsonlogger

import evalrt
from evalrt import HttpError, backoff, hexs, hot, rng_for, uuid4

ACCOUNTS = ['acct_100234', 'acct_100017', 'acct_100018', 'acct_100412', 'acct_100933', 'acct_101250', 'acct_101777', 'acct_102001']
KINDS = ['usage-summary', 'invoice-pack', 'audit-trail']
PERIODS = ['2026-08', '2026-09', '2026-10', '2026-11']
RENDER_SKEW_S = 0.380   # worker-render's host clock runs 380 ms ahead

SYSTEM = {
    'name': 'celery-reports',
    'services': [{'name': n} for n in ['web', 'worker-default', 'worker-render', 'datastore']],
    'entry': 'web',
    'inFlight': [10, 18],
    'arrivalMaxMs': 220,
    'asyncDone': True,
    'settleMs': 3000,
}


def schedule(rng, n_ops):
    ops = []
    for n in range(1, n_ops + 1):
        account = hot(rng, ACCOUNTS, 0.35)
        if rng.random() < 0.3:
            req = {'method': 'POST', 'path': '/api/exports', 'body': {'account': account, 'format': rng.choice(['csv', 'xlsx']), 'period': rng.choice(PERIODS)}}
        else:
            req = {'method': 'POST', 'path': '/api/reports', 'body': {'account': account, 'kind': rng.choice(KINDS), 'period': rng.choice(PERIODS), 'pages': rng.randint(2, 5)}}
        ops.append({'op': 'op-%04d' % n, 'request': req})
    return ops


# ---------------------------------------------------------------- a tiny Celery: publish / consume with tracing

class Retry(Exception):
    not_an_error = True   # celery.exceptions.Retry: the run span is not an error

    def __init__(self, countdown_s, exc):
        super().__init__(f'Retry in {countdown_s:g}s: {exc!r}')
        self.countdown_s = countdown_s
        self.exc = exc


def publish_task(rt, queue, name, task_id, kwargs, root_id, parent_id, group=None, retries=0, countdown_s=0, embed=None, on_enqueued=None):
    """Task.apply_async: a PRODUCER span `apply_async/<task>` (opentelemetry-instrumentation-celery), Celery
    protocol-2 headers plus the injected `traceparent`."""
    with rt.span(f'apply_async/{name}', 'PRODUCER', {'celery.action': 'apply_async', 'celery.task_name': name,
                                                      'messaging.message.id': task_id, 'messaging.destination': queue}):
        if on_enqueued:
            on_enqueued()
        eta = None
        if countdown_s:
            eta = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(time.time() + countdown_s)) + '+00:00'
        headers = {'lang': 'py', 'task': name, 'id': task_id, 'shadow': None, 'eta': eta, 'expires': None, 'group': group,
                   'group_index': None, 'retries': retries, 'timelimit': [None, None], 'root_id': root_id, 'parent_id': parent_id,
                   'argsrepr': '()', 'kwargsrepr': repr(kwargs), 'origin': f'gen{rt.ports[rt.service]}@{HOSTS[rt.service]}', 'ignore_result': False}
        rt.inject(headers)
        rt.broker_publish(queue, {'headers': headers, 'body': [[], kwargs, embed or {}], 'properties': {'delivery_info': {'routing_key': queue}}},
                          countdown_ms=int(countdown_s * 1000))


HOSTS = {'web': 'web-7f9c6d-2xkqp', 'worker-default': 'ip-10-0-1-12', 'worker-render': 'ip-10-0-2-37', 'datastore': 'datastore-0'}


def consume(rt, queue, tasks, concurrency, log_received, log_done):
    """Worker: receive (logged outside any span, like celery.worker.strategy), then a CONSUMER span
    `run/<task>` around the task body; success / retry lines inside it (celery.app.trace)."""
    def handle(msg):
        h = msg['headers']
        parent = rt.extract(h)
        log_received(h)
        sp = rt.start_remote_child(f"run/{h['task']}", 'CONSUMER', parent,
                                   {'celery.action': 'run', 'celery.task_name': h['task'], 'messaging.message.id': h['id'], 'celery.state': 'STARTED'})
        t = time.time()
        with rt.activate(sp):
            req = {'id': h['id'], 'task': h['task'], 'root_id': h['root_id'], 'parent_id': h['parent_id'], 'group': h['group'],
                   'retries': h['retries'], 'kwargs': msg['body'][1], 'embed': msg['body'][2], 'queue': queue}
            try:
                result = tasks[h['task']](req)
                sp.set_attribute('celery.state', 'SUCCESS')
                log_done(h, 'success', time.time() - t, result)
            except Retry as r:
                sp.set_attribute('celery.state', 'RETRY')
                log_done(h, 'retry', time.time() - t, r)
            except Exception as e:  # noqa: BLE001
                sp.record_exception(e)
                sp.set_error(f'{type(e).__name__}: {e}')
                sp.set_attribute('celery.state', 'FAILURE')
                log_done(h, 'failure', time.time() - t, e)
            finally:
                sp.end()
    rt.broker_consume(queue, handle, concurrency)


# ---------------------------------------------------------------- web (stdlib logging + python-json-logger)

def stdlib_json(rt, fmt, **kw):
    evalrt.install_otel_log_record_factory(rt, rt.service)
    h = logging.StreamHandler(sys.stdout)
    h.setFormatter(jsonlogger.JsonFormatter(fmt, **kw))
    logging.getLogger().handlers[:] = [h]
    logging.getLogger().setLevel(logging.INFO)
    return h


def run_web(rt):
    stdlib_json(rt, '%(asctime)s %(levelname)s %(name)s %(message)s')
    log = logging.getLogger('reports.views')
    access = logging.getLogger('gunicorn.access')
    logging.getLogger('gunicorn.error').info('Listening at: http://127.0.0.1:%d (%d)', rt.ports[rt.service], 7)

    def enqueue_report(req):
        b = req['body']
        rng = rt.rng('web')
        report_id = 'rpt_' + hexs(rng, 12)
        ids = {k: uuid4(rng) for k in ('fetch', 'normalize', 'assemble', 'notify', 'group')}
        log.info('report requested', extra={'report_id': report_id, 'account_id': b['account'], 'kind': b['kind'], 'period': b['period'], 'pages': b['pages']})
        embed = {'chain': [{'task': 'reports.notify', 'id': ids['notify']}, {'task': 'reports.normalize', 'id': ids['normalize']}],
                 'chord': {'group_id': ids['group'], 'header_size': b['pages'], 'callback': {'task': 'reports.assemble', 'id': ids['assemble']}}}
        kwargs = {'report_id': report_id, 'account_id': b['account'], 'period': b['period'], 'pages': b['pages'], 'ids': ids}
        publish_task(rt, 'default', 'reports.fetch_dataset', ids['fetch'], kwargs, root_id=ids['fetch'], parent_id=None, embed=embed)
        log.info('workflow enqueued', extra={'report_id': report_id, 'task_id': ids['fetch'], 'chain_length': 4})
        return 202, {'report_id': report_id, 'task_id': ids['fetch']}

    def enqueue_export(req):
        b = req['body']
        rng = rt.rng('web')
        export_id = 'exp_' + hexs(rng, 12)
        ids = {'export': uuid4(rng), 'notify': uuid4(rng)}
        log.info('export requested', extra={'export_id': export_id, 'account_id': b['account'], 'format': b['format'], 'period': b['period']})
        kwargs = {'report_id': export_id, 'account_id': b['account'], 'period': b['period'], 'format': b['format'], 'ids': ids}
        publish_task(rt, 'default', 'exports.export_table', ids['export'], kwargs, root_id=ids['export'], parent_id=None,
                     embed={'chain': [{'task': 'reports.notify', 'id': ids['notify']}]})
        log.info('export enqueued', extra={'export_id': export_id, 'task_id': ids['export']})
        return 202, {'export_id': export_id, 'task_id': ids['export']}

    def ready(req):
        b = req['body']
        rid = req['params']['report_id']
        log.info('report ready', extra={'report_id': rid, 'url': b['url'], 'task_id': b['task_id'], 'root_id': b['root_id']})
        threading.Thread(target=contextvars.copy_context().run, args=(rt.done,), daemon=True).start()
        return {'ok': True}

    def access_line(req, method, path, status, client):
        access.info('127.0.0.1 - - "%s %s HTTP/1.1" %d', method, path, status)

    rt.serve({'POST /api/reports': enqueue_report, 'POST /api/exports': enqueue_export,
              'POST /internal/reports/{report_id}/ready': ready}, on_request=access_line)
    rt.on_shutdown(lambda: logging.getLogger('gunicorn.error').info('Shutting down: Master'))


# ---------------------------------------------------------------- worker-default (structlog, concurrency 4)

def run_worker_default(rt):
    structlog.configure(processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt='iso'),
        evalrt.structlog_otel_processor('trace_id', 'span_id'),
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ], logger_factory=structlog.WriteLoggerFactory(file=sys.stdout))
    log = structlog.get_logger('celery.worker')
    log.info('worker_ready', hostname=f"celery@{HOSTS['worker-default']}", concurrency=4, queues=['default'])

    def received(h):
        log.info('task_received', task_id=h['id'], task_name=h['task'], parent_task_id=h['parent_id'], root_task_id=h['root_id'])

    def done(h, how, runtime, info):
        if how == 'success':
            log.info('task_succeeded', task_id=h['id'], task_name=h['task'], runtime=round(runtime, 3))
        elif how == 'retry':
            log.warning('task_retrying', task_id=h['id'], task_name=h['task'], reason=str(info))
        else:
            log.error('task_failed', task_id=h['id'], task_name=h['task'], error=repr(info), exc_info=info)

    def child(req, name, task_id, kwargs, queue='default', **kw):
        publish_task(rt, queue, name, task_id, kwargs, root_id=req['root_id'], parent_id=req['id'],
                     on_enqueued=lambda: log.info('task_enqueued', child_task_id=task_id, child_task_name=name), **kw)

    def bind(req):
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(task_id=req['id'], task_name=req['task'], report_id=req['kwargs']['report_id'])

    def datastore(method, path, body=None):
        return rt.call('datastore', method, path, body, timeout=30)

    def fetch_dataset(req):
        bind(req)
        k = req['kwargs']
        rng = rng_for(rt.seed, req['id'], 'fetch')
        rows, cursor, page = 0, None, 0
        while True:
            page += 1
            r = datastore('GET', f"/v1/datasets/{k['account_id']}/{k['period']}" + (f'?cursor={cursor}' if cursor else ''))
            rows += r['rows']
            log.info('dataset page fetched', account_id=k['account_id'], page=page, rows=r['rows'], cursor=r.get('next'))
            cursor = r.get('next')
            if not cursor:
                break
        time.sleep(rng.randint(50, 200) / 1000)
        child(req, 'reports.normalize', k['ids']['normalize'], {**k, 'rows': rows})
        return {'rows': rows}

    def normalize(req):
        bind(req)
        k = req['kwargs']
        rng = rng_for(rt.seed, req['id'], 'normalize')
        time.sleep(rng.randint(100, 400) / 1000)
        log.info('dataset normalized', rows_in=k['rows'], rows_out=k['rows'] - rng.randint(0, 30), period=k['period'])
        g = k['ids']['group']
        log.info('chord started', group_id=g, header_size=k['pages'], callback='reports.assemble')
        for i in range(k['pages']):
            child(req, 'reports.render_page', uuid4(rng), {'report_id': k['report_id'], 'page': i + 1, 'of': k['pages'], 'ids': k['ids'],
                                                          'account_id': k['account_id']}, queue='render', group=g)
        return {'group': g}

    def assemble(req):
        bind(req)
        k = req['kwargs']
        rng = rng_for(rt.seed, req['id'], 'assemble')
        log.info('assembling report', pages=k['pages'], group_id=k['ids']['group'])
        r = datastore('POST', f"/v1/reports/{k['report_id']}/bundle", {'pages': k['pages']})
        time.sleep(rng.randint(80, 300) / 1000)
        child(req, 'reports.notify', k['ids']['notify'], {'report_id': k['report_id'], 'url': r['url'], 'account_id': k['account_id']})
        return {'url': r['url']}

    def export_table(req):
        bind(req)
        k = req['kwargs']
        rng = rng_for(rt.seed, req['id'], 'export')
        if req['retries'] == 0 and rng.random() < 0.2:
            wait = backoff(rng, 1000, 1) / 1000
            log.warning('datastore busy, will retry', account_id=k['account_id'], countdown=round(wait, 2))
            child(req, 'exports.export_table', req['id'], k, retries=1, countdown_s=round(wait, 2),
                  embed={'chain': [{'task': 'reports.notify', 'id': k['ids']['notify']}]})
            raise Retry(round(wait, 2), ConnectionError('datastore: 503 Service Unavailable'))
        r = datastore('GET', f"/v1/datasets/{k['account_id']}/{k['period']}")
        time.sleep(rng.randint(100, 500) / 1000)
        url = f"s3://reports/{k['account_id']}/{k['report_id']}.{k['format']}"
        log.info('export written', rows=r['rows'], format=k['format'], url=url)
        child(req, 'reports.notify', k['ids']['notify'], {'report_id': k['report_id'], 'url': url, 'account_id': k['account_id']})
        return {'url': url}

    def notify(req):
        bind(req)
        k = req['kwargs']
        r = rt.call('web', 'POST', f"/internal/reports/{k['report_id']}/ready", {'url': k['url'], 'task_id': req['id'], 'root_id': req['root_id']})
        log.info('customer notified', account_id=k['account_id'], url=k['url'], ok=r.get('ok'))
        return None

    consume(rt, 'default', {'reports.fetch_dataset': fetch_dataset, 'reports.normalize': normalize, 'reports.assemble': assemble,
                            'exports.export_table': export_table, 'reports.notify': notify}, 4, received, done)
    rt.on_shutdown(lambda: log.info('worker_shutdown', hostname=f"celery@{HOSTS['worker-default']}"))


# ---------------------------------------------------------------- worker-render (stdlib logging JSON, other host, concurrency 3)

class HostClock(logging.Filter):
    """This host's clock runs ahead: the records' times are shifted (the truth spans are not)."""
    def filter(self, record):
        record.created += RENDER_SKEW_S
        record.msecs = (record.created - int(record.created)) * 1000
        return True


def run_worker_render(rt):
    h = stdlib_json(rt, '%(levelname)s %(name)s %(processName)s %(message)s', timestamp=True)
    h.addFilter(HostClock())
    wlog = logging.getLogger('celery.worker.strategy')
    tlog = logging.getLogger('celery.app.trace')
    log = logging.getLogger('reports.render')
    logging.getLogger('celery.apps.worker').info('celery@%s ready.', HOSTS['worker-render'])
    chords = {}
    chord_lock = threading.Lock()

    def received(h):
        wlog.info('Task %s[%s] received', h['task'], h['id'])

    def done(h, how, runtime, info):
        if how == 'success':
            tlog.info('Task %s[%s] succeeded in %.6fs: %r', h['task'], h['id'], runtime, info)
        elif how == 'retry':
            tlog.info('Task %s[%s] retry: %s', h['task'], h['id'], info)
        else:
            tlog.error('Task %s[%s] raised unexpected: %r', h['task'], h['id'], info, exc_info=info)

    def render_page(req):
        k = req['kwargs']
        rng = rng_for(rt.seed, req['id'], req['retries'], 'render')
        log.info('rendering page', extra={'report_id': k['report_id'], 'page': k['page'], 'of': k['of'], 'attempt': req['retries'] + 1})
        time.sleep(rng.randint(150, 600) / 1000)
        if req['retries'] < 2 and rng.random() < 0.12:
            countdown = round(backoff(rng, 800, req['retries'] + 1) / 1000, 2)
            publish_task(rt, 'render', req['task'], req['id'], k, root_id=req['root_id'], parent_id=req['parent_id'], group=req['group'],
                         retries=req['retries'] + 1, countdown_s=countdown)
            raise Retry(countdown, RuntimeError('RendererBusy: chromium pool exhausted'))
        key = f"s3://report-pages/{k['report_id']}/page-{k['page']:03d}.pdf"   # boto3 upload: not instrumented, no span
        log.info('page uploaded', extra={'report_id': k['report_id'], 'page': k['page'], 'object_key': key, 'bytes': rng.randint(20000, 400000)})
        with chord_lock:   # on_chord_part_return: the last part applies the callback
            chords[req['group']] = chords.get(req['group'], 0) + 1
            last = chords[req['group']] == k['of']
        if last:
            log.info('chord complete, applying callback', extra={'group_id': req['group'], 'parts': k['of']})
            ids = k['ids']
            publish_task(rt, 'default', 'reports.assemble', ids['assemble'], {'report_id': k['report_id'], 'pages': k['of'], 'ids': ids,
                                                                              'account_id': k['account_id']},
                         root_id=req['root_id'], parent_id=req['id'])
        return key

    consume(rt, 'render', {'reports.render_page': render_page}, 3, received, done)
    rt.on_shutdown(lambda: logging.getLogger('celery.apps.worker').info('Warm shutdown (MainProcess)'))


# ---------------------------------------------------------------- datastore (stdlib logging JSON, renamed id keys)

def run_datastore(rt):
    stdlib_json(rt, '%(asctime)s %(levelname)s %(name)s %(otelTraceID)s %(otelSpanID)s %(message)s', timestamp=True,
                rename_fields={'otelTraceID': 'trace_id', 'otelSpanID': 'span_id', 'levelname': 'level'},
                reserved_attrs=list(jsonlogger.RESERVED_ATTRS) + ['otelServiceName', 'otelTraceSampled'])
    log = logging.getLogger('datastore.api')
    log.info('datastore listening', extra={'port': rt.ports[rt.service]})

    def dataset(req):
        p = req['params']
        rng = rng_for(rt.seed, rt.op(), p['account'], req['query'])
        page = int(req['query'].split('=')[1][-1]) if req['query'] else 1
        rows = rng.randint(500, 5000)
        nxt = f'c{rng.randint(1000, 9999)}p{page + 1}' if page < 3 and rng.random() < 0.45 else None
        time.sleep(rng.randint(30, 180) / 1000)
        log.info('dataset scan', extra={'account': p['account'], 'period': p['period'], 'rows': rows, 'page': page})
        return {'rows': rows, 'next': nxt}

    def put_object(req):
        key = req['params']['key']
        time.sleep(rng_for(key).randint(20, 90) / 1000)
        log.info('object stored', extra={'key': key, 'size': req['body']['bytes']})
        return {'etag': hexs(rng_for(key, 'etag'), 32)}

    def bundle(req):
        rid = req['params']['report_id']
        time.sleep(rng_for(rid).randint(50, 250) / 1000)
        url = f'https://files.example.com/reports/{rid}.zip'
        log.info('bundle created', extra={'report': rid, 'pages': req['body']['pages'], 'url': url})
        return {'url': url}

    rt.serve({'GET /v1/datasets/{account}/{period}': dataset, 'PUT /v1/objects/{key}': put_object,
              'POST /v1/reports/{report_id}/bundle': bundle})


RUN = {'web': run_web, 'worker-default': run_worker_default, 'worker-render': run_worker_render, 'datastore': run_datastore}
