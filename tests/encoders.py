"""Tiny hand-encoders the emulator tests build their programs with (never the assembler):
each is one call of dsp32c.decode.encode with the fields spelled out."""
from dsp32c import isa
from dsp32c.decode import encode

COND = {name: c for c, name in enumerate(isa.CONDITION_NAMES) if name}
IO = {name: i for i, name in isa.IO_REGISTER_NAMES.items()}
NOP = 0


def li(rd, n):
    """rD = n (16-bit add_imm from r0)."""
    return encode("add_imm", e=0, rd=rd, rh=0, n=n)


def addi(rd, rh, n):
    """rD = rH + n (16-bit add_imm)."""
    return encode("add_imm", e=0, rd=rd, rh=rh, n=n)


def io_in(rd, reg):
    """rD = ioreg (16 bits)."""
    return encode("load_io", d=0, sz=2, rh=rd, i=IO[reg])


def io_out(reg, rh):
    """ioreg = rH (16 bits)."""
    return encode("load_io", d=1, sz=2, rh=rh, i=IO[reg])


def goto(cond, addr):
    """if (cond) goto addr, 16-bit absolute (rH = r0)."""
    return encode("goto", c=COND[cond], rh=0, n=addr)
