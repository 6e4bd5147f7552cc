"""The HTML report renderer and the training-dynamics experiments behind the reproduce page."""

from __future__ import annotations

import numpy as np
import pytest

from deltagrad import report as rp
from deltagrad.data import chapter_data
from deltagrad.experiments import dynamics


def test_report_escapes_text_and_embeds_images(tmp_path):
    img = tmp_path / "a.png"
    img.write_bytes(b"\x89PNG fake")
    page = rp.render(
        "T <1>",
        [
            rp.Section(
                "S & s",
                ["<b>html</b> paragraph"],
                [rp.Table("c<", ["h"], [["<x>"], [0.123456789]])],
                [rp.FigureRef(img, "Figure 7-2: a < b")],
            )
        ],
        ["meta"],
    )
    assert "T &lt;1&gt;" in page and "S &amp; s" in page and "&lt;x&gt;" in page
    assert "0.123457" in page  # six significant digits by default
    assert "data:image/png;base64," in page and "Figure 7-2: a &lt; b" in page


def test_report_refuses_unknown_image_types(tmp_path):
    bad = tmp_path / "a.bmp"
    bad.write_bytes(b"x")
    with pytest.raises(ValueError, match="a.bmp"):
        rp.render("t", [rp.Section("s", figures=[rp.FigureRef(bad, "c")])], [])


@pytest.fixture(scope="module")
def data():
    return chapter_data()


def test_sigmoid_gradients_vanish_towards_the_input_and_relu_s_do_not(data):
    norms = dynamics.gradient_norms(*data, epochs=1, seed=0)
    sig, relu = norms["sigmoid"]["norms"][0], norms["relu"]["norms"][0]  # before training
    assert sig.shape == relu.shape == (4,)
    assert sig[0] < 0.1 * sig[-1]  # the first layer learns an order of magnitude slower
    assert relu[0] > sig[0] * 10


def test_boundary_evolution_keeps_the_requested_frames(data):
    ev = dynamics.boundary_evolution(*data, epochs=3, frames=3, steps=20, seed=0)
    assert ev["epochs"] == [0, 1, 2]
    assert len(ev["proba"]) == 3 and ev["proba"][0].shape == ev["xx"].shape == (20, 20)
    assert all(np.all((p >= 0) & (p <= 1)) for p in ev["proba"])


# --- the decision-boundary GIF: the whole run, the moons figures' colours, a legend ---------


def test_snapshots_span_the_whole_run():
    epochs = dynamics.snapshot_epochs(1000, 51)
    assert epochs[0] == 0 and epochs[-1] == 999 and len(epochs) == 51
    assert set(np.diff(epochs)) == {19, 20}  # after epoch 1, then every 20 epochs completed
    assert dynamics.snapshot_epochs(20, 21) == list(range(20))
    assert dynamics.snapshot_epochs(1, 5) == [0]


def test_watch_snapshots_the_run_it_is_passed_to(data):
    from deltagrad.experiments import moons

    X_train, X_test, y_train, y_test = data
    snaps = dynamics.BoundarySnapshots(
        np.concatenate([X_train, X_test]),
        X_test,
        y_test,
        dynamics.snapshot_epochs(6, 3),
        6,
        steps=15,
    )
    result = moons.run(moons.MoonsConfig(epochs=6, log_every=1), engine="numpy", watch=snaps)
    assert not hasattr(moons, "_WATCHERS") and not hasattr(moons, "watching")  # no global hook
    moons.run(moons.MoonsConfig(epochs=1), engine="numpy")  # the watcher sees no other run
    assert snaps.epochs == [0, 2, 5]
    ev = snaps.evolution()
    assert ev["epochs"] == [0, 2, 5] and ev["total_epochs"] == 6
    # the last snapshot is the trained network itself, not a second training
    grid = np.column_stack([ev["xx"].ravel(), ev["yy"].ravel()])
    expected = result.network.predict_proba(grid)[:, 1].reshape(ev["xx"].shape)
    np.testing.assert_allclose(ev["proba"][-1], expected, atol=1e-6)
    logged = dict(zip(result.history["epoch"], result.history["test_accuracy"]))
    for epoch, acc in zip(ev["epochs"], ev["test_accuracy"]):
        assert acc == logged[epoch]
    assert ev["test_accuracy"][-1] == result.metrics["test_accuracy"]


