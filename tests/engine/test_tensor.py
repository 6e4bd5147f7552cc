"""Tensor and Variable: construction, dtypes, NumPy interop, repr, assignment, comparisons."""

import numpy as np
import pytest

import deltagrad as dg


def test_python_float_becomes_float64_and_repr():
    t = dg.constant(2.0)
    assert t.dtype == np.float64
    assert t.shape == ()
    assert repr(t) == "Tensor(2.0, shape=(), dtype=float64)"


def test_repr_of_a_vector_and_a_variable():
    assert repr(dg.constant([1.0, 2.0])) == "Tensor([1., 2.], shape=(2,), dtype=float64)"
    v = dg.Variable(np.float32(1.5), name="w")
    assert repr(v) == "Variable(1.5, name='w', shape=(), dtype=float32)"


@pytest.mark.parametrize(
    "dtype",
    [np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_],
    ids=lambda d: np.dtype(d).name,
)
def test_numpy_dtypes_are_kept(dtype):
    arr = np.ones((2, 3), dtype=dtype)
    t = dg.constant(arr)
    assert t.dtype == dtype
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6


def test_constant_with_explicit_dtype():
    t = dg.constant([1, 2], dtype="float32")
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


def test_numpy_and_asarray():
    arr = np.arange(6.0).reshape(2, 3)
    t = dg.constant(arr)
    np.testing.assert_array_equal(t.numpy(), arr)
    np.testing.assert_array_equal(np.asarray(t), arr)
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array(t, copy=True) is not arr
    s = dg.constant(3.5).numpy()
    assert np.ndim(s) == 0 and float(s) == 3.5


def test_python_conversions_and_len():
    t = dg.constant([1.0, 2.0, 3.0])
    assert len(t) == 3
    assert [float(r) for r in t] == [1.0, 2.0, 3.0]
    assert float(dg.constant(2.5)) == 2.5 and int(dg.constant(7)) == 7
    with pytest.raises(TypeError):
        len(dg.constant(1.0))


def test_tensor_from_tensor_and_as_tensor():
    t = dg.constant([1.0, 2.0])
    assert dg.as_tensor(t) is t
    assert isinstance(dg.as_tensor([1.0]), dg.Tensor)
    assert dg.constant(t, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    "value, dtype_name",
    [
        pytest.param(np.array([1 + 2j]), "complex128", id="complex"),
        pytest.param(1 + 2j, "complex128", id="python-complex"),
        pytest.param("abc", "<U3", id="string"),
        pytest.param(np.array([b"ab"]), "|S2", id="bytes"),
        pytest.param(np.array([{}, 1], dtype=object), "object", id="object"),
    ],
)
def test_unsupported_dtypes_raise_type_error_naming_the_dtype(value, dtype_name):
    with pytest.raises(TypeError) as info:
        dg.constant(value)
    assert dtype_name in str(info.value)
    with pytest.raises(TypeError):
        dg.Variable(value)


def test_unconvertible_value():
    with pytest.raises(TypeError):
        dg.constant([[1.0, 2.0], [3.0]])  # ragged


# --- Variables ----------------------------------------------------------------------------------


def test_variable_assign_family():
    v = dg.Variable(np.array([1.0, 2.0]))
    assert v.assign([3.0, 4.0]) is v
    np.testing.assert_array_equal(v.numpy(), [3.0, 4.0])
    v.assign_add(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(v.numpy(), [4.0, 5.0])
    v.assign_sub(dg.constant([0.5, 1.0]))
    np.testing.assert_array_equal(v.numpy(), [3.5, 4.0])
    v.assign_add(1.0)  # a scalar broadcasts in the incremental forms
    np.testing.assert_array_equal(v.numpy(), [4.5, 5.0])


def test_variable_keeps_its_dtype_on_assign():
    v = dg.Variable(np.zeros(2, dtype=np.float32))
    v.assign(np.array([1.0, 2.0]))  # float64 in
    assert v.dtype == np.float32
    v.assign_add(np.array([0.5, 0.5]))
    assert v.dtype == np.float32


@pytest.mark.parametrize(
    "method, value",
    [
        pytest.param("assign", np.ones(3), id="assign-3"),
        pytest.param("assign", 1.0, id="assign-scalar"),
        pytest.param("assign_add", np.ones((2, 2)), id="assign_add-2x2"),
        pytest.param("assign_sub", np.ones(3), id="assign_sub-3"),
    ],
)
def test_variable_shape_mismatch(method, value):
    v = dg.Variable(np.zeros(2))
    with pytest.raises(ValueError, match=r"\(2,\)"):
        getattr(v, method)(value)
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])  # unchanged


