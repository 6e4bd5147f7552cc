"""The playground's HTTP server: one :class:`~deltagrad.playground.session.Session`, the page's
static files and its JSON API, on the standard library alone (``selectors``, ``socket``,
``concurrent.futures``).

How it serves: one thread (:meth:`PlaygroundServer.serve_forever`) accepts connections and
reads requests without blocking; only a complete request (head and body) goes to a worker of
a fixed pool (``workers`` threads), which answers it in one buffer on a socket with
``TCP_NODELAY`` and hands a kept-alive connection back. An idle or half-sent connection thus
holds no thread, and a client cannot hold the server:

* at most ``max_connections`` connections are open; a new one beyond that closes the one
  waiting longest (idle or half-sent), so a client that opens many cannot lock others out;
* a connection with no request in progress is closed after ``idle_timeout`` seconds; a
  request whose head and body have not all arrived ``request_timeout`` seconds after its first
  byte is answered 408 and closed; the answer must be sent within ``request_timeout`` too;
* request heads are at most ``MAX_HEAD_BYTES`` (else 431); bodies: JSON ``MAX_JSON_BYTES``,
  uploads ``MAX_UPLOAD_BYTES`` (bigger: 413, the body read and dropped up to 64 MiB so the
  client sees the answer), only with a Content-Length (chunked: 400); JSON nested deeper than
  Python's parser allows is a 400, like any other invalid JSON.

Routes (every ``/api`` call needs the token, as the header ``X-Deltagrad-Token`` or as
``?token=``):

* ``GET /?token=T``: the page (``static/index.html``); a wrong or missing token gets a short
  403 page saying to open the address ``deltagrad playground`` printed.
* ``GET /static/<name>``: ``index.html``, ``app.js``, ``style.css`` from the package (a fixed
  list, read with ``importlib.resources``; nothing from the client is joined onto a path).
* ``GET /api/options``, ``GET /api/state`` (``?data_version=N``, optional: ``points`` is null
  when N is the current data's), ``GET /api/changes`` (what the page polls: only what changed
  since what it holds, see :meth:`Session.changes`), ``GET /api/neuron?layer=L&neuron=J`` (one
  neuron's picture, large), ``GET /api/export/model.npz``, ``GET /api/export/metrics.json``;
  ``POST /api/config``, ``POST /api/upload`` (raw CSV text), ``POST /api/control``,
  ``POST /api/learning_rate``, ``POST /api/speed`` (epochs per second while playing). Any
  other method (PUT, DELETE, HEAD, OPTIONS, TRACE, PATCH, …) answers 405 with ``Allow``.

Security model: the server is for the person who started it. It listens on 127.0.0.1 unless
``--host`` says otherwise. Every request's ``Host`` header must be ``NAME:PORT`` where NAME is
a loopback name (``127.0.0.1``, ``localhost``, ``[::1]``), the ``--host`` given, or the address
the client reached the server at (the connection's own local address: with ``--host
0.0.0.0``, the machine's address on that network); names compare case-insensitively and IP
addresses by value (``[FD00::2]`` is ``[fd00::2]``). Any other name — a DNS-rebinding page's —
gets 403. Every API call must carry the per-launch token (``secrets.token_urlsafe(16)``,
compared in constant time), which other local users and other sites' pages do not know.
Request bodies are held in memory only: nothing a client sends is written to disk, and nor is
anything the server sends (``model.npz`` is built in memory). Responses are JSON with
``Cache-Control: no-store``; errors are ``{"error": message, "field": name or null}`` with
status 400, 403, 404, 405, 408, 413 or 431. No request is logged (library code does not print;
the command prints the address).

The whole API — the configuration's fields and limits, the state — is written out in
docs/reference/playground-api.md, with these additions: ``/api/options`` and the state carry
``"engine"`` (``"compiled"`` or ``"numpy"``); ``last_gradients`` carries ``"source"``
(``"sample"`` or ``"training_set"``, see :mod:`.session`); a diverged network's ``model.npz``
is refused with 400 (its weights are not finite, so ``NeuralNetwork.load`` could not read it
back); an internal error answers 500 with the same JSON shape. Interpretation: the train/test
split uses the chapter's ``random_state=42`` for every data set, ``data_seed`` draws the
points (:mod:`.datasets`).
"""

from __future__ import annotations

import ipaddress
import json
import queue
import secrets
import selectors
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from http import HTTPStatus
from importlib import resources

