"""The playground's HTTP API (deltagrad playground) against its reference,
docs/reference/playground-api.md: the server runs in this process on a free port, and every
test talks to it over HTTP."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import tempfile
import threading
import time

import numpy as np
import pytest

import playground_server
from deltagrad import model_files
from deltagrad.backprop import NeuralNetwork
from deltagrad.data import chapter_data
from deltagrad.experiments.explain import chapter_sample, explain, weighted_sum, worked_example
from deltagrad.playground import session as ps
from deltagrad.playground.server import host_allowed
from deltagrad.playground.suggested import SETTINGS_FIELDS, SUGGESTED, measure, suggested_config

TOKEN = "test-token-0123456789"


@pytest.fixture
def server():
    with playground_server.running(TOKEN) as srv:
        yield srv


def call(srv, method, path, body=None, token=TOKEN, host=None, headers=None):
    """(status, headers, body bytes); ``body`` a dict/list is sent as JSON, bytes as they are."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    h = {"Host": host or f"127.0.0.1:{srv.port}"}
    if token is not None:
        h["X-Deltagrad-Token"] = token
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    try:
        conn.request(method, path, body=body, headers=h)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def api(srv, method, path, body=None, status=200, **kwargs):
    code, headers, data = call(srv, method, path, body, **kwargs)
    assert code == status, data[:500]
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    return json.loads(data)


