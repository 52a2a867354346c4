"""Errors a user can cause. Each one renders as a single line; the CLI prints it and exits 1."""


class Dsp32cError(Exception):
    """Base of every user-facing error of the project (bad input, faults, timeouts)."""

    def one_line(self) -> str:
        return str(self).splitlines()[0] if str(self) else type(self).__name__


class SourceError(Dsp32cError):
    """An error located in a source file: renders as `file:line:col: error: message`."""

    def __init__(self, file: str, line: int, col: int, message: str):
        self.file, self.line, self.col, self.message = file, line, col, message
        super().__init__(f"{file}:{line}:{col}: error: {message}")


class SourceErrors(Dsp32cError):
    """Several SourceErrors from one run (the assembler reports all errors of a file)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def one_line(self) -> str:  # every error is already one line; print them all
        return str(self)
