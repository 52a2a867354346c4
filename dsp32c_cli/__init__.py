"""The `dsp32c` command: the one module that knows every package.

Each subcommand lives in its own module and imports what it needs inside the command, so
`dsp32c --help` starts fast. Every user-facing error (dsp32c.errors.Dsp32cError, a missing file)
becomes one line on stderr and exit code 1, never a traceback.
"""
import importlib
import sys

import click

# subcommand name -> module inside this package that defines `command`
SUBCOMMANDS = {
    "asm": "asm",
    "disasm": "disasm",
    "run": "run",
    "train": "train",
    "lenet": "lenet",
    "bench": "bench",
}


class _LazyGroup(click.Group):
    """Loads a subcommand's module only when that subcommand is used (or listed)."""

    def list_commands(self, ctx):
        return sorted(name for name in SUBCOMMANDS if self._module(name) is not None)

    def get_command(self, ctx, name):
        module = self._module(name)
        return getattr(module, "command", None) if module else None

    @staticmethod
    def _module(name):
        if name not in SUBCOMMANDS:
            return None
        try:
            return importlib.import_module(f"dsp32c_cli.{SUBCOMMANDS[name]}")
        except ModuleNotFoundError as exc:  # a subcommand not written yet
            if exc.name == f"dsp32c_cli.{SUBCOMMANDS[name]}":
                return None
            raise


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dsp32c")
def cli():
    """AT&T WE DSP32C toolchain and emulator, running the 1989 LeCun digit network."""


def _error_line(text):
    """Located errors (`file:line:col: error: ...`) and faults say what they are; anything
    else gets the `error: ` prefix."""
    if "error:" in text.split("\n", 1)[0] or text.startswith(("fault:", "error", "Error")):
        return text
    return f"error: {text}"


def main(argv=None):
    from dsp32c.errors import Dsp32cError

    try:
        cli.main(args=argv, prog_name="dsp32c", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.exceptions.UsageError as exc:
        # click would print the usage lines first; bad input gets one line (see --help)
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Dsp32cError as exc:
        click.echo(_error_line(exc.one_line()), err=True)
        sys.exit(1)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        click.echo(f"error: {exc.filename}: {exc.strerror}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(0)
