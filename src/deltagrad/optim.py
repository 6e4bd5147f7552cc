"""Optimisers that update Variables in place: SGD, Adam, AdamW, RMSprop and Adagrad.

Each follows PyTorch's ``torch.optim`` class of the same name: the same parameters, defaults and
update rule (as written in PyTorch's documentation), applied to deltagrad Variables::

    opt = dg.optim.Adam(lr=1e-3)
    with dg.GradientTape() as tape:
        loss = f(w)
    opt.apply_gradients([(tape.gradient(loss, w), w)])   # or opt.step([w], [grad])

``maximize=True`` negates each gradient before the rule runs (as PyTorch does), so the optimiser
climbs instead of descending. A ``None`` gradient leaves its variable (and its state) alone.
Every update is computed in the variable's own dtype: a float32 Variable stays float32.

Updates happen in place when nobody can tell: when a Variable is the only holder of its array
(no one kept ``v.numpy()``, a view such as ``v[0]`` or ``v.T``, a ``dg.constant(v)``, or a tape
record that still needs the value), SGD writes the new value into that array, and every other
optimiser's freshly computed value replaces it without a copy. Otherwise the Variable gets a new
array and whatever holds the old one keeps seeing the old value, as before: Tensors stay
immutable. The numbers are the same bit for bit either way.

Deliberate differences from PyTorch (see each class): ``lr`` must be > 0 and every setting
finite; momentum-like factors (SGD's and RMSprop's ``momentum``, RMSprop's ``alpha``) must be in
[0, 1); SGD's default ``lr`` stays 0.01 (deltagrad's historical default); RMSprop's centred
variance is clipped at 0 so that rounding can never take the square root of a negative number.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from deltagrad.tensor import Tensor, Variable

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


class Optimizer:
    """The shared machinery of deltagrad's optimisers; a subclass is only its update rule.

    It validates settings, walks the ``(gradient, variable)`` pairs (skipping None gradients,
    checking types and shapes, then updating), negates gradients for ``maximize=True`` and keeps
    one state dict per variable (``state["step"]`` counts that variable's updates). A subclass
    implements :meth:`_update`, and :meth:`_init_state` if it keeps buffers.
    """

    def __init__(self, lr, maximize: bool = False):
        self.lr = self._number("lr", lr, low=0.0, low_open=True)
        self.maximize = self._flag("maximize", maximize)
        # id(variable) -> (variable, state). Holding the variable keeps it alive, so its id can
        # never be reused by another object while this optimiser remembers its state.
        self._state: dict[int, tuple[Variable, dict]] = {}

    # --- validation ------------------------------------------------------------------------
    def _number(self, name, value, low=0.0, high=None, low_open=False, high_open=False):
        """``value`` as a float, or a ValueError naming the optimiser, ``name`` and ``value``."""
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if ok:
            x = float(value)
            ok = (
                math.isfinite(x)
                and (low is None or (x > low if low_open else x >= low))
                and (high is None or (x < high if high_open else x <= high))
            )
        if not ok:
            if high is None:
                where = f"{'>' if low_open else '≥'} {low:g}"
            else:
                where = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
            raise ValueError(
                f"{type(self).__name__}: {name} must be a finite number {where}, got {value!r}"
            )
        return x

    def _flag(self, name, value):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{type(self).__name__}: {name} must be True or False, got {value!r}")
        return bool(value)

    # --- settings --------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The settings, in the order of the constructor's parameters (used by ``repr``)."""
        return {"lr": self.lr, "maximize": self.maximize}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def reset(self) -> None:
        """Forget every variable's state (momentum buffers, moment estimates, step counts)."""
        self._state.clear()

    # --- applying gradients ----------------------------------------------------------------
    def apply_gradients(self, grads_and_vars) -> None:
        """Apply ``[(gradient, variable), ...]``; a None gradient leaves its variable alone.

        Every pair is checked before any variable changes: a wrong type or shape raises and
        updates nothing.
        """
        name = type(self).__name__
        checked = []
        for pair in grads_and_vars:
            try:
                g, v = pair
            except (TypeError, ValueError):
                raise TypeError(
                    f"{name}.apply_gradients: expected (gradient, variable) pairs, got {pair!r}"
                ) from None
            if g is None:
                continue
            if not isinstance(v, Variable):
                raise TypeError(f"{name}: can only update Variables, got {type(v).__name__}")
            dtype = v._value.dtype  # (no local name for the value: see _sole_owner below)
            if dtype.kind != "f":
                raise TypeError(
                    f"{name}: can only update floating-point Variables, got a "
                    f"Variable of dtype {dtype}"
                )
            g = g._value if isinstance(g, Tensor) else np.asarray(g)
            if g.dtype != dtype:
                if g.dtype.kind not in "biuf":
                    raise TypeError(
                        f"{name}: gradient of dtype {g.dtype} for a variable of dtype {dtype}"
                    )
                g = np.asarray(g, dtype=dtype)
            if g.shape != v._value.shape:
                raise ValueError(
                    f"{name}: gradient of shape {np.shape(g)} for a variable of shape {v.shape}"
                )
            checked.append((g, v))
        for g, v in checked:
            entry = self._state.get(id(v))
            if entry is None:
                entry = self._state[id(v)] = (v, {"step": 0, **self._init_state(v._value)})
            state = entry[1]
            state["step"] += 1
            if self.maximize:
                g = np.negative(g)
            # (No other name may hold the value while its ownership is checked.)
            if v._sole_owner() and self._update_in_place(v._value, g, state):
                continue
            theta = v._value
            new = self._update(theta, g, state)
            if new.__class__ is np.ndarray and new.dtype == theta.dtype:
                v._value = new  # a fresh array (the rule's contract): no copy needed
            else:
                v.assign(new)

    def step(self, variables, grads) -> None:
        """Update ``variables`` with ``grads`` (sequences of the same length, in the same order)."""
        variables, grads = list(variables), list(grads)
        if len(variables) != len(grads):
            raise ValueError(
                f"{type(self).__name__}.step: {len(variables)} variables but {len(grads)} gradients"
            )
        self.apply_gradients(zip(grads, variables))

    # --- the update rule -------------------------------------------------------------------
    def _init_state(self, theta) -> dict:
        """The buffers a variable starts with (``theta`` is its value); none by default."""
        return {}

    def _update(self, theta, g, state):
        """The new value of a parameter ``theta`` given gradient ``g`` (already negated for
        ``maximize``) and its ``state`` (``state["step"]`` is t, from 1). Must not modify
        ``theta`` or ``g`` in place, and must return a new array (not ``theta``, ``g`` or a
        state buffer): it becomes the variable's value as it is."""
        raise NotImplementedError

    def _update_in_place(self, theta, g, state) -> bool:
        """Optionally, :meth:`_update` written into ``theta`` itself, bit for bit the same
        result; returns False when it did nothing. Only called when the variable is the sole
        owner of ``theta`` (see the module doc), so no one can observe the change."""
        return False


def _betas(opt, betas):
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise ValueError(
            f"{type(opt).__name__}: betas must be a pair (beta1, beta2), got {betas!r}"
        ) from None
    return (
        opt._number("betas[0]", b1, 0.0, 1.0, high_open=True),
        opt._number("betas[1]", b2, 0.0, 1.0, high_open=True),
    )


class SGD(Optimizer):
    r"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay.

    PyTorch's ``torch.optim.SGD`` rule. With lr γ, momentum μ, dampening τ, weight decay λ, for
    t = 1, 2, …::

        g ← −∇ if maximize else ∇
        if λ ≠ 0:  g ← g + λ·θ
        if μ ≠ 0:
            b ← g                     (t = 1)
            b ← μ·b + (1 − τ)·g       (t > 1)
            g ← g + μ·b if nesterov else b
        θ ← θ − γ·g

    Without momentum or weight decay this is θ ← θ − γ·∇ (descent) or θ ← θ + γ·∇ (ascent).

    Parameters:
        lr: learning rate γ > 0 (default 0.01, deltagrad's historical default; PyTorch's is 1e-3).
        maximize: ascend instead of descend.
        momentum: μ in [0, 1) (PyTorch accepts any μ ≥ 0).
        dampening: τ in [0, 1].
        weight_decay: L2 penalty λ ≥ 0 (added to the gradient).
        nesterov: Nesterov momentum; needs μ > 0 and τ = 0.
    """

    def __init__(
        self,
        lr: float = 0.01,
        maximize: bool = False,
        momentum: float = 0.0,
        *,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ):
        super().__init__(lr, maximize)
        self.momentum = self._number("momentum", momentum, 0.0, 1.0, high_open=True)
        self.dampening = self._number("dampening", dampening, 0.0, 1.0)
        self.weight_decay = self._number("weight_decay", weight_decay, 0.0)
        self.nesterov = self._flag("nesterov", nesterov)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={momentum!r}, dampening={dampening!r}"
            )

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "dampening": self.dampening,
            "weight_decay": self.weight_decay,
            "nesterov": self.nesterov,
        }

    def _direction(self, theta, g, state):
        """The step's direction: g with weight decay and momentum (the buffer is updated in
        its own memory, μ·b + (1 − τ)·g by the same operations)."""
        if self.weight_decay:
            g = g + self.weight_decay * theta
        if self.momentum:
            b = state.get("momentum_buffer")
            if b is None:
                b = state["momentum_buffer"] = np.array(g)  # a copy: g may be reused
            else:
                b *= self.momentum
                b += (1 - self.dampening) * g
            g = g + self.momentum * b if self.nesterov else b
        return g

    def _update(self, theta, g, state):
        return theta - self.lr * self._direction(theta, g, state)

    def _update_in_place(self, theta, g, state):
        # theta owns its memory (see Variable._sole_owner), and so does g unless it is a view;
        # apply_gradients has cast g to theta's dtype.
        if g is theta or (g.base is not None and np.may_share_memory(theta, g)):
            return False
        theta -= self.lr * self._direction(theta, g, state)
        return True


class Adam(Optimizer):
    r"""Adam: adaptive moment estimation (Kingma & Ba), PyTorch's ``torch.optim.Adam`` rule.

    With lr γ, betas (β₁, β₂), eps ε, weight decay λ, m₀ = v₀ = v̂max₀ = 0, for t = 1, 2, …::

        g ← −∇ if maximize else ∇
        if λ ≠ 0:  g ← g + λ·θ            (L2 penalty; AdamW decouples it instead)
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        m̂ ← m / (1 − β₁ᵗ)
        if amsgrad:  vmax ← max(vmax, v);  v̂ ← vmax / (1 − β₂ᵗ)
        else:        v̂ ← v / (1 − β₂ᵗ)
        θ ← θ − γ·m̂ / (√v̂ + ε)

    Parameters:
        lr: learning rate γ > 0 (default 1e-3).
        betas: (β₁, β₂), each in [0, 1) (default (0.9, 0.999)).
        eps: ε ≥ 0 added to the denominator (default 1e-8).
        weight_decay: L2 penalty λ ≥ 0 (default 0).
        amsgrad: use the running maximum of v (AMSGrad; default False).
        maximize: ascend instead of descend (keyword only).
    """

    _decoupled = False

    def __init__(
        self,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(lr, maximize)
        self.betas = _betas(self, betas)
        self.eps = self._number("eps", eps, 0.0)
        self.weight_decay = self._number("weight_decay", weight_decay, 0.0)
        self.amsgrad = self._flag("amsgrad", amsgrad)

    def get_config(self):
        return {
            "lr": self.lr,
            "betas": self.betas,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
            "maximize": self.maximize,
        }

    def _init_state(self, theta):
        state = {"exp_avg": np.zeros_like(theta), "exp_avg_sq": np.zeros_like(theta)}
        if self.amsgrad:
            state["max_exp_avg_sq"] = np.zeros_like(theta)
        return state

    def _update(self, theta, g, state):
        b1, b2 = self.betas
        t = state["step"]
        if self.weight_decay:
            if self._decoupled:
                theta = theta * (1 - self.lr * self.weight_decay)
            else:
                g = g + self.weight_decay * theta
        m = state["exp_avg"] = b1 * state["exp_avg"] + (1 - b1) * g
        v = state["exp_avg_sq"] = b2 * state["exp_avg_sq"] + (1 - b2) * (g * g)
        if self.amsgrad:
            v = state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
        # m̂/(√v̂ + ε) written as PyTorch evaluates it: (m/(1−β₁ᵗ)) / (√v/√(1−β₂ᵗ) + ε).
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.eps
        return theta - (self.lr / (1 - b1**t)) * m / denom


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), ``torch.optim.AdamW``.

    With lr γ and weight decay λ, each step first shrinks the parameter, then takes the Adam
    step (without any L2 term in the gradient)::

        g ← −∇ if maximize else ∇
        θ ← θ − γ·λ·θ
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        m̂ ← m / (1 − β₁ᵗ)
        if amsgrad:  vmax ← max(vmax, v);  v̂ ← vmax / (1 − β₂ᵗ)
        else:        v̂ ← v / (1 − β₂ᵗ)
        θ ← θ − γ·m̂ / (√v̂ + ε)

    Parameters:
        lr: learning rate γ > 0 (default 1e-3).
        betas: (β₁, β₂), each in [0, 1) (default (0.9, 0.999)).
        eps: ε ≥ 0 added to the denominator (default 1e-8).
        weight_decay: decoupled decay λ ≥ 0 (default 1e-2).
        amsgrad: use the running maximum of v (AMSGrad; default False).
        maximize: ascend instead of descend (keyword only); the decay still shrinks θ.
    """

    _decoupled = True

    def __init__(
        self,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), PyTorch's ``torch.optim.RMSprop`` rule, optionally centred and with
    momentum.

    With lr γ, smoothing α, eps ε, weight decay λ, momentum μ, v₀ = gₐᵥₑ₀ = b₀ = 0,
    for t = 1, 2, …::

        g ← −∇ if maximize else ∇
        if λ ≠ 0:  g ← g + λ·θ
        v ← α·v + (1 − α)·g²
        ṽ ← v
        if centered:  gₐᵥₑ ← α·gₐᵥₑ + (1 − α)·g;  ṽ ← ṽ − gₐᵥₑ²
        if μ > 0:  b ← μ·b + g / (√ṽ + ε);  θ ← θ − γ·b
        else:      θ ← θ − γ·g / (√ṽ + ε)

    ṽ − gₐᵥₑ² is a variance, ≥ 0 in exact arithmetic; here it is clipped at 0 so that rounding
    (e.g. after thousands of identical gradients) cannot give √(negative) = NaN as in PyTorch.

    Parameters:
        lr: learning rate γ > 0 (default 1e-2).
        alpha: smoothing constant α in [0, 1) (default 0.99; PyTorch accepts any α ≥ 0).
        eps: ε ≥ 0 added to the denominator (default 1e-8).
        weight_decay: L2 penalty λ ≥ 0 (default 0).
        momentum: μ in [0, 1) (default 0; PyTorch accepts any μ ≥ 0).
        centered: divide by the estimated variance instead of the raw second moment.
        maximize: ascend instead of descend (keyword only).
    """

    def __init__(
        self,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(lr, maximize)
        self.alpha = self._number("alpha", alpha, 0.0, 1.0, high_open=True)
        self.eps = self._number("eps", eps, 0.0)
        self.weight_decay = self._number("weight_decay", weight_decay, 0.0)
        self.momentum = self._number("momentum", momentum, 0.0, 1.0, high_open=True)
        self.centered = self._flag("centered", centered)

    def get_config(self):
        return {
            "lr": self.lr,
            "alpha": self.alpha,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "momentum": self.momentum,
            "centered": self.centered,
            "maximize": self.maximize,
        }

    def _init_state(self, theta):
        state = {"square_avg": np.zeros_like(theta)}
        if self.centered:
            state["grad_avg"] = np.zeros_like(theta)
        if self.momentum:
            state["momentum_buffer"] = np.zeros_like(theta)
        return state

    def _update(self, theta, g, state):
        a = self.alpha
        if self.weight_decay:
            g = g + self.weight_decay * theta
        var = state["square_avg"] = a * state["square_avg"] + (1 - a) * (g * g)
        if self.centered:
            gave = state["grad_avg"] = a * state["grad_avg"] + (1 - a) * g
            var = np.maximum(var - gave * gave, 0)
        step = g / (np.sqrt(var) + self.eps)
        if self.momentum:
            step = state["momentum_buffer"] = self.momentum * state["momentum_buffer"] + step
        return theta - self.lr * step


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al.), PyTorch's ``torch.optim.Adagrad`` rule.

    With lr γ, lr decay η, weight decay λ, eps ε and s₀ = initial_accumulator_value, for
    t = 1, 2, …::

        g ← −∇ if maximize else ∇
        γ̃ ← γ / (1 + (t − 1)·η)
        if λ ≠ 0:  g ← g + λ·θ
        s ← s + g²
        θ ← θ − γ̃·g / (√s + ε)

    Parameters:
        lr: learning rate γ > 0 (default 1e-2).
        lr_decay: η ≥ 0 (default 0).
        weight_decay: L2 penalty λ ≥ 0 (default 0).
        initial_accumulator_value: s₀ ≥ 0 (default 0).
        eps: ε ≥ 0 added to the denominator (default 1e-10).
        maximize: ascend instead of descend (keyword only).
    """

    def __init__(
        self,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ):
        super().__init__(lr, maximize)
        self.lr_decay = self._number("lr_decay", lr_decay, 0.0)
        self.weight_decay = self._number("weight_decay", weight_decay, 0.0)
        self.initial_accumulator_value = self._number(
            "initial_accumulator_value", initial_accumulator_value, 0.0
        )
        self.eps = self._number("eps", eps, 0.0)

    def get_config(self):
        return {
            "lr": self.lr,
            "lr_decay": self.lr_decay,
            "weight_decay": self.weight_decay,
            "initial_accumulator_value": self.initial_accumulator_value,
            "eps": self.eps,
            "maximize": self.maximize,
        }

    def _init_state(self, theta):
        return {"sum": np.full_like(theta, self.initial_accumulator_value)}

    def _update(self, theta, g, state):
        clr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        if self.weight_decay:
            g = g + self.weight_decay * theta
        s = state["sum"] = state["sum"] + g * g
        return theta - clr * g / (np.sqrt(s) + self.eps)
