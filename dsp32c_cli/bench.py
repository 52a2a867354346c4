"""`dsp32c bench`: the emulated board's LeNet-1 figures, the firmware's profile and the
emulator's own speed, as a table (or one JSON object)."""
import click


@click.command("bench")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (machine, settings, every figure) instead of tables.")
@click.option("--markdown", is_flag=True,
              help="Print the tables as Markdown (the README's Benchmarks section).")
@click.option("--quick", is_flag=True,
              help="Small sizes for CI (under a minute): 20 digits, a 2x2 clock/wait grid, "
                   "no compile timing.")
@click.option("--digits", type=click.IntRange(min=1), default=None,
              help="Digits for the default-board figures [default: 20 with --quick, else "
                   "the 2,007 USPS test digits].")
@click.option("--processes", type=click.IntRange(min=1), default=None,
              help="Processes for the all-cores figure [default: the number of CPUs, at most 4 "
                   "with --quick].")
def command(as_json, markdown, quick, digits, processes):
    """Benchmark the emulated board running LeNet-1 and the emulator itself.

    Emulated-time figures (digits/s on the board, latencies, cycles, MAC utilisation, the
    profile) are deterministic; wall-clock figures (emulator_mips, digits per wall second,
    compile time) depend on this machine and are given beside a reference measured in the
    same run. benchmarks/README.md describes every figure and JSON key.
    """
    import json
    import sys

    from benchmarks import report, suite
    from dsp32c.errors import Dsp32cError

    if as_json and markdown:
        raise Dsp32cError("error: --json and --markdown are alternatives; give one")
    plan = suite.plan(quick, digits=digits, processes=processes)

    def progress(step):   # on a terminal only: what is running now
        click.echo(f"  {step} ...", err=True)

    result = suite.run_all(plan, progress=progress if sys.stderr.isatty() else None)
    if as_json:
        click.echo(json.dumps(result, indent=1))
    elif markdown:
        click.echo(report.render_markdown(result), nl=False)
    else:
        click.echo(report.render_text(result))
