"""Pictures of autograd: computational graphs with values, tangents and gradients, a
backward step-through, the survey's trace tables, training plots, and the
``autograd-lite`` command.

    >>> import autograd_lite as al, visualize
    >>> x = al.tensor(-2.0, requires_grad=True, name="x")
    >>> f = (x + 5.0) * -4.0
    >>> f.backward()
    >>> visualize.draw_graph(f).save("graph.svg")
    PosixPath('graph.svg')

visualize imports autograd_lite (and nn when drawing modules); nothing imports visualize.
"""

from visualize.explore import Explorer, explore
from visualize.graph import GraphView, draw_graph
from visualize.plots import (
    plot_activation_stats,
    plot_decision_boundary,
    plot_function,
    plot_history,
    save_figure,
)
from visualize.render import RenderError
from visualize.steps import BackwardSteps, backward_steps
from visualize.trace import trace_steps, trace_table

__all__ = [
    "BackwardSteps",
    "Explorer",
    "GraphView",
    "RenderError",
    "backward_steps",
    "draw_graph",
    "explore",
    "plot_activation_stats",
    "plot_decision_boundary",
    "plot_function",
    "plot_history",
    "save_figure",
    "trace_steps",
    "trace_table",
]
