"""Himmelblau (chapter 7.1, 7.8): Table 7-1 from the chapter's starts, the nine critical points and
their kinds, bounded gradient ascent, the basins of the chapter's starts, and the command."""

import argparse
import json

import numpy as np
import pytest

import deltagrad as dg
from deltagrad.commands import common
from deltagrad.commands import himmelblau as cmd
from deltagrad.experiments import himmelblau as hb

# Chapter 7.8: (start, the chapter's numerical solution). The chapter truncates to 2 decimals.
TABLE_7_1 = [
    ((4, 0), (3.58, -1.84)),
    ((1, 0), (3.0, 1.99)),
    ((-4, 0), (-3.77, -3.28)),
    ((-2, 2), (-2.80, 3.13)),
]
SPEC_MINIMA = [(3, 2), (-2.805118, 3.131313), (-3.779310, -3.283186), (3.584428, -1.848127)]
SPEC_MAXIMUM = (-0.270845, -0.923039)
SPEC_SADDLES = [
    (3.385154, 0.073852),
    (0.086678, 2.884255),
    (-3.073026, -0.081353),
    (-0.127961, -1.953715),
]


@pytest.fixture(scope="module")
def critical():
    return hb.critical_points()


@pytest.fixture(scope="module")
def chapter_runs():
    return [hb.descend(start, lr=0.01, steps=200, dtype="float32") for start, _ in TABLE_7_1]


def truncate(v, digits=2):
    return np.trunc(np.asarray(v, dtype=np.float64) * 10**digits) / 10**digits


# --- the function and one descent ---------------------------------------------------------


def test_himmelblau_on_one_point_and_on_many():
    pts = np.array([[3.0, 0.0, -1.0], [2.0, 0.0, 4.0]])
    expect = [(x * x + y - 11) ** 2 + (x + y * y - 7) ** 2 for x, y in pts.T]
    np.testing.assert_allclose(hb.himmelblau(pts), expect)
    assert float(hb.himmelblau(dg.constant(pts[:, 1]))) == pytest.approx(expect[1])


def test_chapter_run_from_4_0_matches_its_printed_line(chapter_runs):
    run = chapter_runs[0]
    assert run.dtype == "float32" and run.status == "finished"
    assert run.trajectory.shape == (201, 2) and run.f.shape == (201,)
    np.testing.assert_allclose(run.final, [3.584428, -1.8481264], atol=2e-6)
    assert 0 <= run.final_f < 1e-11  # the chapter's "f(x) = 1.1e-12", at the final x


def test_f_is_evaluated_at_the_current_point_not_the_stale_one(chapter_runs):
    for run in chapter_runs:
        for k in (0, 19, 200):
            here = float(hb.himmelblau(run.trajectory[k].astype(np.float64)))
            assert run.f[k] == pytest.approx(here, rel=1e-4, abs=1e-9)


def test_table_7_1_reproduced(chapter_runs, critical):
    rows = hb.table_7_1(chapter_runs, hb.minima(critical))
    for row, (start, solution) in zip(rows, TABLE_7_1):
        assert row["start"] == list(start)
        np.testing.assert_allclose(truncate(row["solution"]), solution, atol=0.0101)
        np.testing.assert_allclose(row["solution"], row["nearest_minimum"], atol=1e-5)
        assert row["distance"] < 1e-5
        np.testing.assert_allclose(
            row["nearest_minimum"], SPEC_MINIMA[row["minimum_index"]], atol=1e-5
        )


def test_float64_descent_reaches_the_same_minima():
    for start, solution in TABLE_7_1:
        run = hb.descend(start, dtype="float64")
        assert run.trajectory.dtype == np.float64
        np.testing.assert_allclose(run.final, solution, atol=0.0101)


# --- critical points from nested tapes ----------------------------------------------------


def test_gradient_and_hessian_match_the_analytic_ones():
    pts = np.array([[1.0, -2.5, 0.3], [2.0, 0.7, -4.0]])
    g, H = hb.gradient_and_hessian(pts)
    x, y = pts
    np.testing.assert_allclose(
        g,
        [
            4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
            2 * (x * x + y - 11) + 4 * y * (x + y * y - 7),
        ],
    )
    np.testing.assert_allclose(H[:, 0, 0], 12 * x * x + 4 * y - 42)
    np.testing.assert_allclose(H[:, 0, 1], 4 * x + 4 * y)
    np.testing.assert_allclose(H[:, 1, 0], 4 * x + 4 * y)
    np.testing.assert_allclose(H[:, 1, 1], 4 * x + 12 * y * y - 26)


