"""gunicorn settings for the portal: gunicorn -c scripts/gunicorn.conf.py "portal:create_app()".

Every value can be changed from the environment (names below) without editing this file.
"""

import os

#: Where to listen. Behind nginx on the same machine: loopback only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threaded workers: a slow client (a phone on a weak 3G link) ties up one thread, not a whole
# process, so a handful of slow uploads cannot take every worker. nginx in front buffers
# requests and responses too (see README "Deploy"), which is the main protection.
worker_class = "gthread"
#: Processes: about one per core plus one (the default suits 2 cores).
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
#: Threads per process: requests in flight per worker while others wait on the database.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A request that runs longer than this is killed and its worker restarted (PDF exports of a
# whole province are the slowest pages, a few seconds).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
#: Keep-alive between nginx and gunicorn; nginx holds the clients' own connections.
keepalive = 5
# Recycle workers now and then so slow leaks cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

# The proxy: gunicorn trusts X-Forwarded-* only from these addresses. The portal itself reads
# the client's address and scheme through PORTAL_PROXIES (werkzeug's ProxyFix), so keep this
# to the proxy's own address (loopback when nginx runs on the same machine).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The portal writes one JSON line per request itself (portal/logs.py, LOG_FORMAT): no access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# A request id from nginx passes through; big headers (long cookies) still fit.
limit_request_field_size = 8190
