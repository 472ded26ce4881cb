# Per-process runtime of one Python service (the Python counterpart of lib/runtime.mjs).
#
# The OpenTelemetry Python SDK is not installable here (no PyPI), so this module carries W3C trace context
# itself with a small tracer: random 16-byte trace ids / 8-byte span ids from a seeded RNG, the `traceparent`
# header `00-<32 hex>-<16 hex>-01`, the active span in a contextvar. The LOG LIBRARIES are real: stdlib
# logging (+ python-json-logger 2.0 from Debian), structlog 22.3 (Debian), print().
#
# Ground truth goes to side files that are never part of the logs (same format as the Node runtime):
#   <svc>.spans.side.jsonl : one "start" event per span and one "end" event
#   <svc>.lines.side.jsonl : one record per physical line written to stdout, in the same order
# The operation label travels in the hidden header / message field `x-eval-op`, never logged.
import contextvars
import datetime
import http.client
import json
import logging
import os
import random
import signal
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OP_HEADER = 'x-eval-op'
FROM_HEADER = 'x-eval-from'

_span_var = contextvars.ContextVar('eval_span', default=None)   # active Span or RemoteContext
_op_var = contextvars.ContextVar('eval_op', default=None)
_from_var = contextvars.ContextVar('eval_from', default=None)


