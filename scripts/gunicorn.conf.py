"""gunicorn settings for the portal: gunicorn -c scripts/gunicorn.conf.py "portal:create_app()".

Every value can be changed from the environment (names below) without editing this file.
"""

import contextlib
import os
import socket
import threading
import time

from gunicorn.workers import gthread

#: Where to listen. Behind nginx on the same machine: loopback only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threaded workers (gthread, ThreadedPortalWorker below): a request in progress holds one
# thread; idle connections wait in the worker's poller and hold none. nginx in front (README
# "Deploy") buffers requests and answers, so slow clients never reach gunicorn at all; these
# settings are for when they do.
#: Processes: about one per core plus one (the default suits 2 cores).
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
#: Threads per process: requests in flight per worker while others wait on the database.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A worker whose main loop stops answering this long is killed and restarted. Threaded
# workers answer while their threads work, so this does not cut long requests (PDF exports of
# a whole province, the slowest pages, take a few seconds).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
#: Seconds an idle connection stays open: kept alive after an answer, or opened and silent.
#: Both wait in the worker's poller, not in a thread. Keep nginx's upstream
#: keepalive_timeout below it (README "Deploy"), so nginx never reuses one gunicorn closes.
keepalive = 5
#: Connections one worker holds open at once (idle ones included); beyond it, it stops
#: accepting and the other workers take them.
worker_connections = 1000
#: Seconds a client has to send its request line and headers; a slower one (a phone on a
#: weak link, or someone trickling bytes on purpose) is answered 408 and disconnected. Not a
#: gunicorn setting: ThreadedPortalWorker below enforces it.
HEADER_TIMEOUT = int(os.environ.get("GUNICORN_HEADER_TIMEOUT", "10"))
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
# A request id from nginx passes through; big headers (long cookies) still fit. With gunicorn's
# limit_request_line (4094) and limit_request_fields (100), a request head stays a few KB.
limit_request_field_size = 8190

REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


class ThreadedPortalWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker, with a deadline for the request head.

    gthread reads a request's line and headers in a thread with a blocking socket and no time
    limit: a client sending a byte now and then holds that thread for as long as it likes, and
    `threads` such clients stop the worker. Here a connection still sending its head after
    HEADER_TIMEOUT seconds is answered 408 and closed by the worker's main loop, which checks
    about once a second.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.heads_lock = threading.Lock()
        #: Thread id -> (deadline, connection) while that thread reads a request head.
        self.heads = {}

    def handle(self, conn):
        # A new connection with nothing to read yet goes back to the poller at once: gunicorn
        # would otherwise hold a thread for up to 5 s waiting for its first byte.
        if hasattr(conn, "wait_for_data") and not conn.initialized and not conn.wait_for_data(0):
            return gthread._DEFER
        me = threading.get_ident()
        with self.heads_lock:
            self.heads[me] = (time.monotonic() + HEADER_TIMEOUT, conn)
        try:
            return super().handle(conn)
        finally:
            with self.heads_lock:
                self.heads.pop(me, None)

    def handle_request(self, req, conn):
        # The head is in: from here the request is the application's.
        with self.heads_lock:
            self.heads.pop(threading.get_ident(), None)
        return super().handle_request(req, conn)

    def murder_keepalived(self, *args, **kwargs):
        super().murder_keepalived(*args, **kwargs)
        now = time.monotonic()
        with self.heads_lock:
            late = [key for key, (deadline, _) in self.heads.items() if deadline <= now]
            conns = [self.heads.pop(key)[1] for key in late]
        for conn in conns:
            self.log.warning(
                "request head not received within %ss from %s: closed",
                HEADER_TIMEOUT,
                conn.client,
            )
            # The reading thread sees the connection end and lets it go.
            with contextlib.suppress(OSError, ValueError):
                conn.sock.send(REQUEST_TIMEOUT, socket.MSG_DONTWAIT)
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)


worker_class = ThreadedPortalWorker
