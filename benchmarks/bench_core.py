"""Emulated instructions per second of the core on a MAC-heavy and a control-heavy loop.

    python benchmarks/bench_core.py [--cycles N]

Prints numbers only (no assertion): measure before and after a change to the hot loop. The
programs are built from hand-encoded words (dsp32c.decode.encode), so the benchmark needs
neither the assembler nor an image file. The first run includes Numba compilation (or the
cache load); the timed runs follow a warm-up.
"""
import argparse
import struct
import time

from dsp32c.decode import encode
from emulator.machine import Machine

RAM0, RAM1 = 0xFFF000, 0xFFF800
ONE = 0x00000080  # 1.0 as a DSP32 word


def _image(words):
    return b"".join(struct.pack("<I", w) for w in words)


def mac_program():
    """do 31,2047 over 32 multiply-accumulates from RAM0 x RAM1, restarted forever."""
    body = [encode("da_mul_acc", m=0, an=0, xp=1, xi=7, yp=2, yi=7, zp=0, zi=7)] * 32
    return [
        encode("load24", rd=1, n=RAM0),                  # 0x00  r1e = RAM0
        encode("load24", rd=2, n=RAM1),                  # 0x04  r2e = RAM1
        encode("do_imm", k=31, n=2047),                  # 0x08
        *body,                                           # 0x0c .. 0x88
        encode("goto", c=1, rh=0, n=0),                  # 0x8c  goto 0
        0,
    ]


def control_program():
    """A counted loop of CAU ALU work closed by a decrement-and-branch."""
    return [
        encode("add_imm", e=0, rd=1, rh=0, n=30000),     # 0x00 r1 = 30000
        encode("add_imm", e=0, rd=2, rh=2, n=1),         # 0x04 loop: r2 = r2 + 1
        encode("alu_reg", e=1, f=8, rd=3, rs1=2),        # 0x08 r3e = r3e ^ r2e
        encode("alu_imm", e=0, f=10, rd=4, n=0x0101),    # 0x0c r4 = r4 | 0x0101
        encode("dec_branch", rm=1, rh=0, n=4),           # 0x10 if (r1-- >= 0) goto 4
        encode("alu_reg", e=0, f=0, rd=5, rs1=23),       # 0x14 r5 = r5 + 1 (delay slot)
        encode("goto", c=1, rh=0, n=0),                  # 0x18 goto 0
        0,
    ]


def measure(words, cycles, data=(), clock=time.process_time):
    """(instructions, seconds of `clock`) of `cycles` clocks of the program."""
    m = Machine()
    m.load_segments([(0, _image(words)), *data])
    m.run(10_000)                                        # compile or load the cache
    # CPU time of this process by default: the machine is shared, and wall time would count
    # the others (`dsp32c bench` passes time.perf_counter: its figure is per wall second)
    t0 = clock()
    i0 = m.counters()["instructions"]
    m.run(cycles)
    dt = clock() - t0
    n = m.counters()["instructions"] - i0
    return n, dt


def kernels():
    """(name, program words, data segments) of each benchmark loop (also used by
    benchmarks/bench_emulator.py for `dsp32c bench`)."""
    ones = _image([ONE] * 32)
    return (("MAC-heavy", mac_program(), [(RAM0, ones), (RAM1, ones)]),
            ("control-heavy", control_program(), []))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=400_000_000)
    args = ap.parse_args()
    for name, words, data in kernels():
        n, dt = measure(words, args.cycles, data)
        print(f"{name:14s} {n / dt / 1e6:7.1f} M instructions/s  ({n:,} instructions in {dt:.2f} CPU s)")


if __name__ == "__main__":
    main()
