"""``autograd.scipy`` on deltagrad: :mod:`deltagrad.scipy`'s modules under autograd's names
(``special``, ``stats`` and its distributions, ``signal``, ``integrate``, ``linalg``), and
``misc`` (``logsumexp``, where old SciPy kept it). Their functions return NumPy values when
called on NumPy values outside a tape, as autograd's do (deltagrad's own return Tensors)."""

from __future__ import annotations

import deltagrad.scipy.integrate as _integrate
import deltagrad.scipy.linalg as _linalg
import deltagrad.scipy.signal as _signal
import deltagrad.scipy.special as _special
import deltagrad.scipy.stats as _stats
from deltagrad.compat.autograd import _returns

__all__ = ["special", "stats", "signal", "integrate", "linalg", "misc"]

special = _returns.module(f"{__name__}.special", _special)
signal = _returns.module(f"{__name__}.signal", _signal)
integrate = _returns.module(f"{__name__}.integrate", _integrate)
linalg = _returns.module(f"{__name__}.linalg", _linalg)
stats = _returns.module(f"{__name__}.stats", _stats)
for _name in _stats.__all__:  # each distribution is a module of its own, as in autograd
    setattr(stats, _name, _returns.module(f"{__name__}.stats.{_name}", getattr(_stats, _name)))
misc = _returns.module(f"{__name__}.misc", _special)
misc.__all__ = ["logsumexp"]  # type: ignore[attr-defined]
