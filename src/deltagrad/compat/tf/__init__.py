"""A TensorFlow-style namespace over deltagrad's engine: ``from deltagrad.compat import tf``.

The chapter's TensorFlow listings (the chain rule of 7.6, the Himmelblau loop of 7.8 and the
book's gradient snippets) run with only their import line changed. Everything here is a thin
mapping onto deltagrad: results are engine :class:`~deltagrad.Tensor` objects, ``tf.GradientTape``
*is* :class:`deltagrad.GradientTape`, and gradients come from deltagrad's derivative rules.

What differs from calling deltagrad directly is what TensorFlow users expect:

- Python floats become float32 and Python ints int32 (deltagrad's ``constant`` gives float64
  and int64); NumPy arrays keep their dtype.
- ``tf.random`` draws from one module-level ``np.random.Generator`` that ``tf.random.set_seed``
  re-creates: the counterpart of TensorFlow's global seed, confined to this namespace.
- Losses cast labels to the prediction's dtype, as ``tf.losses`` does.

Tensors print as deltagrad's do, ``Tensor(2.0, shape=(), dtype=float32)``, where TensorFlow
prints ``tf.Tensor(…)``: the numbers are the same, and importing this namespace changes nothing
outside it. Gradients of unconnected sources are None. Arguments TensorFlow has
but this namespace does not support raise a TypeError or ValueError that names them.
"""

from __future__ import annotations

import numpy as np

import deltagrad as dg
from deltagrad.compat.tf._convert import as_dtype, as_shape, require_float, to_tensor

# --- dtypes: NumPy dtypes under TensorFlow's names (``x.dtype == tf.float32`` works) ---------
float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
int8, int16, int32, int64 = (np.dtype(f"int{n}") for n in (8, 16, 32, 64))
uint8 = np.dtype("uint8")
bool = np.dtype("bool")  # noqa: A001 - TensorFlow's name

# --- tensors, variables, the tape ---------------------------------------------------------
Tensor = dg.Tensor
GradientTape = dg.GradientTape


