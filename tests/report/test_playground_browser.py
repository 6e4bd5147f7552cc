"""The playground as a learner uses it, in Chromium at 1280 × 800: Play trains the chapter's
network to 95 % test accuracy, Step one sample shows the δ of `deltagrad explain`, changing the
activation rebuilds the network, Reset gives the same initial boundary, a bad CSV names its row,
and the page's address reproduces the configuration. Screenshots go to the `shots` folder."""

from __future__ import annotations

import numpy as np
import pytest

import playground_server
from deltagrad.backprop import NeuralNetwork
from deltagrad.experiments.explain import chapter_sample, explain

pytestmark = pytest.mark.browser  # the chromium fixture skips when no Chromium is installed

TOKEN = "browser-test-token"


@pytest.fixture
def server():
    with playground_server.running(TOKEN) as srv:
        yield srv


@pytest.fixture
def page(chromium, server):
    import browser

    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    errors = browser.watch_errors(page)
    page.goto(f"http://127.0.0.1:{server.port}/?token={TOKEN}")
    page.wait_for_function("document.getElementById('status').textContent !== ''")
    page.expected_error = None  # a test that provokes an error response names it here
    yield page
    assert [e for e in errors if not (page.expected_error and page.expected_error in e)] == []
    page.close()


def _boundary_pixels(page) -> list[int]:
    return page.evaluate(
        """() => { const c = document.getElementById('boundary');
                   const ctx = c.getContext('2d');
                   return Array.from(ctx.getImageData(0, 0, c.width, c.height).data); }"""
    )


def test_play_trains_the_chapters_network_to_95_percent(page, shots):
    page.screenshot(path=str(shots / "playground_start.png"))
    page.click("#play")
    page.wait_for_function(
        "parseFloat(document.getElementById('test-accuracy').textContent) >= 95",
        timeout=90_000,
    )
    page.click("#play")  # pause
    page.wait_for_function("!document.getElementById('status').textContent.includes('training')")
    page.screenshot(path=str(shots / "playground_trained.png"))
    assert int(page.inner_text("#epoch")) > 0


def test_step_one_sample_shows_the_deltas_of_explain(page, shots):
    page.click("#step-sample")
    page.wait_for_selector("#sample-panel:not([hidden]) td.delta")
    shown = page.eval_on_selector_all(
        ".sample-layer",
        """els => Object.fromEntries(els.map(e => [e.dataset.layer,
               Array.from(e.querySelectorAll('td.delta'))
                    .map(d => parseFloat(d.dataset.value))]))""",
    )
    page.screenshot(path=str(shots / "playground_sample.png"), full_page=True)
    # The same sample on the same (initial) network, explained by the library.
    net = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=0)
    x, label, _ = chapter_sample(0)
    layers = explain(net, x, label)["layers"]
    assert sorted(shown) == [str(i + 1) for i in range(len(layers))]
    for i, layer in enumerate(layers):
        values = shown[str(i + 1)]
        assert values, f"layer {i + 1} shows no δ"
        np.testing.assert_allclose(values, np.asarray(layer["delta"])[: len(values)], rtol=1e-12)


def test_changing_the_activation_rebuilds_and_goes_into_the_address(page):
    page.select_option("#activation", "tanh")
    page.wait_for_function("location.search.includes('activation=tanh')")
    assert page.input_value("#activation") == "tanh"
    assert page.inner_text("#epoch") == "0"


def test_reset_gives_the_same_initial_boundary(page):
    before = _boundary_pixels(page)
    page.click("#step-epoch")
    page.wait_for_function("document.getElementById('epoch').textContent === '1'")
    assert _boundary_pixels(page) != before
    page.click("#reset")
    page.wait_for_function("document.getElementById('epoch').textContent === '0'")
    assert _boundary_pixels(page) == before


def test_a_bad_csv_is_named_by_its_row(page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0.1,0.2,0\n0.3,oops,1\n")
    page.expected_error = "status of 400"  # the server refuses the file, as it should
    page.set_input_files("#upload", str(bad))
    page.wait_for_function("document.getElementById('upload-message').textContent !== ''")
    message = page.inner_text("#upload-message")
    assert "bad.csv" in message and "row" in message and "3" in message


def test_the_address_reproduces_the_configuration(page, server):
    page.fill("#seed", "7")
    page.dispatch_event("#seed", "change")
    page.select_option("#loss", "softmax_cross_entropy")
    page.wait_for_function(
        "location.search.includes('seed=7') && location.search.includes('softmax_cross_entropy')"
    )
    url = page.url
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_function("document.getElementById('status').textContent !== ''")
    assert page.input_value("#seed") == "7"
    assert page.input_value("#loss") == "softmax_cross_entropy"
    assert server.session.state()["config"]["seed"] == 7


def test_export_downloads_a_model_that_loads(page, server, tmp_path):
    page.click("#step-epoch")
    page.wait_for_function("document.getElementById('epoch').textContent === '1'")
    with page.expect_download() as download:
        page.click("#export-model")
    path = tmp_path / "model.npz"
    download.value.save_as(path)
    net = NeuralNetwork.load(path)
    assert net.sizes == [2, 25, 50, 25, 2]
    live = server.session.state()
    np.testing.assert_array_equal(net.weights[0], np.asarray(live["weights"][0]))
    with page.expect_download() as download:
        page.click("#export-metrics")
    metrics = tmp_path / "metrics.json"
    download.value.save_as(metrics)
    assert '"epoch": 1' in metrics.read_text()


def test_the_learning_rate_changes_while_it_trains(page, server):
    page.click("#play")
    page.wait_for_function("parseInt(document.getElementById('epoch').textContent) >= 20")
    page.fill("#learning_rate", "0.05")
    page.dispatch_event("#learning_rate", "change")
    page.wait_for_function("location.search.includes('learning_rate=0.05')")
    state = server.session.state()
    assert state["config"]["learning_rate"] == 0.05
    assert state["epoch"] >= 20  # no reset
    assert state["status"] in ("training", "done")
    page.click("#play")
