"""Optimise Himmelblau's function by gradient descent through the GradientTape (chapter 7.8).

Runs descent (or, with --ascent, bounded gradient ascent) from each start, printing every 20
steps like the chapter, then Table 7-1, the nine critical points found by Newton's method with
Hessians from nested tapes, and the basin-of-attraction maps. Writes results.json and
Figures 7-1, 7-11, 7-12 and himmelblau_basins.png to --out.

Everything is deterministic (fixed starts, a fixed grid), so there is no --seed. Negative
starts are written either way: --start -4,0 or --start=-4,0. Every step of every start is kept
in results.json, and each basin map descends grid² starts; so at most 100 starts,
--steps 100,000, --steps × starts 1,000,000, --basin-grid 2,000, and --basin-grid² × --steps
10^10 descent steps per map (a few minutes), with a progress bar on a terminal.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from deltagrad import report as rp
from deltagrad.commands import common, flags
from deltagrad.experiments import himmelblau as hb

NAME = "himmelblau"
HELP = (
    "gradient descent on Himmelblau's function: Table 7-1, critical points, basins of "
    "attraction, Figures 7-1, 7-11, 7-12"
)

PRINT_EVERY = 20
# Past 2/λmax at two of the four minima (0.0149, 0.0190): they stop attracting, the rim diverges.
DEFAULT_BASIN_LR = 0.02
FIGURES = (
    "fig7_11_himmelblau_surface.png",
    "fig7_12_himmelblau_contour.png",
    "fig7_1_nonconvex.png",
    "himmelblau_basins.png",
)

# Limits on the work a run may ask for (each is checked before anything runs; see run()).
MAX_STEPS = 100_000  # a descent of 200 steps already reaches its minimum
MAX_STARTS = 100  # every start is printed and drawn in Figures 7-1 and 7-12
MAX_TRAJECTORY_POINTS = 1_000_000  # steps × starts, all kept in results.json (about 80 MB)
MAX_BASIN_GRID = 2000  # 4 million starts per map; the map is drawn about 700 pixels wide
MAX_BASIN_WORK = 10**10  # grid² × steps per map: a few minutes at ~20 ns per start-step


def add_arguments(parser: argparse.ArgumentParser) -> None:
    flags.allow_negative_values(parser)  # --start -4,0 is a value, not an option
    parser.add_argument(
        "--lr", type=flags.positive_float, default=0.01, help="learning rate η (default: 0.01)"
    )
    parser.add_argument(
        "--steps",
        type=flags.positive_int,
        default=200,
        help=f"gradient steps per start (default: 200; at most {MAX_STEPS:,}, "
        "every step is kept in results.json)",
    )
    parser.add_argument(
        "--start",
        type=flags.point,
        action="append",
        metavar="X,Y",
        help="a start point; repeat for several (default: the chapter's four, "
        f"4,0 1,0 -4,0 -2,2; at most {MAX_STARTS}), e.g. --start -4,0",
    )
    parser.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="floating-point type (default: float32, like the chapter)",
    )
    parser.add_argument(
        "--ascent",
        action="store_true",
        help="gradient ascent θ + η∇f instead of descent, each step at most --max-step long",
    )
    parser.add_argument(
        "--max-step",
        type=flags.positive_float,
        default=None,
        metavar="L",
        help=f"longest step allowed (default: {hb.ASCENT_MAX_STEP:g} for ascent, "
        "unbounded for descent)",
    )
    parser.add_argument(
        "--basin-lr",
        type=flags.positive_float,
        default=DEFAULT_BASIN_LR,
        metavar="LR",
        help="learning rate of the second basin map, one where "
        f"descent starts to diverge (default: {DEFAULT_BASIN_LR:g}; the first "
        "map uses --lr)",
    )
    parser.add_argument(
        "--basin-grid",
        type=flags.int_at_least(2),
        default=400,
        metavar="N",
        help="starts per side of the basin maps (default: 400, i.e. 160,000 "
        f"starts; at most {MAX_BASIN_GRID:,}, and N² × --steps at most "
        f"{MAX_BASIN_WORK:.0e} per map)",
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    common.add_common_arguments(parser, default_out="out/himmelblau", seed=False)


# --- printing -----------------------------------------------------------------------------


def _pt(p, spec: str = ".6g") -> str:
    return "(" + ", ".join(format(float(v), spec) for v in p) + ")"


def format_table(header, rows) -> str:
    """Rows of strings as an aligned text table: numbers right-aligned, text left-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]

    def line(cells):
        return "  ".join(
            c.rjust(w) if c[:1] in "-0123456789" and c != "-" else c.ljust(w)
            for c, w in zip(cells, widths)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def print_run(run: hb.Run) -> None:
    verb = "ascent" if run.ascent else "descent"
    bound = f", steps at most {run.max_step:g} long" if run.max_step is not None else ""
    print(
        f"gradient {verb} from {_pt(run.start)}: lr {run.lr:g}, {run.steps} steps, "
        f"{run.dtype}{bound}"
    )
    for step in range(PRINT_EVERY - 1, run.steps_taken, PRINT_EVERY):
        print(f"step {step}: x = {run.trajectory[step + 1]}, f(x) = {run.f[step + 1]}")
    if run.status == "diverged":
        print(
            f"step {run.steps_taken}: diverged (the next point was not finite); stopped. "
            f"Try a smaller --lr."
        )
    elif run.bounded:
        print(f"({run.bounded} of {run.steps_taken} steps were shortened to {run.max_step:g})")
    print()


def table_7_1_text(rows) -> str:
    header = ["start", "numerical solution", "nearest minimum", "distance", "f"]
    body = []
    for r in rows:
        if r["status"] == "diverged":
            body.append([_pt(r["start"]), "diverged", "-", "-", "-"])
        else:
            body.append(
                [
                    _pt(r["start"]),
                    _pt(r["solution"], _spec(r["solution"])),
                    _pt(r["nearest_minimum"], ".6f"),
                    f"{r['distance']:.2e}",
                    f"{r['f']:.2e}",
                ]
            )
    return format_table(header, body)


def _spec(p) -> str:
    """Fixed six decimals, like the chapter's printout, unless the numbers are huge."""
    return ".6f" if max(abs(float(v)) for v in p) < 1e6 else ".4g"


def ascent_table(runs) -> list[dict]:
    return [
        {
            "start": list(r.start),
            "final": r.final.tolist(),
            "f_start": float(r.f[0]),
            "f_final": r.final_f,
            "bounded_steps": r.bounded,
            "steps_taken": r.steps_taken,
            "status": r.status,
        }
        for r in runs
    ]


def ascent_table_text(rows) -> str:
    header = ["start", "final point", "f(start)", "f(final)", "bounded steps"]
    body = [
        [
            _pt(r["start"]),
            _pt(r["final"], _spec(r["final"])),
            f"{r['f_start']:.6g}",
            f"{r['f_final']:.6g}",
            f"{r['bounded_steps']}/{r['steps_taken']}",
        ]
        for r in rows
    ]
    return format_table(header, body)


def critical_text(points) -> str:
    header = ["kind", "x", "y", "f", "Hessian eigenvalues"]
    body = [
        [
            c.kind,
            f"{c.point[0]:.6f}",
            f"{c.point[1]:.6f}",
            f"{c.f:.6g}",
            f"{c.eigenvalues[0]:.4g}, {c.eigenvalues[1]:.4g}",
        ]
        for c in points
    ]
    return format_table(header, body)


def basin_text(data, seconds: float) -> str:
    n = data["labels"].size
    names = {f"minimum {i}": f"-> {_pt(m, '.3g')}" for i, m in enumerate(data["minima"])}
    parts = [
        f"{names.get(name, name)} {count} ({100 * count / n:.1f}%)"
        for name, count in data["counts"].items()
    ]
    return f"lr {data['lr']:g}: {n} starts in {seconds:.2f} s: " + ", ".join(parts)


# --- the command --------------------------------------------------------------------------


def check_work(starts, steps: int, grid: int) -> None:
    """Refuse (UsageError) a run beyond the limits above, saying which and why."""
    if len(starts) > MAX_STARTS:
        raise common.UsageError(
            f"{len(starts)} --start points: at most {MAX_STARTS} (each is "
            "printed and drawn in Figures 7-1 and 7-12)"
        )
    if steps > MAX_STEPS:
        raise common.UsageError(
            f"--steps {steps:,}: at most {MAX_STEPS:,}; every step of "
            "every start is kept in results.json, and descent from the "
            "chapter's starts settles within 200 steps"
        )
    if steps * len(starts) > MAX_TRAJECTORY_POINTS:
        raise common.UsageError(
            f"--steps {steps:,} from {len(starts)} starts keeps "
            f"{steps * len(starts):,} points in results.json; at most "
            f"{MAX_TRAJECTORY_POINTS:,}: use fewer steps or starts"
        )
    if grid > MAX_BASIN_GRID:
        raise common.UsageError(
            f"--basin-grid {grid:,}: at most {MAX_BASIN_GRID:,} "
            f"({MAX_BASIN_GRID**2:,} starts per map, more than the map's "
            "figure can show); each map holds one label per start"
        )
    if grid * grid * steps > MAX_BASIN_WORK:
        raise common.UsageError(
            f"--basin-grid {grid:,} with --steps {steps:,} is {grid * grid * steps:.1e} descent "
            f"steps per basin map (two maps); at most {MAX_BASIN_WORK:.0e} (a few minutes): "
            "use a smaller --basin-grid or fewer --steps"
        )


def _bar(total: int, desc: str, unit: str = "step"):
    """A bar for one stage, shown once it has run for a second, then erased."""
    return common.progress_bar(
        total=total, desc=desc, unit=unit, unit_scale=True, delay=1.0, leave=False
    )


def run(args) -> int:
    starts = args.start or list(hb.CHAPTER_STARTS)
    check_work(starts, args.steps, args.basin_grid)
    out = common.output_dir(args.out, records=RECORDS)  # every flag is valid by now
    result = compute(
        starts,
        lr=args.lr,
        steps=args.steps,
        dtype=args.dtype,
        ascent=args.ascent,
        max_step=args.max_step,
        basin_lr=args.basin_lr,
        basin_grid=args.basin_grid,
        figures=not args.no_figures,
    )
    write(out, result)
    return 0


# --- compute, write, describe: the command's parts, which ``reproduce`` composes too -------

RECORDS = ("results.json",)  # the run's record: removed when a run starts, written last


def compute(
    starts=hb.CHAPTER_STARTS,
    lr: float = 0.01,
    steps: int = 200,
    dtype: str = "float32",
    ascent: bool = False,
    max_step: float | None = None,
    basin_lr: float = DEFAULT_BASIN_LR,
    basin_grid: int = 400,
    figures: bool = True,
) -> dict:
    """Descent (or ascent) from each start, the critical points and the two basin maps,
    printed as they are found (the limits of :func:`check_work` are the caller's). Returns
    ``{"results"`` (what results.json holds), ``"runs", "descents"`` (Figure 7-1's, when
    ``figures``), ``"critical", "maps", "figures"}``."""
    starts = list(starts)
    verb = "ascent" if ascent else "descent"
    with _bar(len(starts) * steps, f"gradient {verb}") as bar:
        runs = [
            hb.descend(s, lr, steps, dtype, ascent=ascent, max_step=max_step, progress=bar.update)
            for s in starts
        ]
    for r in runs:
        print_run(r)

    critical = hb.critical_points()
    mins = hb.minima(critical)
    if ascent:
        table = ascent_table(runs)
        print(
            f"Gradient ascent, each step at most {runs[0].max_step:g} long: Himmelblau's f has "
            "no upper bound, so ascent climbs away unless it starts near the maximum"
        )
        print(ascent_table_text(table))
    else:
        table = hb.table_7_1(runs, mins)
        print("Table 7-1: the start decides which minimum descent finds")
        print(table_7_1_text(table))
    print()
    print("Critical points (Newton's method, gradient and Hessian from nested tapes)")
    print(critical_text(critical))
    print()

    maps, seconds = [], []
    passes = hb.basin_chunks(basin_grid, len(starts))
    for rate in (lr, basin_lr):
        t0 = time.perf_counter()
        with _bar(passes * steps, f"basin map, lr {rate:g}") as bar:
            maps.append(
                hb.basins(
                    rate,
                    steps,
                    n=basin_grid,
                    dtype=dtype,
                    marks=starts,
                    minima_points=mins,
                    progress=bar.update,
                )
            )
        seconds.append(time.perf_counter() - t0)
    print(
        f"Basins of attraction ({basin_grid} x {basin_grid} starts over [-6, 6]^2, "
        f"{steps} descent steps, one vectorised pass each)"
    )
    for data, sec in zip(maps, seconds):
        print(basin_text(data, sec))

    results = {
        "command": NAME,
        "settings": {
            "lr": lr,
            "steps": steps,
            "dtype": dtype,
            "ascent": ascent,
            "max_step": runs[0].max_step,
            "starts": [list(s) for s in starts],
            "basin_lr": basin_lr,
            "basin_grid": basin_grid,
        },
        "runs": [r.to_dict() for r in runs],
        "table": {"kind": "ascent" if ascent else "table_7_1", "rows": table},
        "critical_points": [c.to_dict() for c in critical],
        "basins": [
            {
                "lr": d["lr"],
                "steps": d["steps"],
                "n": d["n"],
                "lim": d["lim"],
                "dtype": d["dtype"],
                "tol": d["tol"],
                "counts": d["counts"],
                "label_names": {
                    "-2": "diverged",
                    "-1": "unconverged",
                    **{str(i): m.tolist() for i, m in enumerate(d["minima"])},
                },
                "starts": d["marks"].tolist(),
                "start_labels": d["mark_labels"].tolist(),
                "seconds": sec,
            }
            for d, sec in zip(maps, seconds)
        ],
    }
    print()
    descents = None
    if figures:
        if ascent:  # Figure 7-1 shows descents
            with _bar(len(starts) * steps, "gradient descent") as bar:
                descents = [hb.descend(s, lr, steps, dtype, progress=bar.update) for s in starts]
        else:
            descents = runs
    return {
        "results": results,
        "runs": runs,
        "descents": descents,
        "critical": critical,
        "maps": maps,
        "figures": figures,
    }


def write(out: Path, result: dict) -> list[Path]:
    """The figures (unless left out) and results.json (last) in ``out`` (a claimed folder)."""
    paths = []
    if result["figures"]:
        paths = write_figures(
            out, result["runs"], result["descents"], result["critical"], result["maps"]
        )
        for written in paths:
            print(f"wrote {written}")
    path = common.write_json(out, "results.json", result["results"])  # last: the run finished
    print(f"wrote {path}")
    return [*paths, path]


def describe(result: dict, folder: Path) -> list[rp.Section]:
    """The report's 7.8 section: Table 7-1, the critical points and the figures."""
    r = common.jsonable(result["results"])
    rows = r["table"]["rows"]
    t71 = rp.Table(
        "Table 7-1: start, numerical solution, nearest analytic minimum",
        ["start", "solution", "f", "nearest minimum", "distance"],
        [
            [_p6(x["start"]), _p6(x["solution"]), x["f"], _p6(x["nearest_minimum"]), x["distance"]]
            for x in rows
        ],
    )
    crit = rp.Table(
        "The nine critical points (Newton's method, gradient and Hessian from "
        "nested tapes), classified by the Hessian's eigenvalues",
        ["point", "f", "kind", "eigenvalues"],
        [[_p6(c["point"]), c["f"], c["kind"], _p6(c["eigenvalues"])] for c in r["critical_points"]],
    )
    captions = [
        "Figure 7-11: Himmelblau's function (elevation 60°, azimuth −30°)",
        "Figure 7-12: contours, the four descent trajectories, minima, maximum and saddles",
        "Figure 7-1: a non-convex function; descents from different starts end in different minima",
        "Basins of attraction of gradient descent, at the chapter's learning rate and "
        "at one where descent starts to diverge",
    ]
    figs = [rp.FigureRef(folder / name, caption) for name, caption in zip(FIGURES, captions)]
    lrs = (r["settings"]["lr"], r["settings"]["basin_lr"])
    rows = hb.stability(result["critical"], lrs)
    stab = rp.Table(
        "Why a larger learning rate loses minima: η·λmax at each minimum (descent settles "
        "there only if η·λmax < 2)",
        ["minimum", "Hessian eigenvalues", "2/λmax", *[f"η·λmax at η = {lr:g}" for lr in lrs]],
        [
            [_p6(x["point"]), _p6(x["eigenvalues"]), x["limit"], *[x["products"][lr] for lr in lrs]]
            for x in rows
        ],
    )
    return [
        rp.Section(
            "7.8 Himmelblau's function",
            [
                f"Gradient descent through the tape, learning rate {r['settings']['lr']}, "
                f"{r['settings']['steps']} steps, {r['settings']['dtype']}, "
                "from the chapter's four "
                "starts.",
                "The basin maps descend from every start of a grid at two learning rates. "
                + hb.stability_text(rows, lrs),
            ],
            [t71, crit, stab],
            figs,
            anchor="himmelblau",
        )
    ]


def _p6(p) -> str:
    return "(" + ", ".join(f"{v:.6f}" for v in p) + ")"


def write_figures(out, runs, descents, critical, maps) -> list:
    from deltagrad.figures import himmelblau as fig  # matplotlib only when figures are drawn

    surf = hb.surface()
    paths = [common.output_file(out, name) for name in FIGURES]
    fig.surface_fig7_11(surf, paths[0])
    fig.contour_fig7_12(surf, runs, critical, paths[1])
    fig.nonconvex_fig7_1(surf, descents, paths[2])
    fig.basins_map(maps, paths[3])
    return paths
