"""The emulator's own speed on this machine (wall clock): emulator_mips, digits per wall
second on one and on all cores, Numba compile time cold and warm, peak memory.

    python benchmarks/bench_emulator.py [--quick]

Wall-clock figures are noisy: each is given beside a reference measured in the same run (the
real chip's 12.5 M instructions/s, one process against all processes). The kernels are the
core's (benchmarks/bench_core.py); the LeNet-1 runs go through benchmarks/bench_lenet.py.
At the top this module imports only the standard library and dsp32c.errors, so a child
process can start its clock before the emulator is imported.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from benchmarks import BenchError

CHIP_MIPS = 12.5  # the real DSP32C at 50 MHz: one instruction per 4 clocks


def mips_figure(instructions: int, wall_s: float) -> dict:
    mips = instructions / wall_s / 1e6 if wall_s > 0 else None
    return {"instructions": int(instructions), "wall_s": wall_s, "mips": mips,
            "x_chip": None if mips is None else mips / CHIP_MIPS}


def kernel_mips(cycles: int) -> dict:
    """emulator_mips of bench_core's MAC-heavy and control-heavy loops over `cycles` clocks
    each (after bench_core's own warm-up), per wall-clock second."""
    from benchmarks.bench_core import kernels, measure

    out = {}
    for name, words, data in kernels():
        n, dt = measure(words, cycles, data, clock=time.perf_counter)
        out[name.replace("-", "_").lower()] = mips_figure(n, dt)
    return out


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far: everything it touched (Python, NumPy,
    the Numba compiler, the emulated board). Linux: VmHWM of /proc/self/status, the high-water
    mark of this program's own memory. getrusage's ru_maxrss is only the fallback (other
    systems): on Linux a spawned child's ru_maxrss starts at its parent's peak at fork time."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024   # the kernel reports kB
    except (OSError, ValueError, IndexError):
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)   # bytes on macOS, else KiB


# ------------------------------------------------------------ digits per wall second

def _board_child():
    """Child process entry (argv: settings JSON, number of digits): one independent emulated
    board. Warms up (Numba cache load, firmware build, one digit), prints "ready", waits for
    "go" on stdin (so that all boards start together), times the digits and prints the
    figures as one JSON line."""
    from benchmarks import bench_lenet
    from emulator import state as S

    settings, n_digits = json.loads(sys.argv[1]), int(sys.argv[2])
    images = bench_lenet.bench_images(settings["dataset"], n_digits)
    board = bench_lenet.make_board(settings)
    board.classify(images[:1])
    st = board.board.machine.st
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        sys.exit(1)
    i0 = int(st[S.INSTRET])
    c0, t0 = time.process_time(), time.perf_counter()
    board.classify(images)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"digits": n_digits, "wall_s": dt, "cpu_s": cpu,
                      "instructions": int(st[S.INSTRET]) - i0,
                      "peak_rss_bytes": peak_rss_bytes()}), flush=True)


def _child_failed(proc, err_file, what: str) -> BenchError:
    proc.wait()
    err_file.seek(0)
    lines = err_file.read().decode(errors="replace").strip().splitlines()
    return BenchError(f"error: {what} failed: {lines[-1] if lines else 'no output'}")


def digits_per_wall_s(processes: int, n_digits: int, settings: dict) -> dict:
    """`processes` independent boards in parallel processes (fresh interpreters, so nothing
    is shared), each classifying the same n_digits digits. The rate is all digits over the
    slowest process's time, measured after every process has warmed up."""
    cmd = [sys.executable, "-c",
           "from benchmarks.bench_emulator import _board_child; _board_child()",
           json.dumps(settings), str(n_digits)]
    procs, errs, got = [], [], []
    try:
        for _ in range(processes):
            errs.append(tempfile.TemporaryFile())
            procs.append(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=errs[-1], text=True))
        for p, e in zip(procs, errs):
            if p.stdout.readline().strip() != "ready":
                raise _child_failed(p, e, "a benchmark board process")
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        for p, e in zip(procs, errs):
            line = p.stdout.readline()
            if p.wait() != 0 or not line.strip():
                raise _child_failed(p, e, "a benchmark board process")
            got.append(json.loads(line))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for e in errs:
            e.close()
    slowest = max(r["wall_s"] for r in got)
    digits = sum(r["digits"] for r in got)
    # cpu_share: CPU seconds the workers got per wall second each; below 1 when other
    # programs on the machine (or too few cores) took time from them
    return {"processes": processes, "digits": digits, "wall_s": slowest,
            "digits_per_s": digits / slowest,
            "cpu_share": sum(r["cpu_s"] for r in got) / sum(r["wall_s"] for r in got),
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in got)}


# ------------------------------------------------------------ Numba compile time

def _first_digit_child():
    """Child process entry: seconds from before the first import of the emulator to the
    first classified digit, printed as JSON (the clock starts before any package of ours
    other than this stdlib-only module is imported)."""
    t0 = time.perf_counter()
    from benchmarks import bench_lenet

    settings = json.loads(sys.argv[1])
    images = bench_lenet.bench_images(settings["dataset"], 1)
    bench_lenet.make_board(settings).classify(images)
    print(json.dumps({"first_digit_s": time.perf_counter() - t0}))


def compile_seconds(settings: dict) -> dict:
    """Time to the first digit in a fresh process: cold with an empty Numba cache directory
    (NUMBA_CACHE_DIR, so every kernel compiles), then warm with the cache the cold run
    filled (kernels load from disk)."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="dsp32c-bench-numba-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        env.pop("NUMBA_DISABLE_JIT", None)
        for which in ("cold", "warm"):
            proc = subprocess.run(
                [sys.executable, "-c",
                 "from benchmarks.bench_emulator import _first_digit_child; _first_digit_child()",
                 json.dumps(settings)],
                env=env, capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                raise BenchError(f"error: compile-time child process failed: {last}")
            out[which] = json.loads(proc.stdout.strip().splitlines()[-1])["first_digit_s"]
    return out


def main():
    from benchmarks import suite

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, no compile timing")
    args = ap.parse_args()
    plan = suite.plan(args.quick)
    for name, k in kernel_mips(plan["kernel_cycles"]).items():
        print(f"{name:14s} emulator_mips {k['mips']:7.1f}  ({k['x_chip']:.2f}x the chip)")
    one = digits_per_wall_s(1, plan["parallel_digits"], plan["board"])
    n = plan["processes"]
    every = digits_per_wall_s(n, plan["parallel_digits"], plan["board"])
    print(f"digits per wall second: 1 process {one['digits_per_s']:.1f}, {n} processes "
          f"{every['digits_per_s']:.1f}; peak memory of one board process "
          f"{one['peak_rss_bytes'] / 2**20:.0f} MiB")
    if not args.quick:
        c = compile_seconds(plan["board"])
        print(f"first digit in a fresh process: cold cache {c['cold']:.1f} s, "
              f"warm cache {c['warm']:.1f} s")


if __name__ == "__main__":
    main()
