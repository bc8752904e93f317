"""The fuzz's models, drawn in a child process so that the same seed gives the same models
wherever they are drawn.

Hypothesis's draws for a seed are not a function of the seed alone: they change with
`max_examples` (the first 300 of 1,000 draws are not 300 draws) and with what the drawing
process has imported before (importing pwlc.backends.c first changes them). A child that
imports only the strategies and draws with one fixed `max_examples` makes the i-th model of
a seed the same in a quick test, in the middle of the whole suite and in a long run:

    python -m tests.model_fuzz.draw SEED    # pickled models on stdout, one after another
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from pwlc.ir import Model

DRAWS = 1_000_000  # max_examples of every draw: more than any run takes


def models(count: int, seed: int) -> Iterator[Model]:
    """The first `count` models of `seed`, as they are drawn (the child stops when the
    caller has taken them)."""
    if count <= 0:
        return
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen([sys.executable, "-m", "tests.model_fuzz.draw", str(seed)], stdout=subprocess.PIPE, env=env, cwd=root)
    assert child.stdout is not None
    try:
        for _ in range(count):
            try:
                yield pickle.load(child.stdout)
            except EOFError:
                raise RuntimeError(f"the model drawing process ended early (exit status {child.wait()})") from None
    finally:
        child.kill()
        child.wait()


def _main(seed: int) -> None:
    from tests.strategies import draw_examples, wide_models

    out = sys.stdout.buffer

    def send(model: Model) -> None:
        try:
            pickle.dump(model, out)
            out.flush()
        except BrokenPipeError:  # the parent has what it wanted
            os._exit(0)

    draw_examples(wide_models(), DRAWS, seed, each=send)


if __name__ == "__main__":
    _main(int(sys.argv[1]))
