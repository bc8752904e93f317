"""The curve fitter: continuous piecewise-linear curves with few knots.

`fit_curve(x, y, w, segments=5)` returns an IR `Curve`; `fit(...)` takes the same arguments
and returns a `CurveFit`: the curve with the error it introduces (`sse`, `rms`), the shape
it was held to and whether the rows were sampled. `fit_path` gives the best curve for every segment
count up to a limit (to spend segments where they buy the most). `condense` is the paper's two-points-per-
interval condensing, for anyone fitting their own curves on compact data.
"""

from pwlc.fit.condense import Condensed, condense
from pwlc.fit.fitter import CurveFit, fit, fit_curve, fit_path

__all__ = ["Condensed", "CurveFit", "condense", "fit", "fit_curve", "fit_path"]
