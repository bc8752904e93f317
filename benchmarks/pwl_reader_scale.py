"""The .pwl reader against the size of the text (issue 15, "Readers"): seconds and peak
memory at 1, 4 and 16 MiB for each shape of file, next to a lark parse tree of the same
text (what the reader was before: `grammars/pwl.lark` with a tree; 50 MB took > 150 s and
~7 GB). Each measurement runs in its own process, so the peak RSS is that read's alone.

    .venv/bin/python benchmarks/pwl_reader_scale.py                  # lark up to 4 MiB
    .venv/bin/python benchmarks/pwl_reader_scale.py --lark-up-to 16  # lark at 16 MiB too (~3 GB each)

Shapes: `terms` (many declarations of 4-knot curves, one a line), `knots` (one curve of a
million knots on one line), `table` (one table of many categories), `escapes` (a
description of escaped line separators), `comments` (nothing but comment lines). The
16 MiB point is just under pwlc's limit (`pwlc.api.MAX_SOURCE_BYTES`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ("terms", "knots", "table", "escapes", "comments")
SIZES_MIB = (1, 4, 16)

CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from tests.test_pwl_format import big_text
text = big_text({shape!r}, {size})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if {lark}:
    from pwlc.grammar import parser
    parser("pwl.lark").parse(text)
else:
    import pwlc
    pwlc.read(text, format="pwl")
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(seconds, peak / 1024, max(peak - before, 0) / 1024)
"""


def measure(shape: str, size: int, lark: bool) -> tuple[float, float, float]:
    """(seconds, peak RSS in MiB, peak growth during the read in MiB) in a fresh process."""
    code = CHILD.format(root=str(ROOT), shape=shape, size=size, lark=lark)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, peak, growth = map(float, done.stdout.split())
    return seconds, peak, growth


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_argument("--lark-up-to", type=int, default=4, help="MiB up to which the lark tree is measured too")
    options.add_argument("--shapes", default=",".join(SHAPES))
    args = options.parse_args()
    print(f"{'shape':<9} {'MiB':>4} {'pwlc s':>8} {'peak MiB':>9} {'lark s':>8} {'peak MiB':>9} {'time ratio':>10}")
    for shape in args.shapes.split(","):
        for mib in SIZES_MIB:
            size = (mib << 20) - (64 << 10)  # just under the limit at 16 MiB
            seconds, peak, _ = measure(shape, size, lark=False)
            row = f"{shape:<9} {mib:>4} {seconds:>8.2f} {peak:>9.0f}"
            if mib <= args.lark_up_to:
                lark_seconds, lark_peak, _ = measure(shape, size, lark=True)
                row += f" {lark_seconds:>8.2f} {lark_peak:>9.0f} {lark_seconds / seconds:>9.1f}x"
            print(row, flush=True)


if __name__ == "__main__":
    main()
