"""Sphinx configuration of the autograd-lite site.

Build it (warnings are errors, no network needed):

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # build from a checkout without installing
sys.path.insert(0, str(DOCS / "_ext"))
# The notebooks' kernels import the packages from the checkout too.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
)

project = "autograd-lite"
author = "the autograd-lite developers"
copyright = "2026, the autograd-lite developers"
release = version = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "sphinx_copybutton",
    "api_group",  # docs/_ext/api_group.py: the reference pages' tables and entries
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "_inv", "_ext"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# Internal links are checked: every cross-reference must resolve (-W makes a miss an error).
nitpicky = True
nitpick_ignore_regex = [
    # typing's and collections.abc's names in signatures: the Python docs are not linked
    # (no network at build time, and nothing here teaches them).
    (r"py:.*", r"(typing|collections\.abc|types|pathlib|os|io|contextlib|enum)\..*"),
    (r"py:class", r"(Any|Callable|Iterable|Iterator|Sequence|Mapping|Path|Self|NamedTuple)"),
    # Private base classes (nn.loss._Loss, nn.pooling._Pool2d, ...) shown by
    # :show-inheritance: are not part of the API and have no entry to link to.
    (r"py:class", r"(.*\.)?_\w+"),
    # the pages' shared base (HTML assembly), internal to visualize
    (r"py:class", r"visualize\.assets\.Page"),
]

# --- API reference: docs/api/*.rst list the names (api-group), one page per module -------
autosummary_generate = False
autodoc_typehints = "none"  # numpydoc's Parameters/Returns sections state the types
numpydoc_show_class_members = False  # the class template lists them (docs/_templates)
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- Intersphinx, offline --------------------------------------------------------------
# CI and the build machine have no network beyond the package registries, so Sphinx cannot
# fetch numpy.org's or pytorch.org's objects.inv. docs/_inv/ holds small inventories of the
# NumPy and PyTorch names these pages link to (written by docs/_inv/make_inventories.py),
# and the links they make point at the real sites.
intersphinx_mapping = {
    "numpy": ("https://numpy.org/doc/stable/", str(DOCS / "_inv" / "numpy.inv")),
    "torch": ("https://docs.pytorch.org/docs/stable/", str(DOCS / "_inv" / "torch.inv")),
}
intersphinx_timeout = 1

# --- MyST and notebooks (the tutorials run when the site is built) -------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "cache"  # a build-local cache: docs/_build/.jupyter_cache
nb_execution_cache_path = str(DOCS / "_build" / ".jupyter_cache")
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_timeout = 120  # seconds per cell; the tutorials' own budget is 60 s each
nb_execution_show_tb = True
nb_merge_streams = True

# --- HTML ------------------------------------------------------------------------------
html_theme = "furo"
html_title = "autograd-lite"
html_static_path: list[str] = []
html_show_sourcelink = False
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