from deltagrad.playground import datasets
from deltagrad.playground.session import (
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    ConfigError,
    Session,
    options,
)

__all__ = [
    "PlaygroundServer",
    "make_server",
    "host_allowed",
    "MAX_JSON_BYTES",
    "MAX_HEAD_BYTES",
    "STATIC_FILES",
    "LOOPBACK",
    "IDLE_TIMEOUT",
    "REQUEST_TIMEOUT",
    "MAX_CONNECTIONS",
    "WORKERS",
]

MAX_JSON_BYTES = 64 * 1024
MAX_HEAD_BYTES = 16 * 1024
IDLE_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0
MAX_CONNECTIONS = 256
WORKERS = 8
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
_MAX_DISCARD = 64 * 1024 * 1024  # refused bodies up to this size are read and dropped
_METHODS = ("GET", "POST")

_FORBIDDEN_PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>deltagrad playground</title>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">
<h1>deltagrad playground</h1>
<p>This address needs the playground's token. Open the address that
<code>deltagrad playground</code> printed when it started (it ends in
<code>?token=…</code>).</p>
</body></html>
"""


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None, allow=None):
        super().__init__(message)
        self.status, self.message, self.field, self.allow = status, message, field, allow


# --- the Host rule ---------------------------------------------------------------------------


def _host_key(name: str) -> str:
    """A host as compared: an IP address in its canonical form (an IPv4-mapped IPv6 address
    as IPv4), any other name lower-cased."""
    bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        address = ipaddress.ip_address(bare.split("%")[0])
    except ValueError:
        return name.lower()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def host_allowed(header: str | None, port: int, names) -> bool:
    """Whether a request's Host ``header`` is ``NAME:port`` with NAME one of ``names``
    (compared as :func:`_host_key` does; an IPv6 NAME in brackets, as URLs write it)."""
    if not header:
        return False
    name, sep, given = header.strip().rpartition(":")
    if not sep or given != str(port) or not name:
        return False
    if ":" in name and not (name.startswith("[") and name.endswith("]")):
        return False  # an IPv6 address without brackets: not how a URL names a host
    return _host_key(name) in {_host_key(n) for n in names}


def _reachable_address(host: str) -> str:
    """An address of this machine that other machines can use, for a wildcard ``host``: the
    address of the interface the default route leaves by (a UDP socket's connect sends
    nothing), else the host name's address, else loopback."""
    ipv6 = ":" in host
    family, probe = (socket.AF_INET6, "2001:db8::1") if ipv6 else (socket.AF_INET, "192.0.2.1")
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.connect((probe, 9))
            address = udp.getsockname()[0]
        if not ipaddress.ip_address(address.split("%")[0]).is_unspecified:
            return address
    except OSError:
        pass
    try:
        address = socket.gethostbyname(socket.gethostname())
        if not ipv6 and not ipaddress.ip_address(address).is_loopback:
            return address
    except OSError:
        pass
    return "::1" if ipv6 else "127.0.0.1"


# --- requests --------------------------------------------------------------------------------


class _Request:
    """One parsed request: ``method``, ``target``, ``path``, ``query``, ``headers`` (names
    lower-cased), ``body``; ``keep_alive``; ``refused`` is the status when the body was
    refused unread (413) and the request is answered that way."""

    def __init__(self, method: str, target: str, version: str, headers: dict[str, str]):
        self.method, self.target, self.headers = method, target, headers
        url = urllib.parse.urlsplit(target)
        self.path, self.query = url.path, urllib.parse.parse_qs(url.query)
        close = "close" in headers.get("connection", "").lower()
        self.keep_alive = version == "HTTP/1.1" and not close
        self.body = b""
        self.length = 0
        self.refused: _HTTPError | None = None


