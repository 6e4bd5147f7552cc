"""The playground's HTTP server: the standard library's ``ThreadingHTTPServer``, one
:class:`~deltagrad.playground.session.Session`, and the page's static files.

Routes (every ``/api`` call needs the token, as the header ``X-Deltagrad-Token`` or as
``?token=``):

* ``GET /?token=T``: the page (``static/index.html``); a wrong or missing token gets a short
  403 page saying to open the address ``deltagrad playground`` printed.
* ``GET /static/<name>``: ``index.html``, ``app.js``, ``style.css`` from the package (a fixed
  list, read with ``importlib.resources``; nothing from the client is joined onto a path).
* ``GET /api/options``, ``GET /api/state`` (``?data_version=N``, optional: ``points`` is null
  when N is the current data's), ``GET /api/export/model.npz``,
  ``GET /api/export/metrics.json``; ``POST /api/config``, ``POST /api/upload`` (raw CSV text),
  ``POST /api/control``, ``POST /api/learning_rate``.

Security model: the server is for the person who started it. It listens on 127.0.0.1 unless
``--host`` says otherwise. Every request's ``Host`` header must name the address it listens on
(``127.0.0.1:PORT``, ``localhost:PORT``, ``[::1]:PORT``, or ``HOST:PORT`` for an explicit
host), which stops DNS-rebinding pages; every API call must carry the per-launch token
(``secrets.token_urlsafe(16)``, compared in constant time), which other local users and other
sites' pages do not know. Request bodies are limited (JSON 64 KiB, uploads
``MAX_UPLOAD_BYTES``; bigger: 413 before the body is read) and held in memory only: nothing a
client sends is written to disk. Responses are JSON with ``Cache-Control: no-store``; errors
are ``{"error": message, "field": name or null}`` with status 400, 403, 404, 405 or 413.
No request is logged (library code does not print; the command prints the address).

The whole API — the configuration's fields and limits, the state — is written out in
docs/reference/playground-api.md, with these additions: ``/api/options`` and the state carry
``"engine"`` (``"compiled"`` or ``"numpy"``); ``last_gradients`` carries ``"source"``
(``"sample"`` or ``"training_set"``, see :mod:`.session`); ``GET /api/state?data_version=N``
answers ``"points": null`` when N is current; a diverged network's ``model.npz`` is refused
with 400 (its weights are not finite, so ``NeuralNetwork.load`` could not read it back); an
internal error answers 500 with the same JSON shape. Interpretation: the train/test split
uses the chapter's ``random_state=42`` for every data set, ``data_seed`` draws the points
(:mod:`.datasets`).
"""

from __future__ import annotations

import json
import secrets
import socket
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from deltagrad.playground import datasets
from deltagrad.playground.session import (
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    ConfigError,
    Session,
    options,
)

__all__ = ["PlaygroundServer", "make_server", "MAX_JSON_BYTES", "STATIC_FILES", "LOOPBACK"]

MAX_JSON_BYTES = 64 * 1024
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_MAX_DISCARD = 64 * 1024 * 1024  # refused bodies up to this size are read and dropped

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
    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def _host_names(host: str) -> set[str]:
    """What a Host header may name (before ``:PORT``): the loopback names and ``host``."""
    return {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host.lower()}


class PlaygroundServer(ThreadingHTTPServer):
    """The HTTP server of one session; ``url`` is the address to open (with the token)."""

    daemon_threads = True
    block_on_close = True

    def __init__(self, host: str, port: int, session: Session, token: str):
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)
        self.session, self.token, self.host = session, token, host
        self.port = self.server_address[1]
        self.allowed_hosts = {f"{name}:{self.port}" for name in _host_names(host)}

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}/?token={self.token}"

    def handle_error(self, request, client_address) -> None:
        """Quiet: a client that hangs up mid-answer is no error worth a traceback, and the
        handler answers every other failure itself."""


def make_server(
    host: str = "127.0.0.1", port: int = 0, session: Session | None = None, token=None
) -> PlaygroundServer:
    """A server bound to ``host:port`` (0: a free port), not yet serving: call
    ``serve_forever()`` (e.g. in a thread) and ``shutdown()``/``server_close()``."""
    session = Session() if session is None else session
    token = secrets.token_urlsafe(16) if token is None else token
    return PlaygroundServer(host, port, session, token)


