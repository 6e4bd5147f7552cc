"""See backpropagation happen: the graph of a recorded computation and its backward pass.

- :func:`graph` draws what a :class:`~deltagrad.GradientTape` recorded — tensors with their
  names, values and gradients, the ops between them — as SVG or PNG, or inline in Jupyter.
- :func:`step_through` writes one self-contained HTML page that steps through the forward pass
  and then the backward pass, op by op, with each derivative rule and its numbers.
- :mod:`deltagrad.viz.examples` builds the chapter's examples on a tape.

``import deltagrad`` does not import this package (nor matplotlib); ``dg.viz`` does, on first
use.
"""

from deltagrad.viz import examples
from deltagrad.viz.graph import Graph, graph
from deltagrad.viz.step_through import step_through
from deltagrad.viz.trace import Trace, trace

__all__ = ["Graph", "Trace", "examples", "graph", "step_through", "trace"]
