"""``autograd.scipy`` on deltagrad: :mod:`deltagrad.scipy`'s modules under autograd's names
(``special``, ``stats`` and its distributions, ``signal``, ``integrate``), and ``misc``
(``logsumexp``, where old SciPy kept it)."""

from __future__ import annotations

import sys
import types

import deltagrad.scipy.integrate as integrate
import deltagrad.scipy.signal as signal
import deltagrad.scipy.special as special
import deltagrad.scipy.stats as stats

__all__ = ["special", "stats", "signal", "integrate", "misc"]

misc = types.ModuleType(f"{__name__}.misc", "scipy.misc's logsumexp: deltagrad.scipy.special's.")
misc.logsumexp = special.logsumexp  # type: ignore[attr-defined]

for _name, _module in (
    ("special", special),
    ("stats", stats),
    ("signal", signal),
    ("integrate", integrate),
    ("misc", misc),
):
    sys.modules[f"{__name__}.{_name}"] = _module
for _name in stats.__all__:
    sys.modules[f"{__name__}.stats.{_name}"] = getattr(stats, _name)
