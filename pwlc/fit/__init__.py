"""The curve fitter: continuous piecewise-linear curves with few knots (see `fit_curve`).

    curve = pwlc.fit_curve(x, y, w, segments=5)      # an IR `Curve`
    result = pwlc.fit.fit(x, y, w)                    # the curve with its error (sse, rms)
"""

from pwlc.fit.condense import Condensed, condense
from pwlc.fit.fitter import CurveFit, fit, fit_curve

__all__ = ["Condensed", "CurveFit", "condense", "fit", "fit_curve"]