def test_nine_critical_points_and_their_kinds(critical):
    assert [c.kind for c in critical] == ["minimum"] * 4 + ["maximum"] + ["saddle"] * 4
    expected = SPEC_MINIMA + [SPEC_MAXIMUM] + SPEC_SADDLES
    for c, p in zip(critical, expected):
        np.testing.assert_allclose(c.point, p, atol=1e-5)
    for c in critical[:4]:
        assert c.f == pytest.approx(0, abs=1e-20) and np.all(c.eigenvalues > 0)
    assert critical[4].f == pytest.approx(181.617, abs=1e-3) and np.all(critical[4].eigenvalues < 0)
    for c in critical[5:]:
        assert c.eigenvalues[0] < 0 < c.eigenvalues[1]


def test_classify_rejects_a_degenerate_hessian():
    with pytest.raises(ValueError, match="degenerate"):
        hb.classify([0.0, 1.0])


# --- gradient ascent ----------------------------------------------------------------------


@pytest.mark.parametrize("start", [(4, 0), (1, 0), (-4, 0), (-2, 2), (0, 0)])
def test_ascent_increases_f_and_stays_finite(start):
    run = hb.descend(start, lr=0.01, steps=200, ascent=True)
    assert run.ascent and run.status == "finished" and run.max_step == hb.ASCENT_MAX_STEP
    assert np.all(np.isfinite(run.trajectory)) and np.all(np.isfinite(run.f))
    assert run.final_f > run.f[0]
    assert np.all(np.diff(run.f.astype(np.float64)) >= -1e-3)  # climbing (float32 noise aside)
    steps = np.sqrt(np.sum(np.diff(run.trajectory.astype(np.float64), axis=0) ** 2, axis=1))
    assert steps.max() <= hb.ASCENT_MAX_STEP * (1 + 1e-5)


def test_ascent_near_the_maximum_climbs_onto_it(critical):
    run = hb.descend((0, 0), ascent=True, dtype="float64")
    np.testing.assert_allclose(run.final, critical[4].point, atol=1e-6)


def test_ascent_away_from_the_maximum_is_bounded_not_infinite():
    run = hb.descend((4, 0), ascent=True)
    assert run.bounded == 200
    assert np.linalg.norm(run.final - run.trajectory[0]) <= 200 * hb.ASCENT_MAX_STEP + 1e-3


def test_a_diverging_descent_stops_and_says_so():
    run = hb.descend((4, 0), lr=0.1, steps=200)
    assert run.status == "diverged" and run.steps_taken < 200
    assert np.all(np.isfinite(run.trajectory))


# --- basins -------------------------------------------------------------------------------


def test_basin_of_each_chapter_start_is_the_minimum_table_7_1_names(critical):
    mins = hb.minima(critical)
    data = hb.basins(lr=0.01, steps=200, n=40, minima_points=mins)
    for lab, (_, solution) in zip(data["mark_labels"], TABLE_7_1):
        assert lab >= 0
        np.testing.assert_allclose(truncate(mins[lab]), solution, atol=0.0101)
    assert data["labels"].shape == (40, 40)
    assert data["counts"]["diverged"] == 0 and data["counts"]["unconverged"] == 0
    assert sum(data["counts"].values()) == 1600


def test_vectorised_descent_matches_single_runs():
    starts = np.array([[4.0, 1.0, -4.0, -2.0, 5.5], [0.0, 0.0, 0.0, 2.0, -5.0]])
    together = hb.descend_many(starts, lr=0.01, steps=200, dtype="float64")
    for j in range(starts.shape[1]):
        alone = hb.descend(starts[:, j], lr=0.01, steps=200, dtype="float64").final
        np.testing.assert_allclose(together[:, j], alone, rtol=1e-12, atol=1e-12)


def test_large_learning_rate_diverges_quietly_and_is_labelled(critical):
    data = hb.basins(lr=0.02, steps=200, n=40, minima_points=hb.minima(critical))
    assert data["counts"]["diverged"] > 0  # no overflow warning: pytest turns warnings into errors
    assert set(np.unique(data["labels"])) <= {hb.DIVERGED, hb.UNCONVERGED, 0, 1, 2, 3}


def test_stability_says_which_minima_a_learning_rate_loses_and_the_basins_agree(critical):
    """η·λmax > 2 at a minimum: descent cannot settle there. At the chapter's η = 0.01 all four
    minima attract; at the second basin map's η = 0.02 two repel (λmax 105.4 and 133.8, the
    eigenvalues the command prints) and no start of the basin map ends at them."""
    lrs = (0.01, cmd.DEFAULT_BASIN_LR)
    rows = hb.stability(critical, lrs)
    assert len(rows) == 4
    for r in rows:
        assert r["limit"] == pytest.approx(2 / max(r["eigenvalues"]))
    assert all(r["stable"][0.01] for r in rows)
    lost = sorted(round(max(r["eigenvalues"]), 1) for r in rows if not r["stable"][0.02])
    assert lost == [105.4, 133.8]
    data = hb.basins(lr=0.02, steps=200, n=40, minima_points=hb.minima(critical))
    for i, r in enumerate(rows):
        reached = data["counts"][f"minimum {i}"]
        assert (reached > 0) == r["stable"][0.02], (r["point"], reached)
    text = hb.stability_text(rows, lrs)
    assert "At η = 0.01 every minimum attracts" in text
    assert "At η = 0.02, 2 of the 4 minima repel" in text and "133.8" in text and "105.4" in text


