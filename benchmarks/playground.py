"""deltagrad playground under load: what the page's polling costs, and training speed.

Starts ``deltagrad playground --no-browser`` in a child process (as a user does: BLAS limited
to one thread, the compiled engine when Numba works) and talks to it over HTTP from this one:

1. small answers (``GET /api/options``, ~1 kB) on one kept-alive connection and on a new
   connection each: median milliseconds (Nagle's algorithm meeting delayed ACKs shows as
   ~40 ms on the kept-alive one);
2. 5 s of Play with one page polling 12.5 times a second, then with ``--pollers`` pages (50):
   epochs per second, polls per second, bytes per poll, median and 90th-percentile latency;
3. the chapter's whole 1,000 epochs with one page polling: seconds, test accuracy.

``--protocol changes`` (the default) polls as the page does now, ``GET /api/changes`` with
what it holds; ``--protocol state`` polls the whole state, ``GET /api/state?data_version=N``,
as the page did before (it also runs against the old server, for the before/after table in
benchmarks/README.md). Run: ``python benchmarks/playground.py [--protocol state]``.

``--suggested`` instead measures what ``deltagrad.playground.suggested.SUGGESTED`` records:
each data set's suggested settings trained for their epochs in a playground session (the
default data, seed 0), the test accuracy reached, next to the chapter's settings for as many
epochs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

POLL_SECONDS = 0.08  # 12.5 polls a second, as the page polls
ADDRESS = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)")


class Client:
    """One kept-alive connection to the playground."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"X-Deltagrad-Token": token}

    def call(self, method: str, path: str, body=None) -> bytes:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        answer = response.read()
        assert response.status == 200, answer[:300]
        return answer

    def close(self) -> None:
        self.conn.close()