def wait_for(srv, predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = api(srv, "GET", "/api/state")
        if predicate(state):
            return state
        time.sleep(0.05)
    raise AssertionError(f"timed out; last state: {state['status']} epoch {state['epoch']}")


# --- security ----------------------------------------------------------------------------


def test_options_with_token(server):
    options = api(server, "GET", "/api/options")
    assert options["datasets"] == ["moons", "circles", "xor", "blobs", "spiral", "csv"]
    assert options["activations"] == ["sigmoid", "tanh", "relu", "leaky_relu"]
    assert options["inits"] == ["chapter", "xavier", "he", "zeros"]
    assert options["limits"]["max_upload_bytes"] == 2_000_000
    assert options["limits"]["max_rows"] == 20_000
    assert options["defaults"]["hidden"] == [25, 50, 25]


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x"])
def test_api_needs_the_token(server, token):
    answer = api(server, "GET", "/api/options", token=token, status=403)
    assert "token" in answer["error"]
    answer = api(server, "POST", "/api/control", {"action": "play"}, token=token, status=403)
    assert api(server, "GET", "/api/state")["status"] == "ready"  # nothing was done


def test_token_in_the_query(server):
    api(server, "GET", f"/api/options?token={TOKEN}", token=None)
    code, headers, body = call(server, "GET", f"/api/export/metrics.json?token={TOKEN}", token=None)
    assert code == 200
    assert headers["Content-Disposition"] == 'attachment; filename="metrics.json"'


@pytest.mark.parametrize(
    "host",
    ["evil.example:{port}", "127.0.0.1:1", "localhost", "127.0.0.1", "127.0.0.1.nip.io:{port}"],
)
def test_bad_host_header_is_refused(server, host):
    code, _, body = call(server, "GET", "/api/options", host=host.format(port=server.port))
    assert code == 403
    assert body == b"bad Host header"


def test_missing_host_header_is_refused(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("GET", "/api/options", skip_host=True)
    conn.putheader("X-Deltagrad-Token", TOKEN)
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 403 and response.read() == b"bad Host header"
    conn.close()


def test_loopback_names_are_accepted(server):
    for host in ("localhost", "127.0.0.1", "[::1]"):
        api(server, "GET", "/api/options", host=f"{host}:{server.port}")


def test_the_page_needs_the_token(server):
    code, headers, body = call(server, "GET", "/", token=None)
    assert code == 403 and b"deltagrad playground" in body
    assert headers["Content-Type"].startswith("text/html")
    code, headers, body = call(server, "GET", f"/?token={TOKEN}", token=None)
    assert code == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<html" in body.lower()


def test_static_files_are_a_fixed_list(server):
    code, headers, _ = call(server, "GET", "/static/index.html", token=None)
    assert code == 200
    for path in (
        "/static/../session.py",
        "/static/session.py",
        "/static/%2e%2e/server.py",
        "/static/",
        "/static/static/index.html",
    ):
        code, _, _ = call(server, "GET", path, token=None)
        assert code == 404, path


def test_unknown_paths_and_methods(server):
    assert api(server, "GET", "/api/nothing", status=404)["error"]
    assert api(server, "GET", "/api/config", status=405)["error"]
    assert api(server, "POST", "/api/state", {}, status=405)["error"]


# --- the configuration ---------------------------------------------------------------------

BAD_VALUES = {
    "data": ["squares", 3, None, "csv"],  # csv: nothing uploaded yet
    "noise": [-0.01, 0.51, "0.2", True, None, float("inf")],
    "test_ratio": [0.05, 0.95, "x", None],
    "n_samples": [19, 5001, 100.5, "2000", True],
    "hidden": [[], [25] * 7, [0], [65], [2.5], "25,50", 25, [True]],
    "activation": ["softmax", None, 1, "none"],
    "loss": ["cross_entropy", None],
    "learning_rate": [0, -0.1, 10.01, "0.1", None, True],
    "batch_size": [0, -1, 1.5, "1", 1401],  # 1401 > the 1,400 training points
    "init": ["normal", "glorot", None],
    "seed": [-1, 2**31, 0.5, "0"],
    "data_seed": [-1, 2**31, None],
    "epochs": [0, 100001, 1.5, None],
}


@pytest.mark.parametrize(
    "field,value", [(f, v) for f, values in BAD_VALUES.items() for v in values]
)
def test_bad_config_values_name_their_field(server, field, value):
    if isinstance(value, float) and not np.isfinite(value):
        body = f'{{"{field}": 1e999}}'.encode()  # JSON has no inf; 1e999 parses to inf
    else:
        body = json.dumps({field: value}).encode()
    answer = api(server, "POST", "/api/config", body, status=400)
    assert answer["field"] == field
    assert field in answer["error"]


def test_unknown_config_field(server):
    answer = api(server, "POST", "/api/config", {"learning_rte": 0.1}, status=400)
    assert answer["field"] == "learning_rte"
    answer = api(server, "POST", "/api/config", [1, 2], status=400)
    assert answer["error"]
    answer = api(server, "POST", "/api/config", b"{not json", status=400)
    assert "JSON" in answer["error"]


def test_good_config_is_applied(server):
    config = {
        "data": "spiral",
        "hidden": [8, 8],
        "activation": "tanh",
        "n_samples": 200,
        "batch_size": 140,
        "init": "xavier",
        "loss": "softmax_cross_entropy",
    }
    state = api(server, "POST", "/api/config", config)
    assert state["status"] == "ready" and state["epoch"] == 0
    assert {k: state["config"][k] for k in config} == config
    assert len(state["points"]["train"]) == 140 and len(state["points"]["test"]) == 60
    assert [np.shape(W) for W in state["weights"]] == [(2, 8), (8, 8), (8, 2)]
    assert "hidden=8,8" in state["url_query"] and "data=spiral" in state["url_query"]


def test_json_body_limit(server):
    body = json.dumps({"data": "moons", "pad": "x" * (64 * 1024)}).encode()
    answer = api(server, "POST", "/api/config", body, status=413)
    assert "65,536" in answer["error"]


def test_default_data_is_the_chapters(server):
    state = api(server, "GET", "/api/state")
    X_train, X_test, y_train, y_test = chapter_data()
    train = np.array(state["points"]["train"])
    test = np.array(state["points"]["test"])
    np.testing.assert_array_equal(train[:, :2], X_train)
    np.testing.assert_array_equal(train[:, 2], y_train)
    np.testing.assert_array_equal(test[:, :2], X_test)
    np.testing.assert_array_equal(test[:, 2], y_test)


# --- uploads -------------------------------------------------------------------------------


def _csv(rows) -> bytes:
    return ("x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)).encode()


def test_upload_then_train_on_it(server):
    rows = [(i * 0.1, (i % 3) * 0.5, i % 3) for i in range(30)]
    answer = api(server, "POST", "/api/upload", _csv(rows), headers={"Content-Type": "text/csv"})
    assert answer == {"rows": 30, "classes": 3}
    state = api(server, "POST", "/api/config", {"data": "csv", "test_ratio": 0.3})
    assert state["classes"] == 3 and len(state["points"]["train"]) == 21
    assert np.shape(state["weights"][-1]) == (25, 3)
    state = api(server, "POST", "/api/control", {"action": "step_epoch"})
    assert state["epoch"] == 1
    assert len(base64.b64decode(state["boundary"]["probs"])) == 64 * 64


@pytest.mark.parametrize(
    "text,row",
    [
        (b"x1,x2,label\n0,0,0\n1,1,1\n0.5,abc,1\n2,2,0\n3,3,1\n", "row 4"),
        (b"0,0,0\n1,1,1\n2,2\n3,3,1\n", "row 3"),
        (b"0,0,0\n1,1,1\n2,2,0.5\n3,3,1\n", "row 3"),
        (b"0,0,0\n1,1,1\n2,nan,1\n3,3,1\n", "row 3"),
        (b"0,0,0\n1,1,2\n2,2,0\n3,3,2\n", "row 2"),  # label 2 without a label 1
        (b"0,0,0\n1,1e7,1\n2,2,0\n3,3,1\n", "row 2"),  # beyond MAX_ABS_INPUT
    ],
)
def test_bad_csv_names_the_row(server, text, row):
    answer = api(server, "POST", "/api/upload", text, status=400)
    assert row in answer["error"], answer["error"]


def test_bad_csv_without_rows(server):
    assert (
        "at least 4" in api(server, "POST", "/api/upload", b"0,0,0\n1,1,1\n", status=400)["error"]
    )
    assert "UTF-8" in api(server, "POST", "/api/upload", b"\xff\xfe\x00", status=400)["error"]


def test_upload_size_limit(server):
    body = b"0,0,0\n" * (2_000_000 // 6 + 1)
    assert len(body) > 2_000_000
    answer = api(server, "POST", "/api/upload", body, status=413)
    assert "2,000,000" in answer["error"]


def test_upload_row_limit(server):
    rows = [(i % 7, i % 5, i % 2) for i in range(20_001)]
    body = _csv(rows)
    assert len(body) < 2_000_000
    answer = api(server, "POST", "/api/upload", body, status=413)
    assert "20,000" in answer["error"]
    answer = api(server, "POST", "/api/upload", _csv(rows[:20_000]))
    assert answer["rows"] == 20_000


# --- training ------------------------------------------------------------------------------


def test_reset_rebuilds_the_same_network(server):
    first = api(server, "POST", "/api/config", {"seed": 7, "init": "he", "activation": "relu"})
    for _ in range(3):
        stepped = api(server, "POST", "/api/control", {"action": "step_epoch"})
    api(server, "POST", "/api/control", {"action": "step_sample"})
    assert stepped["weights"] != first["weights"]
    assert stepped["boundary"] != first["boundary"]
    reset = api(server, "POST", "/api/control", {"action": "reset"})
    assert reset["status"] == "ready" and reset["epoch"] == 0 and reset["samples_seen"] == 0
    assert reset["history"]["epoch"] == [] and reset["sample"] is None
    assert reset["weights"] == first["weights"] and reset["biases"] == first["biases"]
    assert reset["boundary"] == first["boundary"] and reset["neurons"] == first["neurons"]
    assert reset["version"] > stepped["version"]


def _network(state) -> NeuralNetwork:
    c = state["config"]
    net = NeuralNetwork.build([2, *c["hidden"], state["classes"]], c["activation"], c["loss"])
    for layer, W, b in zip(net.layers, state["weights"], state["biases"]):
        layer.weights[...] = W
        layer.bias[...] = b
    return net


@pytest.mark.parametrize(
    "config",
    [
        {},
        {
            "activation": "relu",
            "loss": "softmax_cross_entropy",
            "hidden": [5, 4],
            "learning_rate": 0.3,
        },
    ],
)
def test_step_sample_is_explain_and_the_delta_rule(server, config):
    api(server, "POST", "/api/config", config)
    before = api(server, "POST", "/api/control", {"action": "step_epoch"})
    net = _network(before)
    state = api(server, "POST", "/api/control", {"action": "step_sample"})
    sample = state["sample"]
    assert sample["index"] == 1400 % 1400 == 0
    x, label, _ = chapter_sample(sample["index"])  # `deltagrad explain --sample 0`'s point
    assert sample["x"] == x.tolist() and sample["label"] == label
    expected = explain(net, x, label)
    assert sample["loss"] == pytest.approx(expected["loss"], rel=1e-12)
    assert sample["target"] == expected["target"].tolist()
    assert len(sample["layers"]) == len(expected["layers"])
    for got, want in zip(sample["layers"], expected["layers"]):
        assert got["formula"] == want["formula"]
        for key in ("z", "o", "delta", "dW", "db"):
            np.testing.assert_allclose(got[key], want[key], rtol=1e-12, atol=1e-300)
    lr = state["config"]["learning_rate"]
    for W0, W1, row in zip(before["weights"], state["weights"], sample["layers"]):
        np.testing.assert_array_equal(np.array(W1), np.array(W0) - lr * np.array(row["dW"]))
    for b0, b1, row in zip(before["biases"], state["biases"], sample["layers"]):
        np.testing.assert_array_equal(np.array(b1), np.array(b0) - lr * np.array(row["db"]))
    assert state["samples_seen"] == 1401 and state["epoch"] == 1
    assert state["last_gradients"]["weights"] == [row["dW"] for row in sample["layers"]]
    following = api(server, "POST", "/api/control", {"action": "step_sample"})
    assert following["sample"]["index"] == 1
    assert api(server, "POST", "/api/control", {"action": "step_epoch"})["sample"] is None


def test_play_learns_the_moons(server):
    # It finishes and it learns; how fast is benchmarks/playground.py's to say, not a test's.
    state = api(server, "POST", "/api/control", {"action": "play"})
    assert state["status"] == "training"
    state = wait_for(server, lambda s: s["status"] != "training", timeout=1800)
    assert state["status"] == "done" and state["epoch"] == 1000, state["message"]
    history = state["history"]
    assert history["epoch"] == list(range(1, 1001))
    assert state["samples_seen"] == 1000 * 1400
    assert history["test_accuracy"][-1] >= 0.95
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert [len(norms) for norms in state["grad_norms"]] == [200] * 4
    again = api(server, "POST", "/api/control", {"action": "play"})
    assert again["status"] == "done" and "1000" in again["message"]


def test_pause_and_learning_rate_while_training(server):
    api(server, "POST", "/api/config", {"epochs": 100000})
    api(server, "POST", "/api/control", {"action": "play"})
    wait_for(server, lambda s: s["epoch"] >= 2)
    state = api(server, "POST", "/api/learning_rate", {"learning_rate": 0.5})
    assert state["config"]["learning_rate"] == 0.5 and state["status"] == "training"
    assert "learning_rate=0.5" in state["url_query"]
    epoch = state["epoch"]
    wait_for(server, lambda s: s["epoch"] >= epoch + 2)
    paused = api(server, "POST", "/api/control", {"action": "pause"})
    assert paused["status"] == "paused"
    time.sleep(0.2)
    later = api(server, "GET", "/api/state")
    assert later["epoch"] == paused["epoch"] and later["version"] == paused["version"]
    for bad in (0, -1, 11, "x", None):
        answer = api(server, "POST", "/api/learning_rate", {"learning_rate": bad}, status=400)
        assert answer["field"] == "learning_rate"
    assert api(server, "POST", "/api/control", {"action": "jump"}, status=400)["field"] == "action"


@pytest.mark.parametrize(
    "config",
    [
        {"activation": "leaky_relu", "learning_rate": 10},
        {
            "activation": "leaky_relu",
            "init": "he",
            "loss": "softmax_cross_entropy",
            "learning_rate": 10,
        },
    ],
)
def test_divergence_stops_training(server, config):
    api(server, "POST", "/api/config", config)
    api(server, "POST", "/api/control", {"action": "play"})
    state = wait_for(server, lambda s: s["status"] != "training", timeout=60)
    assert state["status"] == "diverged"
    assert "diverged" in state["message"] and "learning rate" in state["message"]
    assert state["epoch"] < 1000
    json.dumps(state, allow_nan=False)  # non-finite numbers went out as null
    again = api(server, "POST", "/api/control", {"action": "step_epoch"})
    assert again["epoch"] == state["epoch"] and again["status"] == "diverged"
    assert api(server, "GET", "/api/export/model.npz", status=400)["error"]
    assert api(server, "POST", "/api/control", {"action": "reset"})["status"] == "ready"


# --- exports -------------------------------------------------------------------------------


def test_export_model_loads_and_predicts_like_the_session(server, tmp_path):
    api(server, "POST", "/api/config", {"hidden": [6, 5], "loss": "softmax_cross_entropy"})
    for _ in range(2):
        state = api(server, "POST", "/api/control", {"action": "step_epoch"})
    code, headers, body = call(server, "GET", "/api/export/model.npz")
    assert code == 200
    assert headers["Content-Disposition"] == 'attachment; filename="model.npz"'
    path = tmp_path / "model.npz"
    path.write_bytes(body)
    net = NeuralNetwork.load(path)
    assert net.sizes == [2, 6, 5, 2] and net.loss == "softmax_cross_entropy"
    for W, got in zip(state["weights"], net.weights):
        np.testing.assert_array_equal(got, W)
    xmin, xmax, ymin, ymax = state["extent"]
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 64), np.linspace(ymax, ymin, 64))
    p1 = net.predict_proba(np.column_stack([gx.ravel(), gy.ravel()]))[:, 1]
    boundary = np.frombuffer(base64.b64decode(state["boundary"]["probs"]), dtype=np.uint8)
    np.testing.assert_array_equal(boundary, np.round(255 * p1).astype(np.uint8))
    X_test = np.array(state["points"]["test"])[:, :2]
    accuracy = np.mean(net.predict_classes(X_test) == np.array(state["points"]["test"])[:, 2])
    assert accuracy == pytest.approx(state["history"]["test_accuracy"][-1])


def test_export_metrics(server):
    for _ in range(3):
        api(server, "POST", "/api/control", {"action": "step_epoch"})
    code, headers, body = call(server, "GET", "/api/export/metrics.json")
    assert code == 200
    assert headers["Content-Disposition"] == 'attachment; filename="metrics.json"'
    metrics = json.loads(body)
    assert metrics["epoch"] == 3 and metrics["config"] == ps.DEFAULTS
    assert metrics["history"]["epoch"] == [1, 2, 3]
    assert metrics["final"]["test_accuracy"] == metrics["history"]["test_accuracy"][-1]


def test_state_images_and_points_cache(server):
    state = api(server, "GET", "/api/state")
    assert state["neurons"]["size"] == 16
    assert [len(layer["images"]) for layer in state["neurons"]["layers"]] == [25, 50, 25, 2]
    for layer in state["neurons"]["layers"]:
        assert layer["lo"] <= layer["hi"]
        assert all(len(base64.b64decode(image)) == 256 for image in layer["images"])
    without = api(server, "GET", f"/api/state?data_version={state['data_version']}")
    assert without["points"] is None and without["version"] == state["version"]
    changed = api(server, "POST", "/api/config", {"noise": 0.1})
    assert changed["data_version"] != state["data_version"]
    same_data = api(server, "POST", "/api/config", {"noise": 0.1, "seed": 3})
    assert same_data["data_version"] == changed["data_version"]


# --- attacks (issue 22, section 3): each failed on the server before it was rebuilt -------------


def test_upload_with_too_many_classes_is_refused(server):
    rows = [(i * 0.01, (i % 7) * 0.1, i % 11) for i in range(44)]  # labels 0..10
    answer = api(server, "POST", "/api/upload", _csv(rows), status=400)
    assert "11 classes" in answer["error"] and "at most 10" in answer["error"]
    many = [(i % 100 * 0.01, i // 100 * 0.01, i) for i in range(20_000)]
    answer = api(server, "POST", "/api/upload", _csv(many), status=400)
    assert "20,000 classes" in answer["error"] and "at most 10" in answer["error"]
    assert api(server, "GET", "/api/options")["limits"]["max_classes"] == 10
    ten = [(i * 0.01, (i % 7) * 0.1, i % 10) for i in range(40)]
    assert api(server, "POST", "/api/upload", _csv(ten))["classes"] == 10


@pytest.mark.parametrize("path", ["/api/config", "/api/control", "/api/learning_rate"])
def test_deeply_nested_json_is_a_400(server, path):
    body = b"[" * 30_000 + b"]" * 30_000
    assert len(body) < 64 * 1024
    answer = api(server, "POST", path, body, status=400)
    assert "nested too deeply" in answer["error"]
    api(server, "GET", "/api/options")  # and the server goes on


def _consistent(state) -> None:
    epoch = state["epoch"]
    if "rows" in state:  # /api/changes from nothing held: every row (fewer than 512)
        assert state["rows"] == epoch and (state["last"] or {"epoch": 0})["epoch"] == epoch
    assert state["history"]["epoch"] == list(range(1, epoch + 1)), (epoch, state["history"])
    assert all(len(v) == epoch for v in state["history"].values())
    assert [len(norms) for norms in state["grad_norms"]] == [min(epoch, 200)] * 2


def test_concurrent_clients_see_whole_states(server):
    """Two clients sending commands and four polling: every state has exactly one history row
    and one gradient norm per epoch (the history once ran one row ahead of the epoch)."""
    config = {"n_samples": 100, "hidden": [3], "epochs": 400, "batch_size": 10}
    api(server, "POST", "/api/config", config)
    api(server, "POST", "/api/control", {"action": "step_epoch"})  # compiled before it starts
    stop, seen, failures = threading.Event(), [], []

    def command(actions):
        while not stop.is_set():
            for action in actions:
                state = api(server, "POST", "/api/control", {"action": action})
                if state["epoch"] >= 400:  # at most 400 rows: /api/changes sends them all
                    api(server, "POST", "/api/control", {"action": "reset"})

    def poll(path):
        try:
            for _ in range(150):
                state = api(server, "GET", path)
                _consistent(state)
                seen.append(state["epoch"])
        except AssertionError as err:
            failures.append(err)

    commanders = [
        threading.Thread(target=command, args=(actions,))
        for actions in (["play", "step_epoch"], ["play", "pause"])
    ]
    pollers = [
        threading.Thread(target=poll, args=(path,)) for path in ["/api/state", "/api/changes"] * 2
    ]
    for thread in commanders + pollers:
        thread.start()
    for thread in pollers:
        thread.join()
    stop.set()
    for thread in commanders:
        thread.join()
    assert failures == []
    assert len(seen) == 600 and max(seen) > 0


def _open(srv, host="127.0.0.1", timeout=30.0) -> socket.socket:
    return socket.create_connection((host, srv.port), timeout=timeout)


def _request(host: str, port: int, path: str = "/api/options") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nX-Deltagrad-Token: {TOKEN}\r\n\r\n"
    ).encode()


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def test_a_connection_evicted_in_the_same_batch_of_events_is_skipped():
    """The serving thread died with KeyError when one select() batch held both a new
    connection (which evicted the oldest waiting one) and that evicted connection's data:
    reading the evicted one dropped it a second time. A stale event is now skipped."""
    import selectors

    from deltagrad.playground.server import _Connection, make_server

    srv = make_server("127.0.0.1", 0, token=TOKEN)
    selector = selectors.DefaultSelector()
    client = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    try:
        srv.socket.settimeout(30)
        sock, _ = srv.socket.accept()
        sock.setblocking(False)
        with srv._count_lock:
            srv._open += 1
        conn = _Connection(sock, time.monotonic())
        srv._wait(selector, conn)
        client.sendall(_request("127.0.0.1", srv.port))
        srv._drop(selector, conn)  # evicted earlier in the batch
        srv._dispatch(selector, conn)  # its ready event comes after: no KeyError
        assert conn.sock not in srv._waiting and srv._open == 0
    finally:
        client.close()
        selector.close()
        srv.server_close()
        srv.session.close()


def test_idle_connections_hold_no_threads_and_lock_nobody_out():
    limits = {"max_connections": 32, "workers": 4, "idle_timeout": 600, "request_timeout": 600}
    with playground_server.running(TOKEN, **limits) as srv:
        api(srv, "GET", "/api/options")  # the pool's threads exist from here on
        threads = threading.active_count()
        idle = [_open(srv) for _ in range(200)]
        half = [_open(srv) for _ in range(20)]
        for sock in half:
            sock.sendall(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1")
        # Answered although far more connections than the cap sit idle or half-sent, each
        # one of them kept for ten minutes: the new one pushed the oldest out.
        options = api(srv, "GET", "/api/options")
        assert options["defaults"]["hidden"] == [25, 50, 25]
        assert threading.active_count() <= threads + 4
        still_open = sum(_still_open(sock) for sock in idle + half)
        assert still_open <= 32
        for sock in idle + half:
            sock.close()


def test_idle_and_half_sent_requests_are_closed_after_the_timeouts():
    with playground_server.running(TOKEN, idle_timeout=0.5, request_timeout=0.5) as srv:
        idle, half = _open(srv, timeout=20), _open(srv, timeout=20)
        half.sendall(b"POST /api/config HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % srv.port)
        assert idle.recv(1024) == b""  # closed, with nothing to say
        answer = b""
        while chunk := half.recv(4096):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b"within 0.5 s" in answer
        body = json.dumps({"action": "pause"}).encode()
        slow = _open(srv, timeout=20)  # the head came, the body never does
        slow.sendall(
            b"POST /api/control HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %d\r\n\r\n%s"
            % (srv.port, len(body), body[:5])
        )
        assert slow.recv(4096).startswith(b"HTTP/1.1 408 ")
        for sock in (idle, half, slow):
            sock.close()
        api(srv, "GET", "/api/options")


def _one_recv(sock: socket.socket) -> tuple[dict, bytes]:
    """The headers and body of the answer that the next single recv() returns."""
    data = sock.recv(1 << 20)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return headers, body


def test_answers_are_one_write_on_a_no_delay_socket(server):
    """Small answers on a kept-alive connection took ~40 ms: headers and body went out in
    two writes, the second held back by Nagle's algorithm until the client's delayed ACK.
    Each answer is now one write (it arrives whole in one recv) on a TCP_NODELAY socket."""
    sock = _open(server)
    for path in ("/api/options", "/api/nothing", "/api/options"):
        sock.sendall(_request("127.0.0.1", server.port, path))
        headers, body = _one_recv(sock)
        assert len(body) == int(headers["Content-Length"]) > 0
        assert json.loads(body)
    waiting = server._waiting  # the kept-alive connection, back with the serving thread
    deadline = time.monotonic() + 30
    while not waiting and time.monotonic() < deadline:
        time.sleep(0.01)
    [served] = list(waiting)
    assert served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    sock.close()


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PATCH", "PUT", "DELETE", "HEAD"])
@pytest.mark.parametrize("path", ["/api/state", "/api/config", "/api/nothing", "/"])
def test_other_methods_answer_405_json(server, method, path):
    code, headers, body = call(server, method, path)
    assert code == 405
    assert headers["Content-Type"] == "application/json"
    assert "GET" in headers["Allow"] or "POST" in headers["Allow"]
    if method != "HEAD":  # an answer to HEAD has no body
        answer = json.loads(body)
        assert method in answer["error"] and answer["field"] is None


def test_export_is_built_in_memory(server, monkeypatch, tmp_path):
    """model.npz used to go through a temporary folder on disk."""

    def refuse(*args, **kwargs):
        raise AssertionError("the export touched the disk")

    for name in ("TemporaryDirectory", "NamedTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    monkeypatch.setattr(model_files, "save", refuse)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    api(server, "POST", "/api/control", {"action": "step_epoch"})
    code, _, body = call(server, "GET", "/api/export/model.npz")
    assert code == 200, body[:300]
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    path = tmp_path / "model.npz"
    path.write_bytes(body)
    assert NeuralNetwork.load(path).sizes == [2, 25, 50, 25, 2]


# --- the Host rule ---------------------------------------------------------------------------


def test_host_names_compare_case_insensitively_and_by_address():
    names = ("127.0.0.1", "localhost", "::1", "FD00::2")
    for header in ("[fd00::2]:80", "[FD00::2]:80", "[fd00:0::2]:80", "LOCALHOST:80", "[::1]:80"):
        assert host_allowed(header, 80, names), header
    for header in ("[fd00::3]:80", "fd00::2:80", "[fd00::2]:81", "[fd00::2]", "evil.example:80"):
        assert not host_allowed(header, 80, names), header
    assert not host_allowed(None, 80, names) and not host_allowed("", 80, names)


def _get(host_to_dial: str, port: int, host_header: str) -> int:
    conn = http.client.HTTPConnection(host_to_dial, port, timeout=30)
    try:
        conn.request(
            "GET", "/api/options", headers={"Host": host_header, "X-Deltagrad-Token": TOKEN}
        )
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_wildcard_host_accepts_the_address_it_was_reached_at():
    with playground_server.running(TOKEN, host="0.0.0.0") as srv:
        port = srv.port
        try:
            socket.create_connection(("127.0.0.2", port), timeout=5).close()
        except OSError:
            pytest.skip("127.0.0.2 is not an address of this machine")
        assert _get("127.0.0.2", port, f"127.0.0.2:{port}") == 200  # another address of ours
        assert _get("127.0.0.1", port, f"127.0.0.2:{port}") == 403  # not the one dialled
        assert _get("127.0.0.2", port, f"192.0.2.7:{port}") == 403
        assert _get("127.0.0.2", port, f"evil.example:{port}") == 403
        assert _get("127.0.0.1", port, f"localhost:{port}") == 200
        assert "0.0.0.0" not in srv.url


def test_an_upper_case_ipv6_host_is_accepted():
    try:
        srv_cm = playground_server.running(TOKEN, host="::FFFF:127.0.0.1")
        srv = srv_cm.__enter__()
    except OSError:
        pytest.skip("no IPv6 socket bound to ::ffff:127.0.0.1 here")
    try:
        assert _get("127.0.0.1", srv.port, f"[::FFFF:127.0.0.1]:{srv.port}") == 200
        assert _get("127.0.0.1", srv.port, f"[::ffff:7f00:1]:{srv.port}") == 200
        assert _get("127.0.0.1", srv.port, f"[::ffff:7f00:2]:{srv.port}") == 403
    finally:
        srv_cm.__exit__(None, None, None)


# --- what the page polls: /api/changes ------------------------------------------------------------


def _unpack(packed) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(packed["f32"]), dtype="<f4")
    return raw.reshape(packed["shape"])


def _apply(held: dict | None, c: dict) -> dict:
    """What app.js's apply() does with an answer of /api/changes, in Python."""
    if held is None or c["restart"]:
        held = {"history": {k: [] for k in c["history"]}, "norms": [[] for _ in c["grad_norms"]]}
    keep = [(e - 1) % c["stride"] == 0 for e in held["history"]["epoch"]]
    for k, new in c["history"].items():
        held["history"][k] = [v for v, kept in zip(held["history"][k], keep) if kept] + new
    held["norms"] = [(a + b)[-200:] for a, b in zip(held["norms"], c["grad_norms"])]
    held.update({k: c[k] for k in ("run", "rows", "epoch", "last", "params_version")})
    if c["points"] is not None:
        held["points"] = c["points"]
    if c["view"] is not None:
        held["view"] = c["view"]
    held["data_version"] = c["data_version"]
    return held


def _changes(srv, held) -> dict:
    if held is None:
        return api(srv, "GET", "/api/changes")
    keys = ("run", "rows", "params_version", "data_version")
    query = "&".join(f"{k}={held[k]}" for k in keys)
    return api(srv, "GET", f"/api/changes?{query}")


def test_changes_send_only_what_changed(server):
    first = _changes(server, None)
    assert first["restart"] and first["rows"] == 0 and first["last"] is None
    assert first["points"] is not None and first["view"] is not None
    held = _apply(None, first)
    unchanged = _changes(server, held)
    assert unchanged["points"] is None and unchanged["view"] is None
    assert not unchanged["restart"] and unchanged["history"]["epoch"] == []
    for _ in range(3):
        state = api(server, "POST", "/api/control", {"action": "step_epoch"})
    answer = _changes(server, held)
    assert answer["history"]["epoch"] == [1, 2, 3] and answer["last"]["epoch"] == 3
    assert answer["view"] is not None and answer["points"] is None
    held = _apply(held, answer)
    assert held["history"] == state["history"] and held["norms"] == state["grad_norms"]
    for got, want in zip(answer["view"]["weights"], state["weights"]):
        np.testing.assert_array_equal(_unpack(got), np.asarray(want, dtype=np.float32))
    np.testing.assert_array_equal(
        _unpack(answer["view"]["last_gradients"]["weights"][0]),
        np.asarray(state["last_gradients"]["weights"][0], dtype=np.float32),
    )
    assert answer["view"]["boundary"] == state["boundary"]
    assert answer["view"]["neurons"] == state["neurons"]
    api(server, "POST", "/api/control", {"action": "reset"})
    answer = _changes(server, held)
    assert answer["restart"] and answer["run"] != held["run"]
    assert answer["rows"] == 0 and answer["history"]["epoch"] == []
    bad = api(server, "GET", "/api/changes?rows=x", status=400)
    assert bad["field"] == "rows"


def test_changes_thin_a_long_history_for_drawing(server):
    api(server, "POST", "/api/config", {"n_samples": 40, "hidden": [2], "batch_size": 28})
    held, epochs = None, 0
    for target in (300, 700, 1300):  # strides 1, 2 and 4 (at most 512 rows kept)
        while epochs < target:
            epochs = api(server, "POST", "/api/control", {"action": "step_epoch"})["epoch"]
        answer = _changes(server, held)
        held = _apply(held, answer)
    state = api(server, "GET", "/api/state")
    full = state["history"]
    assert answer["stride"] == 4 and held["rows"] == len(full["epoch"]) == 1300
    assert {k: held["history"][k] for k in full} == {k: v[::4] for k, v in full.items()}
    assert held["last"] == {k: v[-1] for k, v in full.items()}
    assert held["norms"] == state["grad_norms"]
    assert len(json.dumps(answer)) < len(json.dumps(state)) / 3


# --- issue 23: the update in the step view, suggested settings, speed, zoom, norms, hint ----


def test_step_sample_writes_out_a_hidden_sum_and_the_update_as_explain_does(server):
    before = api(server, "POST", "/api/control", {"action": "step_epoch"})
    net = _network(before)
    state = api(server, "POST", "/api/control", {"action": "step_sample"})
    sample = state["sample"]
    x, label, _ = chapter_sample(sample["index"])
    expected = explain(net, x, label, learning_rate=state["config"]["learning_rate"])
    n = len(expected["layers"])
    for i, (got, want) in enumerate(zip(sample["layers"], expected["layers"]), start=1):
        j = int(np.argmax(np.abs(want["delta"])))  # the neuron `deltagrad explain` works out
        assert got["worked"]["neuron"] == j
        assert got["worked"]["delta"] == worked_example(expected, i, j)
        if i < n:  # a hidden layer: its Σk δk·wjk over the layer above, term by term
            assert got["worked"]["sum"] == weighted_sum(expected, i, j, max_terms=4)
            assert f"Σk δk·w{j},k = δ0·w{j},0 + " in got["worked"]["sum"]
        else:
            assert got["worked"]["sum"] is None
    update, want = sample["update"], expected["update"]
    assert update["learning_rate"] == want["learning_rate"]
    assert update["loss_before"] == pytest.approx(want["loss_before"], rel=1e-12)
    assert update["loss_after"] == pytest.approx(want["loss_after"], rel=1e-12)
    assert update["loss_after"] < update["loss_before"]  # one small step down this sample's loss
    lr = update["learning_rate"]
    for i, (got, row, after) in enumerate(
        zip(update["layers"], expected["layers"], want["layers"])
    ):
        w, b = got["weight"], got["bias"]
        dW, db = np.asarray(row["dW"]), np.asarray(row["db"])
        assert abs(dW[w["j"], w["k"]]) == np.max(np.abs(dW))  # the largest derivative
        assert abs(db[b["k"]]) == np.max(np.abs(db))
        assert w["before"] == before["weights"][i][w["j"]][w["k"]]
        assert w["gradient"] == pytest.approx(dW[w["j"], w["k"]], rel=1e-12)
        assert w["after"] == state["weights"][i][w["j"]][w["k"]]
        assert w["after"] == pytest.approx(after["weights_after"][w["j"], w["k"]], rel=1e-12)
        assert w["after"] == pytest.approx(w["before"] - lr * w["gradient"], rel=1e-12)
        assert b["before"] == before["biases"][i][b["k"]]
        assert b["after"] == state["biases"][i][b["k"]]
        assert b["after"] == pytest.approx(b["before"] - lr * b["gradient"], rel=1e-12)


def test_every_data_set_has_suggested_settings_the_server_accepts(server):
    options = api(server, "GET", "/api/options")
    generated = [name for name in options["datasets"] if name != "csv"]
    assert sorted(options["suggested"]) == sorted(generated)
    for name in generated:
        suggestion = options["suggested"][name]
        settings = suggestion["settings"]
        assert set(settings) <= set(SETTINGS_FIELDS) and "epochs" in settings
        assert 0.5 < suggestion["test_accuracy"] <= 1 and suggestion["why"]
        config = {**options["defaults"], **settings, "data": name}
        state = api(server, "POST", "/api/config", config)
        assert state["config"] == config and state["status"] == "ready"
    # The chapter's settings are the moons' suggestion (for 500 epochs); circles, XOR and the
    # spiral, where they stall, get others.
    chapter = {k: options["defaults"][k] for k in options["suggested"]["moons"]["settings"]}
    assert options["suggested"]["moons"]["settings"] == {**chapter, "epochs": 500}
    for name in ("circles", "xor", "spiral"):
        assert options["suggested"][name]["settings"] != {**chapter, "epochs": 500}


def test_suggested_config_keeps_the_rest_of_the_configuration():
    config = {**ps.DEFAULTS, "seed": 7, "data_seed": 3}
    out = suggested_config(config, "circles")
    assert out["seed"] == 7 and out["data_seed"] == 3 and out["data"] == "circles"
    assert out["activation"] == SUGGESTED["circles"]["settings"]["activation"]
    assert ps.validate(out) == out
    with pytest.raises(ValueError, match="no suggested settings for 'csv'"):
        suggested_config(config, "csv")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SUGGESTED))
def test_the_suggested_settings_learn_their_data_set(name):
    # Measured with `python benchmarks/playground.py --suggested` (SUGGESTED's numbers); the
    # compiled and the NumPy engine agree to rounding, so 2 points of margin cover both.
    measured = SUGGESTED[name]["test_accuracy"]
    assert measure(name) >= measured - 0.02


def test_pace_delay_spreads_epochs_at_the_speed():
    assert ps.pace_delay(None, 10, 0.0) == 0.0  # flat out
    assert ps.pace_delay(4.0, 1, 0.0) == 0.25
    assert ps.pace_delay(4.0, 3, 0.5) == 0.25  # 3 epochs are due at 0.75 s
    assert ps.pace_delay(4.0, 3, 2.0) == 0.0  # behind: no wait


def _paced_run(speeds: dict, epochs: int = 8) -> list:
    """The waits the training thread asks for at ``speeds[0]`` epochs/s, switching to
    ``speeds[n]`` after the n-th wait; a fake clock that moves only when it waits."""
    now, waits = [0.0], []
    session = None

    def wait(seconds):
        waits.append(seconds)
        now[0] += seconds
        if len(waits) in speeds:
            session.set_speed(speeds[len(waits)])

    config = {"hidden": [3], "n_samples": 40, "epochs": epochs}
    session = ps.Session("numpy", config, clock=lambda: now[0], wait=wait)
    try:
        session.set_speed(speeds[0])
        session.play()
        session.wait()
        assert session.state(with_points=False)["epoch"] == epochs
    finally:
        session.close()
    return waits


def test_the_training_thread_waits_as_the_speed_says():
    assert _paced_run({0: 4.0}) == [0.25] * 7  # after every epoch but the last
    assert _paced_run({0: None}) == []  # as fast as it trains: never waits
    assert _paced_run({0: 4.0, 3: 2.0}) == [0.25] * 3 + [0.5] * 4  # a change while it plays
    assert _paced_run({0: 0.5, 1: None}) == [2.0]  # back to flat out: no more waits


def test_speed_is_set_over_the_api_and_a_slow_pace_trains_slowly(server):
    for bad in (0, -1, 0.05, 10_000, "fast", True, [1]):
        answer = api(server, "POST", "/api/speed", {"speed": bad}, status=400)
        assert answer["field"] == "speed"
    assert api(server, "POST", "/api/speed", {"pace": 1}, status=400)["field"] == "pace"
    assert api(server, "GET", "/api/options")["speed"] == {"min": 0.1, "max": 1000.0}
    assert api(server, "POST", "/api/speed", {"speed": 5})["speed"] == 5.0
    assert api(server, "POST", "/api/speed", {"speed": None})["speed"] is None
    # At 0.1 epochs/s the thread waits 10 s after its first epoch; a pause ends the wait.
    api(server, "POST", "/api/speed", {"speed": 0.1})
    api(server, "POST", "/api/control", {"action": "play"})
    wait_for(server, lambda s: s["epoch"] >= 1)
    state = api(server, "POST", "/api/control", {"action": "pause"})
    assert state["status"] == "paused" and state["epoch"] == 1 and state["speed"] == 0.1


def test_a_neurons_picture_large(server):
    state = api(server, "POST", "/api/control", {"action": "step_epoch"})
    answer = api(server, "GET", "/api/neuron?layer=2&neuron=7")
    assert (answer["layer"], answer["neuron"], answer["size"]) == (2, 7, 64)
    assert answer["params_version"] == api(server, "GET", "/api/changes")["params_version"]
    # The same picture computed here: the network's layer-2 outputs over a 64 × 64 grid of the
    # plotted plane, from the top row down, scaled between the layer's lowest and highest.
    xmin, xmax, ymin, ymax = state["extent"]
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 64), np.linspace(ymax, ymin, 64))
    net = _network(state)
    net.feed_forward(np.column_stack([gx.ravel(), gy.ravel()]))
    o = net.layers[1].last_activation
    assert answer["lo"] == pytest.approx(o.min()) and answer["hi"] == pytest.approx(o.max())
    assert answer["min"] == pytest.approx(o[:, 7].min())
    expected = np.round((o[:, 7] - o.min()) / (o.max() - o.min()) * 255)
    pixels = np.frombuffer(base64.b64decode(answer["image"]), dtype=np.uint8)
    assert pixels.shape == (64 * 64,)
    assert np.max(np.abs(pixels - expected)) <= 1
    output = api(server, "GET", "/api/neuron?layer=4&neuron=1")
    assert output["layer"] == 4  # the output layer, counted from 1 as the chapter does
    for query, field in [
        ("layer=0&neuron=0", "layer"),
        ("layer=5&neuron=0", "layer"),
        ("layer=1&neuron=25", "neuron"),  # layer 1 has neurons 0..24
        ("layer=1&neuron=-1", "neuron"),
        ("neuron=0", "layer"),
        ("layer=x&neuron=0", "layer"),
    ]:
        assert api(server, "GET", "/api/neuron?" + query, status=400)["field"] == field


def test_gradient_norms_are_kept_for_the_whole_run(server):
    api(server, "POST", "/api/config", {"hidden": [3, 2], "n_samples": 40, "epochs": 260})
    api(server, "POST", "/api/control", {"action": "play"})
    state = wait_for(server, lambda s: s["status"] == "done")
    norms = state["history"]["grad_norm"]
    assert len(norms) == 260 and all(len(row) == 3 for row in norms)
    by_layer = [list(column) for column in zip(*norms)]
    assert [window[-200:] for window in by_layer] == state["grad_norms"]  # the old window's
    assert all(v > 0 for row in norms for v in row)
    changes = api(server, "GET", "/api/changes")
    assert changes["history"]["grad_norm"] == norms[:: changes["stride"]]
    assert changes["last"]["grad_norm"] == norms[-1]


def test_a_stalled_run_gets_a_hint_and_a_learning_one_does_not():
    # The chapter's settings on XOR stall from the start (measured: the loss moves less than
    # 1 % in any 50 epochs of 500 and the accuracy stays near 50 %); a tiny learning rate on a
    # small network stalls the same way, in far less time.
    config = {"data": "xor", "hidden": [4], "n_samples": 200, "learning_rate": 1e-5}
    session = ps.Session("numpy", {**config, "epochs": ps.STALL_EPOCHS - 1})
    try:
        session.play()
        session.wait()
        assert session.state(with_points=False)["hint"] is None  # too early to say
        session.configure({**config, "epochs": ps.STALL_EPOCHS + 5})
        session.play()
        session.wait()
        hint = session.state(with_points=False)["hint"]
        assert hint.startswith("Stalled: the loss moved less than 1 % in 50 epochs")
        assert "suggested settings for xor" in hint and "tanh instead of sigmoid" in hint
        assert "a larger learning rate (×3: 3e-05)" in hint
        session.reset()
        assert session.state(with_points=False)["hint"] is None
        # The moons learn with the same small network at a working rate: no hint.
        session.configure({"hidden": [4], "n_samples": 200, "learning_rate": 0.5, "epochs": 80})
        session.play()
        session.wait()
        state = session.state(with_points=False)
        assert state["history"]["train_accuracy"][-1] > 0.75 and state["hint"] is None
    finally:
        session.close()


def test_stall_message_suggests_what_is_not_in_use():
    config = {**ps.DEFAULTS, **SUGGESTED["circles"]["settings"], "data": "circles"}
    message = ps.stall_message(config, 50, 0.52, 0.5)
    assert "suggested settings" not in message  # already in use
    longer = ps.stall_message({**config, "epochs": 2000}, 50, 0.52, 0.5)
    assert "suggested settings" not in longer  # the number of epochs aside
    chapter = ps.stall_message({**ps.DEFAULTS, "data": "circles"}, 50, 0.52, 0.5)
    assert "Try the suggested settings for circles, a larger learning rate" in chapter
    assert "(52 %) is near chance (50 %)" in message and "another activation" in message
    csv = ps.stall_message({**ps.DEFAULTS, "data": "csv", "learning_rate": 0.5}, 50, 0.3, 0.3)
    assert csv.endswith("Try tanh instead of sigmoid.")
