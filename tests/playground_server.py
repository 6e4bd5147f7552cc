"""Shared by the playground tests: the server in this process, on a free port, in a thread."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from deltagrad.playground.server import PlaygroundServer, make_server


@contextlib.contextmanager
def running(token: str, host: str = "127.0.0.1", **limits) -> Iterator[PlaygroundServer]:
    """A playground server on ``host`` answering to ``token`` (``limits``: the server's
    timeouts and caps), stopped (thread joined, port and session closed) when the block ends."""
    srv = make_server(host, 0, token=token, **limits)
    thread = threading.Thread(target=srv.serve_forever, args=(0.005,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        thread.join(timeout=10)
        srv.server_close()
        srv.session.close()
