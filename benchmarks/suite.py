"""Everything `dsp32c bench` measures, in one result dict (benchmarks/README.md lists every
key). plan() fixes the sizes; run_all() runs the parts in order and times the whole.
"""
from __future__ import annotations

import os
import time

SCHEMA = 1
QUICK_MAX_PROCESSES = 4
CLOCKS_HZ = (25_000_000, 40_000_000, 50_000_000)
WAIT_STATES = (0, 1, 2, 3)

# sizes: full mode runs the whole USPS test set (2,007 digits, as `dsp32c lenet`) and keeps
# the bench to a few minutes on a 2-core machine; quick mode (CI) stays well under a minute,
# with a reduced grid (the corners) and no compile timing
SIZES = {
    False: {"digits": 2007, "grid_digits": 20, "clocks_hz": CLOCKS_HZ, "wait_states": WAIT_STATES,
            "profile_digits": 2, "kernel_cycles": 200_000_000, "parallel_digits": 500,
            "compile_timing": True},
    True: {"digits": 20, "grid_digits": 2, "clocks_hz": (25_000_000, 50_000_000),
           "wait_states": (0, 3), "profile_digits": 1, "kernel_cycles": 20_000_000,
           "parallel_digits": 20, "compile_timing": False},
}


def plan(quick: bool, digits: int | None = None, processes: int | None = None) -> dict:
    """The settings of one bench run (they go into the JSON as "settings")."""
    from benchmarks.bench_lenet import DEFAULT_DATASET
    from emulator import timing

    every_core = os.cpu_count() or 1
    if quick:   # a CI runner with many cores must not start one ~150 MB board per core
        every_core = min(every_core, QUICK_MAX_PROCESSES)
    p = dict(SIZES[bool(quick)], quick=bool(quick), dataset=DEFAULT_DATASET,
             processes=processes or every_core)
    if digits is not None:
        p["digits"] = digits
    p["clocks_hz"] = list(p["clocks_hz"])
    p["wait_states"] = list(p["wait_states"])
    p["board"] = {"dataset": DEFAULT_DATASET, "clock_hz": timing.CLOCK_HZ,
                  "ext_wait_states": timing.EXT_WAIT_STATES}
    return p


def constants() -> dict:
    """The fixed references the figures are compared with."""
    from benchmarks.bench_emulator import CHIP_MIPS
    from benchmarks.bench_lenet import CLOCKS_PER_INSTRUCTION, DIGITS_PER_S_1989
    from lenet_firmware import model

    return {"chip_mips": CHIP_MIPS, "digits_per_s_1989": DIGITS_PER_S_1989,
            "clocks_per_mac_slot": CLOCKS_PER_INSTRUCTION,
            "connections_per_digit": model.count_connections()}


def run_all(p: dict, progress=None) -> dict:
    """Run every part of the plan; progress(step name) is called before each part."""
    from benchmarks import bench_emulator, bench_lenet, report

    def step(name):
        if progress is not None:
            progress(name)

    t0 = time.perf_counter()
    out = {"schema": SCHEMA, "machine": report.machine_info(), "settings": p,
           "constants": constants()}
    step("LeNet-1 on the default board")
    lenet = bench_lenet.default_board(p)
    lenet["connections_per_s"] = lenet["digits_per_s"] * out["constants"]["connections_per_digit"]
    out["lenet"] = lenet
    step("NumPy reference")
    out["reference"] = bench_lenet.numpy_reference(p)
    step("clock and wait-state grid")
    out["grid"] = bench_lenet.grid(p)
    step("firmware profile")
    out["profile"] = bench_lenet.profile(p)
    step("emulator kernels")
    mips = {"lenet": bench_emulator.mips_figure(lenet["counters"]["instructions"],
                                                lenet["emulator_wall_s"])}
    mips.update(bench_emulator.kernel_mips(p["kernel_cycles"]))
    step("digits per wall second, 1 process")
    one = bench_emulator.digits_per_wall_s(1, p["parallel_digits"], p["board"])
    step(f"digits per wall second, {p['processes']} processes")
    every = bench_emulator.digits_per_wall_s(p["processes"], p["parallel_digits"], p["board"])
    emu = {"emulator_mips": mips, "digits_per_wall_s": {"one": one, "all": every},
           "compile_s": None,
           "peak_memory_bytes": {"board_process": one["peak_rss_bytes"],
                                 "bench_process": bench_emulator.peak_rss_bytes()}}
    if p["compile_timing"]:
        step("Numba compile time, cold and warm cache")
        emu["compile_s"] = bench_emulator.compile_seconds(p["board"])
    out["emulator"] = emu
    out["reference"]["emulator_cost"] = out["reference"]["digits_per_s"] / one["digits_per_s"]
    out["wall_s"] = time.perf_counter() - t0
    return out
