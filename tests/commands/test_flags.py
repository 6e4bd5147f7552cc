"""commands/flags.py: every flag's value check, through the command line and directly."""

import argparse

import pytest

from deltagrad.backprop import ACTIVATIONS, ENGINES, LOSSES
from deltagrad.cli import main
from deltagrad.commands import flags


@pytest.mark.parametrize(
    "check, text, value",
    [
        (flags.positive_float, "0.5", 0.5),
        (flags.positive_float, "1e-3", 1e-3),
        (flags.positive_int, "3", 3),
        (flags.int_at_least(2), "2", 2),
        (flags.float_within(10), "-10", -10.0),
        (flags.point, "-4,0.5", (-4.0, 0.5)),
        (flags.layer_sizes, "25, 50,25", (25, 50, 25)),
        (flags.seed_list, "0-2,7", [0, 1, 2, 7]),
    ],
)
def test_good_values(check, text, value):
    assert check(text) == value


@pytest.mark.parametrize(
    "check, text, message",
    [
        (flags.positive_float, "0", "> 0"),
        (flags.positive_float, "nan", "> 0"),
        (flags.positive_float, "inf", "> 0"),
        (flags.positive_float, "x", "expected a number"),
        (flags.positive_int, "0", ">= 1"),
        (flags.positive_int, "1.5", "expected an integer"),
        (flags.int_at_least(2), "1", ">= 2"),
        (flags.float_within(10), "10.5", "[-10, 10]"),
        (flags.float_within(10), "nan", "[-10, 10]"),
        (flags.point, "1", "X,Y"),
        (flags.point, "1,inf", "finite"),
        (flags.layer_sizes, "25,0", ">= 1"),
        (flags.layer_sizes, ",", "at least one layer"),
        (flags.seed_list, "3-1", "not a range"),
        (flags.seed_list, "0-3,2", "listed twice"),
        (flags.seed_list, f"0-{flags.MAX_SEEDS}", "more than"),
    ],
)
def test_bad_values_name_the_problem(check, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as err:
        check(text)
    assert message in str(err.value)


def test_network_flag_choices_are_the_librarys_names():
    parser = argparse.ArgumentParser()
    flags.add_network_arguments(parser)
    flags.add_engine_argument(parser)
    choices = {a.dest: a.choices for a in parser._actions if a.choices}
    assert set(choices["activation"]) == {a for a in ACTIVATIONS if a} | {"none"}
    assert flags.ACTIVATION_FLAGS["none"] is None
    assert tuple(choices["loss"]) == tuple(LOSSES)
    assert tuple(choices["engine"]) == tuple(ENGINES)


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["moons", "--lr", "-1"], "--lr"),
        (["moons", "--hidden", "2,0"], "--hidden"),
        (["moons", "--seeds", "3-1"], "--seeds"),
        (["himmelblau", "--basin-grid", "1"], "--basin-grid"),
        (["himmelblau", "--start", "1,x"], "--start"),
        (["chain-rule", "--t", "11"], "--t"),
        (["gradcheck", "--samples", "0"], "--samples"),
    ],
)
def test_bad_flag_values_exit_2_naming_the_flag(argv, flag, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2
    assert f"argument {flag}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_negative_values_are_values(tmp_path):
    assert main(["chain-rule", "--t", "-1e-3", "--out", str(tmp_path)]) == 0