class Poller(threading.Thread):
    """A page polling every POLL_SECONDS on one kept-alive connection, by ``protocol``."""

    def __init__(self, port: int, token: str, protocol: str, data_version: int, parse: bool):
        super().__init__(daemon=True)
        self.client, self.protocol, self.parse = Client(port, token), protocol, parse
        self.held = {"data_version": data_version}
        self.stop = threading.Event()
        self.sizes: list[int] = []
        self.latencies: list[float] = []
        self.last: dict | None = None

    def path(self) -> str:
        if self.protocol == "state":
            return f"/api/state?data_version={self.held['data_version']}"
        return "/api/changes?" + urllib.parse.urlencode(self.held)

    def run(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            body = self.client.call("GET", self.path())
            self.latencies.append(time.perf_counter() - start)
            self.sizes.append(len(body))
            if self.parse or self.protocol == "changes":
                self.last = json.loads(body)
                if self.protocol == "changes":
                    keys = ("run", "rows", "params_version", "data_version")
                    self.held = {k: self.last[k] for k in keys}
            time.sleep(max(0.0, POLL_SECONDS - (time.perf_counter() - start)))
        self.client.close()


def start_playground():
    proc = subprocess.Popen(
        [sys.executable, "-m", "deltagrad", "playground", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        match = ADDRESS.search(line)
        if match:
            return proc, int(match.group(1)), match.group(2)
    raise RuntimeError(f"the playground did not start: {proc.stderr.read() if proc.stderr else ''}")


def small_answers(port: int, token: str, n: int = 100) -> tuple[float, float]:
    """Median ms of ``GET /api/options`` on one kept-alive connection, and on new ones."""
    kept, fresh = [], []
    client = Client(port, token)
    for _ in range(n):
        start = time.perf_counter()
        client.call("GET", "/api/options")
        kept.append(time.perf_counter() - start)
    client.close()
    for _ in range(n):
        start = time.perf_counter()
        other = Client(port, token)
        other.call("GET", "/api/options")
        other.close()
        fresh.append(time.perf_counter() - start)
    return 1e3 * statistics.median(kept), 1e3 * statistics.median(fresh)


def play_while_polling(port, token, protocol, data_version, pages, seconds=5.0):
    control = Client(port, token)
    control.call("POST", "/api/control", {"action": "reset"})
    pollers = [Poller(port, token, protocol, data_version, parse=False) for _ in range(pages)]
    for poller in pollers:
        poller.start()
    start = time.perf_counter()
    control.call("POST", "/api/control", {"action": "play"})
    time.sleep(seconds)
    state = json.loads(control.call("POST", "/api/control", {"action": "pause"}))
    elapsed = time.perf_counter() - start
    for poller in pollers:
        poller.stop.set()
    for poller in pollers:
        poller.join()
    control.close()
    latencies = sorted(t for p in pollers for t in p.latencies)
    sizes = [s for p in pollers for s in p.sizes]
    print(
        f"  {pages:>2} page(s) polling for {elapsed:.1f} s of Play: "
        f"{state['epoch'] / elapsed:.0f} epochs/s; {len(latencies) / elapsed:.1f} polls/s, "
        f"{statistics.mean(sizes) / 1e3:.1f} kB per poll, latency median "
        f"{1e3 * statistics.median(latencies):.1f} ms, 90th percentile "
        f"{1e3 * latencies[int(0.9 * (len(latencies) - 1))]:.1f} ms"
    )


def chapter_run(port, token, protocol, data_version) -> None:
    control = Client(port, token)
    control.call("POST", "/api/config", {})  # the chapter's: 1,000 epochs
    poller = Poller(port, token, protocol, data_version, parse=True)
    poller.start()
    start = time.perf_counter()
    control.call("POST", "/api/control", {"action": "play"})
    while True:
        time.sleep(0.05)
        if poller.last is not None and poller.last["status"] not in ("training", "ready"):
            break
    seconds = time.perf_counter() - start
    poller.stop.set()
    poller.join()
    state = json.loads(control.call("GET", "/api/state"))
    control.close()
    print(
        f"the chapter's 1,000 epochs with a page polling: {seconds:.1f} s "
        f"({state['epoch'] / seconds:.0f} epochs/s), status {state['status']}, test accuracy "
        f"{100 * state['history']['test_accuracy'][-1]:.2f} %, {len(poller.sizes)} polls of "
        f"{statistics.mean(poller.sizes) / 1e3:.1f} kB on average"
    )


def suggested_accuracies() -> None:
    """Each data set: test accuracy with the chapter's settings and with its suggested ones."""
    from deltagrad.playground.session import Session
    from deltagrad.playground.suggested import SUGGESTED, measure

    print("data set   chapter's settings   suggested (recorded)   seconds")
    for name, suggestion in SUGGESTED.items():
        epochs = suggestion["settings"]["epochs"]
        session = Session("auto", {"data": name, "epochs": epochs})
        session.play()
        session.wait()
        chapter = session.state(with_points=False)["history"]["test_accuracy"][-1]
        session.close()
        start = time.perf_counter()
        accuracy = measure(name)
        seconds = time.perf_counter() - start
        print(
            f"{name:9}  {100 * chapter:17.2f} %  {100 * accuracy:7.2f} % "
            f"({100 * suggestion['test_accuracy']:.2f} %)  {seconds:8.1f}   after {epochs} epochs"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", choices=("changes", "state"), default="changes")
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--suggested", action="store_true", help="measure SUGGESTED instead")
    args = parser.parse_args()
    if args.suggested:
        suggested_accuracies()
        return
    proc, port, token = start_playground()
    try:
        control = Client(port, token)
        options = json.loads(control.call("GET", "/api/options"))
        print(
            f"protocol {args.protocol}; engine {options.get('engine')}; "
            f"{platform.machine()}, Python {platform.python_version()}"
        )
        control.call("POST", "/api/config", {"epochs": 100_000})  # Play runs the whole 5 s
        state = json.loads(control.call("POST", "/api/control", {"action": "step_epoch"}))
        control.close()
        kept, fresh = small_answers(port, token)
        print(
            f"small answers (GET /api/options): median {kept:.2f} ms on one kept-alive "
            f"connection, {fresh:.2f} ms on a new connection each"
        )
        print("5 s of Play while pages poll 12.5 times a second:")
        for pages in (1, args.pollers):
            play_while_polling(port, token, args.protocol, state["data_version"], pages)
        chapter_run(port, token, args.protocol, state["data_version"])
    finally:
        proc.terminate()
        proc.wait(timeout=60)


if __name__ == "__main__":
    main()