def test_assign_does_not_alias_the_input():
    src = np.array([1.0, 2.0])
    v = dg.Variable(np.zeros(2))
    v.assign(src)
    src[0] = 99.0
    assert v.numpy()[0] == 1.0


def test_trainable_variable_needs_float():
    with pytest.raises(TypeError, match="int64"):
        dg.Variable(3)
    v = dg.Variable(3, trainable=False)
    assert v.dtype == np.int64


def test_variable_is_a_tensor_in_ops():
    v = dg.Variable(np.array([1.0, 2.0]))
    out = v * 2.0 + dg.exp(v)
    assert type(out) is dg.Tensor
    np.testing.assert_allclose(out.numpy(), [2.0, 4.0] + np.exp([1.0, 2.0]))


# --- comparisons ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op, np_op",
    [
        (lambda a, b: a < b, np.less),
        (lambda a, b: a <= b, np.less_equal),
        (lambda a, b: a > b, np.greater),
        (lambda a, b: a >= b, np.greater_equal),
        (lambda a, b: a == b, np.equal),
        (lambda a, b: a != b, np.not_equal),
    ],
    ids=["lt", "le", "gt", "ge", "eq", "ne"],
)
def test_comparisons_give_bool_tensors_without_gradient(op, np_op):
    x0 = np.array([1.0, 2.0, 3.0])
    x = dg.constant(x0)
    with dg.GradientTape() as tape:
        tape.watch(x)
        c = op(x, 2.0)
    assert isinstance(c, dg.Tensor) and c.dtype == np.bool_
    np.testing.assert_array_equal(c.numpy(), np_op(x0, 2.0))
    assert tape.gradient(c, x) is None


def test_comparison_used_as_a_mask_carries_gradient_through_the_selected_values():
    x = dg.constant(np.array([-1.0, 2.0]))
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = dg.sum(dg.cast(x > 0, np.float64) * x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 1.0])


def test_tensors_are_hashable_by_identity():
    a, b = dg.constant(1.0), dg.constant(1.0)
    assert len({a, b}) == 2


def test_cast_gradient_is_cast_back():
    x = dg.constant(np.array([1.0, 2.0]))
    with dg.GradientTape() as tape:
        tape.watch(x)
        y = dg.sum(dg.cast(x, np.float32) ** 2)
    g = tape.gradient(y, x)
    assert y.dtype == np.float32 and g.dtype == np.float64
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])


def test_numpy_reductions_call_the_tensor_methods():
    t = dg.constant([1.0, 2.0, 4.0])
    assert float(np.sum(t)) == 7.0 and float(np.mean(t)) == pytest.approx(7.0 / 3)
    with dg.GradientTape() as tape:
        tape.watch(t)
        y = np.sum(t * t)
    np.testing.assert_allclose(tape.gradient(y, t).numpy(), [2.0, 4.0, 8.0])


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda t: np.spacing(t), "np.spacing"),
        (lambda t: np.fmod(t, 0.3), "np.fmod"),
        (lambda t: np.add.accumulate(t), "np.add.accumulate"),
        (lambda t: np.multiply.reduce(t), "np.multiply.reduce"),
    ],
)
def test_ufunc_without_a_rule_is_refused_not_silently_constant(call, name):
    with pytest.raises(TypeError, match=f"{name} .*no derivative rule"):
        call(dg.constant([1.0, 2.0]))


def test_index_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="getitem"):
        dg.constant([1.0, 2.0])[10]
