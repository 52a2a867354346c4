"""`dsp32c run IMAGE`: run a program on the emulated DSP32C board and report why it stopped.

IMAGE is Intel HEX (.hex), a flat binary (.bin, loaded at --base) or assembly (.s, assembled on
the fly; its symbols and source lines come along like a --map). The run starts at the image's
entry (the HEX start record or the assembler's `start`, else 0) and stops at `goto $` (after
its delay slot), at --until, at a fault or at --max-cycles clocks. A fault or the cycle limit
prints the reason, PC, word and a register dump, and exits with status 1.
"""
import json
import sys

import click

DEFAULT_MAX_CYCLES = 100_000_000   # 2 s of emulated time at 50 MHz: ends a runaway program
MAX_CYCLES_LIMIT = 10 ** 15        # the core counts clocks in int64; this is months at 50 MHz
MAX_WAIT_STATES = 1000             # per external access; far beyond any real board
DUMP_FORMATS = ("f32", "i32", "hex")


def _number(text):
    return int(text, 0) if not text.startswith("$") else int(text[1:], 16)


def _address(text, symbols, what):
    """A number, a symbol, or SYMBOL+N / SYMBOL-N."""
    text = text.strip()
    try:
        return _number(text)
    except ValueError:
        pass
    for sign in ("+", "-"):
        name, op, off = text.partition(sign)
        if op and name.strip() in symbols:
            try:
                delta = _number(off.strip())
            except ValueError:
                break
            return symbols[name.strip()] + (delta if sign == "+" else -delta)
    if text in symbols:
        return symbols[text]
    raise click.BadParameter(f"{what} {text!r}: not a number, a known symbol or SYMBOL+N")


def _load_image(image, base):
    """(segments, entry or None, SourceInfo or None) of IMAGE."""
    from dsp32c.hexfile import from_intel_hex
    from emulator.trace import SourceInfo

    low = image.lower()
    if base is not None and not low.endswith(".bin"):  # a .s or .hex says where it goes
        raise click.BadParameter("--base applies to .bin images only")
    if low.endswith(".s"):
        from dsp32c.assembler import assemble_files
        program = assemble_files([image])
        return program.segments, program.entry, SourceInfo(program.symbols, program.lines)
    if low.endswith(".bin"):
        with open(image, "rb") as fh:
            return [(base or 0, fh.read())], None, None
    if not low.endswith(".hex"):
        raise click.BadParameter(f"{image}: IMAGE must end in .hex, .bin or .s")
    with open(image, encoding="ascii", errors="replace") as fh:
        segments, start = from_intel_hex(fh.read(), image)
    return segments, start, None


def _dump(machine, spec, symbols):
    """--dump ADDR:LEN[:fmt] -> (address, fmt, values)."""
    from dsp32c.numbers import dsp_to_float

    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise click.BadParameter(f"--dump {spec}: expected ADDR:LEN[:f32|i32|hex]")
    fmt = parts[2] if len(parts) == 3 else "hex"
    if fmt not in DUMP_FORMATS:
        raise click.BadParameter(f"--dump {spec}: format must be one of {', '.join(DUMP_FORMATS)}")
    addr = _address(parts[0], symbols, "--dump address")
    try:
        count = _number(parts[1])
    except ValueError:
        raise click.BadParameter(f"--dump {spec}: LEN must be a number") from None
    if count < 0:
        raise click.BadParameter(f"--dump {spec}: LEN must not be negative")
    if fmt == "hex":
        return addr, fmt, list(machine.read_block(addr, count))
    if addr % 4:
        raise click.BadParameter(f"--dump {spec}: {fmt} needs a 4-byte aligned address")
    words = [machine.read(addr + 4 * k, 4) for k in range(count)]
    if fmt == "i32":
        return addr, fmt, [w - (1 << 32) if w >> 31 else w for w in words]
    return addr, fmt, [float(dsp_to_float(w)) for w in words]


def _dump_text(addr, fmt, values):
    per = 16 if fmt == "hex" else 4
    step = 1 if fmt == "hex" else 4
    out = []
    for k in range(0, len(values), per):
        chunk = values[k:k + per]
        if fmt == "hex":
            body = " ".join(f"{v:02x}" for v in chunk)
        elif fmt == "i32":
            body = " ".join(f"{v:12d}" for v in chunk)
        else:
            body = " ".join(f"{v:+.9g}" for v in chunk)
        out.append(f"{addr + k * step:06x}: {body}")
    return out


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("image", type=click.Path(dir_okay=False, exists=True))
@click.option("--base", default=None, metavar="ADDR", help="Load address of a .bin image (default 0).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, exists=True),
              help="Map file from `dsp32c asm -m`: symbols and source lines for reports.")
@click.option("--load", "loads", multiple=True, metavar="FILE@ADDR",
              help="Also load a raw binary file at ADDR (repeatable).")
@click.option("--until", default=None, metavar="SYMBOL|ADDR",
              help="Stop before executing this address.")
@click.option("--max-cycles", default=DEFAULT_MAX_CYCLES, show_default=True, type=int,
              help="Clock budget; reaching it is a failure.")
@click.option("--wait-states", default=None, type=int,
              help="Wait states per external-memory access (default 0).")
@click.option("--trace", is_flag=True, help="Print every executed instruction.")
@click.option("--hazards", is_flag=True, help="Report instructions that read a value still in flight.")
@click.option("--dump", "dumps", multiple=True, metavar="ADDR:LEN[:f32|i32|hex]",
              help="Print memory after the run: LEN words (f32, i32) or bytes (hex).")
