"""The peers' own virtualenvs (created on demand under `.venv-peers/`) and the worker
processes that run a peer inside one (see worker.py for the protocol)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENVS = ROOT / ".venv-peers"
WORKER = Path(__file__).resolve().parent / "worker.py"

# What each virtualenv installs. The pins are the ones each peer needs here (see
# /work/shared/peers.md): lleaves calls llvmlite's PassManagerBuilder, gone after 0.44;
# ml2sql pins interpret 0.6 / numpy 1.x / scikit-learn 1.3 / duckdb 1.2 itself. Where a
# peer reads a pickle of the teacher, its env has the teacher's library versions.
REQUIREMENTS = {
    "treelite": ["tl2cgen==1.0.0", "treelite", "pandas", "pyarrow"],
    "lleaves": ["lleaves==1.3.0", "llvmlite==0.44.0", "pandas", "pyarrow"],
    "m2cgen": ["m2cgen==0.10.0", "lightgbm=={lightgbm}", "scikit-learn"],
    "ebm2onnx": ["ebm2onnx==3.3.1", "onnxruntime", "interpret-core=={interpret-core}", "scikit-learn=={scikit-learn}", "pandas", "pyarrow"],
    "orbital": ["orbital==0.6.0", "scikit-learn=={scikit-learn}", "pandas", "pyarrow"],
    "ml2sql": ["ml2sql==0.1.10", "pyarrow<18"],  # pyarrow 18+ needs numpy 2; ml2sql pins numpy 1.24
}
THREADS = {name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")}


class PeerFailed(Exception):
    """A peer that did not install, load or run: the message is the exact error."""


def requirements(venv: str) -> list[str]:
    from importlib import metadata

    return [r.format(**{name: metadata.version(name) for name in ("interpret-core", "scikit-learn", "lightgbm")}) for r in REQUIREMENTS[venv]]


def python(venv: str) -> Path:
    """The virtualenv's interpreter, creating the env (and installing its peer) if needed.
    A finished install leaves a stamp holding its requirements; a failed one raises with
    pip's last lines."""
    folder = VENVS / venv
    stamp = folder / ".installed"
    wanted = "\n".join(requirements(venv))
    if stamp.exists() and stamp.read_text() == wanted:
        return folder / "bin" / "python"
    print(f"  creating {folder.relative_to(ROOT)} ({' '.join(requirements(venv))}) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
    result = subprocess.run([str(folder / "bin" / "pip"), "install", "-q", *requirements(venv)], capture_output=True, text=True)
    if result.returncode != 0:
        raise PeerFailed(f"pip install {' '.join(requirements(venv))} failed: " + " | ".join(result.stderr.strip().splitlines()[-3:]))
    stamp.write_text(wanted)
    return folder / "bin" / "python"


def environment() -> dict[str, str]:
    """The parent's environment with one thread everywhere and no PYTHONPATH (a peer's env
    must not import this checkout's pwlc or the parent's site-packages)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return env | THREADS


@dataclass
class Worker:
    """One peer running in its virtualenv, loaded and waiting for `run NAME` lines."""

    venv: str
    spec: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)
    process: subprocess.Popen[str] | None = None

    def start(self) -> Worker:
        out = Path(self.spec["out"])
        out.mkdir(parents=True, exist_ok=True)
        spec_path = out / f"{self.spec['peer']}-spec.json"
        spec_path.write_text(json.dumps(self.spec))
        self.process = subprocess.Popen(
            [str(python(self.venv)), str(WORKER), str(spec_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(out / f"{self.spec['peer']}-stderr.txt", "w"),
            text=True, env=environment(), cwd=out,
        )  # fmt: skip
        self.info = self._answer()
        return self

    def _answer(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            stderr = (Path(self.spec["out"]) / f"{self.spec['peer']}-stderr.txt").read_text().strip().splitlines()
            raise PeerFailed(f"the worker exited: {stderr[-1] if stderr else 'no message'}")
        answer = json.loads(line)
        if "error" in answer:
            raise PeerFailed(answer["error"])
        return answer

    def run(self, name: str) -> tuple[float, float, Any]:
        """(CPU seconds, wall seconds, scores) of one scoring call timed in the worker."""
        import numpy as np

        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(f"run {name}\n")
        self.process.stdin.flush()
        answer = self._answer()
        return answer["cpu"], answer["wall"], np.load(Path(self.spec["out"]) / f"{self.spec['peer']}-{name}.npy")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=60)


def generate(venv: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run a code-generating peer (m2cgen, ml2sql, orbital) once; its answer."""
    worker = Worker(venv, spec).start()
    worker.stop()
    return worker.info
