"""`dsp32c bench --quick --json`: structure and internal consistency of the one JSON object.

Emulated-time figures are deterministic and checked against each other and against the
timing rules (4 clocks per instruction, one MAC per instruction slot at most, 12.5 M MAC/s at
50 MHz); wall-clock figures are only checked for presence and for the arithmetic that relates
them (never their values, which depend on the machine)."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import report
from benchmarks.routine_profile import OTHER, SKIPPED
from lenet_firmware.driver import ROUTINES

REPO = Path(__file__).resolve().parents[1]
PHASES = ("transfer_in", "compute", "waiting", "transfer_out")
COUNTS = ("cycles", "instructions", "macs", "wait_clocks", "conflict_clocks")


def close(a, b, rel=1e-9):
    return a == pytest.approx(b, rel=rel, abs=1e-12)


@pytest.fixture(scope="module")
def result():
    proc = subprocess.run([sys.executable, "-m", "dsp32c_cli", "bench", "--quick", "--json"],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_top_level_structure(result):
    assert set(result) >= {"schema", "machine", "settings", "constants", "lenet", "grid",
                           "profile", "emulator", "reference", "wall_s"}
    m = result["machine"]
    assert m["cores"] >= 1 and m["cpu"] and m["python"] and m["numba"] and m["numpy"]
    s = result["settings"]
    assert s["quick"] is True and s["compile_timing"] is False
    assert s["processes"] >= 1
    c = result["constants"]
    # lenet1-1989.md: 64,660 connections; "more than 30" digits/s; 12.5 MIPS at 50 MHz
    assert c == {"chip_mips": 12.5, "digits_per_s_1989": 30, "clocks_per_mac_slot": 4,
                 "connections_per_digit": 64_660}


def test_default_board_figures_are_consistent(result):
    d = result["lenet"]
    s = result["settings"]
    assert d["digits"] == s["digits"] == 20
    assert d["board"]["clock_hz"] == 50_000_000 and d["board"]["ext_wait_states"] == 0
    assert d["peak_mac_per_s"] == 12.5e6           # the paper's peak at 50 MHz
    assert close(d["digits_per_s"], d["digits"] / d["sequence_s"])
    assert close(d["vs_1989"], d["digits_per_s"] / 30)
    assert close(d["connections_per_s"], 64_660 * d["digits_per_s"])
    # utilisation = MACs / slots, one slot per 4 clocks of the elapsed emulated time
    assert close(d["mac_slots"], d["sequence_s"] * 50e6 / 4)
    assert close(d["mac_utilisation"], d["macs"] / d["mac_slots"])
    assert close(d["mac_slots_compute"],
                 d["latency_s"]["compute"]["mean"] * d["digits"] * 50e6 / 4)
    assert close(d["mac_utilisation_compute"], d["macs"] / d["mac_slots_compute"])
    assert 0 < d["mac_utilisation"] <= d["mac_utilisation_compute"] <= 1
    assert close(d["mac_per_s"], d["macs"] / d["sequence_s"])
    assert d["macs"] == d["counters"]["macs"] == round(d["macs_per_digit"] * d["digits"])
    # the machine's clocks: 4 per instruction plus wait and conflict clocks, plus the clocks
    # of skipped wait loops, so never fewer than the instructions account for
    k = d["counters"]
    assert k["cycles"] >= 4 * k["instructions"] + k["wait_clocks"] + k["conflict_clocks"]
    lat = d["latency_s"]
    assert set(lat) == {"total", *PHASES}
    for v in lat.values():
        assert v["p50"] <= v["p99"] and v["mean"] >= 0
    # the four phases split each digit's latency, so their means add up to the total's
    assert close(sum(lat[p]["mean"] for p in PHASES), lat["total"]["mean"], rel=1e-9)
    # digits overlap (the next digit's pixels travel during compute): throughput is at least
    # one digit per mean latency
    assert d["digits_per_s"] >= 1 / lat["total"]["mean"] * 0.999
    assert d["agree_with_reference"] == d["digits"]


def test_grid_points(result):
    g = result["grid"]
    s = result["settings"]
    pts = {(p["clock_hz"], p["ext_wait_states"]): p for p in g["points"]}
    assert set(pts) == {(c, w) for c in s["clocks_hz"] for w in s["wait_states"]}
    for (clock, wait), p in pts.items():
        assert p["digits"] == g["digits"] == s["grid_digits"]
        assert p["peak_mac_per_s"] == clock / 4
        assert close(p["mac_slots"], p["sequence_s"] * clock / 4)
        assert close(p["mac_utilisation"], p["macs"] / p["mac_slots"])
        assert close(p["digits_per_s"], p["digits"] / p["sequence_s"])
        assert close(p["vs_1989"], p["digits_per_s"] / 30)
        assert 0 < p["mac_utilisation"] <= 1
        if wait == 0:
            assert p["wait_clocks"] == 0
    d = result["lenet"]
    per_digit = d["macs_per_digit"]
    for clock in s["clocks_hz"]:
        cyc = [pts[clock, w]["compute_cycles_per_digit"] for w in sorted(s["wait_states"])]
        # more wait states never make a digit cheaper; with wait states it costs more
        assert cyc == sorted(cyc) and cyc[-1] > cyc[0]
    for w in s["wait_states"]:
        # the DSP's work is counted in clocks: the same at every clock frequency, but for
        # the host, whose port accesses take fixed microseconds (well under 0.1%)
        cyc = [pts[c, w]["compute_cycles_per_digit"] for c in s["clocks_hz"]]
        assert max(cyc) - min(cyc) <= 1e-3 * min(cyc)
    for p in pts.values():
        assert p["macs"] == per_digit * p["digits"]   # no data-dependent work
    # the default board's point does the work of the 20-digit run, digit for digit
    base = pts[50_000_000, 0]["compute_cycles_per_digit"]
    assert abs(base - d["compute_cycles_per_digit"]) <= 1e-3 * base


def test_profile_sums_exactly_to_the_total(result):
    prof = result["profile"]
    rows, total = prof["rows"], prof["total"]
    for key in COUNTS:
        assert sum(r[key] for r in rows) == total[key], key
    for r in rows:
        if r["instructions"]:   # an instruction costs 4 clocks + its wait and conflict clocks
            assert r["cycles"] == 4 * r["instructions"] + r["wait_clocks"] + r["conflict_clocks"]
        if r["cycles"]:
            assert close(r["mac_per_slot"], r["macs"] / (r["cycles"] / 4))
        assert 0 <= r["mac_per_slot"] <= 1
    names = {r["routine"] for r in rows}
    assert {"h1", "h2", "h3"} <= names <= set(ROUTINES) | {OTHER, SKIPPED}
    assert total["macs"] == result["lenet"]["macs_per_digit"] * prof["digits"]


def test_emulator_and_reference_figures(result):
    e = result["emulator"]
    for key in ("lenet", "control_heavy", "mac_heavy"):
        k = e["emulator_mips"][key]
        assert k["instructions"] > 0 and k["wall_s"] > 0
        assert close(k["mips"], k["instructions"] / k["wall_s"] / 1e6)
        assert close(k["x_chip"], k["mips"] / 12.5)
    lenet_mips = e["emulator_mips"]["lenet"]
    assert lenet_mips["instructions"] == result["lenet"]["counters"]["instructions"]
    one, every = e["digits_per_wall_s"]["one"], e["digits_per_wall_s"]["all"]
    assert one["processes"] == 1 and every["processes"] == result["settings"]["processes"]
    n = result["settings"]["parallel_digits"]
    assert one["digits"] == n and every["digits"] == n * every["processes"]
    for x in (one, every):
        assert close(x["digits_per_s"], x["digits"] / x["wall_s"])
    assert e["compile_s"] is None                     # full mode only
    assert e["peak_memory_bytes"]["board_process"] > 0
    assert 0 < one["cpu_share"] <= 1.05 and 0 < every["cpu_share"] <= 1.05
    ref = result["reference"]
    assert ref["digits"] == result["lenet"]["digits"]
    assert close(ref["emulator_cost"], ref["digits_per_s"] / one["digits_per_s"])


def test_tables_render_from_the_json(result):
    text = report.render_text(result)
    assert "LeNet-1 on the emulated board" in text and "total" in text
    md = report.render_markdown(result)
    assert md.count("| routine |") == 1


def test_readme_benchmark_section_is_the_commands_markdown(result):
    """The README's section holds the tables `dsp32c bench --markdown` prints: the same
    table headers in the same order, and the machine they were measured on."""
    readme = (REPO / "README.md").read_text()
    m = re.search(r"^## Benchmarks\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert m, "README has no '## Benchmarks' section"
    section = m.group(1)
    assert re.search(r"Measured with `dsp32c bench --markdown` on .+ \(\d+ cores", section)
    assert header_rows(section) == header_rows(report.render_markdown(result))


def header_rows(text):
    """Each table's header row: the line just above a |---|---:| separator."""
    lines = text.splitlines()
    return [a for a, b in zip(lines, lines[1:]) if re.fullmatch(r"\|(-+:?\|)+", b)]


def test_json_and_markdown_together_is_a_one_line_error():
    proc = subprocess.run([sys.executable, "-m", "dsp32c_cli", "bench", "--json", "--markdown"],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
