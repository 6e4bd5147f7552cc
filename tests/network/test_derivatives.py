"""deltagrad.experiments.derivatives and deltagrad.figures.derivatives: SPEC 7.2 to 7.4 as
data (analytic = tape = finite differences) and Figures 7-2 to 7-6 as files."""

import math

import numpy as np
import pytest

from deltagrad import functional as F
from deltagrad.experiments import derivatives as D
from deltagrad.figures import derivatives as FIG

RULES_OF_7_2 = {
    "constant",
    "linear",
    "power",
    "exponential",
    "logarithm",
    "sum",
    "product",
    "quotient",
    "chain",
    "L = x·w² + b²",
    "L = x·e^w + e^b",
    "L = [(xw + b) − y]²",
    "L = a·ln(xw + b)",
}


@pytest.fixture(scope="module")
def rows():
    return D.worked_examples()


@pytest.fixture(scope="module")
def curves():
    return D.activation_curves()


# --- 7.2 worked examples ------------------------------------------------------------------


def test_every_worked_example_agrees_three_ways(rows):
    for r in rows:
        assert r["rel_error"] < 1e-6, r
        assert r["tape"] == pytest.approx(r["analytic"], rel=1e-12, abs=1e-15), r
        assert r["numeric"] == pytest.approx(r["analytic"], rel=1e-6, abs=1e-9), r


def test_every_rule_of_7_2_is_covered_at_every_point(rows):
    assert {r["rule"] for r in rows} == RULES_OF_7_2
    n_points = len(D.DEFAULT_POINTS)
    for rule in RULES_OF_7_2:
        formulas = [r["formula"] for r in rows if r["rule"] == rule]
        if rule.startswith("L ="):
            assert sum(f.startswith("∂/∂w") for f in formulas) == n_points
            assert sum(f.startswith("∂/∂b") for f in formulas) == n_points
        else:
            assert len(formulas) == n_points


def test_worked_losses_match_values_by_hand(rows):
    # x = 0.5, w = 1.5, b = 0.3: ∂/∂w x·w² + b² = 2xw = 1.5, ∂/∂b = 2b = 0.6.
    first = [r for r in rows if r["rule"] == "L = x·w² + b²"][:2]
    assert [r["formula"] for r in first] == ["∂/∂w [x·w² + b²] = 2xw", "∂/∂b [x·w² + b²] = 2b"]
    assert first[0]["point"] == {"x": 0.5, "w": 1.5, "b": 0.3}
    assert [r["analytic"] for r in first] == pytest.approx([1.5, 0.6])
    chain = next(r for r in rows if r["rule"] == "chain")
    assert chain["analytic"] == pytest.approx(2 * 0.5 / (0.25 + 1))


def test_rows_hold_the_documented_fields(rows):
    keys = {
        "section",
        "rule",
        "statement",
        "formula",
        "point",
        "analytic",
        "tape",
        "numeric",
        "rel_error",
    }
    assert all(set(r) == keys for r in rows)
    assert {r["section"] for r in rows} == {
        "derivative rules",
        "combination rules",
        "worked losses",
    }


def test_worked_examples_at_other_points():
    rows = D.worked_examples([{"x": 3.0, "w": 0.2, "b": 1.0, "y": 2.0, "a": -4.0}])
    assert len(rows) == 9 + 4 * 2
    assert max(r["rel_error"] for r in rows) < 1e-6


@pytest.mark.parametrize(
    "point,match",
    [
        ({"x": -1.0, "w": 1.0, "b": 5.0, "y": 0.0, "a": 1.0}, "x > 0"),
        ({"x": 1.0, "w": -2.0, "b": 1.0, "y": 0.0, "a": 1.0}, "xw \\+ b > 0"),
        ({"x": 1.0, "w": 1.0, "b": 1.0}, "lacks"),
        ({"x": 1.0, "w": 1.0, "b": float("nan"), "y": 0.0, "a": 1.0}, "non-finite"),
    ],
)
def test_worked_examples_reject_bad_points(point, match):
    with pytest.raises(ValueError, match=match):
        D.worked_examples([point])


# --- 7.3 activation curves ----------------------------------------------------------------


def test_curves_are_the_four_activations_in_figure_order(curves):
    assert list(curves) == ["sigmoid", "relu", "leaky_relu", "tanh"]
    assert [c["figure"] for c in curves.values()] == ["7-2", "7-3", "7-4", "7-5"]


