"""The playground as a learner uses it, in Chromium at 1280 × 800: Play trains the chapter's
network to 95 % test accuracy, Step one sample shows the δ of `deltagrad explain`, changing the
activation rebuilds the network, Reset gives the same initial boundary, a bad CSV names its row,
and the page's address reproduces the configuration. Screenshots go to the `shots` folder."""

from __future__ import annotations

import re

import numpy as np
import pytest

import playground_server
from deltagrad.backprop import NeuralNetwork
from deltagrad.experiments.explain import chapter_sample, explain, weighted_sum
from deltagrad.playground.suggested import SUGGESTED

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


# --- issue 23: the update in the step view, a neuron large, sparklines, speed, suggestions ---


def test_step_one_sample_writes_out_a_hidden_sum_and_the_update(page, shots):
    page.click("#step-sample")
    page.wait_for_selector("#sample-update table")
    assert "neurons j, k from 0" in page.inner_text("#sample-numbering")
    sums = page.eval_on_selector_all(".worked.sum", "els => els.map(e => e.textContent)")
    # The chapter's network: one written-out sum per hidden layer, as `deltagrad explain` has.
    assert len(sums) == 3
    for text in sums:
        assert text.startswith("where Σk δk·w") and " + " in text and " = " in text
    net = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=0)
    x, label, _ = chapter_sample(0)
    result = explain(net, x, label)
    j = int(np.argmax(np.abs(result["layers"][2]["delta"])))
    layer3 = page.inner_text('.sample-layer[data-layer="3"]')
    assert "where " + weighted_sum(result, 3, j, max_terms=4) in layer3
    loss = page.inner_text("#sample-update .loss-change")
    u = result["update"]
    found = re.fullmatch(r"Loss on this sample: (\S+) before, (\S+) after \((\S+) %\)\.", loss)
    assert found, loss
    assert float(found[1]) == pytest.approx(u["loss_before"], rel=1e-5)
    assert float(found[2]) == pytest.approx(u["loss_after"], rel=1e-5)
    assert float(found[3]) < 0  # the step lowered this sample's loss
    rows = page.eval_on_selector_all(
        "#sample-update tr", "rs => rs.map(r => Array.from(r.cells).map(c => c.textContent))"
    )
    assert rows[0] == ["parameter", "before", "∂L/∂θ", "after"]
    assert len(rows) == 1 + 2 * 4  # a weight and a bias per layer, from the output layer down
    assert rows[1][0].endswith(" of W4") and rows[-1][0].endswith(" of b1")
    lr = 0.01
    for _name, before, gradient, after in rows[1:]:
        assert float(after) == pytest.approx(float(before) - lr * float(gradient), abs=2e-6)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#sample-update").screenshot(path=str(shots / f"update_{width}.png"))
        overflow = page.eval_on_selector("#sample-update", "e => e.scrollWidth - e.clientWidth")
        assert overflow <= 1, f"the update table needs a sideways scroll at {width} px"


