"""The C reader on big files: seconds and peak memory at 1, 4 and 16 MiB, for a file of
one long curve (most of it knot arrays) and for a file of many small terms (most of it
functions and calls). Each read runs in a fresh process, so its peak RSS is its own.

    .venv/bin/python benchmarks/c_reader_scale.py              # 1, 4 and 16 MiB
    .venv/bin/python benchmarks/c_reader_scale.py --sizes 1 4  # quicker

Prints a Markdown table (benchmarks/results/c_reader.md holds a run). CPU seconds are
the reading process's own; wall seconds include waiting for a shared machine.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pwlc.backends import c  # noqa: E402
from pwlc.ir import Constant, Curve, Input, Model  # noqa: E402

# The peak RSS is VmHWM, this process's own (getrusage's ru_maxrss also counts the parent's
# memory at fork time).
CHILD = """
import json, re, sys, time
from pathlib import Path
from pwlc.backends import c
def peak():
    return int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
text = Path(sys.argv[1]).read_text(encoding="utf-8")
before = peak()
wall, cpu = time.perf_counter(), time.process_time()
model = c.read(text)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak(), "before": before, "terms": len(model.terms)}))
"""


def knots_model(size: int, rng: random.Random) -> Model:
    """One curve with as many knots as `size` bytes of C hold (about 45 bytes a knot)."""
    xs = sorted({rng.uniform(-1e6, 1e6) for _ in range(size // 45)})
    return Model((Input("x"),), (Constant(0.5), Curve("x", tuple(xs), tuple(rng.gauss(0, 1) for _ in xs))))


def terms_model(size: int, rng: random.Random) -> Model:
    """Curves of four knots over 100 inputs, as many as `size` bytes of C hold (about 480 bytes a term)."""
    inputs = tuple(Input(f"x{k}") for k in range(100))
    terms = [Curve(f"x{k % 100}", (0.0, 1.0, 2.5, 4.0), tuple(round(rng.gauss(0, 1), 6) for _ in range(4))) for k in range(size // 480)]
    return Model(inputs, (Constant(0.5), *terms))


def measure(kind: str, mib: float, folder: Path) -> dict[str, float]:
    rng = random.Random(0)
    model = (knots_model if kind == "knots" else terms_model)(int(mib * 2**20), rng)
    text = c.emit(model)
    path = folder / f"{kind}-{mib}.c"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    result: dict[str, float] = json.loads(done.stdout)
    result["size"] = len(text.encode()) / 2**20
    assert result["terms"] == len(model.terms)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    folder = Path(subprocess.run(["mktemp", "-d"], capture_output=True, text=True, check=True).stdout.strip())
    print("| file | size (MiB) | CPU s | wall s | CPU s per MiB | peak RSS (MiB) | RSS before reading (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in ("knots", "terms"):
        for mib in args.sizes:
            r = measure(kind, mib, folder)
            print(f"| {kind} | {r['size']:.2f} | {r['cpu']:.2f} | {r['wall']:.2f} | {r['cpu'] / r['size']:.2f} | {r['peak']:.0f} | {r['before']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