def test_label_sorts_points_into_minima_unconverged_and_diverged():
    mins = np.array(SPEC_MINIMA, dtype=float)
    pts = np.array([[3.0, -0.27, np.nan, 5e3, -3.7793], [2.0, -0.92, 0.0, 0.0, -3.2832]])
    assert hb.label(pts, mins).tolist() == [0, hb.UNCONVERGED, hb.DIVERGED, hb.DIVERGED, 2]


# --- the command --------------------------------------------------------------------------


def parser():
    p = argparse.ArgumentParser(prog="deltagrad himmelblau")
    cmd.add_arguments(p)
    return p


def test_command_writes_results_and_figures(tmp_path, capsys):
    out = tmp_path / "hb"
    args = parser().parse_args(["--out", str(out), "--basin-grid", "24"])
    assert cmd.run(args) == 0
    common.release_locks()  # what the command line does on exit
    text = capsys.readouterr().out
    assert "step 199: x = [ 3.5844283 -1.8481264], f(x) = " in text
    assert "Table 7-1" in text and "saddle" in text and "maximum" in text
    names = {p.name for p in out.iterdir()}
    assert names == {"results.json", *cmd.FIGURES}
    data = json.loads((out / "results.json").read_text())
    assert len(data["runs"]) == 4 and len(data["runs"][0]["trajectory"]) == 201
    assert [r["minimum_index"] for r in data["table"]["rows"]] == [3, 0, 2, 1]
    assert [c["kind"] for c in data["critical_points"]].count("saddle") == 4
    assert [b["lr"] for b in data["basins"]] == [0.01, cmd.DEFAULT_BASIN_LR]
    assert data["basins"][0]["start_labels"] == [3, 0, 2, 1]


def test_command_ascent_and_own_starts(tmp_path, capsys):
    out = tmp_path / "up"
    args = parser().parse_args(
        [
            "--out",
            str(out),
            "--ascent",
            "--start=-4,0",
            "--start",
            "0.5,0",
            "--steps",
            "40",
            "--no-figures",
            "--basin-grid",
            "8",
            "--dtype",
            "float64",
        ]
    )
    assert cmd.run(args) == 0
    common.release_locks()  # what the command line does on exit
    assert "Gradient ascent" in capsys.readouterr().out
    data = json.loads((out / "results.json").read_text())
    assert data["settings"]["starts"] == [[-4.0, 0.0], [0.5, 0.0]]
    assert all(r["f_final"] > r["f_start"] for r in data["table"]["rows"])
    assert sorted(p.name for p in out.iterdir()) == ["results.json"]


@pytest.mark.parametrize(
    "bad",
    [
        ["--lr", "0"],
        ["--lr", "nan"],
        ["--lr=-1"],
        ["--steps", "0"],
        ["--steps", "2.5"],
        ["--start", "1"],
        ["--start", "1,2,3"],
        ["--start", "a,b"],
        ["--start", "1,inf"],
        ["--dtype", "float16"],
        ["--basin-grid", "1"],
        ["--max-step", "0"],
    ],
)
def test_bad_flags_exit_2_with_one_error_line_and_write_nothing(tmp_path, capsys, bad):
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(["--out", str(out), *bad])
    assert exc.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert not out.exists()


def test_out_that_is_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(cmd.common.UsageError, match="not a folder"):
        cmd.run(parser().parse_args(["--out", str(target), "--no-figures"]))


def test_through_deltagrad_cli_main(monkeypatch, tmp_path, capsys):
    from deltagrad import cli

    monkeypatch.setattr(cli, "COMMAND_MODULES", ["himmelblau"])
    out = tmp_path / "cli"
    assert (
        cli.main(
            ["himmelblau", "--out", str(out), "--steps", "20", "--no-figures", "--basin-grid", "8"]
        )
        == 0
    )
    assert (out / "results.json").exists()
    file_out = tmp_path / "a-file"
    file_out.write_text("")
    assert cli.main(["himmelblau", "--out", str(file_out), "--no-figures"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"deltagrad himmelblau: error: --out {str(file_out)!r} exists and is not a folder"
    ]
