"""The same inputs give byte-identical outputs, whatever the hash seed."""

from __future__ import annotations

import os
import subprocess
import sys

EMIT_ALL = """
import hashlib, pathlib, pwlc
from tests.test_golden import MODELS, TARGETS
digest = hashlib.sha256()
for path in MODELS:
    model = pwlc.read(path)
    for target in TARGETS:
        digest.update(pwlc.emit(model, target).encode())
print(digest.hexdigest())
"""


def test_emitted_code_does_not_depend_on_the_hash_seed() -> None:
    digests = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", EMIT_ALL], capture_output=True, text=True, env=env, check=True)
        digests.add(done.stdout.strip())
    assert len(digests) == 1
