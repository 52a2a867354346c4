"""What `dsp32c bench` prints: the machine it ran on, and its result dict as tables.

The result dict (benchmarks/suite.py builds it; benchmarks/README.md describes every key) is
the one source: `tables()` turns it into a list of Table rows, which render either as plain
text for a terminal (`render_text`) or as Markdown for the README (`render_markdown`).
"""
from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field


def machine_info() -> dict:
    """The host the figures were measured on: CPU model, cores, memory, OS and versions."""
    import numba
    import numpy

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 1,
        "memory_bytes": _memory_bytes(),
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def machine_line(m: dict) -> str:
    mem = f", {m['memory_bytes'] / 2**30:.0f} GiB" if m.get("memory_bytes") else ""
    return (f"{m['cpu']} ({m['cores']} cores{mem}), {m['os']} {m['machine']}, "
            f"Python {m['python']}, NumPy {m['numpy']}, Numba {m['numba']}")


# ------------------------------------------------------------------------------ tables

@dataclass
class Table:
    title: str
    header: list
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)   # lines printed under the table


def _f(x, digits=1):
    """A number for a table cell: thousands separators, `digits` decimals, '-' when absent."""
    if x is None:
        return "-"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}f}"


def _pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


def _ms(x):
    return "-" if x is None else f"{1e3 * x:.3f}"


def tables(result: dict) -> list[Table]:
    out = []
    lenet = result.get("lenet")
    if lenet:
        b = lenet["board"]
        t = Table(f"LeNet-1 on the emulated board ({b['clock_hz'] / 1e6:g} MHz, "
                  f"{b['ext_wait_states']} wait states), {_f(lenet['digits'])} "
                  f"{lenet['dataset'].upper()} test digits, emulated time",
                  ["latency (ms)", "mean", "p50", "p99"])
        for name, key in (("total", "total"), ("transfer in", "transfer_in"),
                          ("compute", "compute"), ("waiting", "waiting"),
                          ("transfer out", "transfer_out")):
            s = lenet["latency_s"][key]
            t.rows.append([name, _ms(s["mean"]), _ms(s["p50"]), _ms(s["p99"])])
        t.notes.append(f"{_f(lenet['digits_per_s'])} digits/s, "
                       f"{lenet['vs_1989']:.1f}x the 1989 board's \"more than "
                       f"{result['constants']['digits_per_s_1989']}/s\"; "
                       f"{_f(lenet['macs_per_digit'], 0)} MACs per digit, MAC utilisation "
                       f"{_pct(lenet['mac_utilisation'])} of {_f(lenet['peak_mac_per_s'] / 1e6)} "
                       f"M MAC/s; classes equal to the NumPy reference: "
                       f"{_f(lenet['agree_with_reference'])} of {_f(lenet['digits'])}")
        out.append(t)
    grid = result.get("grid")
    if grid:
        t = Table(f"Clock and external wait states ({grid['digits']} digits per point, "
                  "emulated time)",
                  ["clock MHz", "wait states", "digits/s", "latency ms", "M MAC/s",
                   "utilisation", "x 1989"])
        for p in grid["points"]:
            t.rows.append([f"{p['clock_hz'] / 1e6:g}", str(p["ext_wait_states"]),
                           _f(p["digits_per_s"]), _ms(p["latency_mean_s"]),
                           _f(p["mac_per_s"] / 1e6, 2), _pct(p["mac_utilisation"]),
                           f"{p['vs_1989']:.1f}"])
        out.append(t)
    prof = result.get("profile")
    if prof:
        t = Table(f"Firmware profile by routine ({prof['digits']} "
                  f"digit{'s' if prof['digits'] != 1 else ''}, default board)",
                  ["routine", "cycles", "share", "instructions", "MACs", "wait clk",
                   "conflict clk", "MAC/slot"])
        total = prof["total"]["cycles"] or 1
        for r in prof["rows"] + [dict(prof["total"], routine="total")]:
            t.rows.append([r["routine"], _f(r["cycles"]), _pct(r["cycles"] / total),
                           _f(r["instructions"]), _f(r["macs"]), _f(r["wait_clocks"]),
                           _f(r["conflict_clocks"]), _pct(r["mac_per_slot"])])
        out.append(t)
    emu = result.get("emulator")
    if emu:
        chip = result["constants"]["chip_mips"]
        t = Table("The emulator on this machine (wall clock)", ["figure", "value", "ratio"])
        for key, label in (("lenet", "emulator_mips, LeNet-1 firmware on the board"),
                           ("control_heavy", "emulator_mips, control-heavy kernel"),
                           ("mac_heavy", "emulator_mips, MAC-heavy kernel")):
            k = emu["emulator_mips"].get(key)
            if k:
                t.rows.append([label, _f(k["mips"]), f"{k['mips'] / chip:.2f}x the chip's "
                                                      f"{chip:g} M/s"])
        d = emu["digits_per_wall_s"]
        t.rows.append(["digits per wall second, 1 process", _f(d["one"]["digits_per_s"]),
                       f"CPU share {_pct(d['one']['cpu_share'])}"])
        t.rows.append([f"digits per wall second, {d['all']['processes']} processes",
                       _f(d["all"]["digits_per_s"]),
                       f"{d['all']['digits_per_s'] / d['one']['digits_per_s']:.2f}x one, "
                       f"CPU share {_pct(d['all']['cpu_share'])}"])
        ref = result.get("reference")
        if ref:
            t.rows.append(["NumPy reference forward pass, digits/s",
                           _f(ref["digits_per_s"]),
                           f"{ref['digits_per_s'] / d['one']['digits_per_s']:,.0f}x the "
                           "emulator"])
        c = emu.get("compile_s")
        if c:
            t.rows.append(["Numba compile, cold cache (s)", _f(c["cold"], 2), ""])
            t.rows.append(["Numba compile, warm cache (s)", _f(c["warm"], 2),
                           f"{c['cold'] / c['warm']:.0f}x faster" if c["warm"] else ""])
        mem = emu["peak_memory_bytes"]
        t.rows.append(["peak memory of one board process (MiB)", _f(mem["board_process"] / 2**20),
                       "resident set"])
        out.append(t)
    return out


