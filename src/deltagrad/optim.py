"""Optimisers that update Variables in place: SGD for descent (θ − η∇) and ascent (θ + η∇)."""
from __future__ import annotations

import math

import numpy as np

from deltagrad.tensor import Tensor, Variable


class SGD:
    """Stochastic gradient descent, θ ← θ − lr·∇; with ``maximize=True``, ascent θ ← θ + lr·∇.

    ``momentum`` > 0 keeps a velocity per variable: v ← momentum·v + ∇, θ ← θ ∓ lr·v.
    """

    def __init__(self, lr: float = 0.01, maximize: bool = False, momentum: float = 0.0):
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"SGD: lr must be a finite number > 0, got {lr!r}")
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.lr = float(lr)
        self.maximize = maximize
        self.momentum = float(momentum)
        self._velocity: dict[int, np.ndarray] = {}

    def __repr__(self):
        return f"SGD(lr={self.lr}, maximize={self.maximize}, momentum={self.momentum})"

    def apply_gradients(self, grads_and_vars) -> None:
        """Apply ``[(gradient, variable), ...]``; a None gradient leaves its variable alone."""
        for g, v in grads_and_vars:
            if g is None:
                continue
            if not isinstance(v, Variable):
                raise TypeError(f"SGD: can only update Variables, got {type(v).__name__}")
            g = g._value if isinstance(g, Tensor) else np.asarray(g)
            if np.shape(g) != v.shape:
                raise ValueError(f"SGD: gradient of shape {np.shape(g)} for a variable of shape {v.shape}")
            if self.momentum:
                vel = self._velocity.get(id(v))
                g = g if vel is None else self.momentum * vel + g
                self._velocity[id(v)] = g
            step = self.lr * g
            if self.maximize:
                v.assign_add(step)
            else:
                v.assign_sub(step)

    def step(self, variables, grads) -> None:
        """Update ``variables`` with ``grads`` (lists in the same order)."""
        self.apply_gradients(zip(grads, variables))