@click.option("--regs", is_flag=True, help="Print the registers and accumulators.")
@click.option("--stats", is_flag=True, help="Print counters (clocks, waits, conflicts, MACs, accesses).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout instead of text.")
def command(image, base, map_path, loads, until, max_cycles, wait_states, trace, hazards, dumps,
            regs, stats, as_json):
    """Run IMAGE (.hex, .bin with --base, or .s) on the emulated DSP32C."""
    from dsp32c.mapfile import load_map
    from emulator import state as S
    from emulator import trace as T
    from emulator.errors import BusError, DspFault
    from emulator.machine import Machine, MachineConfig

    if max_cycles <= 0:
        raise click.BadParameter("--max-cycles must be positive")
    if max_cycles > MAX_CYCLES_LIMIT:
        raise click.BadParameter(f"--max-cycles must be at most {MAX_CYCLES_LIMIT:.0e}")
    base_addr = _address(base, {}, "--base") if base is not None else None
    segments, entry, src = _load_image(image, base_addr)
    if map_path:
        data = load_map(map_path)
        src = T.SourceInfo(data.symbols, data.lines)
        if entry is None:
            entry = data.entry
    symbols = src.symbols if src else {}
    config = MachineConfig()
    if wait_states is not None:
        if not 0 <= wait_states <= MAX_WAIT_STATES:
            raise click.BadParameter(f"--wait-states must be between 0 and {MAX_WAIT_STATES}")
        config.ext_wait_states = wait_states
    if not any(len(data) for _, data in segments) and not loads:
        raise click.BadParameter(f"{image}: the image holds no code or data; nothing to run")
    machine = Machine(config)
    machine.source = src
    try:
        machine.load_segments(segments)
    except BusError as exc:
        raise click.BadParameter(f"{image}: {exc}") from None
    for item in loads:
        path, at, where = item.rpartition("@")
        if not at or not path:
            raise click.BadParameter(f"--load {item}: expected FILE@ADDR")
        with open(path, "rb") as fh:
            try:
                machine.write_block(_address(where, symbols, "--load address"), fh.read())
            except BusError as exc:
                raise click.BadParameter(f"--load {item}: {exc}") from None
    machine.set_reg("pc", entry or 0)
    stop_at = _address(until, symbols, "--until") if until is not None else -1
    if until is not None and not 0 <= stop_at <= 0xFFFFFF:
        raise click.BadParameter(f"--until {until}: address {stop_at:#x} is outside "
                                 f"0x000000-0xffffff, so the run could never stop there")

    trace_out, hazard_out = [], []
    echo = (lambda line: None) if as_json else click.echo

    def sink(lines_of, out):
        """A buffer sink for the machine: format the rows, keep them for --json, echo them."""
        def take(rows):
            for line in lines_of(rows, src):
                out.append(line)
                echo(line)
        return take

    if trace:
        machine.trace_sink = sink(T.trace_lines, trace_out)
    if hazards:
        machine.hazard_sink = sink(T.hazard_lines, hazard_out)

    status = machine.run(max_cycles, until=stop_at, trace=trace, hazards=hazards)
    failed = status >= S.STATUS_FAULT_MIN or status == S.STATUS_LIMIT
    c = machine.counters()
    seconds = c["cycles"] / config.clock_hz
    reason = T.STATUS_TEXT.get(status, str(status))
    fault = machine.fault_message(status) if failed else None
    dumped = []
    for spec in dumps:
        try:
            dumped.append(_dump(machine, spec, symbols))
        except BusError as exc:
            raise click.BadParameter(f"--dump {spec}: {exc}") from None

    if as_json:
        out = {
            "status": reason, "failed": failed, "pc": machine.get_reg("pc"),
            "cycles": c["cycles"], "seconds": seconds, "instructions": c["instructions"],
            "fault": fault,
            "dumps": [{"address": a, "format": f, "values": v} for a, f, v in dumped],
        }
        if regs or failed:
            out["registers"] = {n: machine.get_reg(n) for n in ("pc",) + T.DUMP_REGISTERS}
            out["accumulators"] = [machine.get_acc(n) for n in range(4)]
        if stats:
            out["stats"] = {k: v for k, v in c.items() if k != "exec_count"}
        if trace:
            out["trace"] = trace_out
        if hazards:
            out["hazards"] = hazard_out
        click.echo(json.dumps(out))
    else:
        click.echo(f"stopped: {reason} at pc={machine.get_reg('pc'):#08x} after {c['cycles']} "
                   f"cycles ({seconds * 1e6:.3f} us at {config.clock_hz / 1e6:g} MHz), "
                   f"{c['instructions']} instructions")
        if regs or failed:
            click.echo(machine.dump_state(), err=failed)
        if hazards:
            click.echo(f"hazards: {len(hazard_out) or 'none'}")
        if stats:
            click.echo(f"instructions {c['instructions']}  cycles {c['cycles']}  wait clocks "
                       f"{c['wait_clocks']}  conflict clocks {c['conflict_clocks']}  macs {c['macs']}")
            click.echo("accesses " + "  ".join(f"{k} {v}" for k, v in c["accesses"].items()))
        for a, f, v in dumped:
            click.echo(f"dump {a:#08x} {len(v)} x {f}:")
            for line in _dump_text(a, f, v):
                click.echo(line)
    sys.stdout.flush()
    if failed:
        raise DspFault(fault, status)
