"""Module titles and captions: never crossed by a wire, readable on a slide.

A module box's title sits in a band Graphviz keeps at one end of the box, but Graphviz
routes wires through that band. visualize.dot puts each title of a wrapped top-to-bottom
picture at the end fewer wires cross; visualize.layout.place_titles moves a title a wire
still crosses along its band. The captions (a title, the "collapsed to fit a slide" note,
the explore hint under a picture past a slide) are sized for the slide the picture is fitted
to (visualize.paint.fit_captions).
"""

from __future__ import annotations

import shutil

import pytest
from corpus import CORPUS

from visualize.graph import draw_graph
from visualize.quality import find_defects

RENDERER = "dot" if shutil.which("dot") else "wasm"


def corpus_root(name: str):
    return next(c for c in CORPUS if c.name == name).build()


def test_a_column_that_starts_with_connectors_is_titled_at_its_other_end():
    """rnn_modules TB: the second column starts with connectors A and B, whose wires both
    enter the last _RNNCell box from above, through its title band. The box is titled at
    its bottom, where one wire leaves; no title is crossed."""
    view = draw_graph(corpus_root("rnn_modules"), rankdir="TB", renderer=RENDERER)
    assert "wrap1_from" in view.source  # (a wrapped picture: the case in question)
    assert "labelloc=b" in view.source
    defects = [str(d) for d in find_defects(view.svg())]
    assert not [d for d in defects if "cluster text" in d], defects


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_a_picture_drawn_whole_keeps_its_titles_at_one_end(rankdir):
    """Unwrapped pictures keep every title at the top (visualize.fit redraws them with
    titles below when a wire crosses one)."""
    view = draw_graph(corpus_root("mlp_dropout_modules"), rankdir=rankdir, max_aspect=None)
    assert "wrap0_from" not in view.source and "labelloc=b" not in view.source
