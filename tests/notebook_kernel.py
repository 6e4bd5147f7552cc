"""A Jupyter kernel of this interpreter for the notebook tests (shared by test_notebook.py and
test_exercises_notebook.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager


def kernel_manager(tmp_path: Path) -> AsyncKernelManager:
    """A kernel of this interpreter: a private kernel spec, so that a user's own "python3"
    kernel (another interpreter, perhaps without deltagrad) cannot be picked instead."""
    kernels = tmp_path / "kernels"
    write_kernel_spec(path=str(kernels / "python3"))
    specs = KernelSpecManager(kernel_dirs=[str(kernels)])
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)
    assert km.kernel_spec.argv[0] == sys.executable
    return km
