"""What every example script shares: its command line, and saving what it draws.

Each script imports these (``from _common import parse_args, savefig``); Python finds this
file because it sits next to the script being run, from any folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def parse_args(doc: str, script: str, argv: list[str] | None) -> argparse.Namespace:
    """The options every example takes: ``--out`` (where its files go, default
    ``out/<script name>``), ``--fast`` (a quick run, as the tests do) and ``--seed``.

    ``doc`` is the script's ``__doc__`` (its first line is the ``--help`` description),
    ``script`` its ``__file__``.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out") / Path(script).stem)
    parser.add_argument("--fast", action="store_true", help="a quick run (as the tests do)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def savefig(fig, path: Path, dpi: int = 110, bbox_inches: str | None = "tight") -> None:
    """Save a matplotlib figure, close it (its memory is freed) and say where it went."""
    import matplotlib.pyplot as plt  # imported here: the script has chosen the backend

    fig.savefig(path, dpi=dpi, bbox_inches=bbox_inches)
    plt.close(fig)
    print(f"wrote {path}")


def save(view, path: Path) -> None:
    """Save a drawing (anything with .save(path)) and say where it went."""
    view.save(path)
    print(f"wrote {path}")