def _evolution(n_frames=5, steps=30):
    """Snapshots of a boundary turning from straight to curved: class 1 below the curve."""
    xx, yy = np.meshgrid(np.linspace(-2, 3, steps), np.linspace(-1.5, 2, steps))
    proba = [
        1 / (1 + np.exp(-8 * (k / (n_frames - 1) * 0.8 * np.sin(2 * xx) + 0.3 - yy)))
        for k in range(n_frames)
    ]
    return {
        "xx": xx,
        "yy": yy,
        "epochs": [0, 249, 499, 749, 999][:n_frames],
        "proba": proba,
        "test_accuracy": [0.5, 0.88, 0.9, 0.97, 0.9767][:n_frames],
        "total_epochs": 1000,
    }


def test_select_frames_spends_frames_where_the_boundary_moves():
    xx, yy = np.meshgrid(np.linspace(-2, 3, 30), np.linspace(-1.5, 2, 30))
    bend = [0, 0, 0, 0, 0.3, 0.6, 0.9, 0.9, 0.9, 0.9, 0.9]  # it moves between epochs 300 and 600
    ev = {
        "xx": xx,
        "yy": yy,
        "epochs": list(range(0, 1001, 100)),
        "total_epochs": 1001,
        "proba": [1 / (1 + np.exp(-8 * (a * np.sin(2 * xx) + 0.3 - yy))) for a in bend],
        "test_accuracy": [0.9] * 11,
    }
    chosen = dynamics.select_frames(ev, 6)["epochs"]
    assert chosen[0] == 0 and chosen[-1] == 1000 and len(chosen) <= 6
    assert {400, 500, 600} <= set(chosen)  # a frame for each step of the bend
    assert dynamics.select_frames(ev, 20)["epochs"] == ev["epochs"]  # fewer: all of them


def test_boundary_frame_uses_the_moons_colours_and_has_a_legend(data):
    from matplotlib.colors import to_rgba

    from deltagrad.figures import dynamics as fig_dyn
    from deltagrad.figures.moons import _CMAP, _class_colours

    X_train, X_test, y_train, y_test = data
    X, y = np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])
    fig = fig_dyn.boundary_frame(_evolution(), X, y, i=3)
    ax = fig.axes[0]
    assert ax.get_legend() is not None or fig.legends
    legend = ax.get_legend() or fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[:2] == ["class 0", "class 1"] and "decision boundary" in labels[2]
    red, blue = _class_colours(2)
    assert np.allclose(to_rgba(legend.legend_handles[0].get_facecolor()[0]), red)
    assert np.allclose(to_rgba(legend.legend_handles[1].get_facecolor()[0]), blue)
    assert red[0] > red[2] and blue[2] > blue[0]  # class 0 red, class 1 blue, as Figure 7-14
    fills = [
        c
        for c in ax.collections
        if getattr(c, "cmap", None) is not None
        and c.get_array() is not None
        and c not in legend.legend_handles
    ]
    assert any(c.cmap.name == _CMAP for c in fills)
    title = fig._suptitle.get_text()
    assert "epoch 750 of 1000" in title and "97.0%" in title


def test_boundary_gif_frames_carry_the_colours_epoch_by_epoch(tmp_path):
    from PIL import Image

    from deltagrad.figures import dynamics as fig_dyn

    ev = _evolution()
    X = np.array([[-1.5, 1.5], [2.5, -1.0]])  # a class-0 point top left, class 1 bottom right
    path = fig_dyn.boundary_gif(ev, X, np.array([0, 1]), tmp_path / "b.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 5 and gif.info.get("loop") == 0
        gif.seek(gif.n_frames - 1)
        frame = np.asarray(gif.convert("RGB")).astype(int)
    # the map's top-left corner (p ≈ 0, class 0) is red, its bottom-left (p ≈ 1) blue
    fig = fig_dyn.boundary_frame(ev, X, np.array([0, 1]))
    ax = fig.axes[0]
    h = frame.shape[0]
    (x0, y0), (x1, y1) = ax.transData.transform([(-1.9, 1.9), (-1.9, -1.4)])
    top_left = frame[int(h - y0), int(x0)]
    bottom_left = frame[int(h - y1), int(x1)]
    assert top_left[0] > top_left[2] + 40, top_left
    assert bottom_left[2] > bottom_left[0] + 40, bottom_left