def _parse_head(head: bytes) -> _Request:
    """The request line and headers (without the blank line), or an _HTTPError 400."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[1]:
        raise _HTTPError(400, "bad request line")
    method, target, version = parts
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise _HTTPError(400, f"unsupported protocol {version!r}: use HTTP/1.1")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or " " in name:
            raise _HTTPError(400, f"bad header line {line[:60]!r}")
        key = name.lower()
        if key in headers and key in ("content-length", "host", "transfer-encoding"):
            raise _HTTPError(400, f"more than one {name} header")
        headers[key] = value.strip() if key not in headers else headers[key] + ", " + value.strip()
    request = _Request(method, target, version, headers)
    if "transfer-encoding" in headers:
        raise _HTTPError(400, "send the body with a Content-Length (no chunked encoding)")
    text = headers.get("content-length", "0")
    if not text.isdigit():
        raise _HTTPError(400, f"bad Content-Length: {text!r}")
    request.length = int(text)
    limit, what = _body_limit(request.path)
    if request.length > limit:
        request.refused = _HTTPError(
            413, f"the request body is larger than {what} ({limit:,} bytes)"
        )
    return request


def _body_limit(path: str) -> tuple[int, str]:
    if path == "/api/upload":
        return MAX_UPLOAD_BYTES, "the upload limit"
    return MAX_JSON_BYTES, "the JSON limit"


class _Connection:
    """A client connection: its socket, what it sent that is not yet answered, and times."""

    def __init__(self, sock: socket.socket, now: float):
        self.sock = sock
        self.local = _host_key(str(sock.getsockname()[0]))  # the address the client reached
        self.buffer = bytearray()
        self.request: _Request | None = None  # a head read, its body still arriving
        self.discard = 0  # bytes of a refused body still to drop
        self.started: float | None = None  # when the request in progress began
        self.last = now  # the last activity
        self.continued = False

    def deadline(self, idle_timeout: float, request_timeout: float) -> float:
        if self.started is None:
            return self.last + idle_timeout
        return self.started + request_timeout

    def next_request(self) -> _Request | None:
        """The next complete request from the bytes received, None while incomplete; raises
        _HTTPError for a malformed one."""
        if self.request is None:
            while self.buffer.startswith(b"\r\n"):  # blank lines between requests
                del self.buffer[:2]
            end = self.buffer.find(b"\r\n\r\n", 0, MAX_HEAD_BYTES + 4)
            if end < 0:
                if len(self.buffer) > MAX_HEAD_BYTES:
                    raise _HTTPError(431, f"the request head is over {MAX_HEAD_BYTES:,} bytes")
                return None
            self.request = _parse_head(bytes(self.buffer[:end]))
            del self.buffer[: end + 4]
            if self.request.refused is not None:
                self.request.keep_alive = False
                self.discard = self.request.length if self.request.length <= _MAX_DISCARD else 0
        request = self.request
        if request.refused is not None:
            dropped = min(self.discard, len(self.buffer))
            del self.buffer[:dropped]
            self.discard -= dropped
            if self.discard:
                return None
        elif len(self.buffer) < request.length:
            return None
        else:
            request.body = bytes(self.buffer[: request.length])
            del self.buffer[: request.length]
        self.request = None
        return request

    def wants_continue(self) -> bool:
        """Whether to send ``100 Continue`` now (the client waits for it before the body)."""
        request = self.request
        if self.continued or request is None or request.refused is not None:
            return False
        self.continued = True
        return "100-continue" in request.headers.get("expect", "").lower()


# --- the server ------------------------------------------------------------------------------


class PlaygroundServer:
    """The HTTP server of one session; ``url`` is the address to open (with the token).

    ``serve_forever()`` serves until ``shutdown()``; ``server_close()`` frees the port and
    joins the workers. The limits are keyword arguments (see the module's docstring)."""

    def __init__(
        self,
        host: str,
        port: int,
        session: Session,
        token: str,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        request_timeout: float = REQUEST_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        workers: int = WORKERS,
    ):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:  # as the system makes it: "::" takes IPv4 too where the system says so
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(128)
            self.socket.setblocking(False)
        except OSError:
            self.socket.close()
            raise
        self.session, self.token, self.host = session, token, host
        self.port = self.socket.getsockname()[1]
        self.idle_timeout, self.request_timeout = idle_timeout, request_timeout
        self.max_connections = max_connections
        self.names = {*LOOPBACK, host}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="deltagrad-playground-http")
        self._waiting: dict[socket.socket, _Connection] = {}  # read by the serving thread
        self._open = 0  # connections open, waiting or being answered
        self._count_lock = threading.Lock()
        self._returned: queue.SimpleQueue[_Connection] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    @property
    def url(self) -> str:
        """The address to open, with the token; for a wildcard host, an address of this
        machine that other machines can reach."""
        shown = _reachable_address(self.host) if self.host in WILDCARDS else self.host
        shown = f"[{shown}]" if ":" in shown else shown
        return f"http://{shown}:{self.port}/?token={self.token}"

    # --- the serving thread ------------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Accept and read requests until :meth:`shutdown`; workers answer them."""
        self._stopped.clear()
        selector = selectors.DefaultSelector()
        selector.register(self.socket, selectors.EVENT_READ, "accept")
        selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not self._stopping.is_set():
                for key, _ in selector.select(self._select_timeout(poll_interval)):
                    self._dispatch(selector, key.data)
                self._take_back(selector)
                self._expire(selector)
        finally:
            for conn in list(self._waiting.values()):
                self._drop(selector, conn)
            selector.close()
            self._stopped.set()

    def _dispatch(self, selector, what) -> None:
        """Act on one ready event. A connection may have been dropped earlier in the same
        batch of events (evicted to make room for a new one): it is skipped."""
        if what == "accept":
            self._accept(selector)
        elif what == "wake":
            self._drain_wake()
        else:
            conn = self._waiting.get(what.sock)
            if conn is not None and conn is what:
                self._read(selector, conn)

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait until it has returned."""
        self._stopping.set()
        self._wake()
        self._stopped.wait()

    def server_close(self) -> None:
        """Free the port, finish the answers in progress and join the workers."""
        self._stopping.set()
        self.socket.close()
        self._pool.shutdown(wait=True)
        while True:
            try:
                self._close(self._returned.get_nowait())
            except queue.Empty:
                break
        self._wake_r.close()
        self._wake_w.close()

    def _select_timeout(self, poll_interval: float) -> float:
        deadlines = [
            c.deadline(self.idle_timeout, self.request_timeout) for c in self._waiting.values()
        ]
        if not deadlines:
            return poll_interval
        return max(0.0, min(poll_interval, min(deadlines) - time.monotonic()))

    def _accept(self, selector) -> None:
        for _ in range(64):
            try:
                sock, _ = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of file descriptors, or the client gave up: not fatal
                return
            if self._open >= self.max_connections and not self._evict(selector):
                sock.close()
                continue
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.setblocking(False)
                conn = _Connection(sock, time.monotonic())
            except OSError:
                sock.close()
                continue
            with self._count_lock:
                self._open += 1
            self._wait(selector, conn)

    def _evict(self, selector) -> bool:
        """Close the connection that has waited longest without a complete request, to make
        room for a new one; False when every connection is being answered."""
        if not self._waiting:
            return False
        oldest = min(self._waiting.values(), key=lambda c: c.started or c.last)
        self._drop(selector, oldest)
        return True

    def _wait(self, selector, conn: _Connection) -> None:
        self._waiting[conn.sock] = conn
        selector.register(conn.sock, selectors.EVENT_READ, conn)

    def _drop(self, selector, conn: _Connection) -> None:
        del self._waiting[conn.sock]
        selector.unregister(conn.sock)
        self._close(conn)

    def _close(self, conn: _Connection) -> None:
        try:
            conn.sock.close()
        finally:
            with self._count_lock:
                self._open -= 1

    def _read(self, selector, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(selector, conn)
            return
        now = time.monotonic()
        conn.last = now
        if conn.started is None:
            conn.started = now
        conn.buffer += data
        self._advance(selector, conn)

    def _advance(self, selector, conn: _Connection) -> None:
        """Hand a complete request to a worker, or answer a malformed one and close."""
        try:
            request = conn.next_request()
        except _HTTPError as err:
            self._drop_with(selector, conn, _error_response(err))
            return
        if request is None:
            if conn.wants_continue():
                _try_send(conn.sock, b"HTTP/1.1 100 Continue\r\n\r\n")
            if not conn.buffer and conn.request is None and conn.discard == 0:
                conn.started = None  # nothing of a request yet: idle
            return
        del self._waiting[conn.sock]
        selector.unregister(conn.sock)
        self._pool.submit(self._answer, conn, request)

    def _drop_with(self, selector, conn: _Connection, response: bytes) -> None:
        _try_send(conn.sock, response)
        self._drop(selector, conn)

    def _expire(self, selector) -> None:
        now = time.monotonic()
        for conn in list(self._waiting.values()):
            if now < conn.deadline(self.idle_timeout, self.request_timeout):
                continue
            if conn.started is None:
                self._drop(selector, conn)
            else:
                seconds = f"{self.request_timeout:g}"
                message = f"the request did not arrive whole within {seconds} s"
                self._drop_with(selector, conn, _error_response(_HTTPError(408, message)))

    def _take_back(self, selector) -> None:
        """Kept-alive connections the workers have answered: wait for their next request."""
        while True:
            try:
                conn = self._returned.get_nowait()
            except queue.Empty:
                return
            if self._stopping.is_set():
                self._close(conn)
                continue
            conn.sock.setblocking(False)
            conn.started, conn.last, conn.continued = None, time.monotonic(), False
            self._wait(selector, conn)
            if conn.buffer:  # a pipelined request arrived with the last one
                conn.started = conn.last
                self._advance(selector, conn)

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    # --- the workers -------------------------------------------------------------------------

    def _answer(self, conn: _Connection, request: _Request) -> None:
        """Answer ``request`` in one write; a kept-alive connection goes back to waiting."""
        response, keep_alive = _Exchange(self, conn, request).respond()
        try:
            conn.sock.settimeout(self.request_timeout)
            conn.sock.sendall(response)
        except OSError:
            keep_alive = False
        if keep_alive and not self._stopping.is_set():
            self._returned.put(conn)
            self._wake()
        else:
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            self._close(conn)


def _try_send(sock: socket.socket, data: bytes) -> None:
    try:
        sock.send(data)
    except OSError:
        pass


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    session: Session | None = None,
    token=None,
    **limits,
) -> PlaygroundServer:
    """A server bound to ``host:port`` (0: a free port), not yet serving: call
    ``serve_forever()`` (e.g. in a thread) and ``shutdown()``/``server_close()``. ``limits``:
    ``idle_timeout``, ``request_timeout``, ``max_connections``, ``workers``."""
    session = Session() if session is None else session
    token = secrets.token_urlsafe(16) if token is None else token
    return PlaygroundServer(host, port, session, token, **limits)


# --- answers ---------------------------------------------------------------------------------


def _response(
    status: int,
    body: bytes,
    content_type: str,
    close: bool,
    attachment: str | None = None,
    allow: str | None = None,
) -> bytes:
    """The whole answer, status line to body, as one buffer."""
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "Server: deltagrad-playground",
        f"Date: {formatdate(usegmt=True)}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: no-referrer",
    ]
    if attachment:
        lines.append(f'Content-Disposition: attachment; filename="{attachment}"')
    if allow:
        lines.append(f"Allow: {allow}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _error_response(err: _HTTPError, close: bool = True) -> bytes:
    body = json.dumps({"error": err.message, "field": err.field}).encode()
    return _response(err.status, body, "application/json", close, allow=err.allow)


class _Exchange:
    """One request and its answer (``respond``): the routes, the checks, the API."""

    def __init__(self, server: PlaygroundServer, conn: _Connection, request: _Request):
        self.server, self.conn, self.request = server, conn, request
        self.query = request.query
        self.close = not request.keep_alive

    def respond(self) -> tuple[bytes, bool]:
        """(the answer's bytes, whether the connection stays open)."""
        try:
            response = self._dispatch()
        except _HTTPError as err:
            response = _error_response(err, self.close)
        except Exception as err:  # a bug: answer, never a dropped connection
            message = f"internal error: {type(err).__name__}: {err}"
            response = _error_response(_HTTPError(500, message), self.close)
        if self.request.method == "HEAD":  # an answer to HEAD has headers only
            response = response[: response.index(b"\r\n\r\n") + 4]
        return response, not self.close

    def _dispatch(self) -> bytes:
        request, server = self.request, self.server
        names = (*server.names, self.conn.local)
        if not host_allowed(request.headers.get("host"), server.port, names):
            self.close = True
            return _response(403, b"bad Host header", "text/plain; charset=utf-8", True)
        path = request.path
        if path == "/":
            self._require("GET")
            return self._page()
        if path.startswith("/static/"):
            self._require("GET")
            return self._static(path[len("/static/") :])
        if path == "/api" or path.startswith("/api/"):
            self._check_token()
            if request.refused is not None:
                self.close = True
                raise request.refused
            return self._api(request.method, path)
        raise _HTTPError(404, f"no such page: {path}")

    def _require(self, allowed: str) -> None:
        method = self.request.method
        if method != allowed:
            raise _HTTPError(
                405, f"{self.request.path} takes {allowed}, not {method}", None, allowed
            )

    def _token_ok(self, given) -> bool:
        return isinstance(given, str) and secrets.compare_digest(
            given.encode(), self.server.token.encode()
        )

    def _check_token(self) -> None:
        given = self.request.headers.get("x-deltagrad-token") or self.query.get("token", [None])[0]
        if not self._token_ok(given):
            raise _HTTPError(
                403, "missing or wrong token: open the address deltagrad playground printed"
            )

    def _send(self, body: bytes, content_type: str, attachment: str | None = None) -> bytes:
        return _response(200, body, content_type, self.close, attachment)

    def _json(self, data) -> bytes:
        return self._send(json.dumps(data, allow_nan=False).encode(), "application/json")

    # --- pages -------------------------------------------------------------------------------

    def _page(self) -> bytes:
        if not self._token_ok(self.query.get("token", [None])[0]):
            return _response(403, _FORBIDDEN_PAGE.encode(), STATIC_FILES["index.html"], self.close)
        return self._static("index.html")

    def _static(self, name: str) -> bytes:
        if name not in STATIC_FILES:
            raise _HTTPError(404, f"no such file: /static/{name}")
        try:
            body = resources.files("deltagrad.playground").joinpath("static", name).read_bytes()
        except (FileNotFoundError, OSError):
            raise _HTTPError(404, f"not installed: /static/{name}") from None
        return self._send(body, STATIC_FILES[name])

    # --- the API -----------------------------------------------------------------------------

    def _api(self, method: str, path: str) -> bytes:
        session = self.server.session
        get = {
            "/api/options": lambda: self._json(options(session.engine)),
            "/api/state": self._state,
            "/api/changes": self._changes,
            "/api/neuron": lambda: self._json(
                session.neuron(self._integer("layer"), self._integer("neuron"))
            ),
            "/api/export/model.npz": self._export_model,
            "/api/export/metrics.json": self._export_metrics,
        }
        post = {
            "/api/config": lambda: self._json(session.configure(self._body_json())),
            "/api/upload": self._upload,
            "/api/control": lambda: self._json(session.control(self._field("action"))),
            "/api/learning_rate": lambda: self._json(
                session.set_learning_rate(self._field("learning_rate"))
            ),
            "/api/speed": lambda: self._json(session.set_speed(self._field("speed"))),
        }
        routes = get if method == "GET" else post if method == "POST" else {}
        if path not in routes:
            if path in get or path in post:
                allowed = "GET" if path in get else "POST"
                raise _HTTPError(405, f"{path} takes {allowed}, not {method}", None, allowed)
            if method not in _METHODS:
                raise _HTTPError(
                    405, f"the API takes GET and POST, not {method}", None, "GET, POST"
                )
            raise _HTTPError(404, f"no such API call: {path}")
        try:
            return routes[path]()
        except ConfigError as err:
            raise _HTTPError(400, str(err), err.field) from None

    def _integer(self, name: str) -> int | None:
        text = self.query.get(name, [None])[0]
        try:
            return int(text) if text is not None else None
        except ValueError:
            raise _HTTPError(400, f"{name} must be an integer", name) from None

    def _state(self) -> bytes:
        body = self.server.session.state_json(self._integer("data_version"))
        return self._send(body, "application/json")

    def _changes(self) -> bytes:
        body = self.server.session.changes(
            run=self._integer("run"),
            rows=self._integer("rows") or 0,
            params_version=self._integer("params_version"),
            data_version=self._integer("data_version"),
        )
        return self._send(body, "application/json")

    def _export_model(self) -> bytes:
        try:
            body = self.server.session.model_bytes()
        except ValueError as err:
            raise _HTTPError(400, str(err)) from None
        return self._send(body, "application/octet-stream", attachment="model.npz")

    def _export_metrics(self) -> bytes:
        body = self.server.session.metrics_bytes()
        return self._send(body, "application/json", attachment="metrics.json")

    def _upload(self) -> bytes:
        try:
            answer = self.server.session.upload(self.request.body)
        except datasets.TooManyRows as err:
            raise _HTTPError(413, f"{err} (at most {MAX_ROWS:,} rows)") from None
        except ValueError as err:
            raise _HTTPError(400, str(err), "csv") from None
        return self._json(answer)

    # --- bodies ------------------------------------------------------------------------------

    def _body_json(self):
        body = self.request.body
        try:
            return json.loads(body.decode("utf-8")) if body else None
        except RecursionError:
            raise _HTTPError(400, "the request body is JSON nested too deeply") from None
        except (UnicodeDecodeError, ValueError):
            raise _HTTPError(400, "the request body is not valid JSON") from None

    def _field(self, name: str):
        body = self._body_json()
        if not isinstance(body, dict):
            raise _HTTPError(400, f'expected a JSON object {{"{name}": ...}}', name)
        unknown = [key for key in body if key != name]
        if unknown:
            raise _HTTPError(400, f"unknown field {unknown[0]!r}", unknown[0])
        if name not in body:
            raise _HTTPError(400, f"missing field {name!r}", name)
        return body[name]
