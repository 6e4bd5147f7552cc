"""NumPy calls that would turn a recorded tensor into a plain array either record or refuse.

NumPy converts a Tensor through ``__array__`` wherever no protocol hands the call to deltagrad: a
fill value, an element of a list, ``out=`` and ``where=``. Inside a tape that drops the gradient
with no error (``d/dx sum(np.full(3, x) * x)`` came out 6 instead of 12), so each such call
must either be recorded (and give the right gradient) or raise a TypeError that says why.
(A conversion to one number, ``float(t)`` or ``np.float64(t)``, is an explicit request for the
value and stays allowed, as documented for ``Tensor.__float__``.)
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deltagrad as dg

# Calls NumPy cannot dispatch to deltagrad: each must raise while x is recorded.
REFUSED = {
    "np.full": lambda x: np.full(3, x),
    "np.full_like-fill": lambda x: np.full_like(np.zeros(3), x),
    "np.array-list": lambda x: np.array([x, x]),
    "np.asarray": lambda x: np.asarray(x),
    "np.array": lambda x: np.array(x),
    "np.asarray-tuple": lambda x: np.asarray((x, 1.0)),
    "dg.constant-list": lambda x: dg.constant([x, x]),
    "ufunc-out": lambda x: np.add(x, 1.0, out=np.zeros(np.shape(x))),
    "ufunc-where": lambda x: np.exp(x, where=np.ones(np.shape(x), bool)),
    "ndarray-setitem": lambda x: np.zeros((2,) + np.shape(x)).__setitem__(0, x),
}

# Calls NumPy does dispatch: they are recorded, and the gradient is right.
RECORDED = {
    "np.stack": (lambda x: np.stack([x, x]), lambda v: 2 * np.ones_like(v)),
    "np.concatenate": (lambda x: np.concatenate([x[None], x[None]]), lambda v: 2 * np.ones_like(v)),
    "np.broadcast_to": (
        lambda x: np.broadcast_to(x, (3,) + x.shape),
        lambda v: 3 * np.ones_like(v),
    ),
    "np.multiply": (lambda x: np.multiply(x, x), lambda v: 2 * v),
}


def _recorded_gradient(call, value):
    x = dg.constant(value)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = dg.sum(call(x))
    return tape.gradient(y, x).numpy()


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_conversion_of_a_recorded_tensor_is_refused(name):
    x = dg.constant(np.array([0.5, -1.5]))
    with dg.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(TypeError, match="gradient would be lost|drop off the tape|ufunc"):
            REFUSED[name](x)


@pytest.mark.parametrize("name", ["np.full", "np.array-list", "np.asarray"])
def test_the_same_conversion_outside_a_tape_gives_the_values(name):
    x = dg.constant(np.array(0.5) if name == "np.full" else np.array([0.5, -1.5]))
    out = REFUSED[name](x)
    assert isinstance(out, np.ndarray)
    assert np.all(np.isin(np.ravel(out), x.numpy()))


def test_a_tensor_no_tape_records_converts_inside_a_tape():
    # Only what the tape records is protected: an unrelated constant is a plain value.
    c = dg.constant([1.0, 2.0])
    x = dg.constant(3.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        filled = np.full(2, c[0])  # c is not watched: a constant, nothing to lose
        y = dg.sum(x * filled)
    assert tape.gradient(y, x).numpy() == pytest.approx(2.0)


def test_a_trainable_variable_read_by_a_tape_is_protected():
    v = dg.Variable([1.0, 2.0])
    with dg.GradientTape():
        with pytest.raises(TypeError, match="gradient would be lost"):
            np.array([v, v])


def test_the_message_names_the_shape_and_the_ways_out():
    x = dg.constant(np.ones((2, 3)))
    with dg.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(TypeError) as err:
            np.full((2, 2, 3), x)
    message = str(err.value)
    assert "shape (2, 3)" in message and "dg.stack" in message and "t.numpy()" in message


def test_the_explicit_values_stay_available_inside_a_tape():
    x = dg.constant(np.array([0.5, -1.5]))
    with dg.GradientTape() as tape:
        tape.watch(x)
        assert np.array_equal(x.numpy(), [0.5, -1.5])
        assert float(dg.sum(x)) == pytest.approx(-1.0)


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(RECORDED)),
    values=st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=4),
)
def test_dispatched_calls_record_the_right_gradient(name, values):
    call, expected = RECORDED[name]
    v = np.array(values)
    np.testing.assert_allclose(_recorded_gradient(call, v), expected(v))


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(REFUSED)),
    values=st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=4),
    nested=st.booleans(),
)
def test_no_refused_call_returns_silently_under_a_tape(name, values, nested):
    """Fuzz: under one or two nested tapes, a refused call never returns a value."""
    x = dg.constant(np.array(values))
    with dg.GradientTape() as outer:
        outer.watch(x)
        with dg.GradientTape() as inner:
            if nested:
                inner.watch(x)
            with pytest.raises(TypeError):
                REFUSED[name](x)


@pytest.mark.parametrize(
    "call",
    [np.isfinite, np.isnan, np.isinf, np.signbit, lambda t: np.logical_and(t > 0, t < 1)],
    ids=["isfinite", "isnan", "isinf", "signbit", "logical_and"],
)
def test_value_only_ufuncs_read_a_recorded_tensor_and_return_plain_arrays(call):
    values = np.array([0.5, -1.0, np.inf, np.nan])
    x = dg.constant(values)
    with dg.GradientTape() as tape:
        tape.watch(x)
        out = call(x)
    assert isinstance(out, np.ndarray) and out.dtype == bool
    np.testing.assert_array_equal(out, call(values))


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("matmul", (np.ones((2, 3)), np.ones((3, 2)))),
        ("outer", (np.arange(2.0), np.arange(3.0))),
        ("cross", (np.arange(3.0), np.ones(3))),
        ("tensordot", (np.ones((2, 3)), np.arange(6.0).reshape(2, 3))),
        ("trace", (np.arange(9.0).reshape(3, 3),)),
        ("diagonal", (np.arange(9.0).reshape(3, 3),)),
    ],
)
def test_numpy_linalg_spellings_run_deltagrads_ops(name, args):
    if not hasattr(np.linalg, name):
        pytest.skip(f"np.linalg.{name} is not in this NumPy")
    f = getattr(np.linalg, name)
    x = dg.constant(args[0])
    with dg.GradientTape() as tape:
        tape.watch(x)
        out = f(x, *args[1:])
        loss = dg.sum(out)
    np.testing.assert_allclose(out.numpy(), f(*args))
    assert tape.gradient(loss, x) is not None


def test_a_singular_matrix_raises_numpys_linalgerror():
    with pytest.raises(np.linalg.LinAlgError, match="inv: .*Singular"):
        np.linalg.inv(dg.constant(np.ones((2, 2))))


def _store_element(x):
    a = np.zeros(3)
    a[1] = x  # NumPy converts x with float()
    return a


def _store_int_element(x):
    a = np.zeros(3, dtype=int)
    a[1] = x  # NumPy converts x with int()
    return a


@pytest.mark.parametrize("store", [_store_element, _store_int_element], ids=["float", "int"])
def test_storing_a_recorded_scalar_into_an_array_element_is_refused(store):
    """deltagrad's TypeError names the store (a float array's NumPy reports it as the cause of
    its ValueError "setting an array element with a sequence")."""
    x = dg.constant(2.0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises((TypeError, ValueError)) as info:
            store(x * 3.0)
    error = info.value if isinstance(info.value, TypeError) else info.value.__cause__
    assert isinstance(error, TypeError)
    assert "array[i] = tensor" in str(error)
    with pytest.raises((TypeError, ValueError)):
        dg.grad(lambda z: dg.sum(dg.constant(store(z))))(2.0)


def test_an_explicit_float_of_a_recorded_scalar_is_still_a_plain_number():
    """float(t), int(t) and f-strings are explicit: off the tape, as documented; storing
    float(t) into an array is allowed, and so is storing a tensor no tape records."""
    x = dg.constant(2.0)
    a = np.zeros(3)
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = x * 3.0
        a[0] = float(y)
        a[1] = int(y)
        assert f"{y:.1f}" == "6.0"
        a[2] = dg.constant(7.0)  # a constant: nothing is recorded for it
    np.testing.assert_array_equal(a, [6.0, 6.0, 7.0])
    a[1] = y  # the tape is done recording
    assert a[1] == 6.0
