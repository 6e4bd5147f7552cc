"""`deltagrad reproduce --quick`: every file, a parseable report with every figure captioned."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser

import numpy as np
import pytest

from deltagrad import cli
from deltagrad.backprop import NeuralNetwork

EXPECTED = {
    "derivatives": [
        "derivatives.csv",
        "results.json",
        "fig7_2_sigmoid.png",
        "fig7_3_relu.png",
        "fig7_4_leaky_relu.png",
        "fig7_5_tanh.png",
        "fig7_6_softmax.png",
    ],
    "chain_rule": [
        "chain_rule_graph.png",
        "chain_rule_steps.html",
        "neuron_graph.png",
        "neuron_steps.html",
        "results.json",
    ],
    "explain": ["explain.html", "results.json"],
    "gradcheck": ["gradient_table.csv", "results.json"],
    "himmelblau": [
        "results.json",
        "fig7_11_himmelblau_surface.png",
        "fig7_12_himmelblau_contour.png",
        "fig7_1_nonconvex.png",
        "himmelblau_basins.png",
    ],
    "moons": [
        "metrics.json",
        "model.npz",
        "fig7_13_network.png",
        "fig7_14_dataset.png",
        "fig7_15_train_mse.png",
        "fig7_16_test_accuracy.png",
        "decision_boundary.png",
        "decision_boundary.gif",
        "decision_boundary.json",
        "gradient_norms.png",
    ],
    "init_compare": [
        "metrics.json",
        "init_curves.png",
        "init_accuracy.png",
        "init_signal.png",
        "init_symmetry.png",
    ],
    "landscape": [
        "metrics.json",
        "landscape.npz",
        "landscape_contour.png",
        "landscape_surface.png",
        "landscape_pca.png",
        "landscape_interpolation.png",
    ],
}
CHAPTER_FIGURES = [
    "Figure 7-1:",
    "Figure 7-2:",
    "Figure 7-3:",
    "Figure 7-4:",
    "Figure 7-5:",
    "Figure 7-6:",
    "Figure 7-11:",
    "Figure 7-12:",
    "Figure 7-13:",
    "Figure 7-14:",
    "Figure 7-15:",
    "Figure 7-16:",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """One ``reproduce --quick --seed 0`` run for the module; the landscape step may not train
    the network again (``test_the_landscape_reuses_the_moons_run``)."""
    from deltagrad.experiments import landscape

    def no_second_training(*args, **kwargs):
        raise AssertionError("the landscape step trained the network again")

    out = tmp_path_factory.mktemp("reproduce") / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(landscape, "train", no_second_training)
        assert cli.main(["reproduce", "--quick", "--out", str(out), "--seed", "0"]) == 0
    return out


_VOID = {"meta", "img", "br", "hr", "link", "input"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures, self.images, self.tables, self.stack = [], [], 0, []
        self._caption = None

    def handle_starttag(self, tag, attrs):
        if tag not in _VOID:
            self.stack.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        elif tag == "figcaption":
            self._caption = ""
        elif tag == "table":
            self.tables += 1

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
        self.stack.pop()
        if tag == "figcaption":
            self.figures.append(self._caption)
            self._caption = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.stack.pop()

    def handle_data(self, data):
        if self._caption is not None:
            self._caption += data


def test_every_listed_file_is_written(run_dir):
    for folder, names in EXPECTED.items():
        for name in names:
            path = run_dir / folder / name
            assert path.is_file() and path.stat().st_size > 0, path
    assert (run_dir / "report.html").is_file() and (run_dir / "metrics.json").is_file()


def test_report_parses_and_every_figure_is_embedded_and_captioned(run_dir):
    page = _Page()
    page.feed((run_dir / "report.html").read_text(encoding="utf-8"))
    page.close()
    assert page.stack == [], f"unclosed tags: {page.stack}"
    n_images = sum(
        len([n for n in names if n.endswith((".png", ".gif"))]) for names in EXPECTED.values()
    )
    assert len(page.images) == n_images == len(page.figures)
    assert all(
        src.startswith(("data:image/png;base64,", "data:image/gif;base64,")) for src in page.images
    )
    for label in CHAPTER_FIGURES:
        assert any(c.startswith(label) for c in page.figures), label
    assert page.tables >= 8  # 7.2, chain rule ×2, 7.7 ×2, gradcheck, Table 7-1, critical, moons


def test_report_shows_this_runs_numbers_beside_the_chapters(run_dir):
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    metrics = json.loads((run_dir / "moons" / "metrics.json").read_text())
    # This run's accuracy and MSE, as the moons step recorded them, and the chapter's.
    assert f"{metrics['test_accuracy']:.2%}" in text
    assert f"{metrics['final_train_mse']:.6f}" in text
    for expected in ["97.67%", "0.024335", "Table 7-1", "Seed 0"]:
        assert expected in text


def test_gradient_table_has_a_row_per_parameter_below_1e6(run_dir):
    with open(run_dir / "gradcheck" / "gradient_table.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    net = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=0)
    n_params = sum(W.size + b.size for W, b in zip(net.weights, net.biases))
    assert len(rows) == n_params
    errors = np.array([float(r["rel_error"]) for r in rows])
    assert np.all(errors < 1e-6)


def test_metrics_summarise_every_step(run_dir):
    m = json.loads((run_dir / "metrics.json").read_text())
    assert m["seed"] == 0 and m["quick"] is True
    assert set(m["results"]) == {
        "derivatives",
        "chain_rule",
        "explain",
        "gradcheck",
        "himmelblau",
        "moons",
        "init_compare",
        "landscape",
    }
    assert m["results"]["explain"]["passed"] is True
    assert m["results"]["chain_rule"]["matches_chapter"] is True
    assert m["results"]["himmelblau"]["critical_points"] == {
        "maximum": 1,
        "minimum": 4,
        "saddle": 4,
    }
    assert m["results"]["gradcheck"]["passed"] is True
    assert 0.5 < m["results"]["moons"]["test_accuracy"] <= 1
    assert m["results"]["init_compare"]["symmetric"]["zeros"] is True
    assert m["results"]["init_compare"]["symmetric"]["chapter"] is False
    land = m["results"]["landscape"]
    assert (land["seed"], land["directions_seed"]) == (0, 1)
    assert land["config"]["steps"] == m["settings"]["landscape_steps"]
    # the landscape's run is the moons step's run: the same trained loss
    assert land["centre_loss"] == pytest.approx(m["results"]["moons"]["final_train_mse"], rel=1e-9)


def test_negative_seed_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "never"
    assert cli.main(["reproduce", "--quick", "--seed", "-1", "--out", str(out)]) == 2
    assert "--seed" in capsys.readouterr().err
    assert not out.exists()


def test_the_gif_shows_the_whole_moons_run_from_its_own_snapshots(run_dir):
    from PIL import Image

    m = json.loads((run_dir / "moons" / "metrics.json").read_text())
    frames = json.loads((run_dir / "moons" / "decision_boundary.json").read_text())
    epochs, accuracy = frames["epochs"], frames["test_accuracy"]
    # from the first epoch to the last of the run the report shows (not a shorter training)
    assert epochs[0] == 0 and epochs[-1] == m["epochs"] - 1 == frames["total_epochs"] - 1
    assert epochs == sorted(set(epochs)) and len(epochs) >= 6
    # the same run: each frame's test accuracy is the one the run logged at that epoch
    logged = {h["epoch"]: h["test_accuracy"] for h in m["history"]}
    shared = [e for e in epochs if e in logged]
    assert len(shared) >= 3
    for e in shared:
        assert accuracy[epochs.index(e)] == logged[e], e
    assert accuracy[-1] == m["test_accuracy"]
    with Image.open(run_dir / "moons" / "decision_boundary.gif") as gif:
        assert gif.n_frames == len(epochs)


def test_report_lets_every_figure_open_at_full_size(run_dir):
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert text.count('<button type="button" class="zoom"') == text.count("<figure>")
    assert 'id="lightbox"' in text and "<script>" in text
    assert "http://" not in text and "https://" not in text  # self-contained: no network


def test_full_and_quick_settings_name_the_same_things():
    from deltagrad.commands.reproduce import _settings

    full, quick = _settings(False), _settings(True)
    assert full.keys() == quick.keys()
    for key, value in full.items():  # the full run never does less than --quick
        if isinstance(value, (int, float)) and isinstance(quick[key], (int, float)):
            assert value >= quick[key] or key.endswith("processes"), key


def test_the_landscape_reuses_the_moons_run(run_dir):
    """The chapter's network is trained once: the landscape step slices the moons step's run
    (``run_dir`` ran with ``landscape.train`` raising)."""
    results = json.loads((run_dir / "metrics.json").read_text())["results"]
    assert results["landscape"]["centre_loss"] == results["moons"]["final_train_mse"]
