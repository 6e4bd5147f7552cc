"""deltagrad playground under load: training speed while the page polls.

Starts the playground's server in this process on a free port (as ``deltagrad playground``
does, BLAS limited to one thread), configures the chapter's defaults, presses Play and polls
``/api/state`` from a client thread about 12 times a second for ~5 s, as the page does; prints
epochs per second, polls per second, the mean state size and latency. Then resets and times
the whole 1,000 epochs, still polling. Run: ``python benchmarks/playground.py``
(``--blas-threads``: leave NumPy's BLAS its default threads, to see what the limit buys).
"""

from __future__ import annotations

import http.client
import json
import platform
import sys
import threading
import time

from deltagrad import fast
from deltagrad.commands.playground import limit_blas_threads
from deltagrad.playground.server import make_server

POLL_SECONDS = 0.08  # 12.5 polls a second, as the page polls (10-20)


def request(server, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"X-Deltagrad-Token": server.token}
    if body is not None:
        body = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    assert response.status == 200, data[:300]
    return data


class Poller(threading.Thread):
    """Polls /api/state every POLL_SECONDS on one keep-alive connection."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.stop = server, threading.Event()
        self.sizes, self.latencies, self.last = [], [], None

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        headers = {"X-Deltagrad-Token": self.server.token}
        while not self.stop.is_set():
            start = time.perf_counter()
            conn.request("GET", "/api/state", headers=headers)
            body = conn.getresponse().read()
            self.latencies.append(time.perf_counter() - start)
            self.sizes.append(len(body))
            self.last = json.loads(body)
            time.sleep(max(0.0, POLL_SECONDS - (time.perf_counter() - start)))
        conn.close()


def main():
    if "--blas-threads" not in sys.argv:  # the command's setting; the flag shows the default
        limit_blas_threads()
    server = make_server("127.0.0.1", 0)
    serving = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    serving.start()
    print(
        f"engine: {server.session.engine} (Numba available: {fast.available()}); "
        f"{platform.machine()}, Python {platform.python_version()}"
    )
    request(server, "POST", "/api/config", {"epochs": 100_000})  # Play runs the whole 5 s
    request(server, "POST", "/api/control", {"action": "step_epoch"})  # compiles / loads
    request(server, "POST", "/api/control", {"action": "reset"})

    poller = Poller(server)
    poller.start()
    start = time.perf_counter()
    request(server, "POST", "/api/control", {"action": "play"})
    time.sleep(5.0)
    state = json.loads(request(server, "POST", "/api/control", {"action": "pause"}))
    seconds = time.perf_counter() - start
    poller.stop.set()
    poller.join()
    n = len(poller.latencies)
    print(
        f"5 s of Play while polling: {state['epoch']} epochs, "
        f"{state['epoch'] / seconds:.1f} epochs/s; {n / seconds:.1f} polls/s, "
        f"state {sum(poller.sizes) / n / 1e3:.0f} kB on average, latency "
        f"{1e3 * sum(poller.latencies) / n:.1f} ms mean, {1e3 * max(poller.latencies):.1f} ms max"
    )

    request(server, "POST", "/api/config", {})  # the chapter's: 1,000 epochs
    poller = Poller(server)
    poller.start()
    start = time.perf_counter()
    request(server, "POST", "/api/control", {"action": "play"})
    while True:
        state = json.loads(request(server, "GET", "/api/state"))
        if state["status"] != "training":
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    poller.stop.set()
    poller.join()
    accuracy = state["history"]["test_accuracy"][-1]
    print(
        f"the chapter's 1,000 epochs while polling: {seconds:.1f} s "
        f"({state['epoch'] / seconds:.1f} epochs/s), status {state['status']}, "
        f"test accuracy {100 * accuracy:.2f} %, {len(poller.latencies)} polls"
    )
    server.shutdown()
    server.server_close()
    server.session.close()


if __name__ == "__main__":
    main()
