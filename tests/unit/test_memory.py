"""runtime.memory: JAX stays out of the Rasa server, and TensorFlow still imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_tensorflow_imports_without_jax_after_keep_jax_out():
    out = _run(
        "from runtime.memory import keep_jax_out; print(keep_jax_out());"
        "import tensorflow, sys; from tensorflow.lite.python import util;"
        "print(sys.modules.get('jax') is None, util._xla_computation is None)"
    )
    assert out.splitlines() == ["True", "True True"]


def test_without_it_tensorflow_does_import_jax():
    # What keep_jax_out saves: TensorFlow 2.12 imports JAX when it is installed.
    out = _run("import tensorflow, sys; print(sys.modules.get('jax') is not None)")
    assert out == "True"