def iso_ns(ns):
    s, frac = divmod(ns, 1_000_000_000)
    return datetime.datetime.fromtimestamp(s, tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S') + '.%09dZ' % frac


def iso_us(ns):
    s, frac = divmod(ns, 1_000_000_000)
    return datetime.datetime.fromtimestamp(s, tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S') + '.%06dZ' % (frac // 1000)


def rng_for(*parts):
    return random.Random('|'.join(str(p) for p in parts))


def backoff(rng, base, attempt):
    return round(base * 2 ** (attempt - 1) * (0.8 + rng.random() * 0.4))


def hexs(rng, n):
    return ''.join('0123456789abcdef'[rng.randrange(16)] for _ in range(n))


def uuid4(rng):
    h = hexs(rng, 32)
    return f"{h[0:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.randrange(4)]}{h[17:20]}-{h[20:32]}"


def b32(rng, n):
    a = '0123456789abcdefghjkmnpqrstvwxyz'
    return ''.join(a[rng.randrange(32)] for _ in range(n))


def hot(rng, arr, p_hot):
    return arr[0] if rng.random() < p_hot else arr[1 + rng.randrange(len(arr) - 1)]


class RemoteContext:
    """A span context extracted from a carrier (not a local span)."""
    def __init__(self, trace_id, span_id):
        self.trace_id = trace_id
        self.span_id = span_id
        self.local = False


class HttpError(Exception):
    def __init__(self, status, body, target):
        msg = (body.get('error') or {}).get('message') if isinstance(body, dict) and isinstance(body.get('error'), dict) else None
        super().__init__(msg or f'{target} responded {status}')
        self.status = status
        self.body = body


class Span:
    def __init__(self, rt, name, kind, trace_id, span_id, parent_id, attributes, op):
        self.rt = rt
        self.name = name
        self.kind = kind
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_id = parent_id
        self.attributes = dict(attributes or {})
        self.events = []
        self.links = []
        self.op = op
        self.local = True
        self.start_ns = time.time_ns()
        self.end_ns = None
        self.status = 'UNSET'
        self.status_description = None

    def set_attribute(self, k, v):
        self.attributes[k] = v

    def record_exception(self, e):
        self.events.append({'name': 'exception', 'timestamp': iso_us(time.time_ns()), 'attributes': {
            'exception.type': type(e).__name__, 'exception.message': str(e),
            'exception.stacktrace': ''.join(traceback.format_exception(type(e), e, e.__traceback__)),
            'exception.escaped': 'False'}})

    def set_error(self, description=None):
        self.status = 'ERROR'
        self.status_description = description

    def end(self):
        if self.end_ns is not None:
            return
        self.end_ns = time.time_ns()
        self.rt._side_span({'ev': 'end', 'traceId': self.trace_id, 'spanId': self.span_id, 'name': self.name,
                            'end': iso_ns(self.end_ns), 'error': self.status == 'ERROR'})
        for p in self.rt.span_processors:
            p(self)


class SpanScope:
    """`with rt.span(...) as sp:` — activates the span, marks it on error, ends it."""
    def __init__(self, span, end_on_exit=True):
        self.span = span
        self.end_on_exit = end_on_exit

    def __enter__(self):
        self.token = _span_var.set(self.span)
        return self.span

    def __exit__(self, et, e, tb):
        if e is not None and not getattr(e, 'not_an_error', False):
            self.span.record_exception(e)
            self.span.set_error(f'{type(e).__name__}: {e}')
        if self.end_on_exit:
            self.span.end()
        _span_var.reset(self.token)
        return False


class TruthOut:
    """Replaces sys.stdout: whole lines go to fd 1, each noted in the side file under one lock
    (per-thread buffering keeps lines of concurrent threads whole)."""
    def __init__(self, rt):
        self.rt = rt
        self.local = threading.local()
        self.encoding = 'utf-8'

    def write(self, s):
        buf = getattr(self.local, 'buf', '') + s
        if '\n' in buf:
            *lines, rest = buf.split('\n')
            self.local.buf = rest
            with self.rt.lock:
                for line in lines:
                    os.write(1, (line + '\n').encode('utf-8'))
                    self.rt._note()
        else:
            self.local.buf = buf
        return len(s)

    def write_block(self, text, op, trace_id, span_id):
        """A multi-line block whose every line belongs to the given span (a span export)."""
        lines = text.rstrip('\n').split('\n')
        with self.rt.lock:
            for line in lines:
                os.write(1, (line + '\n').encode('utf-8'))
                self.rt._note_ids(op, trace_id, span_id)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        return 1


class Runtime:
    def __init__(self, system_name, service):
        env = os.environ
        self.system = system_name
        self.service = service
        self.variant = env['EVAL_VARIANT']
        self.seed = int(env.get('EVAL_SEED', '1'))
        self.ports = json.loads(env['EVAL_PORTS'])
        self.control = int(env['EVAL_CONTROL_PORT'])
        side = env['EVAL_SIDE_DIR']
        self.extract_context = not (self.variant == 'broken' and env.get('EVAL_BROKEN_SERVICE') == service)
        self.lock = threading.RLock()
        self._side_lock = threading.Lock()
        self._spans_fd = os.open(os.path.join(side, f'{service}.spans.side.jsonl'), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._lines_fd = os.open(os.path.join(side, f'{service}.lines.side.jsonl'), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._idrng = rng_for(self.seed, self.variant, service, 'ids')
        self._id_lock = threading.Lock()
        self.span_processors = []
        self.shutdown_hooks = []
        self.out = TruthOut(self)
        sys.stdout = self.out

    # ---- truth ----
    def _side_span(self, o):
        with self._side_lock:
            os.write(self._spans_fd, (json.dumps(o) + '\n').encode())

    def _note(self):
        cur = _span_var.get()
        self._note_ids(_op_var.get(), cur.trace_id if cur else None, cur.span_id if cur else None)

    def _note_ids(self, op, trace_id, span_id):
        os.write(self._lines_fd, (json.dumps({'op': op, 'traceId': trace_id, 'spanId': span_id}) + '\n').encode())

    # ---- context ----
    def op(self):
        return _op_var.get()

    def current_span(self):
        s = _span_var.get()
        return s if s is not None and s.local else None

    def ids(self):
        s = _span_var.get()
        return (s.trace_id, s.span_id) if s is not None else (None, None)

    def rng(self, salt=''):
        return rng_for(self.seed, self.op(), salt)

    def with_op(self, op):
        _op_var.set(op)

    def _new_id(self, n):
        with self._id_lock:
            return hexs(self._idrng, n)

    def start_span(self, name, kind='INTERNAL', attributes=None, parent='active', op='active', broken_from=None):
        p = _span_var.get() if parent == 'active' else parent
        trace_id = p.trace_id if p is not None else self._new_id(32)
        span_id = self._new_id(16)
        op = _op_var.get() if op == 'active' else op
        sp = Span(self, name, kind, trace_id, span_id, p.span_id if p is not None else None, attributes, op)
        self._side_span({'ev': 'start', 'traceId': trace_id, 'spanId': span_id, 'parentSpanId': sp.parent_id,
                         'service': self.service, 'name': name, 'op': op, 'brokenFrom': broken_from if p is None else None,
                         'start': iso_ns(sp.start_ns)})
        return sp

    def span(self, name, kind='INTERNAL', attributes=None, parent='active'):
        return SpanScope(self.start_span(name, kind, attributes, parent))

    def activate(self, span):
        return SpanScope(span, end_on_exit=False)

    def traceparent(self):
        s = _span_var.get()
        return f'00-{s.trace_id}-{s.span_id}-01' if s is not None else None

    def inject(self, carrier, propagate=True):
        """W3C inject + hidden op/from fields. Returns the carrier."""
        tp = self.traceparent()
        if tp and propagate:
            carrier['traceparent'] = tp
        if _op_var.get():
            carrier[OP_HEADER] = _op_var.get()
        carrier[FROM_HEADER] = self.service
        return carrier

    def extract(self, carrier):
        """Sets op/from vars; returns the remote parent (None when absent or when this service ignores it)."""
        op = carrier.get(OP_HEADER)
        if op:
            _op_var.set(op)
        _from_var.set(carrier.get(FROM_HEADER))
        tp = carrier.get('traceparent')
        if not self.extract_context or not tp:
            return None
        parts = tp.strip().split('-')
        if len(parts) != 4 or len(parts[1]) != 32 or len(parts[2]) != 16:
            return None
        return RemoteContext(parts[1], parts[2])

    def start_remote_child(self, name, kind, parent, attributes=None):
        frm = _from_var.get()
        return self.start_span(name, kind, attributes, parent=parent,
                               broken_from=frm if (parent is None and frm and frm != self.service) else None)

    # ---- HTTP ----
    def serve(self, routes, on_request=None):
        """routes: {'POST /v1/x/{id}': fn(req) -> (status, body) | body}. Each request runs in a fresh
        contextvars context with a SERVER span named '<METHOD> <route>' (FastAPI-instrumentation style)."""
        import re
        table = []
        for k, fn in routes.items():
            method, pattern = k.split(' ', 1)
            names = re.findall(r'\{([a-zA-Z_]+)\}', pattern)
            rx = re.compile('^' + re.sub(r'\{[a-zA-Z_]+\}', '([^/]+)', pattern) + '$')
            table.append((method, pattern, rx, names, fn))
        rt = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _handle(self, method):
                ctx = contextvars.Context()
                ctx.run(self._run, method)

            def _run(self, method):
                n = int(self.headers.get('content-length') or 0)
                raw = self.rfile.read(n) if n else b''
                path, _, qs = self.path.partition('?')
                route = next(((m, p, rx, names, fn) for (m, p, rx, names, fn) in table if m == method and rx.match(path)), None)
                if route is None:
                    return self._send(404, {'error': {'message': 'not found'}})
                _, pattern, rx, names, fn = route
                params = {n: urllib.parse.unquote(v) for n, v in zip(names, rx.match(path).groups())}
                carrier = {k.lower(): v for k, v in self.headers.items()}
                parent = rt.extract(carrier)
                sp = rt.start_remote_child(f'{method} {pattern}', 'SERVER', parent, {'http.method': method, 'http.route': pattern})
                status, body = 500, {}
                with rt.activate(sp):
                    try:
                        body = json.loads(raw) if raw else {}
                    except ValueError:
                        body = {}
                    req = {'params': params, 'body': body, 'headers': carrier, 'query': qs, 'client': self.client_address}
                    try:
                        out = fn(req)
                        status, resp = out if isinstance(out, tuple) else (200, out)
                    except HttpError as e:
                        sp.record_exception(e)
                        status, resp = 502, {'error': {'message': str(e)}}
                    except Exception as e:  # noqa: BLE001
                        sp.record_exception(e)
                        status, resp = 500, {'error': {'message': str(e), 'type': type(e).__name__}}
                    sp.set_attribute('http.status_code', status)
                    if status >= 500:
                        sp.set_error()
                    try:
                        self._send(status, resp)
                    finally:
                        if on_request:
                            on_request(req, method, path, status, self.client_address)
                        sp.end()

            def _send(self, status, body):
                s = json.dumps(body).encode()
                self.send_response(status)
                self.send_header('content-type', 'application/json')
                self.send_header('content-length', str(len(s)))
                self.end_headers()
                self.wfile.write(s)

            def do_POST(self):
                self._handle('POST')

            def do_GET(self):
                self._handle('GET')

            def do_PUT(self):
                self._handle('PUT')

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128
        srv = Server(('127.0.0.1', self.ports[self.service]), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return srv

    def call(self, target, method, path, body=None, propagate=True, timeout=60, span_name=None):
        """HTTP client call in a CLIENT span (named like the requests/httpx instrumentations: the method)."""
        with self.span(span_name or method, 'CLIENT', {'http.method': method, 'server.address': '127.0.0.1', 'server.port': self.ports[target]}) as sp:
            headers = self.inject({'content-type': 'application/json'}, propagate)
            payload = json.dumps(body).encode() if body is not None else None
            if payload is not None:
                headers['content-length'] = str(len(payload))
            conn = http.client.HTTPConnection('127.0.0.1', self.ports[target], timeout=timeout)
            try:
                conn.request(method, path, body=payload, headers=headers)
                res = conn.getresponse()
                data = res.read()
            finally:
                conn.close()
            sp.set_attribute('http.status_code', res.status)
            try:
                parsed = json.loads(data) if data else {}
            except ValueError:
                parsed = {'raw': data.decode('utf-8', 'replace')}
            if res.status >= 400:
                raise HttpError(res.status, parsed, target)
            return parsed

    # ---- launcher control channel (broker, readiness, op completion) ----
    def _control(self, path, body, timeout=60):
        conn = http.client.HTTPConnection('127.0.0.1', self.control, timeout=timeout)
        try:
            payload = json.dumps(body).encode()
            conn.request('POST', path, body=payload, headers={'content-type': 'application/json', 'content-length': str(len(payload))})
            res = conn.getresponse()
            data = res.read()
            return json.loads(data) if data else {}
        finally:
            conn.close()

    def broker_publish(self, queue, message, countdown_ms=0):
        """message: {'headers': {...}, 'body': ...}; hidden routing fields are added here."""
        self._control('/publish', {'queue': queue, 'message': message, 'delay_ms': countdown_ms})

    def broker_consume(self, queue, handler, concurrency=1):
        """Worker threads pulling messages; each message is handled in a fresh contextvars context."""
        def loop():
            while True:
                try:
                    r = self._control('/consume', {'queue': queue, 'wait_ms': 1000}, timeout=10)
                except OSError:
                    time.sleep(0.2)
                    continue
                m = r.get('message')
                if m is not None:
                    contextvars.Context().run(handler, m)
        for i in range(concurrency):
            threading.Thread(target=loop, daemon=True, name=f'{queue}-{i}').start()

    def done(self, op=None):
        self._control('/opdone', {'op': op or self.op()})

    def ready(self):
        self._control('/ready', {'service': self.service})

    def on_shutdown(self, fn):
        self.shutdown_hooks.append(fn)

    def sleep_ms(self, ms):
        time.sleep(ms / 1000.0)

    def run_forever(self):
        def term(signum, frame):
            for fn in self.shutdown_hooks:
                try:
                    contextvars.Context().run(fn)
                except Exception:  # noqa: BLE001
                    pass
            logging.shutdown()
            os._exit(0)
        signal.signal(signal.SIGTERM, term)
        while True:
            time.sleep(0.5)


# ---- logging helpers (real libraries, configured the way services configure them) ----

def install_otel_log_record_factory(rt, service_name):
    """What opentelemetry-instrumentation-logging does: every LogRecord gets otelSpanID, otelTraceID,
    otelTraceSampled, otelServiceName ("0", "0", False outside a span)."""
    old = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = old(*args, **kwargs)
        record.otelSpanID = '0'
        record.otelTraceID = '0'
        record.otelTraceSampled = False
        record.otelServiceName = service_name
        s = _span_var.get()
        if s is not None:
            record.otelSpanID = s.span_id
            record.otelTraceID = s.trace_id
            record.otelTraceSampled = True
        return record
    logging.setLogRecordFactory(factory)


def structlog_otel_processor(trace_key='trace_id', span_key='span_id', flags_key=None):
    """The structlog processor teams write to add the current OTel span to each event."""
    def proc(logger, method_name, event_dict):
        s = _span_var.get()
        if s is not None:
            event_dict[trace_key] = s.trace_id
            event_dict[span_key] = s.span_id
            if flags_key:
                event_dict[flags_key] = '01'
        return event_dict
    return proc


def console_span_exporter(rt, resource_attributes):
    """Prints each ended span the way opentelemetry-sdk's ConsoleSpanExporter does (span.to_json(indent=4)
    + os.linesep, via a SimpleSpanProcessor): one multi-line JSON object per span."""
    def export(span):
        status = {'status_code': span.status}
        if span.status_description:
            status['description'] = span.status_description
        d = {
            'name': span.name,
            'context': {'trace_id': '0x' + span.trace_id, 'span_id': '0x' + span.span_id, 'trace_state': '[]'},
            'kind': 'SpanKind.' + span.kind,
            'parent_id': ('0x' + span.parent_id) if span.parent_id else None,
            'start_time': iso_us(span.start_ns),
            'end_time': iso_us(span.end_ns),
            'status': status,
            'attributes': span.attributes,
            'events': span.events,
            'links': span.links,
            'resource': {'attributes': resource_attributes, 'schema_url': ''},
        }
        rt.out.write_block(json.dumps(d, indent=4) + os.linesep, span.op, span.trace_id, span.span_id)
    rt.span_processors.append(export)
