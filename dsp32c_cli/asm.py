"""`dsp32c asm SRC... -o OUT`: assemble AT&T d3as-dialect sources into Intel HEX or a flat binary."""
import click


def _defines(values):
    out = {}
    for item in values:
        name, eq, value = item.partition("=")
        if not name.isidentifier():
            raise click.BadParameter(f"-D {item}: expected NAME or NAME=VALUE")
        out[name] = value if eq else None
    return out


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output image (written only when there is no error).")
@click.option("-f", "--format", "fmt", type=click.Choice(["hex", "bin"]), default=None,
              help="hex: Intel HEX with every section at its address; bin: one flat region from "
                   "the lowest to the highest byte, gaps zero-filled. Default: bin when OUT ends "
                   "in .bin, else hex.")
@click.option("-I", "include_dirs", multiple=True, metavar="DIR", help="#include search directory.")
@click.option("-D", "defines", multiple=True, metavar="NAME[=VAL]", help="Preprocessor define.")
@click.option("-l", "--listing", type=click.Path(dir_okay=False),
              help="Listing file (address, words, source line); written even when there are errors.")
@click.option("-m", "--map", "map_path", type=click.Path(dir_okay=False),
              help="Map file: sections, symbols, source line of every address.")
@click.option("--section", "section_opts", multiple=True, metavar="NAME=ADDR",
              help="Place a section (overrides the placement file and the defaults).")
@click.option("--placement", type=click.Path(dir_okay=False, exists=True),
              help="Placement file: `NAME ADDR` per line.")
def command(sources, output, fmt, include_dirs, defines, listing, map_path, section_opts, placement):
    """Assemble SOURCES (one program) into OUT."""
    from dsp32c.asm_link import parse_address, parse_placement
    from dsp32c.assembler import assemble_files, atomic_write, check_outputs
    from dsp32c.errors import Dsp32cError, SourceErrors

    check_outputs({"-o": output, "-l": listing, "-m": map_path},
                  list(sources) + ([placement] if placement else []))
    sections = {}
    if placement:
        with open(placement, encoding="utf-8") as fh:
            try:
                text = fh.read()
            except UnicodeDecodeError:
                raise Dsp32cError(f"error: {placement}: not a placement file (not UTF-8 text)") from None
        sections.update(parse_placement(text, placement))
    for item in section_opts:
        name, eq, addr = item.partition("=")
        try:
            if not eq or not name:
                raise ValueError("expected NAME=ADDR")
            sections[name] = parse_address(addr)
        except ValueError as exc:
            raise click.BadParameter(f"--section {item}: {exc}") from None
    if fmt is None:
        fmt = "bin" if output.lower().endswith(".bin") else "hex"
    try:
        program = assemble_files(sources, include_dirs, _defines(defines), sections)
    except SourceErrors as exc:
        if listing:
            atomic_write(listing, exc.listing.encode())
        raise
    # a placement file may serve several programs, but a --section naming no section of this
    # one is almost surely a typo: refuse it before anything is written
    have = [sect.name for sect in program.sections]
    for item in section_opts:
        name = item.partition("=")[0].strip()
        if name not in have:
            raise click.BadParameter(f"--section {item}: the program has no section {name} "
                                     f"(its sections: {', '.join(have) or 'none'})")
    if fmt == "bin":
        program.flat_binary()  # raise before writing anything if it cannot be one region
    if listing:
        program.write_listing(listing)
    if map_path:
        program.write_map(map_path)
    if fmt == "bin":
        program.write_bin(output)
    else:
        program.write_hex(output)