class UnconnectedGradients:
    """Values for ``tape.gradient(..., unconnected_gradients=...)``: None or zeros."""

    NONE = "none"
    ZERO = "zero"


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A tensor holding ``value``; Python floats become float32 and Python ints int32.

    ``shape`` fills that shape with a scalar ``value`` or reshapes one of the same size.
    ``name`` labels the tensor (its repr, :mod:`deltagrad.viz`'s drawings).
    """
    t = to_tensor(value, dtype, what="tf.constant")
    if shape is not None:
        shape = as_shape(shape, "tf.constant")
        if t.ndim == 0:
            t = dg.constant(np.full(shape, t.numpy(), dtype=t.dtype))
        elif t.size != int(np.prod(shape)):
            raise ValueError(
                f"tf.constant: a value of shape {t.shape} ({t.size} elements) cannot be "
                f"reshaped to shape={shape}"
            )
        else:
            t = dg.reshape(t, shape)
    return t if name is None else dg.constant(t, name=name)


def convert_to_tensor(value, dtype=None, *, name=None) -> Tensor:
    """``value`` as a tensor (a tensor itself if it already is one)."""
    return to_tensor(value, dtype, what="tf.convert_to_tensor")


class _VariableType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, dg.Variable)


class Variable(metaclass=_VariableType):
    """``tf.Variable(initial_value)`` builds a :class:`deltagrad.Variable` (float32 by default).

    The result is the engine's own Variable, so tapes watch it automatically when trainable;
    ``isinstance(v, tf.Variable)`` holds. Integer variables are never trainable (TensorFlow's
    tapes ignore them too). It has ``assign``, ``assign_add`` and ``assign_sub``.
    """

    def __new__(cls, initial_value, trainable=True, *, name=None, dtype=None):
        value = to_tensor(initial_value, dtype, what="tf.Variable").numpy()
        return dg.Variable(value, trainable=trainable and value.dtype.kind == "f", name=name)


# --- creation -----------------------------------------------------------------------------
def ones(shape, dtype=float32, name=None) -> Tensor:
    """A tensor of ones (float32 by default)."""
    return dg.constant(np.ones(as_shape(shape, "tf.ones"), dtype=as_dtype(dtype, "tf.ones")))


def zeros(shape, dtype=float32, name=None) -> Tensor:
    """A tensor of zeros (float32 by default)."""
    return dg.constant(np.zeros(as_shape(shape, "tf.zeros"), dtype=as_dtype(dtype, "tf.zeros")))


def linspace(start, stop, num, name=None, axis=0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (float32 unless the
    ends are float64)."""
    start, stop = (to_tensor(v, what="tf.linspace") for v in (start, stop))
    dtype = float64 if float64 in (start.dtype, stop.dtype) else float32
    if int(num) != num or num < 0:
        raise ValueError(f"tf.linspace: num must be a non-negative integer, got {num!r}")
    return dg.constant(np.linspace(start.numpy(), stop.numpy(), int(num), axis=axis).astype(dtype))


def range(start, limit=None, delta=1, dtype=None, name="range") -> Tensor:  # noqa: A001
    """``start, start + delta, …`` up to but excluding ``limit`` (``range(n)`` is 0 … n−1).

    int32 when every argument is an int, float32 when one is a float, unless ``dtype`` says.
    """
    if limit is None:
        start, limit = 0, start
    ends = [to_tensor(v, what="tf.range").numpy() for v in (start, limit, delta)]
    if ends[2] == 0:
        raise ValueError("tf.range: delta must not be 0")
    if dtype is None:
        dtype = np.result_type(*ends)
    return dg.constant(np.arange(*ends, dtype=as_dtype(dtype, "tf.range")))


# --- maths ----------------------------------------------------------------------------------
def _float_arg(x, what):
    return require_float(to_tensor(x, what=what), what)


def exp(x, name=None) -> Tensor:
    """e**x, element-wise."""
    return dg.exp(_float_arg(x, "tf.exp"))


def square(x, name=None) -> Tensor:
    """x², element-wise."""
    return dg.square(to_tensor(x, what="tf.square"))


def sigmoid(x, name=None) -> Tensor:
    """σ(x) = 1 / (1 + e^−x), element-wise."""
    return dg.sigmoid(_float_arg(x, "tf.sigmoid"))


def tanh(x, name=None) -> Tensor:
    """Hyperbolic tangent, element-wise."""
    return dg.tanh(_float_arg(x, "tf.tanh"))


def matmul(a, b, transpose_a=False, transpose_b=False, *, name=None) -> Tensor:
    """The matrix product ``a @ b``, optionally transposing the last two axes of either first."""
    a, b = to_tensor(a, what="tf.matmul"), to_tensor(b, what="tf.matmul")
    if transpose_a:
        a = _swap_last_two(a, "transpose_a")
    if transpose_b:
        b = _swap_last_two(b, "transpose_b")
    return dg.matmul(a, b)


def _swap_last_two(x, arg):
    if x.ndim < 2:
        raise ValueError(f"tf.matmul: {arg}=True needs a tensor of rank ≥ 2, got shape {x.shape}")
    return dg.transpose(x, (*np.arange(x.ndim - 2).tolist(), x.ndim - 1, x.ndim - 2))


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """Sum over ``axis`` (an int, a list of ints, or None for all)."""
    return dg.sum(
        to_tensor(input_tensor, what="tf.reduce_sum"), axis=_axis(axis), keepdims=keepdims
    )


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """Mean over ``axis``. Integer tensors give an integer mean, truncated as in TensorFlow."""
    x = to_tensor(input_tensor, what="tf.reduce_mean")
    out = dg.mean(x, axis=_axis(axis), keepdims=keepdims)
    if x.dtype.kind in "iu":
        return dg.constant(np.trunc(out.numpy()).astype(x.dtype))
    return out


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def one_hot(
    indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None
) -> Tensor:
    """Integer class indices as one-hot rows of length ``depth`` (float32 by default).

    Indices outside ``[0, depth)`` give rows of ``off_value``, as in TensorFlow.
    """
    idx = to_tensor(indices, what="tf.one_hot").numpy()
    if idx.dtype.kind not in "iu":
        raise TypeError(f"tf.one_hot: indices must be integers, got dtype {idx.dtype}")
    if axis not in (None, -1):
        raise ValueError(f"tf.one_hot: only axis=-1 is supported, got axis={axis!r}")
    dtype = as_dtype(float32 if dtype is None else dtype, "tf.one_hot")
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    hot = np.expand_dims(idx, -1) == np.arange(int(depth))
    return dg.constant(np.where(hot, on, off).astype(dtype))


def cast(x, dtype, name=None) -> Tensor:
    """``x`` converted to ``dtype`` (float to int truncates); gradients flow between floats."""
    x = to_tensor(x, what="tf.cast")
    dtype = as_dtype(dtype, "tf.cast")
    return x if x.dtype == dtype else dg.cast(x, dtype)


# The submodules use the names above, so they come last.
from deltagrad.compat.tf import keras, losses, nn, random  # noqa: E402

__all__ = [
    "Tensor",
    "Variable",
    "GradientTape",
    "UnconnectedGradients",
    "constant",
    "convert_to_tensor",
    "ones",
    "zeros",
    "linspace",
    "range",
    "exp",
    "square",
    "sigmoid",
    "tanh",
    "matmul",
    "reduce_sum",
    "reduce_mean",
    "one_hot",
    "cast",
    "nn",
    "random",
    "losses",
    "keras",
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
]
