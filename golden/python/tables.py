"""Tables with awkward names and categories.

Compiled by pwlc. Edit the numbers freely, then read this file back with
`pwlc compile FILE.py -t pwl` (pwlc parses it; it never runs it). Call `score` with
one value per input, or with numpy arrays to score a batch.
"""

import math

# Inputs whose names are not Python identifiers: parameter -> input name.
INPUT_NAMES = {"state_code": "state code", "class_": "class"}


def score(state_code: str, grade: str, class_: str) -> float:
    """The prediction: the sum of one term per line."""
    return (
        table(
            state_code,
            {"CA": 0.25, "NY": 0.3, "TX": -0.15, "": 0.01},
            default=-0.05,
            missing=0.1,
        )
        + table(grade, {"1": -1, "2": -0.5, "3": 0.5, "A+": 1.25}, default=0)
        + table(
            class_,
            {'say "hi"': 1, "back\\slash": 2, "tab\there": 3, "ünïcödé ✓": 4},
            default=0.5,
        )
    )


# --- pwlc runtime: checked, not read; if deleted, `pwlc fmt FILE.py` rewrites it ---


def _is_batch(x):
    return (
        x is not None
        and not isinstance(x, (str, bytes, int, float))
        and hasattr(x, "__len__")
    )


def _when_missing(missing):
    return math.nan if missing is None else missing


def _category(x):
    """Categories are strings: a bool (numpy's too) is "True"/"False", 3 and 3.0 are "3",
    other floats their repr, anything else str(x); None, NaN and pandas.NA are missing.
    """
    if x is None or isinstance(x, str):
        return x
    kind = getattr(getattr(x, "dtype", None), "kind", "")  # numpy scalars
    if isinstance(x, bool) or kind == "b":
        return str(bool(x))
    if isinstance(x, int) or kind in ("i", "u"):
        return str(int(x))
    if isinstance(x, float) or kind == "f":
        if x != x:
            return None
        return str(int(x)) if x.is_integer() else repr(float(x))
    if type(x).__name__ == "NAType":
        return None
    return str(x)


def _distinct(x):
    """The distinct values of a batch in order of appearance, and the index of each row's.
    Values are told apart by type too: True == 1, yet they are the categories "True" and "1".
    """
    import numpy as np

    seen = {}
    where = np.fromiter(
        (seen.setdefault((v.__class__, v), len(seen)) for v in x),
        dtype=np.intp,
        count=len(x),
    )
    return [v for _, v in seen], where


def table(x, values, default=0.0, missing=None):
    """`values[category]`, `default` for a category not listed, `missing` for None/NaN."""
    if _is_batch(x):
        import numpy as np

        distinct, where = _distinct(x)  # look each distinct value up once
        return np.array(
            [table(v, values, default, missing) for v in distinct], dtype=float
        )[where]
    key = _category(x)
    if key is None:
        return _when_missing(missing)
    return values.get(key, default)
