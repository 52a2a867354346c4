"""LeNet-1 on the emulated board, in emulated time: digits per second, latency split, the
clock x wait-state grid with multiply-accumulate utilisation, the firmware's per-routine
profile; and the NumPy reference forward pass on the same digits, in wall-clock time.

    python benchmarks/bench_lenet.py [--quick]

Emulated-time figures are deterministic (the same on every machine); wall-clock ones are
not. The board is lenet_firmware/driver.py's (firmware, weights, overlapped transfers); the
profile is benchmarks/routine_profile.py over the firmware's routine labels.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

# lenet1-1989.md §4: "more than 30 classifications/s" on already-normalised digits
DIGITS_PER_S_1989 = 30
CLOCKS_PER_INSTRUCTION = 4   # one multiply-accumulate per instruction slot at most
DEFAULT_DATASET = "usps"


def bench_images(dataset: str, n: int) -> np.ndarray:
    """The first n test digits of a shipped set (repeated from the start past its end)."""
    from lenet_firmware.data import load_dataset

    images, _ = load_dataset(dataset, "test")
    return images[np.arange(n) % len(images)]


def board_config(clock_hz: int, ext_wait_states: int):
    from emulator.machine import MachineConfig

    return MachineConfig(clock_hz=int(clock_hz), ext_wait_states=int(ext_wait_states))


def load_weights(dataset: str) -> dict:
    from lenet_firmware.driver import load_network

    return load_network(None, dataset)[0]


def make_board(settings: dict):
    """A LenetBoard (firmware and shipped weights loaded, self-test digit run) for
    settings {"dataset", "clock_hz", "ext_wait_states"}."""
    from lenet_firmware.driver import LenetBoard

    return LenetBoard(load_weights(settings["dataset"]),
                      board_config(settings["clock_hz"], settings["ext_wait_states"]))


def _stats(a) -> dict:
    a = np.asarray(a, dtype=np.float64)
    return {"mean": float(a.mean()), "p50": float(np.percentile(a, 50)),
            "p99": float(np.percentile(a, 99))}


def _mac_figures(macs: int, seconds: float, compute_s: float, clock_hz: int) -> dict:
    """MAC utilisation against the peak at this clock (one MAC per 4-clock instruction
    slot): over the whole emulated time of the digits, and over their compute phases only."""
    slots = seconds * clock_hz / CLOCKS_PER_INSTRUCTION
    slots_compute = compute_s * clock_hz / CLOCKS_PER_INSTRUCTION
    return {"macs": int(macs), "peak_mac_per_s": clock_hz / CLOCKS_PER_INSTRUCTION,
            "mac_per_s": macs / seconds, "mac_slots": slots, "mac_utilisation": macs / slots,
            "mac_slots_compute": slots_compute,
            "mac_utilisation_compute": macs / slots_compute}


def board_run(settings: dict, images: np.ndarray) -> tuple[dict, np.ndarray]:
    """Classify `images` on a fresh board: (figures, classes). Figures: emulated throughput,
    latency split, counters, MAC utilisation; the wall time and emulator_mips of the digit
    loop (all instructions the DSP executed, its wait loops included)."""
    from lenet_firmware.driver import PHASES, run_lenet

    r = run_lenet(images, board_config=board_config(settings["clock_hz"],
                                                    settings["ext_wait_states"]),
                  dataset=settings["dataset"])
    n = r.count
    clock = r.board["clock_hz"]
    out = {
        "board": r.board, "digits": n, "overlap": r.overlap,
        "sequence_s": r.sequence_s, "digits_per_s": n / r.sequence_s,
        "vs_1989": n / r.sequence_s / DIGITS_PER_S_1989,
        "latency_s": {p: _stats(r.latency_s[p]) for p in ("total",) + PHASES},
        "compute_cycles_per_digit": float(r.latency_s["compute"].mean() * clock),
        "instructions_per_digit": float(r.instructions.mean()),
        "macs_per_digit": float(r.macs.mean()),
        "counters": r.counters,
        **_mac_figures(int(r.macs.sum()), r.sequence_s, float(r.latency_s["compute"].sum()),
                       clock),
        "weights_sha256": r.weights_sha256,
        "emulator_wall_s": r.wall_s,
        "emulator_mips": r.counters["instructions"] / r.wall_s / 1e6,
    }
    return out, r.classes


def default_board(plan: dict) -> dict:
    """The default board on plan["digits"] digits, with the NumPy reference on the same
    digits (throughput and agreement of the classes)."""
    from lenet_firmware import model

    images = bench_images(plan["dataset"], plan["digits"])
    res, classes = board_run(plan["board"], images)
    res["dataset"] = plan["dataset"]
    ref_classes = model.classify(load_weights(plan["dataset"]), images)
    res["agree_with_reference"] = int((classes == ref_classes).sum())
    return res


def grid(plan: dict) -> dict:
    """Every (clock, wait states) point of the plan on plan["grid_digits"] digits."""
    images = bench_images(plan["dataset"], plan["grid_digits"])
    points = []
    for clock in plan["clocks_hz"]:
        for wait in plan["wait_states"]:
            s = dict(plan["board"], clock_hz=clock, ext_wait_states=wait)
            res, _ = board_run(s, images)
            points.append({
                "clock_hz": clock, "ext_wait_states": wait, "digits": res["digits"],
                "sequence_s": res["sequence_s"], "digits_per_s": res["digits_per_s"],
                "vs_1989": res["vs_1989"], "latency_mean_s": res["latency_s"]["total"]["mean"],
                "compute_mean_s": res["latency_s"]["compute"]["mean"],
                "compute_cycles_per_digit": res["compute_cycles_per_digit"],
                **{k: res[k] for k in ("macs", "peak_mac_per_s", "mac_per_s", "mac_slots",
                                       "mac_utilisation", "mac_slots_compute",
                                       "mac_utilisation_compute")},
                "wait_clocks": res["counters"]["wait_clocks"],
                "conflict_clocks": res["counters"]["conflict_clocks"],
            })
    return {"digits": plan["grid_digits"], "points": points}


def profile(plan: dict) -> dict:
    """The firmware's per-routine profile over plan["profile_digits"] digits on the default
    board (after its load and self-test): rows by routine label, summing to the total."""
    from benchmarks.routine_profile import CLOCKS_PER_INSTRUCTION as CPI
    from benchmarks.routine_profile import RoutineProfile

    board = make_board(plan["board"])
    images = bench_images(plan["dataset"], plan["profile_digits"])
    code = [s for s in board.program.sections if s.name == ".ram0"]
    end = max(s.address + s.size for s in code) if code else None
    with RoutineProfile(board.board.machine, board.routine_starts(), end=end) as prof:
        board.classify(images)
    rows, total = prof.rows(), prof.total()
    for r in rows + [total]:   # MACs per instruction slot of the row's own clocks
        r["mac_per_slot"] = r["macs"] / (r["cycles"] / CPI) if r["cycles"] else 0.0
    return {"digits": plan["profile_digits"], "board": dict(plan["board"]), "rows": rows,
            "total": total}


def numpy_reference(plan: dict, min_wall_s: float = 0.3) -> dict:
    """model.forward (float64 NumPy) on the same digits as the default board, repeated until
    min_wall_s has passed: in one batch, and one digit per call as the board sees them."""
    from lenet_firmware import model

    weights = load_weights(plan["dataset"])
    images = bench_images(plan["dataset"], plan["digits"])
    model.forward(weights, images[:1])
    out = {"digits": len(images)}
    for key, calls in (("batch", [images]), ("one_at_a_time", [im[None] for im in images])):
        reps = 0
        t0 = time.perf_counter()
        while True:
            for x in calls:
                model.forward(weights, x)
            reps += 1
            dt = time.perf_counter() - t0
            if dt >= min_wall_s:
                break
        out[key] = {"repeats": reps, "wall_s": dt, "digits_per_s": reps * len(images) / dt}
    out["digits_per_s"] = out["batch"]["digits_per_s"]
    return out


def main():
    from benchmarks import suite

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes")
    plan = suite.plan(ap.parse_args().quick)
    d = default_board(plan)
    print(f"default board: {d['digits_per_s']:.1f} digits/s emulated ({d['vs_1989']:.1f}x "
          f"1989), latency {1e3 * d['latency_s']['total']['mean']:.3f} ms, MAC utilisation "
          f"{100 * d['mac_utilisation']:.1f}%")
    for p in grid(plan)["points"]:
        print(f"{p['clock_hz'] / 1e6:4g} MHz {p['ext_wait_states']} wait: "
              f"{p['digits_per_s']:7.1f} digits/s, {100 * p['mac_utilisation']:5.1f}% MAC")
    prof = profile(plan)
    for r in prof["rows"] + [dict(prof["total"], routine="total")]:
        print(f"{r['routine']:28s} {r['cycles']:10,d} cycles {r['instructions']:9,d} instr "
              f"{r['macs']:9,d} MACs")
    ref = numpy_reference(plan)
    print(f"NumPy reference: {ref['digits_per_s']:,.0f} digits/s")


if __name__ == "__main__":
    main()