class _Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    protocol_version = "HTTP/1.1"
    server_version = "deltagrad-playground"
    sys_version = ""

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        """No request lines on stderr."""

    # --- dispatch ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        try:
            if self.headers.get("Host", "").lower() not in self.server.allowed_hosts:
                self._send(403, b"bad Host header", "text/plain; charset=utf-8", close=True)
                return
            url = urllib.parse.urlsplit(self.path)
            self.query = urllib.parse.parse_qs(url.query)
            path = url.path
            if path == "/":
                self._require(method, "GET")
                self._page()
            elif path.startswith("/static/"):
                self._require(method, "GET")
                self._static(path[len("/static/") :])
            elif path == "/api" or path.startswith("/api/"):
                self._check_token()
                self._api(method, path)
            else:
                raise _HTTPError(404, f"no such page: {path}")
        except _HTTPError as err:
            self._error(err.status, err.message, err.field)
        except Exception as err:  # a bug: answer, never a dropped connection
            self._error(500, f"internal error: {type(err).__name__}: {err}")

    def _require(self, method: str, allowed: str) -> None:
        if method != allowed:
            raise _HTTPError(405, f"{self.path.split('?')[0]} takes {allowed}, not {method}")

    def _token_ok(self, given) -> bool:
        return isinstance(given, str) and secrets.compare_digest(
            given.encode(), self.server.token.encode()
        )

    def _check_token(self) -> None:
        given = self.headers.get("X-Deltagrad-Token") or self.query.get("token", [None])[0]
        if not self._token_ok(given):
            raise _HTTPError(
                403, "missing or wrong token: open the address deltagrad playground printed"
            )

    # --- pages -------------------------------------------------------------------------------

    def _page(self) -> None:
        if not self._token_ok(self.query.get("token", [None])[0]):
            self._send(403, _FORBIDDEN_PAGE.encode(), "text/html; charset=utf-8")
            return
        self._static("index.html")

    def _static(self, name: str) -> None:
        if name not in STATIC_FILES:
            raise _HTTPError(404, f"no such file: /static/{name}")
        try:
            body = resources.files("deltagrad.playground").joinpath("static", name).read_bytes()
        except (FileNotFoundError, OSError):
            raise _HTTPError(404, f"not installed: /static/{name}") from None
        self._send(200, body, STATIC_FILES[name])

    # --- the API -----------------------------------------------------------------------------

    def _api(self, method: str, path: str) -> None:
        session = self.server.session
        get = {
            "/api/options": lambda: self._json(options(session.engine)),
            "/api/state": self._state,
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
        }
        routes = get if method == "GET" else post if method == "POST" else {}
        if path not in routes:
            if path in get or path in post:
                allowed = "GET" if path in get else "POST"
                raise _HTTPError(405, f"{path} takes {allowed}, not {method}")
            raise _HTTPError(404, f"no such API call: {path}")
        try:
            routes[path]()
        except ConfigError as err:
            raise _HTTPError(400, str(err), err.field) from None

    def _state(self) -> None:
        known = self.query.get("data_version", [None])[0]
        try:
            data_version = int(known) if known is not None else None
        except ValueError:
            raise _HTTPError(400, "data_version must be an integer", "data_version") from None
        self._send(200, self.server.session.state_json(data_version), "application/json")

    def _export_model(self) -> None:
        try:
            body = self.server.session.model_bytes()
        except ValueError as err:
            raise _HTTPError(400, str(err)) from None
        self._send(200, body, "application/octet-stream", attachment="model.npz")

    def _export_metrics(self) -> None:
        body = self.server.session.metrics_bytes()
        self._send(200, body, "application/json", attachment="metrics.json")

    def _upload(self) -> None:
        body = self._body(MAX_UPLOAD_BYTES, "the upload limit")
        try:
            answer = self.server.session.upload(body)
        except datasets.TooManyRows as err:
            raise _HTTPError(413, f"{err} (at most {MAX_ROWS:,} rows)") from None
        except ValueError as err:
            raise _HTTPError(400, str(err), "csv") from None
        self._json(answer)

    # --- bodies ------------------------------------------------------------------------------

    def _body(self, limit: int, what: str) -> bytes:
        text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise _HTTPError(400, "send the body with a Content-Length (no chunked encoding)")
        try:
            length = int(text) if text is not None else 0
        except ValueError:
            self.close_connection = True
            raise _HTTPError(400, f"bad Content-Length: {text!r}") from None
        if length < 0:
            self.close_connection = True
            raise _HTTPError(400, f"bad Content-Length: {text!r}")
        if length > limit:
            self._discard(length)
            raise _HTTPError(413, f"the request body is larger than {what} ({limit:,} bytes)")
        return self.rfile.read(length) if length else b""

    def _discard(self, length: int) -> None:
        """Read and drop a refused body, so the client reads the answer instead of a reset
        connection; a very large one is not read and the connection is closed."""
        self.close_connection = True
        if length > _MAX_DISCARD:
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                return
            length -= len(chunk)

    def _body_json(self):
        body = self._body(MAX_JSON_BYTES, "the JSON limit")
        try:
            return json.loads(body.decode("utf-8")) if body else None
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

    # --- answers -----------------------------------------------------------------------------

    def _json(self, data, status: int = 200) -> None:
        self._send(status, json.dumps(data, allow_nan=False).encode(), "application/json")

    def _error(self, status: int, message: str, field: str | None = None) -> None:
        self._json({"error": message, "field": field}, status)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        attachment: str | None = None,
        close: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if attachment:
            self.send_header("Content-Disposition", f'attachment; filename="{attachment}"')
        if close or self.close_connection:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
