"""A constant.

Compiled by pwlc. Edit the numbers freely, then read this file back with
`pwlc compile FILE.py -t pwl` (pwlc parses it; it never runs it). Call `score` with
one value per input, or with numpy arrays to score a batch.
"""


def score() -> float:
    """The prediction: the sum of one term per line."""
    return 0.5


# --- pwlc runtime: checked, not read; if deleted, `pwlc fmt FILE.py` rewrites it ---
