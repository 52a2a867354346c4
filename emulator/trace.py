"""Text for people, outside the hot loop: trace rows, hazard rows, register dumps and fault
lines, with disassembly (dsp32c.disassembler) and, when a map is known, the source file:line.

The core fills int64 rows (emulator/core.py): trace rows (instruction index, pc, word, clock
before the instruction) and hazard rows (instruction index, pc, HZ_* kind, detail).
"""
from __future__ import annotations

from dsp32c.disassembler import disassemble
from dsp32c.isa import REGISTER_NAMES
from emulator import core
from emulator import state as S

STATUS_TEXT = {
    S.STATUS_LIMIT: "cycle limit reached",
    S.STATUS_IDLE: "idle (goto $)",
    S.STATUS_UNTIL: "reached the --until address",
    S.STATUS_PIO: "parallel-port access",
    S.STATUS_WAIT: "waiting on a parallel-port flag",
    S.STATUS_HALTED: "halted (PCR RUN = 0)",
    S.STATUS_ILLEGAL: "illegal instruction",
    S.STATUS_BUS_ERROR: "bus error",
    S.STATUS_MISALIGNED: "misaligned access",
}

HAZARD_TEXT = {
    core.HZ_ACC: "reads a{d} through the multiplier while a write to it is in flight",
    core.HZ_FLAGS: "tests DAU flags (condition {d}) while a flag write is in flight",
    core.HZ_MEM: "reads memory at {d:#08x} while a DA write to it is in flight",
    core.HZ_REG: "reads {r} while a load into it is in flight",
}

DUMP_REGISTERS = ("r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12",
                  "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "pcsh",
                  "dauc", "ioc", "pcw")


class SourceInfo:
    """Symbols and source lines of a program (from a map file or the assembler), for labels."""

    def __init__(self, symbols: dict | None = None, lines: dict | None = None):
        self.symbols = dict(symbols or {})
        self.lines = dict(lines or {})

    def where(self, addr: int) -> str:
        """` (file:line)` for an address with a known source line, else ``."""
        hit = self.lines.get(addr)
        return f" ({hit[0]}:{hit[1]})" if hit else ""


def disasm(word: int, addr: int, src: SourceInfo | None = None) -> str:
    if word < 0:
        return "no instruction: unmapped or misaligned fetch"
    return disassemble(word & 0xFFFFFFFF, addr, src.symbols if src else None)


def trace_lines(rows, src: SourceInfo | None = None, clock_hz: int | None = None):
    """One line per executed instruction: index, clock, pc, word, disassembly, source."""
    for ic, pc, word, cyc in rows:
        ic, pc, word, cyc = int(ic), int(pc), int(word), int(cyc)
        where = src.where(pc) if src else ""
        yield f"{ic:10d} {cyc:12d}  {pc:06x}  {word & 0xFFFFFFFF:08x}  {disasm(word, pc, src)}{where}"


def hazard_lines(rows, src: SourceInfo | None = None):
    for ic, pc, kind, detail in rows:
        ic, pc, kind, detail = int(ic), int(pc), int(kind), int(detail)
        name = REGISTER_NAMES[detail] if kind == core.HZ_REG and 0 <= detail < 32 else ""
        text = HAZARD_TEXT.get(kind, "hazard {d}").format(d=detail, r=name)
        where = src.where(pc) if src else ""
        yield f"hazard: instruction {ic} at {pc:06x}{where} {text}"


def dump_state(machine, src: SourceInfo | None = None) -> str:
    """PC and its word disassembled, CAU registers and flags, accumulators and DAU flags."""
    st = machine.st
    pc = int(st[S.PC])
    try:
        word = machine.read(pc, 4)
        text = f"{word:08x}  {disasm(word, pc, src)}"
    except Exception:  # an unmapped or misaligned pc: say so instead of a word
        text = "(no instruction at this address)"
    lines = [f"pc    {pc:06x}  {text}{src.where(pc) if src else ''}"]
    regs = [f"{n:>4s} {machine.get_reg(n):06x}" for n in DUMP_REGISTERS]
    for i in range(0, len(regs), 6):
        lines.append("  ".join(regs[i:i + 6]))
    cf = int(st[S.CFLAGS])
    df = int(st[S.DFLAGS])
    lines.append("cau flags " + " ".join(f"{n}={int(bool(cf & b))}" for n, b in
                                         (("n", S.CF_N), ("z", S.CF_Z), ("c", S.CF_C), ("v", S.CF_V)))
                 + "   dau flags " + " ".join(f"{n}={int(bool(df & b))}" for n, b in
                                              (("N", 1), ("Z", 2), ("U", 4), ("V", 8))))
    for n in range(4):
        m, e = machine.get_acc_raw(n)
        lines.append(f"a{n} {machine.get_acc(n):+.9g}  (mantissa {m:#x}, exponent {e})")
    return "\n".join(lines)


def fault_message(machine, status: int, src: SourceInfo | None = None) -> str:
    """`fault: <reason> at pc=0x... word=0x... (<disassembly>)` [+ ` at file:line`]."""
    st = machine.st
    pc = int(st[S.PC])
    reason = STATUS_TEXT.get(status, f"status {status}")
    if status == S.STATUS_LIMIT:
        word = _word_at(machine, pc)
    else:
        word = int(st[S.FAULT_WORD])
        if status in (S.STATUS_BUS_ERROR, S.STATUS_MISALIGNED):
            reason += f" at address {int(st[S.FAULT_ADDR]):#08x}"
    if word is None or word < 0:
        body = f"at pc={pc:#08x} (no instruction: the fetch itself failed)"
    else:
        body = f"at pc={pc:#08x} word={word & 0xFFFFFFFF:#010x} ({disasm(word, pc, src)})"
    hit = src.lines.get(pc) if src else None
    tail = f" at {hit[0]}:{hit[1]}" if hit else ""
    return f"fault: {reason} {body}{tail}"


def _word_at(machine, pc):
    try:
        return machine.read(pc, 4)
    except Exception:
        return None
