"""``autograd.builtins``: Python's own containers and checks (deltagrad differentiates through
them without boxing)."""

import builtins as _b

dict = _b.dict  # noqa: A001
isinstance = _b.isinstance  # noqa: A001
list = _b.list  # noqa: A001
tuple = _b.tuple  # noqa: A001
type = _b.type  # noqa: A001

__all__ = ["dict", "isinstance", "list", "tuple", "type"]
