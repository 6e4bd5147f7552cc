"""The playground's HTTP API (deltagrad playground) against its reference,
docs/reference/playground-api.md: the server runs in this process on a free port, and every
test talks to it over HTTP."""

from __future__ import annotations

import base64
import http.client
import json
import time

import numpy as np
import pytest

import playground_server
from deltagrad import fast
from deltagrad.backprop import NeuralNetwork
from deltagrad.data import chapter_data
from deltagrad.experiments.explain import chapter_sample, explain
from deltagrad.playground import session as ps

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
    start = time.monotonic()
    state = api(server, "POST", "/api/control", {"action": "play"})
    assert state["status"] == "training"
    state = wait_for(server, lambda s: s["status"] != "training", timeout=300)
    seconds = time.monotonic() - start
    assert state["status"] == "done" and state["epoch"] == 1000, state["message"]
    history = state["history"]
    assert history["epoch"] == list(range(1, 1001))
    assert state["samples_seen"] == 1000 * 1400
    assert history["test_accuracy"][-1] >= 0.95
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert [len(norms) for norms in state["grad_norms"]] == [200] * 4
    if fast.available():
        assert seconds < 60, f"1,000 epochs took {seconds:.1f} s"
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
