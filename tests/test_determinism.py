"""The same inputs give byte-identical outputs, whatever the hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EMIT_ALL = """
import hashlib, pathlib, pwlc
from tests.test_golden import MODELS, TARGETS, printable
digest = hashlib.sha256()
for path in MODELS:
    model = pwlc.read(path)
    for target in TARGETS:
        if printable(model, target):
            digest.update(pwlc.emit(model, target).encode())
print(digest.hexdigest())
"""


# The whole pipeline on a teacher and data: distill (the fitter, pairs), every pass
# including the cvxpy refit, then every target.
DISTILL_OPTIMIZE_EMIT = """
import hashlib, numpy as np, pwlc
from tests.test_golden import TARGETS
teacher = pwlc.read("golden/models/recidivism.pwl")
rng = np.random.default_rng(0)
data = {
    "age": rng.uniform(18, 80, 3000), "priors_count": rng.poisson(2.0, 3000).astype(float),
    "length_of_stay": rng.exponential(30.0, 3000),
    "sex": list(rng.choice(["Female", "Male"], 3000)), "c_charge_degree": list(rng.choice(["F", "M", "O"], 3000)),
}
model = pwlc.distill(teacher, data, segments=3)
model, report = pwlc.optimize(model, "O3", data=data)
digest = hashlib.sha256(pwlc.emit(model, "pwl").encode())
for target in TARGETS:
    digest.update(pwlc.emit(model, target).encode())
print(digest.hexdigest())
"""


def digests_across_hash_seeds(script: str) -> set[str]:
    digests = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
        digests.add(done.stdout.strip())
    return digests


def test_emitted_code_does_not_depend_on_the_hash_seed() -> None:
    assert len(digests_across_hash_seeds(EMIT_ALL)) == 1


def test_distill_optimize_and_emit_are_byte_identical_across_runs_and_hash_seeds() -> None:
    digests = digests_across_hash_seeds(DISTILL_OPTIMIZE_EMIT)
    assert len(digests) == 1 and len(next(iter(digests))) == 64
