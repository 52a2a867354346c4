"""The C preprocessor pass of the assembler (encodings §8.2), done by the kept library pcpp.

pcpp hands out tokens that remember their source file and line, so each preprocessed line is
rebuilt together with where it came from: errors inside an included file name that file and its
own line, and listings and map files show the line as written (before macro expansion).
Comments are removed here; `#endif NAME` (old style, as in 1990s d3as code) is accepted.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass

from pcpp import Action, OutputDirective, Preprocessor

from dsp32c.errors import SourceError

MAX_INCLUDE_DEPTH = 50


@dataclass(frozen=True)
class SourceLine:
    file: str       # display name: as given for a top-level file, path as found for an include
    line: int       # 1-based line in that file
    text: str       # preprocessed text (macros expanded, comments removed)
    original: str   # the line as written in the file


def display_path(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


class _Cpp(Preprocessor):
    def __init__(self, filename, include_dirs, errors):
        super().__init__()
        self.errors = errors
        self.main_file = filename
        self.include_dirs = list(include_dirs)
        self.display = {filename: filename}
        self.originals = {}
        self.line_directive = None
        self.too_deep = False  # an include cycle was cut: its repeated lines mean nothing
        for d in include_dirs:
            self.add_path(d)
        self.rewrite_paths = []  # keep absolute sources; name_of() shows them (display_path)

    def name_of(self, source):
        if source in self.display:
            return self.display[source]
        if source and os.path.isabs(source):
            return display_path(source)
        return source or self.main_file

    def on_error(self, file, line, msg):
        self.errors.append(SourceError(self.name_of(file), line or 1, 1, msg))

    def where(self):
        """(file, line) of the directive being handled (the #include, #if ...)."""
        d = self.lastdirective
        return (self.name_of(d.source), d.lineno) if d is not None else (self.main_file, 1)

    def on_file_open(self, is_system_include, includepath):
        # pcpp pushes one search directory per open include: its length is the nesting depth.
        # Stop a file that includes itself before Python's recursion limit does.
        if len(self.temp_path) >= MAX_INCLUDE_DEPTH:
            file, line = self.where()
            self.errors.append(SourceError(file, line, 1, f"#include nested more than "
                                           f"{MAX_INCLUDE_DEPTH} deep (does a file include itself?)"))
            self.too_deep = True
            return io.StringIO("")
        with open(includepath, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        self.display[includepath] = display_path(includepath)
        self.originals[includepath] = text.splitlines()
        return io.StringIO(text)

    def on_include_not_found(self, is_malformed, is_system_include, curdir, includepath):
        where = self.where()
        if is_malformed:
            msg = f"malformed #include {includepath}"
        else:
            searched = ([] if is_system_include else [curdir or "."]) + self.include_dirs
            msg = f'cannot find include file "{includepath}" (searched: {", ".join(searched) or "nothing"})'
        self.errors.append(SourceError(where[0], where[1], 1, msg))
        raise OutputDirective(Action.IgnoreAndRemove)

    def on_directive_unknown(self, directive, toks, ifpassthru, precedingtoks):
        text = "".join(t.value for t in toks).strip()
        name = self.name_of(directive.source)
        if directive.value == "error":
            self.errors.append(SourceError(name, directive.lineno, 1, f"#error {text}".rstrip()))
        elif directive.value != "warning":
            self.errors.append(SourceError(name, directive.lineno, 1,
                                           f"unknown preprocessor directive #{directive.value}"))
        return True

    def on_comment(self, tok):
        return False


def preprocess(filename: str, text: str, include_dirs=(), defines=None):
    """Returns (lines, errors): the non-blank preprocessed lines with their origin, and the
    preprocessor's errors as SourceErrors."""
    errors: list[SourceError] = []
    cpp = _Cpp(filename, include_dirs, errors)
    cpp.originals[filename] = text.splitlines()
    # pcpp tags the main file's tokens with its absolute path: map that back to the file as
    # written and as named, or listings and maps show preprocessed text instead of the source
    cpp.originals[os.path.abspath(filename)] = cpp.originals[filename]
    cpp.display[os.path.abspath(filename)] = filename
    for name, value in (defines or {}).items():
        cpp.define(f"{name} {1 if value is None else value}")
    cpp.parse(text, filename)
    lines: list[SourceLine] = []
    key, parts = None, []

    def flush():
        if key is not None:
            joined = "".join(parts)
            if joined.strip():
                source, lineno = key
                orig_lines = cpp.originals.get(source, [])
                original = orig_lines[lineno - 1] if 0 < lineno <= len(orig_lines) else joined
                lines.append(SourceLine(cpp.name_of(source), lineno, joined.rstrip("\n"),
                                        original.rstrip()))

    while True:
        try:
            tok = cpp.token()
        except Exception as exc:  # pcpp fails on some malformed directives (`#if` alone)
            file, line = cpp.where()
            errors.append(SourceError(file, line, 1, f"malformed preprocessor directive "
                                      f"({type(exc).__name__} in the preprocessor)"))
            break
        if tok is None:
            break
        k = (tok.source, tok.lineno)
        if k != key:
            if "\n" in tok.value and not tok.value.strip():
                continue  # line ends belong to the line they close
            flush()
            key, parts = k, []
        parts.append(tok.value)
    flush()
    return ([] if cpp.too_deep else lines), errors