def _widths(t: Table) -> list[int]:
    return [max(len(str(c)) for c in col) for col in zip(t.header, *t.rows)]


def render_text(result: dict) -> str:
    s = result["settings"]
    lines = [f"dsp32c bench{' --quick' if s['quick'] else ''}: "
             f"{machine_line(result['machine'])}", ""]
    for t in tables(result):
        w = _widths(t)
        lines.append(t.title)
        for i, row in enumerate([t.header] + t.rows):
            cells = [str(c).ljust(w[j]) if j == 0 else str(c).rjust(w[j])
                     for j, c in enumerate(row)]
            lines.append("  " + "  ".join(cells).rstrip())
            if i == 0:
                lines.append("  " + "  ".join("-" * x for x in w))
        lines.extend("  " + n for n in t.notes)
        lines.append("")
    lines.append(f"({result['wall_s']:.1f} s)")
    return "\n".join(lines)


def render_markdown(result: dict) -> str:
    s = result["settings"]
    lines = [f"Measured with `dsp32c bench{' --quick' if s['quick'] else ''} --markdown` on "
             f"{machine_line(result['machine'])}, in {result['wall_s']:.0f} s.", ""]
    for t in tables(result):
        lines.append(f"**{t.title}**")
        lines.append("")
        lines.append("| " + " | ".join(t.header) + " |")
        lines.append("|" + "|".join("---" if j == 0 else "---:" for j in range(len(t.header)))
                     + "|")
        for row in t.rows:
            lines.append("| " + " | ".join(str(c) for c in row) + " |")
        lines.append("")
        for n in t.notes:
            lines.append(n)
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
