"""How the Python reader scales with the size of a file (issue 15, "Readers"): seconds and
peak RSS to read files of 1, 4 and 16 MiB of four shapes, each in a fresh process.

    .venv/bin/python benchmarks/python_reader_scale.py            # 1, 4 and 16 MiB
    .venv/bin/python benchmarks/python_reader_scale.py --mib 1 4  # quicker

Shapes: one curve with that many knots; that many one-line terms added up in stages (each
250 terms, as pwlc writes a long sum); a docstring of that size; that many comment lines.
"Before" is the process's peak RSS before reading (Python, numpy, pwlc imported).
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def knots(size: int) -> str:
    rng = random.Random(0)
    parts, total, x = [], 0, 0.0
    while total < size:
        x += rng.uniform(0.1, 10.0)
        part = f"({x!r}, {rng.uniform(-1, 1)!r}), "
        parts.append(part)
        total += len(part)
    return '"""Many knots."""\n\nimport math\n\n\ndef score(x: float) -> float:\n    return curve(x, [' + "".join(parts) + "])\n"


def terms(size: int) -> str:
    lines, total, k = ["    total = 0.0\n"], 0, 0
    while total < size:
        stage = "".join(f"        + curve(x, [(0, {k + j}), (1, 0.5)])\n" for j in range(250))
        lines.append(f"    total = (\n        total\n{stage}    )\n")
        total += len(lines[-1])
        k += 250
    return '"""Many terms."""\n\nimport math\n\n\ndef score(x: float) -> float:\n' + "".join(lines) + "    return total\n"


def docstring(size: int) -> str:
    return '"""' + ("Lorem ipsum dolor sit amet. " * (size // 28 + 1))[:size] + '"""\n\n\ndef score() -> float:\n    return 0.5\n'


def comments(size: int) -> str:
    line = "# a comment line of a reasonable length, as people write them ..........\n"
    return line * (size // len(line)) + "\n\ndef score() -> float:\n    return 0.5\n"


SHAPES = {"knots": knots, "terms": terms, "docstring": docstring, "comments": comments}


def measure(shape: str, mib: float) -> str:
    """Read one file in this process; a line of the table."""
    sys.path.insert(0, str(ROOT))
    from pwlc.backends.python import read

    text = SHAPES[shape](int(mib * 2**20))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    model = read(text)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    what = f"{len(model.terms)} terms" + (f", {len(model.terms[0].xs)} knots" if shape == "knots" else "")
    return f"| {shape} | {len(text) / 2**20:.1f} | {seconds:.1f} | {peak:.0f} | {before:.0f} | {what} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=float, nargs="+", default=[1, 4, 16])
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # shape, MiB: measure in this process
    args = parser.parse_args()
    if args.one:
        print(measure(args.one[0], float(args.one[1])))
        return
    print("| shape | MiB | seconds | peak RSS (MB) | before reading (MB) | read |")
    print("|---|---|---|---|---|---|")
    for shape in SHAPES:
        for mib in args.mib:
            out = subprocess.run([sys.executable, __file__, "--one", shape, str(mib)], capture_output=True, text=True, check=True)
            print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
