"""The ``autograd-lite`` command-line app, apart from the drawing code it calls.

``app.py``        argument parsing and the commands: graph, demo, gradcheck (``main``)
``expression.py`` the calculator language ``graph`` reads (an AST whitelist, never eval);
                  its functions are the op table's ``calc`` entries
``checks.py``     ``gradcheck``: every op table sample and every nn layer, checked numerically
``demo.py``       ``demo``: train a small net on a toy dataset and save its pictures
"""

from visualize.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
