"""``deltagrad playground`` as a user runs it: a subprocess that prints its address, serves
the API with the token, and stops cleanly on Ctrl-C (SIGINT) with exit code 0."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import time
import urllib.parse

import pytest

ADDRESS = re.compile(r"deltagrad playground: (http://127\.0\.0\.1:(\d+)/\?token=([\w-]+))")


@pytest.fixture
def playground():
    proc = subprocess.Popen(
        [sys.executable, "-m", "deltagrad", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _read_address(proc):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = ADDRESS.search(line)
        if match:
            return match.group(1), int(match.group(2)), match.group(3)
        assert line, f"exited without an address: {proc.stderr.read()}"
    raise AssertionError("no address within 60 s")


def test_serves_with_the_token_and_stops_on_ctrl_c(playground):
    url, port, token = _read_address(playground)
    assert urllib.parse.urlsplit(url).query == f"token={token}"
    assert playground.stdout.readline().strip() == "Ctrl-C stops it"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/options", headers={"X-Deltagrad-Token": token})
    response = conn.getresponse()
    assert response.status == 200
    assert json.loads(response.read())["defaults"]["hidden"] == [25, 50, 25]
    conn.request("GET", "/api/options", headers={"X-Deltagrad-Token": "nope"})
    response = conn.getresponse()
    assert response.status == 403
    response.read()
    conn.request(
        "POST",
        "/api/control",
        body=b'{"action": "play"}',
        headers={"X-Deltagrad-Token": token, "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    assert json.loads(response.read())["status"] == "training"
    conn.close()

    playground.send_signal(signal.SIGINT)
    out, err = playground.communicate(timeout=30)
    assert playground.returncode == 0, err
    assert out.strip().endswith("stopped")
    assert "GET /api" not in err and "Traceback" not in err  # no request lines, no errors
    with pytest.raises(OSError):  # the port is free: nothing answers there any more
        http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/")


def test_non_loopback_host_warns():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "deltagrad",
            "playground",
            "--no-browser",
            "--host",
            "0.0.0.0",
            "--port",
            "70000",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "65535" in proc.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "deltagrad", "playground", "--no-browser", "--host", "0.0.0.0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        # An address that works from elsewhere, not 0.0.0.0 (which names no machine), and
        # that the server accepts as the Host it was reached at.
        url = urllib.parse.urlsplit(line.split(": ", 1)[1].strip())
        assert url.hostname != "0.0.0.0"
        token = urllib.parse.parse_qs(url.query)["token"][0]
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        conn.request("GET", "/api/options", headers={"X-Deltagrad-Token": token})
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "anyone on the network who knows the token" in err
    assert proc.returncode == 0


def test_help_describes_it():
    proc = subprocess.run(
        [sys.executable, "-m", "deltagrad", "playground", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    for text in ("--no-browser", "--port", "--host", "token", "7.7"):
        assert text in proc.stdout
