"""Run the `dsp32c` command in this process, as the CLI tests do."""
import pytest

from dsp32c_cli import main


def run_cli(capsys, *args):
    """(exit code, stdout, stderr) of `dsp32c ARGS`."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err
