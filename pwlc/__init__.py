"""pwlc: compile trained additive models into short, human-readable code, and read it back.

    import pwlc
    model = pwlc.read("model.pwl")             # or an emitted .py / .c / .sql file
    print(pwlc.emit(model, "python"))          # "pwl", "python", "c", "sql:duckdb", ...
    pwlc.evaluate(model, {"age": [30, 41]})    # the reference evaluator
    pwlc.show(model, teacher, data)            # in a notebook: each term against the teacher
"""

from pwlc.api import emit, evaluate, read, targets
from pwlc.distill import distill
from pwlc.errors import DataError, ParseError, PwlcError, UnsupportedError, VerifyError
from pwlc.fit import fit_curve
from pwlc.frontends import lower  # each frontend imports its ML library only when used
from pwlc.ir import (
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    Input,
    KnotAxis,
    Linear,
    Model,
    Multiclass,
    Step,
    StepAxis,
    Table,
    verify,
)
from pwlc.notebook import show  # (matplotlib only when it draws)
from pwlc.passes import optimize

__version__ = "0.1.0"

__all__ = [
    "CategoryAxis",
    "Constant",
    "Curve",
    "DataError",
    "Grid",
    "Input",
    "KnotAxis",
    "Linear",
    "Model",
    "Multiclass",
    "ParseError",
    "PwlcError",
    "Step",
    "StepAxis",
    "Table",
    "UnsupportedError",
    "VerifyError",
    "emit",
    "distill",
    "evaluate",
    "fit_curve",
    "lower",
    "optimize",
    "read",
    "show",
    "targets",
    "verify",
]
