"""The public functions of ``import deltagrad as dg``: each returns a Tensor.

Plain arrays and numbers are accepted wherever a tensor is (they are constants). Every function
here raises the same two errors, so they are written once: TypeError when an operand is not
numeric (complex, text, objects), and ValueError when the operands' shapes or settings do not
fit the op as NumPy would refuse them; both messages name the op, the shapes and the dtypes.
Errors particular to one function are listed in its own docstring.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from deltagrad import functional as _F
from deltagrad import ops as _ops
from deltagrad.tensor import Tensor, as_tensor


def exp(x) -> Tensor:
    """e**x, element-wise.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.exp(x)


def log(x) -> Tensor:
    """Natural logarithm, element-wise.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.log(x)


def sqrt(x) -> Tensor:
    """Square root, element-wise.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.sqrt(x)


def abs(x) -> Tensor:  # noqa: A001 - mirrors NumPy's name
    """|x|, element-wise (derivative sign(x); 0 at x = 0).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.abs_(x)


def square(x) -> Tensor:
    """x², element-wise.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.square(x)


def tanh(x) -> Tensor:
    """Hyperbolic tangent; derivative 1 − tanh²(x).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.tanh(x)


def sigmoid(x) -> Tensor:
    """σ(x) = 1 / (1 + e^−x), stable for any x; derivative σ(x)(1 − σ(x)).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.sigmoid(x)


def relu(x) -> Tensor:
    """max(0, x). Derivative 1 for x > 0 and 0 for x ≤ 0 (0 at the kink).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.relu(x)


def leaky_relu(x, alpha: float = _F.LEAKY_ALPHA) -> Tensor:
    """x for x ≥ 0, alpha·x for x < 0. Derivative 1 for x > 0, alpha for x ≤ 0.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        alpha: The slope for x < 0.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.leaky_relu(x, alpha=alpha)


def softmax(x, axis: int = -1) -> Tensor:
    """e^x / Σ e^x along ``axis``, computed stably.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.softmax(x, axis=axis)


def log_softmax(x, axis: int = -1) -> Tensor:
    """log softmax(x) along ``axis``, by log-sum-exp.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.log_softmax(x, axis=axis)