@pytest.mark.parametrize("name", ["sigmoid", "relu", "leaky_relu", "tanh"])
def test_analytic_tape_and_finite_differences_agree(curves, name):
    c = curves[name]
    assert c["x"].shape == c["f"].shape == c["analytic"].shape == c["tape"].shape == (241,)
    np.testing.assert_allclose(c["tape"], c["analytic"], rtol=1e-12, atol=1e-15)
    assert len(c["fd_x"]) >= 12
    np.testing.assert_allclose(c["fd"], c["fd_analytic"], rtol=1e-6, atol=1e-9)
    assert c["max_error_tape"] < 1e-12 and c["max_error_fd"] < 1e-6


def test_finite_difference_markers_avoid_the_kinks(curves):
    for name in ("relu", "leaky_relu"):
        assert np.min(np.abs(curves[name]["fd_x"])) > 0.1
    assert 0.0 in curves["sigmoid"]["fd_x"]


def test_kink_convention_is_shared_by_both_engines(curves):
    at_zero = int(np.flatnonzero(curves["relu"]["x"] == 0.0)[0])
    assert curves["relu"]["analytic"][at_zero] == curves["relu"]["tape"][at_zero] == 0.0
    p = curves["leaky_relu"]["params"]["alpha"]
    assert curves["leaky_relu"]["tape"][at_zero] == pytest.approx(p)


def test_curves_match_the_formulas(curves):
    x = curves["sigmoid"]["x"]
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(curves["sigmoid"]["analytic"], s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(curves["tanh"]["analytic"], 1 - np.tanh(x) ** 2, atol=1e-15)
    p = D.LEAKY_FIGURE_ALPHA
    np.testing.assert_array_equal(curves["leaky_relu"]["f"], np.where(x >= 0, x, p * x))


def test_leaky_alpha_can_be_the_engines_default():
    c = D.activation_curves(leaky_alpha=F.LEAKY_ALPHA)["leaky_relu"]
    assert c["params"] == {"alpha": F.LEAKY_ALPHA}
    assert c["analytic"][0] == c["tape"][0] == pytest.approx(0.01)
    assert c["max_error_fd"] < 1e-6


def test_curves_are_stable_far_out():
    curves = D.activation_curves(x=np.array([-1000.0, -1.0, 0.5, 1000.0]), n_fd=4)
    for c in curves.values():
        assert np.all(np.isfinite(c["f"])) and np.all(np.isfinite(c["tape"]))
        np.testing.assert_allclose(c["tape"], c["analytic"], rtol=1e-12, atol=1e-300)


def test_curves_reject_bad_x():
    with pytest.raises(ValueError, match="1-D"):
        D.activation_curves(x=np.array([0.0, np.nan]))


# --- 7.4 softmax --------------------------------------------------------------------------


def test_softmax_example_turns_logits_into_probabilities():
    ex = D.softmax_example()
    np.testing.assert_array_equal(ex["logits"], [2.0, 1.0, 0.1])
    assert ex["probabilities"].sum() == pytest.approx(1.0, abs=1e-15)
    expected = np.exp([2.0, 1.0, 0.1]) / np.exp([2.0, 1.0, 0.1]).sum()
    np.testing.assert_allclose(ex["probabilities"], expected, rtol=1e-14)
    np.testing.assert_allclose(ex["probabilities_tape"], expected, rtol=1e-14)


def test_softmax_jacobians_agree():
    ex = D.softmax_example([0.5, -1.0, 3.0, 0.0])
    p = ex["probabilities"]
    by_hand = np.diag(p) - np.outer(p, p)  # p_i(δ_ij − p_j)
    np.testing.assert_allclose(ex["jacobian"], by_hand, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(ex["jacobian_tape"], by_hand, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(ex["jacobian_numeric"], by_hand, rtol=1e-6, atol=1e-10)
    assert ex["max_error_tape"] < 1e-12 and ex["max_error_numeric"] < 1e-6
    np.testing.assert_allclose(ex["jacobian_tape"].sum(axis=0), 0.0, atol=1e-15)


@pytest.mark.parametrize("logits", [[1.0], [[1.0, 2.0]], [1.0, math.inf]])
def test_softmax_example_rejects_bad_logits(logits):
    with pytest.raises(ValueError, match="logits"):
        D.softmax_example(logits)


# --- figures ------------------------------------------------------------------------------


def test_figures_7_2_to_7_6_are_written(tmp_path, curves):
    for name, curve in curves.items():
        FIG.activation_figure(curve, tmp_path / FIG.FILENAMES[name])
    FIG.softmax_figure(D.softmax_example(), tmp_path / FIG.FILENAMES["softmax"])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "fig7_2_sigmoid.png",
        "fig7_3_relu.png",
        "fig7_4_leaky_relu.png",
        "fig7_5_tanh.png",
        "fig7_6_softmax.png",
    ]
    for path in tmp_path.iterdir():
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG") and 10_000 < len(data) < 150_000, path.name
