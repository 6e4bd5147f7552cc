"""Function transforms built on the tape: ``grad`` and ``value_and_grad``."""
from __future__ import annotations

import functools

from deltagrad.tape import GradientTape
from deltagrad.tensor import Tensor, constant


def value_and_grad(f, argnums=0):
    """Return a function computing ``(f(*args), gradient of f's output w.r.t. args[argnums])``.

    ``argnums`` is an int (one gradient) or a tuple of ints (a tuple of gradients). Non-scalar
    outputs are summed. Arguments may be tensors or array-likes (converted with ``constant``);
    gradients with respect to arguments the output does not depend on are zeros. Nesting
    (``grad(grad(f))``) gives higher derivatives.
    """
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        if max(nums) >= len(args):
            raise TypeError(f"value_and_grad: argnums={argnums} but the function was called with "
                            f"{len(args)} positional arguments")
        args = [a if isinstance(a, Tensor) or i not in nums else constant(a)
                for i, a in enumerate(args)]
        with GradientTape() as tape:
            tape.watch([args[i] for i in nums])
            value = f(*args, **kwargs)
        if not isinstance(value, Tensor):
            raise TypeError(f"value_and_grad: the function must return a Tensor, got "
                            f"{type(value).__name__}")
        grads = tape.gradient(value, [args[i] for i in nums], unconnected_gradients="zero")
        return value, grads[0] if single else tuple(grads)

    return wrapper


def grad(f, argnums=0):
    """Return a function computing the gradient of ``f`` (see :func:`value_and_grad`)."""
    vg = value_and_grad(f, argnums)

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    return wrapper