def softmax_cross_entropy(*, labels, logits, axis: int = -1) -> Tensor:
    """−Σ labels·log softmax(logits) along ``axis``, fused and stable; gradient p − y.

    Keyword-only, as in TensorFlow (``labels=``, ``logits=``), so the two cannot be swapped.
    ``labels`` (one-hot rows or probabilities) must have the shape of ``logits``; the result
    has that shape without ``axis``. Raises ValueError naming both shapes otherwise. For
    integer class indices use :func:`sparse_softmax_cross_entropy`.

    Args:
        labels: The labels; see above for their shape.
        logits: The unnormalised scores; the class axis is the last unless ``axis`` says otherwise.
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.softmax_cross_entropy(labels, logits, axis=axis)


def sparse_softmax_cross_entropy(*, labels, logits) -> Tensor:
    """−log softmax(logits)[label] for integer class indices ``labels``.

    ``labels`` has the shape of ``logits`` without its last (class) axis and holds integers in
    0 … C−1 (checked; a ValueError names the first one out of range). The gradient with respect
    to ``logits`` is p − onehot(labels); labels carry no gradient.

    Args:
        labels: The labels; see above for their shape.
        logits: The unnormalised scores; the class axis is the last unless ``axis`` says otherwise.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.sparse_softmax_cross_entropy(labels, logits)


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (an int, a tuple, or None for all).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.sum_(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (an int, a tuple, or None for all).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient equally.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.max_(x, axis=axis, keepdims=keepdims)


def maximum(x, y) -> Tensor:
    """Element-wise maximum; at ties the gradient goes to ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        y: The second operand, like ``x``; broadcast against it as in NumPy.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.maximum(x, y)


def minimum(x, y) -> Tensor:
    """Element-wise minimum; at ties the gradient goes to ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        y: The second operand, like ``x``; broadcast against it as in NumPy.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.minimum(x, y)


def where(condition, x=None, y=None) -> Tensor:
    """``x`` where ``condition`` holds, else ``y`` (gradient flows to the chosen one).

    The unselected entries get a gradient of exactly 0, but a branch computed from values at
    which it is undefined still poisons the gradient: in ``where(x > 0, sqrt(x), 0)`` the rule of
    ``sqrt`` at x = −1 multiplies that 0 by 1/√−1 = NaN. Make the unselected branch's *input*
    harmless too (the "double where" pattern)::

        positive = x > 0
        dg.where(positive, dg.sqrt(dg.where(positive, x, 1.0)), 0.0)

    Conditions carry no gradient. Both ``x`` and ``y`` are required (NumPy's one-argument form
    ``where(condition)`` gives indices: use ``np.nonzero``).

    Args:
        condition: Boolean array (or Tensor) choosing ``x`` where True and ``y`` where False.
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        y: The second operand, like ``x``; broadcast against it as in NumPy.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    if x is None or y is None:
        raise TypeError(
            "where: both x and y are required (for the indices of the true entries "
            "use np.nonzero(condition))"
        )
    return _ops.where(condition, x, y)


def matmul(x, y) -> Tensor:
    """Matrix product, as ``x @ y`` (NumPy's rules for 1-D and batched operands).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        y: The second operand, like ``x``; broadcast against it as in NumPy.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.matmul(x, y)


def reshape(x, shape) -> Tensor:
    """``x`` with a new shape of the same size.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        shape: The new shape; one entry may be −1.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.reshape(
        x, shape=tuple(np.atleast_1d(shape).tolist()) if not isinstance(shape, tuple) else shape
    )


def transpose(x, axes=None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None).

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axes: The axes, as in NumPy's function of the same name.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.transpose(x, axes=None if axes is None else tuple(axes))


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.

    Args:
        tensors: A sequence of Tensors, arrays or numbers.
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.concatenate(*tensors, axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors along a new axis.

    Args:
        tensors: A sequence of Tensors, arrays or numbers.
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.stack(*tensors, axis=axis)


def cast(x, dtype) -> Tensor:
    """``x`` converted to ``dtype``.

    To a floating-point dtype the gradient flows back (cast to ``x``'s dtype). An integer or
    boolean result carries no gradient: a gradient through it is None (or zeros with
    ``unconnected_gradients="zero"``), as in TensorFlow.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        dtype: The NumPy dtype (or its name) to cast to.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return _ops.cast(x, dtype=dtype)
    return _ops.cast_to_discrete(x, dtype=dtype)


def stop_gradient(x) -> Tensor:
    """``x`` as a constant: no gradient flows through it.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.stop_gradient(as_tensor(x))


# --- more element-wise functions (deltagrad.ops.elementwise) --------------------------------
# Each takes a tensor or array-like and returns a Tensor of its shape (NumPy's dtype rules:
# float32 stays float32, integers give float64) and is what NumPy's ufunc of the same name runs
# on a Tensor (np.sin(t) is recorded). Complex and non-numeric inputs raise a TypeError naming
# the function (checked once, in Primitive: NumPy would accept complex ones silently).


def sin(x) -> Tensor:
    """sin x, element-wise (radians); derivative cos x.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.sin(x)


def cos(x) -> Tensor:
    """cos x, element-wise (radians); derivative −sin x.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.cos(x)


def tan(x) -> Tensor:
    """tan x, element-wise (radians); derivative 1 + tan² x (= sec² x).

    Returns a Tensor of ``x``'s shape (±inf-like near the poles π/2 + kπ). Raises TypeError for
    complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.tan(x)


def arcsin(x) -> Tensor:
    """arcsin x in [−π/2, π/2], element-wise, for −1 ≤ x ≤ 1; derivative 1 / √(1 − x²).

    The derivative is inf at ±1 and the value NaN outside [−1, 1] (with NumPy's warning).
    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.arcsin(x)


def arccos(x) -> Tensor:
    """arccos x in [0, π], element-wise, for −1 ≤ x ≤ 1; derivative −1 / √(1 − x²).

    The derivative is −inf at ±1 and the value NaN outside [−1, 1] (with NumPy's warning).
    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.arccos(x)


def arctan(x) -> Tensor:
    """arctan x in (−π/2, π/2), element-wise; derivative 1 / (1 + x²).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.arctan(x)


def arctan2(y, x) -> Tensor:
    """The angle of the point (x, y) in [−π, π], element-wise: NumPy's ``arctan2(x1=y, x2=x)``.

    ``y`` and ``x`` broadcast together and both are differentiable: ∂/∂y = x / (x² + y²),
    ∂/∂x = −y / (x² + y²). Convention: at the origin (0, 0), where the angle jumps, both
    derivatives are 0 (not NaN). Returns a Tensor of the broadcast shape. Raises ValueError
    naming both shapes when they cannot be broadcast, TypeError for complex or non-numeric input.

    Args:
        y: The second operand, like ``x``; broadcast against it as in NumPy.
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.arctan2(y, x)


def sinh(x) -> Tensor:
    """sinh x = (eˣ − e⁻ˣ) / 2, element-wise; derivative cosh x.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.sinh(x)


def cosh(x) -> Tensor:
    """cosh x = (eˣ + e⁻ˣ) / 2, element-wise; derivative sinh x.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.cosh(x)


def arcsinh(x) -> Tensor:
    """arsinh x = log(x + √(x² + 1)), element-wise; derivative 1 / √(x² + 1).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.arcsinh(x)


def arccosh(x) -> Tensor:
    """arcosh x = log(x + √(x² − 1)) ≥ 0, element-wise, for x ≥ 1; derivative 1 / √(x² − 1).

    The derivative is inf at x = 1 and the value NaN below 1 (with NumPy's warning). Returns a
    Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.arccosh(x)


def arctanh(x) -> Tensor:
    """artanh x = ½ log((1 + x) / (1 − x)), element-wise, for −1 < x < 1; derivative 1 / (1 − x²).

    ±inf at ±1 and NaN outside [−1, 1] (with NumPy's warning). Returns a Tensor of ``x``'s
    shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.arctanh(x)


def erf(x) -> Tensor:
    """The error function erf x = (2/√π) ∫₀ˣ e^(−t²) dt, element-wise; derivative (2/√π) e^(−x²).

    Computed by ``scipy.special.erf``. Returns a Tensor of ``x``'s shape. Raises TypeError for
    complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.erf(x)


def log1p(x) -> Tensor:
    """log(1 + x), element-wise, accurate for small |x|, for x > −1; derivative 1 / (1 + x).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.log1p(x)


def expm1(x) -> Tensor:
    """eˣ − 1, element-wise, accurate for small |x|; derivative eˣ.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.expm1(x)


def log2(x) -> Tensor:
    """Base-2 logarithm, element-wise, for x > 0; derivative 1 / (x ln 2).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.log2(x)


def log10(x) -> Tensor:
    """Base-10 logarithm, element-wise, for x > 0; derivative 1 / (x ln 10).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.log10(x)


def exp2(x) -> Tensor:
    """2ˣ, element-wise; derivative 2ˣ ln 2.

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.exp2(x)


def reciprocal(x) -> Tensor:
    """1 / x, element-wise; derivative −1 / x².

    Unlike NumPy's ``reciprocal``, which truncates integers (1/2 → 0), integer and boolean
    input gives the float quotient. Returns a Tensor of ``x``'s shape (inf at 0). Raises
    TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.reciprocal(x)


def softplus(x) -> Tensor:
    """log(1 + eˣ), element-wise, computed stably as log1p(e^−|x|) + max(x, 0); derivative σ(x).

    Finite and warning-free for any x (softplus(1000) = 1000, softplus(−1000) = 0). Returns a
    Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.softplus(x)


def absolute(x) -> Tensor:
    """|x|, element-wise: the same as :func:`abs` (NumPy's name); derivative sign(x), 0 at 0.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return abs(x)


def clip(a, a_min=None, a_max=None, *, min=None, max=None) -> Tensor:  # noqa: A002
    """``a`` limited to [a_min, a_max], element-wise, as NumPy's ``clip``.

    Parameters: ``a`` a tensor; ``a_min``, ``a_max`` bounds (numbers, arrays or tensors that
    broadcast with ``a``; None for no bound). ``min=``/``max=`` are NumPy's other names for
    them. The bounds are differentiable too.

    Gradient: to ``a`` where a_min ≤ a ≤ a_max (1 inside, 0 outside). Convention at the bounds:
    exactly at a bound the gradient goes to ``a`` (1), not to the bound, as PyTorch's clamp
    and TensorFlow's clip_by_value do. Where a_min > a_max the result is a_max everywhere (as
    NumPy) and the gradient goes to a_max.

    Returns a Tensor of the broadcast shape. Raises ValueError naming the shapes when they
    cannot be broadcast, TypeError for complex or non-numeric input or a bound given twice.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        a_min: The lower bound (None: no lower bound).
        a_max: The upper bound (None: no upper bound).
        min: NumPy's keyword name for ``a_min``.
        max: NumPy's keyword name for ``a_max``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    if min is not None:
        if a_min is not None:
            raise TypeError("clip: a_min given twice (as a_min and as min)")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise TypeError("clip: a_max given twice (as a_max and as max)")
        a_max = max
    return _ops.clip(a, a_min, a_max)


def floor(x) -> Tensor:
    """The largest integer ≤ x, element-wise (as floats). Piecewise constant: its gradient is 0
    everywhere, also at the jumps (a zero gradient, never None, so it composes).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.floor(x)


def ceil(x) -> Tensor:
    """The smallest integer ≥ x, element-wise (as floats). Piecewise constant: its gradient is 0
    everywhere, also at the jumps (a zero gradient, never None, so it composes).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.ceil(x)


def round(x, decimals: int = 0) -> Tensor:  # noqa: A001 - mirrors NumPy's name
    """``x`` rounded to ``decimals`` decimals, element-wise, as NumPy's ``round`` (halves to
    even). Piecewise constant: its gradient is 0 everywhere (never None, so it composes).

    Returns a Tensor of ``x``'s shape and dtype. Raises TypeError for complex or non-numeric
    ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        decimals: Number of decimal places, as in NumPy.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.round_(x, decimals=decimals)


def sign(x) -> Tensor:
    """−1, 0 or 1 by the sign of x, element-wise. Piecewise constant: its gradient is 0
    everywhere, also at 0 (a zero gradient, never None, so it composes).

    Returns a Tensor of ``x``'s shape. Raises TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.sign(x)


# --- more reductions (deltagrad.ops.reduce) -------------------------------------------------
# ``axis`` is an int, a tuple of ints or None (all axes) and must lie in −ndim … ndim−1, else
# a ValueError names the op and the shape; ``keepdims`` keeps the reduced axes with length 1.


def min(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Minimum over ``axis``, as NumPy's ``min``/``amin``.

    Gradient: 1 at the minimum; tied minima share it equally (as for :func:`max`). Returns a
    Tensor of the reduced shape. Raises ValueError for an out-of-range axis or an empty
    reduction, TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.min_(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the (first) maximum, as NumPy's ``argmax``: over the flattened tensor when
    ``axis`` is None, else along one int ``axis``.

    An integer Tensor that carries no gradient (like comparisons). Raises ValueError for an
    out-of-range axis or an empty tensor, TypeError for a non-int axis or a complex or
    non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.argmax(x, axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the (first) minimum, as NumPy's ``argmin``: over the flattened tensor when
    ``axis`` is None, else along one int ``axis``.

    An integer Tensor that carries no gradient (like comparisons). Raises ValueError for an
    out-of-range axis or an empty tensor, TypeError for a non-int axis or a complex or
    non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.argmin(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims: bool = False) -> Tensor:
    """Product over ``axis``, as NumPy's ``prod``.

    Gradient: ∂/∂x_i = the product of the other entries, computed without dividing by x_i, so
    it is exact when entries are 0: with one zero only the zero entry gets a gradient (the
    product of the others); with two or more zeros the gradient is 0. Second derivatives are
    exact at zeros too. Returns a Tensor of the reduced shape. Raises ValueError for an
    out-of-range axis, TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.prod(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """log Σ eˣ over ``axis``, computed stably (shifted by the maximum: no overflow at
    x = 1000, −inf for a row of −inf); gradient softmax(x) along the reduced axes.

    Returns a Tensor of the reduced shape (float). Raises ValueError for an out-of-range axis
    or an empty reduction, TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.logsumexp(x, axis=axis, keepdims=keepdims)


def cumsum(x, axis=None) -> Tensor:
    """Cumulative sum along one int ``axis``, as NumPy's ``cumsum``; ``axis=None`` sums the
    flattened tensor (a 1-D result).

    Gradient: the reversed cumulative sum of the upstream gradient (reshaped back to ``x``'s
    shape for ``axis=None``). Raises ValueError for an out-of-range axis (also axis=0 of a
    scalar, which NumPy accepts), TypeError for a non-int axis or complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.cumsum(x, axis=axis)


def var(x, axis=None, ddof=0, keepdims: bool = False) -> Tensor:
    """Variance Σ(x − mean)² / (n − ddof) over ``axis``, as NumPy's ``var``; gradient
    2(x − mean) / (n − ddof).

    ``ddof``: delta degrees of freedom (0: the population variance, 1: the sample variance).
    Returns a Tensor of the reduced shape (float). Raises ValueError for an out-of-range axis or
    ddof ≥ n (where NumPy warns and returns inf or NaN), TypeError for complex or non-numeric
    ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        ddof: Delta degrees of freedom: the divisor is N − ddof, as in NumPy.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.var(x, axis=axis, ddof=ddof, keepdims=keepdims)


def std(x, axis=None, ddof=0, keepdims: bool = False) -> Tensor:
    """Standard deviation √var over ``axis``, as NumPy's ``std``; gradient
    (x − mean) / ((n − ddof)·std).

    Convention: where std = 0 (all entries equal) the gradient is 0 (a subgradient), not NaN.
    ``ddof`` as in :func:`var`. Returns a Tensor of the reduced shape (float). Raises ValueError
    for an out-of-range axis or ddof ≥ n, TypeError for complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        ddof: Delta degrees of freedom: the divisor is N − ddof, as in NumPy.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.std(x, axis=axis, ddof=ddof, keepdims=keepdims)


def norm(x, ord=None, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """Vector or matrix norm, as NumPy's ``linalg.norm`` (``np.linalg.norm(t)`` runs this).

    With ``ord=None`` and ``axis=None``: the 2-norm of the flattened tensor (the Frobenius norm
    of a matrix). ``axis`` an int: vector norms along it, ``ord`` one of None or 2
    (√Σx²), 1 (Σ|x|), inf (max |x|), -inf (min |x|). ``axis`` a pair (or ``x`` 2-D with
    ``axis=None``): matrix norms, ``ord`` one of None or 'fro' (√Σx²), 1 / -1 (max / min
    column sum of |x|), inf / -inf (max / min row sum of |x|).

    Gradients: x / ‖x‖ for the 2-norm and Frobenius norm, sign(x) for the 1-norm; the max/min
    norms share the gradient between tied entries. Convention at 0: the gradient of every norm
    at x = 0 is 0 (a subgradient), not NaN; |x| contributes 0 where an entry is 0.

    Returns a Tensor of the reduced shape (float). Raises ValueError naming ``norm`` for an
    unsupported ``ord`` (the spectral 2 / -2 and nuclear 'nuc' matrix norms need the SVD), an
    out-of-range or repeated axis, or ``ord`` with a tensor of rank > 2 and no ``axis``;
    TypeError for a non-int axis or complex or non-numeric ``x``.

    Args:
        x: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        ord: The order of the norm, as in ``np.linalg.norm``.
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        keepdims: Keep the reduced axes with length 1, as NumPy's ``keepdims``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    out = _ops.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return out if isinstance(out, Tensor) else as_tensor(np.asarray(out))


# --- linear algebra and shape manipulation (deltagrad.ops.linalg, deltagrad.ops.shape) ------
# NumPy's semantics and parameter names, so that np.<name>(tensor, ...) runs these (recorded).
# Tensors and array-likes are accepted; the results are Tensors. Bad shapes, subscripts and
# out-of-range axes raise ValueError, non-integer axes and complex or non-numeric inputs
# TypeError, out-of-range indices IndexError, each naming the function, shapes and dtypes.


def _operand(name, x):
    return _ops.core.as_operand(name, x)


def _result(out):
    return out if isinstance(out, Tensor) else as_tensor(np.asarray(out))


def _int_tuple(v):
    """Lists and integer arrays as tuples (hashable, NumPy-compatible); anything else as given."""
    if isinstance(v, (list, np.ndarray)):
        arr = np.asarray(v)
        return int(arr) if arr.ndim == 0 and arr.dtype.kind in "iu" else tuple(arr.tolist())
    return v


def einsum(subscripts, *operands, optimize=False) -> Tensor:
    """Einstein summation over the operands' subscripts, as ``np.einsum``.

    Explicit (``'ij,jk->ik'``) and implicit (``'ij,jk'``: the letters used once, sorted)
    subscripts, repeated letters in one operand (``'ii->i'`` a diagonal, ``'ii'`` the trace),
    ``'...'`` for broadcast dimensions, and NumPy's interleaved form
    ``einsum(x, [0, 1], y, [1, 2], [0, 2])`` are supported. Size-1 dimensions broadcast as in NumPy.

    Derivative: the gradient of an operand is the einsum of the upstream gradient with the other
    operands onto that operand's subscripts; letters only that operand has (summed in the forward
    pass) get the gradient broadcast, and a repeated letter gets it on the diagonal only (zero
    elsewhere). Size-1 dimensions that broadcast get their gradient summed.

    Parameters: ``subscripts`` a str; ``operands`` tensors or arrays; ``optimize`` as NumPy's
    (False, True, 'greedy', 'optimal'), used for the forward and gradient contractions.
    Returns: a Tensor. Raises: ValueError for invalid subscripts (bad characters, more than one
    '->', an output letter repeated or not among the inputs, a wrong number of operands or of
    dimensions, mismatched sizes); TypeError for complex or non-numeric operands.

    Args:
        subscripts: The einsum subscripts, e.g. ``"ij,jk->ik"``.
        optimize: Accepted for NumPy compatibility; the contraction order is NumPy's.
        operands: The operands: Tensors, arrays or numbers.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    if not isinstance(subscripts, str):
        subscripts, operands = _ops.linalg.interleaved_subscripts((subscripts,) + operands)
    xs = [_operand("einsum", x) for x in operands]
    return _ops.linalg.einsum(*xs, subscripts=subscripts, optimize=optimize)


def dot(a, b) -> Tensor:
    """Dot product with NumPy's rules: a 0-d operand multiplies; 1-D·1-D is the inner product;
    2-D·2-D the matrix product; N-D·1-D sums over the last axes; N-D·M-D sums the last axis of
    ``a`` against the second-to-last of ``b`` (result
    ``a.shape[:-1] + b.shape[:-2] + b.shape[-1:]``).

    Derivative: a tensordot of the upstream gradient with the other operand (transposed back).
    Returns a Tensor. Raises ValueError when the contracted axes differ in size; TypeError for
    complex or non-numeric operands.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        b: The second operand, like ``a``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.linalg.dot(_operand("dot", a), _operand("dot", b))


def tensordot(a, b, axes=2) -> Tensor:
    """Sum of products over ``axes``, as ``np.tensordot``: an int N (the last N axes of ``a``
    against the first N of ``b``) or a pair ``(axes_a, axes_b)`` of ints or equal-length
    sequences. The result has ``a``'s remaining axes, then ``b``'s.

    Derivative: tensordot of the upstream gradient with the other operand over its free axes,
    transposed back to the operand's axis order. Returns a Tensor. Raises ValueError for
    out-of-range or repeated axes, sequences of different lengths or contracted axes of different
    sizes (no broadcasting); TypeError for a malformed ``axes`` or complex/non-numeric operands.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        b: The second operand, like ``a``.
        axes: The axes, as in NumPy's function of the same name.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.linalg.tensordot(
        _operand("tensordot", a),
        _operand("tensordot", b),
        axes=_int_tuple(axes)
        if not isinstance(axes, (list, tuple))
        else tuple(_int_tuple(v) for v in axes),
    )


def inner(a, b) -> Tensor:
    """Inner product over the last axes, as ``np.inner`` (a 0-d operand multiplies); the result
    has shape ``a.shape[:-1] + b.shape[:-1]``.

    Derivative: a tensordot of the upstream gradient with the other operand. Returns a Tensor.
    Raises ValueError when the last axes differ in size; TypeError for complex/non-numeric input.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        b: The second operand, like ``a``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.linalg.inner(_operand("inner", a), _operand("inner", b))


def outer(a, b) -> Tensor:
    """Outer product ``out[i, j] = a.flat[i] * b.flat[j]``, as ``np.outer`` (inputs flattened).

    Derivative: ``g @ b.flat`` for ``a`` and ``a.flat @ g`` for ``b``, reshaped to the input's
    shape. Returns a 2-D Tensor. Raises TypeError for complex or non-numeric input.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        b: The second operand, like ``a``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.linalg.outer(_operand("outer", a), _operand("outer", b))


def trace(a, offset=0, axis1=0, axis2=1) -> Tensor:
    """Sum along a diagonal, as ``np.trace``: the diagonal ``offset`` above (below, if negative)
    the main one, of the 2-D sub-arrays over ``axis1`` and ``axis2``.

    Derivative: the upstream gradient placed on that diagonal, zeros elsewhere. Returns a Tensor
    of ``a``'s shape without ``axis1`` and ``axis2``. Raises ValueError for fewer than 2
    dimensions, out-of-range or equal axes; TypeError for a non-integer offset/axis or
    complex/non-numeric input.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        offset: The offset of the diagonal from the main one.
        axis1: The first axis of the pair, as in NumPy.
        axis2: The second axis of the pair, as in NumPy.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.linalg.trace(_operand("trace", a), offset=offset, axis1=axis1, axis2=axis2)


def diagonal(a, offset=0, axis1=0, axis2=1) -> Tensor:
    """The diagonal ``offset`` of the 2-D sub-arrays over ``axis1`` and ``axis2``, as
    ``np.diagonal``: those axes are removed and the diagonal is appended as the last axis.

    Derivative: the upstream gradient written on that diagonal of zeros. Returns a Tensor (empty
    when the offset is past the matrix). Raises as :func:`trace`.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        offset: The offset of the diagonal from the main one.
        axis1: The first axis of the pair, as in NumPy.
        axis2: The second axis of the pair, as in NumPy.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.linalg.diagonal(_operand("diagonal", a), offset=offset, axis1=axis1, axis2=axis2)


def diag(v, k=0) -> Tensor:
    """As ``np.diag``: for 1-D ``v`` the square matrix with ``v`` on diagonal ``k`` (size
    ``len(v) + |k|``); for 2-D ``v`` its diagonal ``k``.

    Derivative: the diagonal ``k`` of the upstream gradient (1-D ``v``), or the upstream gradient
    written on diagonal ``k`` of zeros (2-D ``v``). Returns a Tensor. Raises ValueError unless
    ``v`` is 1-D or 2-D; TypeError for a non-integer ``k`` or complex/non-numeric input.

    Args:
        v: The second vector: a Tensor, array or number.
        k: The diagonal: 0 the main one, > 0 above it, < 0 below it.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.linalg.diag(_operand("diag", v), k=k)


def tril(m, k=0) -> Tensor:
    """The lower triangle of the last two axes (on and below diagonal ``k``; zeros above), as
    ``np.tril``. As in NumPy, a 1-D ``m`` is first broadcast to a square matrix (rows of ``m``).

    Derivative: the lower triangle of the upstream gradient (summed over rows for 1-D ``m``).
    Returns a Tensor. Raises ValueError for a 0-d ``m``; TypeError for a non-integer ``k`` or
    complex/non-numeric input.

    Args:
        m: The input matrix (or stack of matrices): a Tensor, array or number.
        k: The diagonal: 0 the main one, > 0 above it, < 0 below it.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.linalg.tril(_operand("tril", m), k=k)


def triu(m, k=0) -> Tensor:
    """The upper triangle of the last two axes (on and above diagonal ``k``; zeros below), as
    ``np.triu``; see :func:`tril` for the rest.

    Args:
        m: The input matrix (or stack of matrices): a Tensor, array or number.
        k: The diagonal: 0 the main one, > 0 above it, < 0 below it.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.linalg.triu(_operand("triu", m), k=k)


def squeeze(a, axis=None) -> Tensor:
    """``a`` without size-1 axes: all of them, or those in ``axis`` (an int or a tuple).

    Derivative: the upstream gradient reshaped back. Returns a Tensor. Raises ValueError when a
    selected axis is out of range, repeated or not of size 1; TypeError for a non-integer axis.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _result(_ops.shape.squeeze(_operand("squeeze", a), axis=_int_tuple(axis)))


def expand_dims(a, axis) -> Tensor:
    """``a`` with new size-1 axes at ``axis`` (an int or a tuple; positions in the result).

    Derivative: the upstream gradient reshaped back. Returns a Tensor. Raises ValueError for
    out-of-range or repeated axes; TypeError for a non-integer axis.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _result(_ops.shape.expand_dims(_operand("expand_dims", a), _int_tuple(axis)))


def swapaxes(a, axis1, axis2) -> Tensor:
    """``a`` with axes ``axis1`` and ``axis2`` interchanged (a transpose; derivative: the same
    swap of the upstream gradient). Raises ValueError for out-of-range axes, TypeError for
    non-integer ones.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis1: The first axis of the pair, as in NumPy.
        axis2: The second axis of the pair, as in NumPy.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _result(_ops.shape.swapaxes(_operand("swapaxes", a), axis1, axis2))


def moveaxis(a, source, destination) -> Tensor:
    """``a`` with the axes ``source`` moved to the positions ``destination`` (ints or equal-length
    sequences); the other axes keep their order. A transpose; derivative: the inverse transpose
    of the upstream gradient. Raises ValueError for out-of-range or repeated axes or lengths
    that differ; TypeError for non-integer axes.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        source: The axis (or axes) to move.
        destination: Where to move them.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _result(
        _ops.shape.moveaxis(_operand("moveaxis", a), _int_tuple(source), _int_tuple(destination))
    )


def flip(m, axis=None) -> Tensor:
    """``m`` reversed along ``axis`` (an int, a tuple, or None for all axes), as ``np.flip``.

    Derivative: the upstream gradient flipped the same way. Returns a Tensor. Raises ValueError
    for out-of-range or repeated axes; TypeError for complex/non-numeric input.

    Args:
        m: The input matrix (or stack of matrices): a Tensor, array or number.
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.shape.flip(_operand("flip", m), axis=_int_tuple(axis))


def roll(a, shift, axis=None) -> Tensor:
    """``a`` shifted cyclically by ``shift`` along ``axis`` (ints or equal-length tuples; None:
    the flattened array, shape restored), as ``np.roll``.

    Derivative: the upstream gradient rolled by ``-shift``. Returns a Tensor. Raises ValueError
    for out-of-range axes; TypeError for non-integer shifts (NumPy would truncate them).

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        shift: By how many places to roll (an int or a tuple of ints).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.shape.roll(_operand("roll", a), shift=_int_tuple(shift), axis=_int_tuple(axis))


def repeat(a, repeats, axis=None) -> Tensor:
    """Each element of ``a`` repeated ``repeats`` times (an int, or one count per element along
    ``axis``; zeros allowed) along ``axis`` (None: the flattened array), as ``np.repeat``.

    Derivative: the sum of the upstream gradient over each element's copies. Returns a Tensor.
    Raises ValueError for negative counts, a count per element of the wrong length or an
    out-of-range axis; TypeError for non-integer counts.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        repeats: How many times to repeat each element (an int or one per element).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.shape.repeat(_operand("repeat", a), repeats=_int_tuple(repeats), axis=axis)


def tile(A, reps) -> Tensor:
    """``A`` repeated as a block ``reps`` times per axis (an int or a tuple; shorter operands or
    ``reps`` are padded with leading 1s), as ``np.tile``.

    Derivative: the sum of the upstream gradient over the tiles. Returns a Tensor. Raises
    ValueError for negative ``reps``; TypeError for non-integer ones.

    Args:
        A: The input to tile: a Tensor, array or number.
        reps: The number of repetitions along each axis.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _ops.shape.tile(_operand("tile", A), reps=_int_tuple(reps))


def pad(array, pad_width, mode="constant", constant_values=None) -> Tensor:
    """``array`` padded as ``np.pad``: ``pad_width`` an int, a ``(before, after)`` pair or one
    pair per axis. Modes: 'constant' (with ``constant_values``, default 0: a scalar, a pair or a
    pair per axis), 'edge', 'reflect', 'symmetric' and 'wrap'.

    Derivative: for 'constant', the upstream gradient cropped to the interior (the padding
    constants are constants, except a 0-d Tensor ``constant_values``, which gets the sum of the
    gradient over the border); for the other modes each output element copies one input
    element, whose gradient sums over all its copies. Returns a Tensor. Raises
    NotImplementedError for NumPy's other modes ('linear_ramp', 'maximum', 'mean', 'median',
    'minimum', 'empty', callables); ValueError for an unknown mode, negative or malformed
    ``pad_width``, or ``constant_values`` with another mode; TypeError for non-integer widths.

    Args:
        array: The input to pad: a Tensor, array or number.
        pad_width: The padding before and after each axis, as in NumPy.
        mode: As in NumPy's function of the same name.
        constant_values: The value to pad with in ``mode="constant"``.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _result(
        _ops.shape.pad(
            _operand("pad", array), pad_width, mode=mode, constant_values=constant_values
        )
    )


def split(ary, indices_or_sections, axis=0) -> list:
    """``ary`` split along ``axis`` into a list of Tensors, as ``np.split``: into N equal
    sections (an int N that divides the axis) or at the given indices (a sequence).

    Derivative: each piece is a slice; its gradient goes back to its part of ``ary``. Returns a
    list of Tensors. Raises ValueError when N does not divide the axis or is not positive, for a
    0-d ``ary`` or an out-of-range axis; TypeError for non-integer indices.

    Args:
        ary: The input: a Tensor, a NumPy array or a number.
        indices_or_sections: A number of equal sections, or the sorted indices to split at.
        axis: The axis to split along.

    Returns:
        list[Tensor]: The pieces, each recorded on every active tape.
    """
    return [
        _result(p)
        for p in _ops.shape.split(
            _operand("split", ary), _int_tuple(indices_or_sections), axis=axis
        )
    ]


def array_split(ary, indices_or_sections, axis=0) -> list:
    """As :func:`split`, but N sections need not be equal (the first ``len % N`` get one more
    element), as ``np.array_split``.

    Args:
        ary: The input: a Tensor, a NumPy array or a number.
        indices_or_sections: A number of equal sections, or the sorted indices to split at.
        axis: The axis to split along.

    Returns:
        list[Tensor]: The pieces, each recorded on every active tape.
    """
    return [
        _result(p)
        for p in _ops.shape.split(
            _operand("array_split", ary), _int_tuple(indices_or_sections), axis=axis, equal=False
        )
    ]


def take(a, indices, axis=None, mode="raise") -> Tensor:
    """Elements of ``a`` at integer ``indices`` along ``axis`` (None: of the flattened array), as
    ``np.take``: the result has ``a.shape[:axis] + indices.shape + a.shape[axis+1:]``. ``mode``
    'raise' (negative indices count from the end), 'wrap' or 'clip'.

    Derivative: the upstream gradient scattered back; repeated indices accumulate. Returns a
    Tensor. Raises IndexError for out-of-range indices (mode 'raise'); ValueError for an
    out-of-range axis or unknown mode; TypeError for non-integer indices.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        indices: Integer indices to take.
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        mode: As in NumPy's function of the same name.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    return _result(_ops.shape.take(_operand("take", a), indices, axis=axis, mode=mode))


def sort(a, axis=-1, kind=None, order=None, *, stable=None) -> Tensor:
    """``a`` sorted along ``axis`` (None: the flattened array), as ``np.sort``.

    Derivative: each sorted element's gradient goes back to the position it came from (the
    gradient is permuted back). Ties: equal elements keep their order (NumPy's stable sort), so
    the first of them in ``a`` receives the gradient of the first sorted slot, and so on; each
    position gets exactly one slot's gradient (no sharing). ``kind`` and ``stable`` are passed
    to NumPy (the values do not depend on them; the gradient always follows the stable order).
    NaNs sort last. Returns a Tensor. Raises ValueError for an out-of-range axis or an unknown
    kind; TypeError for ``order`` (structured arrays are not supported) or complex/non-numeric
    input.

    Args:
        a: The input: a Tensor, a NumPy array or a number (arrays and numbers are constants).
        axis: The axis (or, where NumPy allows it, a tuple of axes; None for all) to work along.
        kind: Accepted for NumPy compatibility; the sort is NumPy's stable sort.
        order: Accepted for NumPy compatibility; must be None.
        stable: Accepted for NumPy compatibility; the sort is always stable.

    Returns:
        Tensor: The result, recorded on every active tape.
    """
    if order is not None:
        raise TypeError(
            "sort: order= applies to structured arrays, which deltagrad does not support"
        )
    return _ops.shape.sort(_operand("sort", a), axis=axis, kind=kind, stable=stable)


# --- NumPy's functions on Tensors -----------------------------------------------------------

# NumPy functions whose deltagrad op has another name. Every other public function of this
# module with a NumPy namesake is found by name.
# Keys are NumPy names or NumPy functions (for those outside the top-level namespace).
_NUMPY_ALIASES: dict[str | Callable, str] = {
    "amax": "max",
    "amin": "min",
    "around": "round",
    np.linalg.norm: "norm",
}


def numpy_functions() -> dict:
    """``{numpy function: deltagrad function}``: what ``np.f(tensor, …)`` runs (see
    :mod:`deltagrad._numpy_dispatch`). A deltagrad function registered here takes NumPy's
    argument names for everything it supports.

    Returns:
        dict: NumPy's function → the deltagrad function of the same name.
    """
    table = {}
    public = {
        name: fn
        for name, fn in globals().items()
        if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == __name__
    }
    for name, fn in public.items():
        np_fn = getattr(np, name, None)
        if np_fn is not None and not isinstance(np_fn, np.ufunc) and callable(np_fn):
            table[np_fn] = fn
    for np_name, dg_name in _NUMPY_ALIASES.items():
        np_fn = np_name if callable(np_name) else getattr(np, np_name, None)
        if np_fn is not None and dg_name in public:
            table[np_fn] = public[dg_name]
    return table
