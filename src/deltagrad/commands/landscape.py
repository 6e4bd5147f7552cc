"""The loss landscape of the chapter's trained two-moons network (chapter 7.9), drawn the way
chapter 7.8 draws Himmelblau's function (Figures 7-11 and 7-12).

Trains the chapter's network (2 -> 25 -> 50 -> 25 -> 2, sigmoid, MSE, per-sample SGD,
learning rate 0.01, --epochs, --seed), saving its weights every --snapshot-every epochs, or
takes a trained --model model.npz (as deltagrad moons writes it). Then evaluates the training
MSE (the loss Figure 7-15 draws) on

* a --steps × --steps grid of the plane θ* + α·d1 + β·d2, α, β in [-span, span], through the
  trained weights θ* along two random directions drawn from --directions-seed and normalised
  filter by filter (Li et al., NeurIPS 2018): each neuron's incoming weights in a direction
  have the norm of that neuron's trained weights, the biases' part is zero;
  landscape_contour.png and landscape_surface.png (elevation 60°, azimuth −30°, as Figure 7-11);
* the plane of the training trajectory's two principal directions (PCA of the snapshots minus
  the final weights), with the trajectory drawn on it: landscape_pca.png;
* the straight line from the initial to the trained weights: landscape_interpolation.png.

The grids are evaluated in batches (many weight vectors through the network at once); the
default 51 × 51 slice takes a few seconds. metrics.json records the seed, the directions' seed,
every setting and the time of each part; landscape.npz holds the grids. With --model there is
no training run, so only the random plane is drawn.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from deltagrad._files import atomic_path
from deltagrad.commands import common, flags
from deltagrad.data import MOONS_DESCRIPTION

NAME = "landscape"
HELP = "the trained network's loss landscape: random and PCA planes, trajectory, interpolation"

RECORDS = ("metrics.json",)  # the run's record: removed when a run starts, written last


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="MODEL.npz",
        help="slice this trained network (as deltagrad moons writes it) instead of training "
        "one; it must take 2 inputs and give 2 outputs, as the moons data needs",
    )
    parser.add_argument(
        "--epochs",
        type=flags.positive_int,
        default=1000,
        metavar="N",
        help="training epochs (default: 1000, the chapter's)",
    )
    parser.add_argument(
        "--directions-seed",
        type=flags.int_at_least(0),
        default=1,
        metavar="N",
        help="seed of the two random directions (default: 1)",
    )
    parser.add_argument(
        "--steps",
        type=flags.positive_int,
        default=51,
        metavar="N",
        help="grid points per side of each plane (default: 51, i.e. 51 × 51 = 2,601 "
        "networks evaluated on the 1,400 training points)",
    )
    parser.add_argument(
        "--span",
        type=flags.positive_float,
        default=1.0,
        metavar="S",
        help="the random plane covers α, β in [-S, S]; 1 moves every neuron by the length "
        "of its own trained weights (default: 1)",
    )
    parser.add_argument(
        "--snapshot-every",
        type=flags.positive_int,
        default=10,
        metavar="N",
        help="save the weights every N epochs for the trajectory (default: 10)",
    )
    flags.add_engine_argument(parser)
    common.add_common_arguments(parser, default_out="out/landscape")


def run(args) -> int:
    config = _config(args)
    network = _load_model(args.model) if args.model else None
    check_limits(config, network)
    out = common.output_dir(args.out, records=RECORDS)  # claimed (locked) for this run
    result = compute(config, network, engine=args.engine)
    write(out, result, model=args.model)
    return 0


_FLAG_NAMES = {
    "directions_seed": "--directions-seed",
    "snapshot_every": "--snapshot-every",
    "steps": "--steps",
    "span": "--span",
    "seed": "--seed",
    "epochs": "--epochs",
}


def _config(args):
    from deltagrad.experiments.landscape import LandscapeConfig

    try:
        return LandscapeConfig(
            epochs=args.epochs,
            seed=args.seed,
            directions_seed=args.directions_seed,
            steps=args.steps,
            span=args.span,
            snapshot_every=args.snapshot_every,
        ).check()
    except ValueError as err:
        message = str(err)
        for field, flag in _FLAG_NAMES.items():
            if message.startswith(field + " "):
                message = flag + message[len(field) :]
                break
        raise common.UsageError(message) from None


def _load_model(path: str):
    from deltagrad.backprop import NeuralNetwork

    try:
        network = NeuralNetwork.load(path)
    except (ValueError, OSError) as err:
        raise common.UsageError(f"--model {path}: {err}") from None
    n_in, n_out = network.sizes[0], network.sizes[-1]
    if (n_in, n_out) != (2, 2):
        raise common.UsageError(
            f"--model {path}: the network takes {n_in} input{'s' if n_in != 1 else ''} and "
            f"gives {n_out} output{'s' if n_out != 1 else ''}, but the moons data has 2 "
            f"features and 2 classes"
        )
    return network


def check_limits(config, network=None, n_train: int = 1400) -> dict:
    """Refuse (UsageError, the limit stated) a slice that would take too long or not fit in
    memory; returns the estimate."""
    from deltagrad.backprop import multiply_adds
    from deltagrad.experiments import landscape as ex
    from deltagrad.experiments.moons import default_processes, network_sizes, parameter_count

    sizes = network.sizes if network is not None else network_sizes(config.hidden)
    weights = multiply_adds(sizes)
    points = config.steps**2
    work = float(points) * n_train * weights
    if work > ex.MAX_WORK:
        most = max(3, math.isqrt(int(ex.MAX_WORK // (n_train * weights))))
        raise common.UsageError(
            f"--steps {config.steps}: {config.steps} × {config.steps} = {points:,} networks × "
            f"{n_train:,} training points × {weights:,} weights is {work:.1e} multiply-adds per "
            f"plane, above the limit of {ex.MAX_WORK:.0e} (about ten times the default 51 × 51 "
            f"slice); use --steps {most} or fewer"
            + (" or a smaller --model" if network is not None else "")
        )
    # a chunk's activations (at least one weight vector's) per core, the trajectory's snapshots
    per_point = 3 * 8 * n_train * max(sizes)
    params = parameter_count(sizes)
    snapshots = 0 if network is not None else (config.epochs // config.snapshot_every + 2)
    chunk = max(per_point, ex._CHUNK_FLOATS * 8 * 3) * default_processes()
    need = chunk + 8 * params * (snapshots + 8)
    avail = common.available_memory()
    if avail is not None and need > avail:
        raise common.UsageError(
            f"the slice needs about {common.size_text(need)} of memory, "
            f"{common.size_text(avail)} is available; use a smaller --model or a larger "
            "--snapshot-every"
        )
    return {"multiply_adds": work, "bytes": need}


# --- compute, write, describe: the command's parts, which ``reproduce`` composes too -------


def compute(config, network=None, engine: str = "auto", trained=None):
    """Train (unless ``network`` is given, or ``trained``, a run watched by
    ``experiments.landscape.Snapshots``) and slice, with a progress bar for the training;
    returns the ``LandscapeResult``."""
    from deltagrad.experiments import landscape as experiment

    if network is not None or trained is not None:
        with np.errstate(over="ignore", under="ignore"):
            return experiment.run(config, network=network, trained=trained)
    engine = common.resolve_engine_flag(engine, NAME)
    with common.progress_bar(total=config.epochs, desc="training", unit="epoch") as bar:

        def progress(epoch, record):
            bar.update(1)

        with np.errstate(over="ignore", under="ignore"):
            return experiment.run(config, engine=engine, callback=progress)


def write(out: Path, result, model: str | None = None) -> list[Path]:
    """The figures, landscape.npz (the grids) and metrics.json (last) in ``out``."""
    from deltagrad.figures import landscape as figures

    paths = figures.write_all(result, lambda name: common.output_file(out, name))
    paths.append(_write_grids(common.output_file(out, "landscape.npz"), result))
    metrics = {**result.metrics, "model": model, "data": _DATA}
    paths.append(common.write_json(out, "metrics.json", metrics))
    print("\n".join(report_lines(result, model)))
    print(f"Wrote metrics.json, landscape.npz and {len(paths) - 2} figures to {out}")
    return paths


_DATA = f"{MOONS_DESCRIPTION}, the 1,400 training points"


def _write_grids(path: Path, result) -> Path:
    arrays: dict = {
        f"random_{k}": np.asarray(result.random_plane[k]) for k in ("alphas", "betas", "Z")
    }
    if result.pca_plane is not None:
        for k in ("alphas", "betas", "Z", "trajectory", "epochs", "trajectory_loss"):
            arrays[f"pca_{k}"] = np.asarray(result.pca_plane[k])
    if result.interpolation is not None:
        arrays["interpolation_t"] = result.interpolation["t"]
        arrays["interpolation_loss"] = result.interpolation["loss"]
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def report_lines(result, model: str | None = None) -> list[str]:
    """The printed summary: where the weights came from, each part's numbers and time."""
    m, config = result.metrics, result.config
    rp, s = m["random_plane"], m["seconds"]
    source = (
        f"the trained network of {model}"
        if model
        else f"the chapter's network trained {config.epochs} epochs from seed {config.seed} "
        f"(test accuracy {m['training']['test_accuracy']:.2%}, "
        + (f"{s['training']:.1f} s)" if "training" in s else "the moons run's)")
    )
    lines = [
        f"Slicing {source}.",
        f"Random plane (directions' seed {config.directions_seed}, filter-wise normalised, "
        f"α, β in [-{config.span:g}, {config.span:g}]): {config.steps} × {config.steps} = "
        f"{rp['points']:,} networks × {m['n_train']:,} training points in "
        f"{s['random_plane']:.1f} s; loss at the centre {rp['centre_loss']:.6f} (the trained "
        f"loss), from {rp['min']:.6f} to {rp['max']:.6f} on the plane",
    ]
    if "pca_plane" in m:
        pp = m["pca_plane"]
        lines.append(
            f"PCA plane of the trajectory ({pp['snapshots']} snapshots): the two directions "
            f"capture {pp['explained'][0]:.1%} and {pp['explained'][1]:.1%} of its movement; "
            f"{config.steps} × {config.steps} slice in {s['pca_plane']:.1f} s"
        )
    if "interpolation" in m:
        it = m["interpolation"]
        lines.append(
            f"Straight line from the initial to the trained weights: loss {it['initial_loss']:.6f}"
            f" -> {it['final_loss']:.6f}, never above {it['max_between']:.6f} in between"
        )
    return lines


