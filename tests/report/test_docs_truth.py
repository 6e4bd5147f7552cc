"""docs/hooks/truth.py: what the site says about the chapter is computed, and its lists follow
one source (the nav, the reproduce plan, the pages themselves).

The hook module is loaded from its file, as MkDocs loads it; the full site build (which runs it)
is tested by the docs build in CI and by tests/report/test_docs_browser.py.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from deltagrad.backprop import NeuralNetwork
from deltagrad.data import chapter_data, one_hot

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def truth():
    spec = importlib.util.spec_from_file_location("truth_hook", DOCS / "hooks" / "truth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def _page(path: str) -> str:
    return (DOCS / path).read_text(encoding="utf-8")


def test_relu_at_zero_the_chapters_two_listings_disagree_and_the_pages_say_which(truth):
    blocks = truth.relu_at_zero()
    short = blocks["truth.relu0.short"]
    assert "its 7.3 listing give 1" in short and "7.9 `Layer` code gives 0" in short
    prose = " ".join(_page("chapter/7-3-activations.md").split())
    assert (
        "its formula and its 7.3 listing say 1, the `Layer` class of its 7.9 code says 0" in prose
    )
    assert "<!-- build: truth.relu0 -->" in prose
    conventions = _page("conventions.md")
    assert "the chapter's 7.9 code agrees, its 7.3 formula says 1" in conventions


def test_the_chapters_listings_behave_as_the_fixes_page_says(truth):
    blocks = truth.chapter_code()
    assert "returns `[0, 0, 1, 1, 1]`" in blocks["truth.leaky"]  # p = 0.02 truncated to 0
    assert "overflow" in blocks["truth.tanh"]
    assert blocks["truth.gca"].startswith("raises `TypeError")


def test_fixes_page_cites_only_what_chapter_7_contains(truth):
    """Every row of the first table names its section; nothing the chapter's text lacks (the
    font, the [:100] plot, categorical_crossentropy) is cited."""
    page = _page("chapter/fixes.md")
    for gone in ("STKaiti", "[:100]", "categorical_crossentropy"):
        assert gone not in page
    table = page.split("## Where the chapter disagrees")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    for row in rows[1:]:
        first = row.split(" | ")[0]
        assert re.search(r"\(7\.\d(\.\d)?( and 7\.\d)?[;)]", first), row
    for needed in (
        "**20**, 50 and 25",
        "softmax + MSE",
        "7-7-derivation.md#6-",
        "1.1368684856363775e-12",
    ):
        assert needed in page


def test_frozen_bias_training_is_the_delta_rule_without_the_bias_update(truth):
    """The docs' frozen-bias run (the compiled engine's kernels, biases put back after every
    step) against the NumPy engine stepping sample by sample with the biases put back."""
    X, _, y, _ = chapter_data()
    X, Y = X[:60], one_hot(y[:60], 2)
    fast = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=3)
    ref = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=3)
    start = [b.copy() for b in ref.biases]
    truth.train_frozen_biases(fast, X, Y, 0.5, epochs=2)
    for _ in range(2):
        for x, t in zip(X, Y):
            ref.backpropagation(x, t, 0.5)
            for b, b0 in zip(ref.biases, start):
                b[...] = b0
    for a, b in zip(fast.biases, start):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(fast.weights, ref.weights):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    initial = NeuralNetwork.build([2, 25, 50, 25, 2], "sigmoid", "mse", rng=3).weights
    assert all(not np.allclose(a, b) for a, b in zip(fast.weights, initial))  # it trained


def test_himmelblau_printed_value_is_float32_rounding(truth):
    text = truth.himmelblau_printed()["truth.himmelblau.printed"]
    assert "5 of them, ours 1" in text
    assert "are the same" in text  # f before and after the last update: not the print bug


def test_home_page_lists_every_how_to_guide_of_the_nav(truth, config):
    block = truth.howto_list(config)["truth.home.howto"]
    linked = set(re.findall(r"\]\((howto/[\w-]+\.md)\)", block))
    on_disk = {f"howto/{p.name}" for p in (DOCS / "howto").glob("*.md")}
    assert linked == on_disk
    assert "<!-- build: truth.home.howto -->" in _page("index.md")


def test_getting_started_lists_every_folder_reproduce_writes(truth):
    from deltagrad.commands import reproduce

    block = truth.outputs_table()["truth.start.outputs"]
    folders = set(re.findall(r"`out/(\w+)/`", block))
    documented = set(re.findall(r"(\w+)/\s+\(", reproduce.__doc__))  # "chain_rule/ (7.6), …"
    assert {"init_compare", "landscape"} <= folders
    assert folders == documented
    assert "<!-- build: truth.start.outputs -->" in _page("getting-started.md")


def test_chapter_index_names_each_pages_figures(truth, config):
    block = truth.chapter_index(config)["truth.chapter.figures"]
    rows = {
        line.split(" | ")[0].split("]")[0].lstrip("| ["): line for line in block.splitlines()[2:]
    }
    assert "7-2 to 7-5" in rows["7.3"]
    assert "the tape as a graph" in rows["7.5"]  # the page has one; the typed table had "—"
    assert "7-11, 7-12, Table 7-1" in rows["7.8"]
    assert "7-13 to 7-16" in rows["7.9"]


def test_readme_says_which_graphs_chain_rule_draws():
    """`deltagrad chain-rule` draws the 7.6 example and 7.5's neuron, not Himmelblau's tape."""
    from deltagrad.commands import chain_rule

    assert set(chain_rule.PAGES) == {"chain_rule", "neuron"}
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "`deltagrad chain-rule` writes the graphs and step-through pages of the first two" in (
        readme
    )


def test_timings_are_written_once_and_included_in_getting_started():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("[start:timings]")[1].split("[end:timings]")[0]
    assert "deltagrad reproduce --quick" in section and "median" in section
    start = _page("getting-started.md")
    assert '--8<-- "README.md:timings"' in start
    assert not re.search(r"\d+ s\b", start.replace('"README.md:timings"', ""))
    outside = readme.replace(section, "")
    for line in outside.splitlines():  # no other line gives reproduce's time
        if "reproduce" in line:
            assert not re.search(r"\d+ s\b", line), line
