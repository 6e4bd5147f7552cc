"""Every public op, gathered in one namespace (``import deltagrad as dg`` gives the same names).

Each op's home is its module in :mod:`deltagrad.ops`: the forward, the derivative rule and the
documented public function together (see :mod:`deltagrad.ops.public`). This module only
gathers their ``__all__``.

Every op raises the same two errors, documented once here: TypeError when an operand is not
numeric (complex, text, objects), and ValueError when the operands' shapes or settings do not
fit the op as NumPy would refuse them; both messages name the op, the shapes and the dtypes.
Errors particular to one op are listed in its own docstring.
"""

from deltagrad.ops import arith as _arith
from deltagrad.ops import arrays as _arrays
from deltagrad.ops import elementwise as _elementwise
from deltagrad.ops import elementwise_extra as _elementwise_extra
from deltagrad.ops import linalg as _linalg
from deltagrad.ops import nn as _nn
from deltagrad.ops import reduce as _reduce
from deltagrad.ops import shape as _shape
from deltagrad.ops import unary as _unary
from deltagrad.ops.arith import *  # noqa: F403
from deltagrad.ops.arrays import *  # noqa: F403
from deltagrad.ops.elementwise import *  # noqa: F403
from deltagrad.ops.elementwise_extra import *  # noqa: F403
from deltagrad.ops.linalg import *  # noqa: F403
from deltagrad.ops.nn import *  # noqa: F403
from deltagrad.ops.reduce import *  # noqa: F403
from deltagrad.ops.shape import *  # noqa: F403
from deltagrad.ops.unary import *  # noqa: F403

__all__: list[str] = []
__all__ += _unary.__all__
__all__ += _elementwise.__all__
__all__ += _elementwise_extra.__all__
__all__ += _arith.__all__
__all__ += _nn.__all__
__all__ += _reduce.__all__
__all__ += _shape.__all__
__all__ += _linalg.__all__
__all__ += _arrays.__all__
