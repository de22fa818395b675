"""gunicorn settings for the web process (`gunicorn config.wsgi -c gunicorn.conf.py`).

Everything can be overridden from the environment; the defaults suit a 2–4 core server."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(multiprocessing.cpu_count() * 2 + 1, 9))))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# Several gunicorn processes (masters) may share one port, the kernel spreading connections over
# them (SO_REUSEPORT), as two web machines behind a balancer would: `make bench BENCH_ARGS=chaos`.
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "false").lower() in {"1", "true", "yes"}
# Exports and the weekly report download can take a while on a big city; never hang forever.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never takes the site down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Loaded after fork so each worker opens its own database connections.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# Trust X-Forwarded-* only from the reverse proxy in front (its address, comma-separated).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Headers and request lines beyond these are refused before Django sees them.
limit_request_line = 8190
limit_request_fields = 100


def post_worker_init(worker):
    """After the worker has loaded Django: the objects loaded so far (modules, settings, URL
    patterns, compiled templates) are moved out of the cyclic garbage collector's sight
    (gc.freeze), and its first generation is collected less often (GUNICORN_GC_THRESHOLD,
    "gen0,gen1,gen2"; "" keeps Python's default 700,10,10). A page builds thousands of
    short-lived objects (ORM rows, template nodes' contexts); at 700 allocations a collection
    the collector ran several times per request."""
    import gc

    spec = os.environ.get("GUNICORN_GC_THRESHOLD", "50000,20,100").strip()
    gc.freeze()
    if spec:
        gc.set_threshold(*(int(part) for part in spec.split(",")))
