"""Benchmarks of the emulator and of the LeNet-1 firmware on the emulated board.

`dsp32c bench` runs them all (benchmarks/suite.py); each bench_*.py also runs alone as a
script. A package (listed in pyproject.toml) so that the installed command can import the
core's kernels from bench_core.py instead of writing them twice. See benchmarks/README.md.
"""
from dsp32c.errors import Dsp32cError


class BenchError(Dsp32cError):
    """A benchmark step that could not run (a worker process failed); one line."""
