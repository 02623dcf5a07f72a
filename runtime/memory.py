"""Keep what the Rasa server never uses out of its memory.

TensorFlow 2.12 depends on JAX and imports it at start-up, only for the
TFLite converter (``tensorflow/lite/python/util.py``, inside a try/except
ImportError). Rasa never converts models to TFLite, yet JAX and jaxlib add
about 65 MB to every Rasa process (measured with ``make bench``). Marking the
module as absent before TensorFlow is imported makes that import fail the
way TensorFlow expects when JAX is not installed.

``keep_jax_out()`` is called by scripts/rasa_server.py before Rasa (and so
TensorFlow) is imported. Training (``rasa train``) is left as it is.
"""

from __future__ import annotations

import sys


def keep_jax_out() -> bool:
    """Make ``import jax`` raise ImportError in this process; False if JAX was already imported."""
    if sys.modules.get("jax") is not None:
        return False
    sys.modules["jax"] = None  # the import system's marker for "not available"
    return True
