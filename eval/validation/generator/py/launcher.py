# Runs ONE variant of a Python system (called by generate.mjs for systems whose definition names a Python
# module): starts every service as its own python3 process (stdout = its log file), hosts the control
# channel (readiness, operation completion, and the message broker with delayed delivery for countdowns),
# drives the seeded scenario over plain HTTP (the driver is not traced), shuts the services down with
# SIGTERM and prints run statistics as one JSON line.
#   python3 launcher.py <system.py> <variant> <outDir> <sideDir> <portBase> <seed> <ops> <brokenService>
import http.client
import importlib.util
import json
import os
import random
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))


def load_system(path):
    spec = importlib.util.spec_from_file_location('evalsystem', path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, HERE)
    spec.loader.exec_module(mod)
    return mod


def main():
    sys_file, variant, out_dir, side_dir, port_base, seed, n_ops, broken = sys.argv[1:9]
    port_base, seed, n_ops = int(port_base), int(seed), int(n_ops)
    system = load_system(sys_file)
    S = system.SYSTEM
    names = [s['name'] for s in S['services']]
    ports = {n: port_base + i for i, n in enumerate(names)}
    control_port = port_base + 49
    state = {'last': time.time(), 'shutting': False}
    ready = set()
    ready_cv = threading.Condition()
    done_events = {}
    done_early = set()
    done_lock = threading.Lock()
    queues = {}
    q_cv = threading.Condition()
    mq_rng = random.Random(f'{seed}|mq|{variant}')

    class Control(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get('content-length') or 0)
            body = json.loads(self.rfile.read(n) or b'{}')
            out = {}
            if self.path == '/ready':
                with ready_cv:
                    ready.add(body['service'])
                    ready_cv.notify_all()
                state['last'] = time.time()
            elif self.path == '/opdone':
                state['last'] = time.time()
                with done_lock:
                    ev = done_events.get(body['op'])
                    if ev:
                        ev.set()
                    else:
                        done_early.add(body['op'])
            elif self.path == '/publish':
                state['last'] = time.time()
                with q_cv:
                    at = time.time() + (body.get('delay_ms') or 0) / 1000.0 + mq_rng.randint(3, 40) / 1000.0
                    queues.setdefault(body['queue'], []).append((at, body['message']))
                    q_cv.notify_all()
            elif self.path == '/consume':
                deadline = time.time() + body.get('wait_ms', 1000) / 1000.0
                with q_cv:
                    while True:
                        q = queues.get(body['queue'], [])
                        now = time.time()
                        idx = next((i for i, (at, _) in enumerate(q) if at <= now), None)
                        if idx is not None:
                            out = {'message': q.pop(idx)[1]}
                            state['last'] = time.time()
                            break
                        nxt = min((at for at, _ in q), default=None)
                        wait = deadline - now if nxt is None else min(deadline, nxt) - now
                        if now >= deadline:
                            break
                        q_cv.wait(max(0.005, wait))
            s = json.dumps(out).encode()
            self.send_response(200)
            self.send_header('content-length', str(len(s)))
            self.end_headers()
            self.wfile.write(s)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, request, client_address):
            pass  # consumers killed at shutdown while long-polling
    ctl = Server(('127.0.0.1', control_port), Control)
    threading.Thread(target=ctl.serve_forever, daemon=True).start()

    env = dict(os.environ, EVAL_VARIANT=variant, EVAL_SIDE_DIR=side_dir, EVAL_PORTS=json.dumps(ports), EVAL_SEED=str(seed),
               EVAL_CONTROL_PORT=str(control_port), EVAL_BROKEN_SERVICE=broken, PYTHONPATH=HERE, PYTHONUNBUFFERED='1', PYTHONDONTWRITEBYTECODE='1', TZ='UTC')
    procs = {}
    files = {}

    def spawn(name):
        procs[name] = subprocess.Popen([sys.executable, os.path.join(HERE, 'service.py'), sys_file, name],
                                       stdout=files[name][0], stderr=files[name][1], env=env, cwd=HERE)

    for n in names:
        files[n] = (open(os.path.join(out_dir, f'{n}.jsonl'), 'ab'), open(os.path.join(side_dir, f'{n}.stderr.log'), 'ab'))
        spawn(n)

    def monitor():
        while not state['shutting']:
            for n, p in list(procs.items()):
                if p.poll() is not None and not state['shutting']:
                    sys.stderr.write(f'  [{S["name"]}/{variant}] {n} died ({p.returncode}); restarting\n')
                    time.sleep(0.4)
                    spawn(n)
            time.sleep(0.2)
    threading.Thread(target=monitor, daemon=True).start()
    with ready_cv:
        while not all(n in ready for n in names):
            if not ready_cv.wait(30):
                raise SystemExit(f'services not ready: {set(names) - ready}')

    # ---- drive the scenario ----
    ops = system.schedule(random.Random(f'{seed}|schedule'), n_ops)
    drv = random.Random(f'{seed}|driver|{variant}')
    lo, hi = S['inFlight']
    limit = drv.randint(lo, hi)
    done_at, started_at = {}, {}
    inflight = {'n': 0, 'max': 0}
    samples = []
    finished = threading.Event()
    count = {'n': 0}
    lock = threading.Lock()
    pending = list(ops)
    t0 = time.time()

    def send(o):
        req = o['request']
        port = ports[req.get('service') or S['entry']]
        payload = json.dumps(req['body']).encode() if req.get('body') is not None else None
        ev = None
        if S.get('asyncDone') and not o.get('syncOnly'):
            with done_lock:
                ev = threading.Event()
                if o['op'] in done_early:
                    ev.set()
                done_events[o['op']] = ev
        try:
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
            headers = {'content-type': 'application/json', 'x-eval-op': o['op'], **(req.get('headers') or {})}
            if payload is not None:
                headers['content-length'] = str(len(payload))
            conn.request(req['method'], req['path'], body=payload, headers=headers)
            conn.getresponse().read()
            conn.close()
        except OSError as e:
            sys.stderr.write(f'driver: {o["op"]}: {e}\n')
        if ev is not None:
            ev.wait(90)
        with lock:
            inflight['n'] -= 1
            done_at[o['op']] = time.time()
            count['n'] += 1
            if count['n'] == len(ops):
                finished.set()

    while pending:
        if drv.random() < 0.02:
            limit = drv.randint(lo, hi)
        with lock:
            samples.append(inflight['n'])
            now = time.time()
            for i, o in enumerate(pending):
                if inflight['n'] >= limit:
                    break
                if o.get('after') and (o['after'] not in done_at or now < done_at[o['after']] + o.get('gapMs', 0) / 1000.0):
                    continue
                started_at[o['op']] = now
                pending.pop(i)
                inflight['n'] += 1
                inflight['max'] = max(inflight['max'], inflight['n'])
                threading.Thread(target=send, args=(o,), daemon=True).start()
                break  # at most one new operation per tick
        time.sleep(drv.randint(15, S.get('arrivalMaxMs', 120)) / 1000.0)
    while not finished.wait(0.2):
        with lock:
            samples.append(inflight['n'])
    # let queues and stragglers settle
    while time.time() - state['last'] < S.get('settleMs', 2500) / 1000.0:
        time.sleep(0.2)
    state['shutting'] = True
    for n in names:
        procs[n].terminate()
    for n in names:
        try:
            procs[n].wait(8)
        except subprocess.TimeoutExpired:
            procs[n].kill()
            procs[n].wait()
        files[n][0].close()
        files[n][1].close()
    ctl.shutdown()
    print(json.dumps({'ops': len(ops), 'maxInflight': inflight['max'],
                      'meanInflight': round(sum(samples) / max(1, len(samples)), 1), 'wallSeconds': round(time.time() - t0)}))


if __name__ == '__main__':
    main()
