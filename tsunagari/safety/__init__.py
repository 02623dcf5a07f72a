"""Crisis safety layer: a versioned lexicon (``lexicon.yml``) and ``assess``.

Rasa-independent. ``components/crisis_matcher.py`` is the thin Rasa adapter.
Nothing is loaded at import time; the lexicon is compiled on first use.
"""

from tsunagari.safety.matcher import Assessment, assess, load_lexicon

__all__ = ["Assessment", "assess", "load_lexicon"]