def describe(result, folder: Path) -> list:
    """The report's section: the settings and the landscape's figures."""
    from deltagrad import report as rp
    from deltagrad.figures.landscape import FILENAMES

    m, config = result.metrics, result.config
    plane = m["random_plane"]
    paragraphs = [
        f"The chapter's network, trained {config.epochs} epochs from seed {config.seed} "
        f"(the same run as 7.9's with that many epochs), and its training MSE around the "
        f"trained weights θ*: on a plane through θ* along two random directions (seed "
        f"{config.directions_seed}) normalised filter by filter as Li et al. (2018) do — each "
        "neuron's part of a direction is as long as that neuron's trained incoming weights, "
        "the biases' part is zero — and on the plane in which training moved most.",
        f"{config.steps} × {config.steps} = {plane['points']:,} networks evaluated on the "
        f"{m['n_train']:,} training points in {m['seconds']['random_plane']:.1f} s; the "
        f"centre's loss {plane['centre_loss']:.6f} is the trained loss.",
    ]
    if "interpolation" in m:
        it = m["interpolation"]
        paragraphs.append(
            f"On the straight line from the initial to the trained weights the loss goes from "
            f"{it['initial_loss']:.4f} to {it['final_loss']:.4f}, never above "
            f"{it['max_between']:.4f} in between."
        )
    figures = [
        rp.FigureRef(
            folder / FILENAMES["contour"],
            "The training loss on a random filter-normalised plane through the trained "
            "weights (the star), log-spaced contours as in Figure 7-12: the trained weights "
            "sit in a basin, and the loss rises in every direction of the plane",
        ),
        rp.FigureRef(
            folder / FILENAMES["surface"],
            "The same plane as a surface, viewed as Figure 7-11 (elevation 60°, azimuth "
            "−30°): a single smooth bowl at this scale, not Himmelblau's four minima",
        ),
    ]
    if result.pca_plane is not None:
        e1, e2 = m["pca_plane"]["explained"]
        figures.append(
            rp.FigureRef(
                folder / FILENAMES["pca"],
                f"The training trajectory projected on its two principal directions "
                f"({e1:.0%} and {e2:.0%} of its movement) with the loss on that plane: "
                "the weights travel mostly along one direction, downhill from the initial "
                "weights (circle) to the trained ones (star)",
            )
        )
    if result.interpolation is not None:
        figures.append(
            rp.FigureRef(
                folder / FILENAMES["interpolation"],
                "The loss on the straight line from the initial (t = 0) to the trained "
                "(t = 1) weights, log scale: how the loss falls when the two are joined "
                "directly, without the path training took",
            )
        )
    return [
        rp.Section(
            "The loss landscape of the trained network",
            paragraphs,
            [],
            figures,
            anchor="landscape",
            nav="The loss landscape",
        )
    ]
