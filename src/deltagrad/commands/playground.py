"""Train the chapter's network in your browser and watch it learn (chapter 7.7, 7.9): the
decision boundary, every neuron's output over the plane, the weights and their gradients, the
loss and accuracy curves, and one sample's delta rule with its numbers.

Starts a small web server in this process on 127.0.0.1 (a free port unless --port), prints
its address (with a token, new at every launch) and opens it in the browser (unless
--no-browser). Choose a data set (the chapter's moons, circles, xor, blobs, spiral, or your
own CSV: x1, x2, label), the hidden layers, activation, loss, initialisation, learning rate
and batch size; Play trains with the compiled engine when Numba works. The defaults are the
chapter's: make_moons(2000, noise 0.2), the 70/30 split, 2 -> 25 -> 50 -> 25 -> 2, sigmoid,
MSE, learning rate 0.01, per-sample SGD, 1,000 epochs. Ctrl-C stops it.

Only this computer can reach it by default. Every request must name the server's own address
(a defence against DNS rebinding) and every API call must carry the token, so other users of
the machine and other web pages cannot drive it. Nothing you upload is written to disk. With
--host set to an address other networks can reach, anyone there who knows the token can use
it; with --host 0.0.0.0 it prints this machine's address on the network, which other machines
can open. Idle and half-sent connections are timed out and their number is capped
(docs/reference/playground-api.md).
"""

from __future__ import annotations

import argparse
import sys
import threading
import webbrowser

from deltagrad.commands import common, flags

NAME = "playground"
HELP = "train the chapter's network in the browser and watch it learn (7.7, 7.9)"

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def limit_blas_threads():
    """Keep NumPy's BLAS to one thread in this process (the playground's own): its matrices
    are small, and idle BLAS threads spinning on the second core slow the training thread's
    compiled epochs several times on a busy 2-core machine. Returns threadpoolctl's limiter
    (None without threadpoolctl, which scikit-learn installs)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on it
        return None
    return threadpool_limits(limits=1, user_api="blas")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=flags.port,
        default=0,
        metavar="N",
        help="port to listen on (default: 0, a free port)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help="address to listen on (default: 127.0.0.1, this computer only); another "
        "address lets anyone on that network who knows the token use it",
    )
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="print the address but do not open a browser",
    )


def run(args: argparse.Namespace) -> int:
    from deltagrad import fast
    from deltagrad.playground.server import make_server

    host = args.host.strip()
    if not host:
        raise common.UsageError("--host is empty; give an address, e.g. 127.0.0.1")
    if host.lower() not in LOOPBACK_HOSTS:
        print(
            f"deltagrad playground: warning: listening on {host}, not only this computer: "
            "anyone on the network who knows the token can use it",
            file=sys.stderr,
            flush=True,
        )
    try:
        server = make_server(host, args.port)
    except OSError as err:
        raise common.UsageError(
            f"cannot listen on {host}:{args.port}: {err.strerror or err}"
        ) from None
    limit_blas_threads()
    note = fast.status()["note"] if server.session.engine == "compiled" else None
    if note:
        print(f"deltagrad playground: note: {note}", file=sys.stderr)
    thread = threading.Thread(
        target=server.serve_forever, name="deltagrad-playground-http", daemon=True
    )
    try:  # from here on, Ctrl-C stops the server cleanly (exit 0)
        thread.start()
        print(f"deltagrad playground: {server.url}")
        print("Ctrl-C stops it", flush=True)
        if not args.no_browser:
            webbrowser.open(server.url)
        thread.join()  # until Ctrl-C (KeyboardInterrupt) or SIGTERM (SystemExit)
    except KeyboardInterrupt:
        pass
    finally:
        if thread.is_alive():
            server.shutdown()
            thread.join()
        server.server_close()  # the port is free again
        server.session.close()  # the training thread joined
    print("stopped", flush=True)
    return 0