def _neuron_at(page, layer: int, neuron: int) -> tuple[float, float]:
    """The page coordinates of a neuron's picture on the network canvas."""
    page.locator("#network").scroll_into_view_if_needed()
    return page.evaluate(
        """([l, j]) => { const c = document.getElementById('network');
              const r = c.getBoundingClientRect(), s = r.width / c.width;
              const b = neuronBoxes.find(b => b.l === l && b.j === j);
              const half = b.size / 2;
              return [r.left + (b.x + half) * s, r.top + (b.y + half) * s, b.size * s]; }""",
        [layer, neuron],
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_a_neuron_opens_large_on_hover_or_tap(page, shots, width):
    page.set_viewport_size({"width": width, "height": 900})
    x, y, small = _neuron_at(page, 2, 7)
    assert small < 12  # the picture on the network: a few pixels
    if width == 390:
        page.mouse.click(x, y)  # a tap pins it
    else:
        page.mouse.move(x, y)
    page.wait_for_function(
        "document.getElementById('zoom-caption').textContent.includes('output o')"
    )
    assert page.inner_text("#zoom-title") == "hidden layer 2, neuron 7"
    box = page.locator("#zoom-canvas").bounding_box()
    assert box["width"] >= 200 and box["width"] >= 15 * small
    pixels = page.evaluate(
        """() => { const c = document.getElementById('zoom-canvas');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   return Array.from(d); }"""
    )
    assert len(set(pixels[0::4])) > 20  # a picture, not a flat square
    # The neuron itself stays visible: the picture opens beside or below it, not over it.
    hit = page.evaluate(f"document.elementFromPoint({x}, {y}).id")
    assert hit == "network"
    page.screenshot(path=str(shots / f"playground_neuron_{width}.png"))
    if width == 390:
        page.click("#zoom-close")
    else:
        page.keyboard.press("Escape")
    assert page.locator("#neuron-zoom").is_hidden()


def test_gradient_norm_sparklines_are_log_scaled_and_labelled(page, server, shots):
    for epoch in range(1, 4):
        page.click("#step-epoch")
        page.wait_for_function(f"document.getElementById('epoch').textContent === '{epoch}'")
    names = page.eval_on_selector_all(
        "#sparklines .spark-name", "els => els.map(e => e.textContent)"
    )
    assert names == ["W1", "W2", "W3", "W4"]
    assert "log scale" in page.inner_text("#curves-panel h3")
    axis = page.locator("#spark-axis")
    assert "epochs 1 to 3" in axis.inner_text()
    bottom, top = int(axis.get_attribute("data-bottom")), int(axis.get_attribute("data-top"))
    assert f"1e{bottom} (bottom) to 1e{top} (top)" in axis.inner_text()
    norms = server.session.state(with_points=False)["history"]["grad_norm"][-1]
    # Each line ends at its last norm's height on the log scale shared by the layers.
    for i, norm in enumerate(norms):
        column = page.evaluate(
            """(i) => { const c = document.querySelectorAll('#sparklines canvas')[i];
                        const d = c.getContext('2d').getImageData(c.width - 1, 0, 1, c.height).data;
                        const blue = [];
                        for (let y = 0; y < c.height; y++) {
                          if (d[4 * y + 2] > 120 && d[4 * y] < 120) { blue.push(y); } }
                        return [blue, c.height]; }""",
            i,
        )
        blue, height = column
        expected = height - 2 - (np.log10(norm) - bottom) / (top - bottom) * (height - 4)
        assert blue and min(abs(y - expected) for y in blue) <= 2, (i, norm, blue, expected)
        value = page.locator("#sparklines .spark-value").nth(i).inner_text()
        assert value == f"{norm:.1e}".replace("e-0", "e-")
    page.locator("#curves-panel").screenshot(path=str(shots / "playground_sparklines.png"))


def _server_speed_becomes(page, server, speed) -> None:
    """Wait (polling, no clock in the assertion) until the session's speed is ``speed``."""
    for _ in range(200):
        if server.session.state(with_points=False)["speed"] == speed:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the server's speed never became {speed}")


def test_the_speed_control_sets_the_servers_pace(page, server):
    assert page.input_value("#speed") == ""  # as fast as it trains, at first
    page.select_option("#speed", "5")
    _server_speed_becomes(page, server, 5.0)
    page.reload()
    page.wait_for_function("document.getElementById('status').textContent !== ''")
    assert page.input_value("#speed") == "5"  # the page shows the server's pace
    page.select_option("#speed", "")
    _server_speed_becomes(page, server, None)


def test_the_suggested_settings_apply_with_one_click(page, server):
    page.select_option("#data", "circles")
    page.wait_for_function("location.search.includes('data=circles')")
    assert "91 % test accuracy" in page.inner_text("#suggested-note")
    page.click("#suggested")
    page.wait_for_function("location.search.includes('activation=tanh')")
    config = server.session.state(with_points=False)["config"]
    assert {k: config[k] for k in SUGGESTED["circles"]["settings"]} == {
        **SUGGESTED["circles"]["settings"]
    }
    assert page.input_value("#activation") == "tanh"
    assert page.is_disabled("#suggested")  # in use
