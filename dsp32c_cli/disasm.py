"""`dsp32c disasm IMAGE`: one statement per word, in syntax `dsp32c asm` accepts."""
import click


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("image", type=click.Path(dir_okay=False, exists=True))
@click.option("--base", default=None, metavar="ADDR",
              help="Load address of a .bin image (default 0).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, exists=True),
              help="Map file from `dsp32c asm -m`: labels and symbolic targets.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def command(image, base, map_path, output):
    """Disassemble IMAGE (.hex Intel HEX, or a flat .bin with --base)."""
    from dsp32c.asm_link import parse_address
    from dsp32c.assembler import atomic_write, check_outputs
    from dsp32c.disassembler import disassemble_image
    from dsp32c.errors import Dsp32cError
    from dsp32c.hexfile import from_intel_hex
    from dsp32c.mapfile import load_map

    check_outputs({"-o": output}, [image] + ([map_path] if map_path else []))
    start = None
    if image.lower().endswith(".bin"):
        try:
            address = parse_address(base) if base is not None else 0
        except ValueError as exc:
            raise click.BadParameter(f"--base {base}: {exc}") from None
        with open(image, "rb") as fh:
            segments = [(address, fh.read())]
    else:
        if base is not None:
            raise click.BadParameter("--base applies to .bin images only")
        with open(image, encoding="ascii", errors="replace") as fh:
            segments, start = from_intel_hex(fh.read(), image)
    for address, data in segments:  # the DSP32C has 24 address bits
        if address + len(data) > 1 << 24:
            raise Dsp32cError(f"error: {image}: bytes at 0x{address:06x}-0x{address + len(data) - 1:x} "
                              f"go past the 24-bit address space (end 0xffffff)")
    symbols = load_map(map_path).symbols if map_path else None
    lines = [f"/* dsp32c disasm {image} */"]
    if start is not None:
        lines.append(f"/* entry {start:06x} */")
    lines += disassemble_image(segments, symbols)
    text = "\n".join(lines) + "\n"
    if output:
        atomic_write(output, text.encode())
    else:
        click.echo(text, nl=False)
