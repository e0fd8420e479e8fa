"""The command line's shared pieces, for its own commands and for plugin commands (the
``qfmt_cli_commands`` hook): exit codes, the one-line error, the spinner, ``--option`` parsing
and format-id completion. Below both :mod:`qfmt.cli` and :mod:`qfmt.kit` (which re-exports
them on first use), so neither imports the other to reach them; importing it imports click."""

from __future__ import annotations

import contextlib
import json
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import click

from ._api import formats
from ._errors import QfmtError

__all__ = ["EXIT_INTERRUPT", "EXIT_INVALID", "EXIT_JOB", "EXIT_MISSING_DEP", "EXIT_USAGE",
           "CliError", "busy", "complete_formats", "parse_options"]

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_MISSING_DEP = 3
EXIT_JOB = 4
EXIT_INTERRUPT = 130  # the shell's convention for a process ended by Ctrl-C (128 + SIGINT)


class CliError(click.ClickException):
    """A command's failure: one ``qfmt: error: MESSAGE`` line on stderr and exit ``code``
    (:data:`EXIT_USAGE`, :data:`EXIT_INVALID`, ...). Plugin commands raise it as
    ``qfmt.kit.CliError``."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code  # type: ignore[misc, unused-ignore]  # a ClassVar in some click versions

    def show(self, file: Any = None) -> None:
        click.echo(f"qfmt: error: {self.format_message()}", err=True)


_live: list[Any] = []  # the rich Console a spinner is showing on, while it shows


def _isatty(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (False for a closed stream or one without ``isatty``)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        return False


def _stderr_is_terminal() -> bool:
    """Whether stderr is a terminal (a spinner there; nothing when redirected)."""
    return _isatty(sys.stderr)


@contextlib.contextmanager
def busy(message: str, console: Any = None) -> Iterator[None]:
    """A spinner saying ``message`` on stderr while the block runs, when stderr is a terminal
    (or on ``console``, for tests); nothing otherwise. It is transient: it leaves no line."""
    if console is None:
        if not _stderr_is_terminal():
            yield
            return
        from rich.console import Console

        console = Console(stderr=True, highlight=False)
    from rich.text import Text

    _live.append(console)
    try:
        with console.status(Text(message), spinner="dots"):  # a file name is no markup
            yield
    finally:
        _live.pop()


def parse_options(values: Sequence[str]) -> dict[str, Any]:
    """``--option KEY=VALUE`` values as options: each value read as JSON when it can be (else a
    str), ``-`` in a key made ``_``; an item without ``=`` is a :class:`CliError` (exit 2).

    >>> parse_options(["shots=1000", "meas-mapped=[0, 1]", "name=ghz"])
    {'shots': 1000, 'meas_mapped': [0, 1], 'name': 'ghz'}
    """
    out: dict[str, Any] = {}
    for item in values:
        if "=" not in item:
            raise CliError(f"--option takes KEY=VALUE, got {item!r}", EXIT_USAGE)
        key, raw = item.split("=", 1)
        try:
            out[key.replace("-", "_")] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.replace("-", "_")] = raw
    return out


def complete_formats(ctx: click.Context, param: click.Parameter,
                     incomplete: str) -> list[Any]:
    """Shell completion of a format id (``--from``, ``--to``, ``--format``, ``schema FMT``):
    every format that loaded, with its description. Plugin warnings stay quiet here."""
    from click.shell_completion import CompletionItem

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rows = formats()
        except QfmtError:
            return []
    seen = dict.fromkeys(r.id for r in rows if r.status != "failed" and
                         r.id.startswith(incomplete))
    about = {r.id: r.description for r in rows}
    return [CompletionItem(fid, help=about.get(fid) or None) for fid in seen]
