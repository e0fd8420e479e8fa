"""The ``qfmt`` command line: formats, plugins, schema, detect, validate, convert, show, plot.

Exit codes:

=== ====================================================================================
0   success
1   the input is not valid (``validate``, or no format reads it), a conversion was refused as
    lossy, or some files of a batch failed (each is reported)
2   usage error: unknown option, format or option value, missing file, ambiguous detection
3   an optional dependency is missing (the message says which ``qfmt[extra]`` to install)
4   fetching a job failed: the job failed or was cancelled, timed out, or the API kept failing
130 interrupted (Ctrl-C)
=== ====================================================================================

One error path: every failure, in a built-in command or one a plugin adds, is one
``qfmt: error: ...`` line on stderr in the command line's words (``--shots``, not ``shots=``;
see :func:`cli_words`), with the exit code above; ``--debug`` shows the traceback instead. Text
from a file name, a payload or a plugin is printed literally (never as rich markup), and output
for machines (``--json``, or stdout piped) draws no boxes.

Input files are read as bytes and handed to qfmt as they are (JSON formats use their fast byte
readers; non-JSON formats such as CSV get the bytes). JSON output is written as JSON text; a
non-JSON format's output is written unchanged (bytes in binary, str as text). Plugins may add
commands through the ``qfmt_cli_commands`` hook; they are looked up when the command line starts.
A plugin command may let qfmt errors, ``OSError`` and ``KeyboardInterrupt`` propagate (the root
context's ``obj["one_error_path"]`` says the ``qfmt`` group handles them).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

import qfmt
from qfmt import kit

from ._bits import bitstring
from ._cli_kit import (
    EXIT_INTERRUPT,
    EXIT_INVALID,
    EXIT_JOB,
    EXIT_MISSING_DEP,
    EXIT_USAGE,
    CliError,
    _isatty,
    _live,
    busy,
    complete_formats,
    parse_options,
)

T = TypeVar("T")



#: click's "no arguments: show the help" (click >= 8.2; older versions print the help itself)
_NO_ARGS: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


class _Interrupted(Exception):
    """Ctrl-C while a command ran (exit 130)."""



_Fail = CliError  # the command line's own name for it

#: Option names as the command line spells them (a library message names ``shots=``; the
#: command line says ``--shots``). Other format options go through ``--option KEY=VALUE``.
OPTION_FLAGS = {"shots": "--shots", "num_qubits": "--num-qubits", "sample": "--sample",
                "seed": "--seed", "join_registers": "--join-registers",
                "include_leakage": "--include-leakage", "experiment": "--experiment",
                "job_id": "--job-id", "src": "--from", "number_to_keep": "--top",
                "target_string": "--target", "allow_loss": "--allow-loss"}
_BOOL_FLAGS = ("sample", "join_registers", "include_leakage")

# Python phrases of library messages, and what the command line says instead
_PHRASES = (
    (re.compile(r"; use nearest_probability_distribution\(\) first"),
     " (a quasi-probability format can hold them)"),
    (re.compile(r"[;:,]? use [\w.]+\(\)(?: first)?"), ""),  # a call to make in Python
    (re.compile(r"see qfmt\.formats\(\) \(or `qfmt formats`\)"), "see `qfmt formats`"),
    (re.compile(r"name one \(see qfmt\.formats\(\)\)"),
     "name one with --from (see `qfmt formats`)"),
    (re.compile(r"\(see qfmt\.formats\(\)\)"), "(see `qfmt formats`)"),
    (re.compile(r"\(src=, --from\)"), "(--from)"),
    (re.compile(r"\(fmt= / --from / --format\)"), "with --from"),
    (re.compile(r" \(qfmt(?:\.kit)?\.[A-Z_]+\)"), ""),  # a constant's Python name
    (re.compile(r" \(pass pathlib\.Path\([^)]*\) to read a file\)"), ""),
    (re.compile(r"this result has (\d+) experiments: name one"),
     r"this result has \1 experiments: choose one with --experiment ID"),
    (re.compile(r"experiments are named ('[^']*'): use an index"),
     r"experiments are named \1: give --experiment an index"),
)
# ``name=`` followed by a placeholder (``shots=N``, ``normalize=True``, ``atol=``), or by a
# value (``num_qubits=3``) for the options of the command line and those the user passed
_ASSIGN = re.compile(r"(?<![\w.-])([a-z][a-z0-9_]*)=(True\b|N\b|X\b|ID\b|<[^>]*>|'[^']*'|"
                     r"\[\.\.\.\]|\{\.\.\.\}|-?[0-9][0-9.e+-]*|)")
_PLACEHOLDERS = ("", "True", "N", "X", "ID", "[...]", "{...}")


def cli_words(text: str, passed: Sequence[str] = ()) -> str:
    """``text`` (a library message, in Python words) in the command line's words: ``shots=N``
    becomes ``--shots N``, ``normalize=True`` ``--option normalize=true``, Python functions to
    call are left out. Option names are translated when they are the command line's
    (:data:`OPTION_FLAGS`) or ``passed`` (given with ``--option``), or when a placeholder follows
    them; a value a payload holds (``memory_slots=2`` of a Qiskit header) stays as it is."""
    for pattern, repl in _PHRASES:
        text = pattern.sub(repl, text)

    def flag(m: re.Match[str]) -> str:
        name, value = m.group(1), m.group(2)
        # a placeholder, or a quoted word to type (allow_loss='state'); a number may be data
        placeholder = value in _PLACEHOLDERS or value.startswith(("<", "'"))
        if name in OPTION_FLAGS and (placeholder or name in passed or name == "num_qubits"):
            if name in _BOOL_FLAGS and value in ("True", ""):
                return OPTION_FLAGS[name]
            shown = "" if value == "" else " " + (
                "ID" if value.startswith("<") else value.strip("'"))
            return OPTION_FLAGS[name] + shown
        if placeholder or name in passed:
            shown = {"True": "true", "": "VALUE"}.get(value, value.strip("'"))
            return f"--option {name}={shown}"
        return m.group(0)

    return _ASSIGN.sub(flag, text)


_UNKNOWN_OPTIONS = re.compile(r"(.*) does not take option\(s\) \[(.*)\]; it takes \[(.*)\]")


def _flag_of(name: str) -> str:
    """How the command line passes option ``name``: its flag, else ``--option name``."""
    return OPTION_FLAGS.get(name, f"--option {name}")


def _exit_code(exc: BaseException, passed: Sequence[str] = ()) -> int:
    if isinstance(exc, qfmt.MissingDependencyError):
        return EXIT_MISSING_DEP
    if isinstance(exc, (qfmt.UnknownFormatError, qfmt.OptionError, qfmt.FormatConflictError,
                        qfmt.AmbiguousFormatError, FileNotFoundError, IsADirectoryError,
                        NotADirectoryError)):
        return EXIT_USAGE
    if isinstance(exc, qfmt.ResultError) and _EXPERIMENT_CHOICE.match(str(exc)):
        return EXIT_USAGE  # --experiment names no experiment of the file, or is needed
    if isinstance(exc, qfmt.PayloadError) and exc.path == "$" and \
            any(exc.reason.startswith(f"{name} ") for name in passed):
        return EXIT_USAGE  # the value of an option (num_qubits -1 is outside ...)
    if isinstance(exc, qfmt.JobError):
        return EXIT_JOB
    return EXIT_INVALID


_EXPERIMENT_CHOICE = re.compile(r"no experiment (named|at index)|this result has \d+ "
                                r"experiments: name one|cannot look up an experiment|"
                                r"\d+ experiments are named")


def _passed() -> tuple[str, ...]:
    """The option names the user gave this command (``--num-qubits`` as ``num_qubits``, and
    every ``--option KEY``): messages naming them are about the command line."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    obj = root.obj if root is not None else None
    return tuple(obj.get("passed", ())) if isinstance(obj, dict) else ()


def _remember_options(options: Mapping[str, Any]) -> None:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    if root is not None and isinstance(root.obj, dict):
        root.obj["passed"] = tuple(options)


def _guard(debug: bool, func: Callable[[], Any]) -> Any:
    try:
        return func()
    except click.ClickException:
        raise
    except (qfmt.QfmtError, OSError) as exc:
        if debug:
            raise
        if isinstance(exc, qfmt.JobFailureError) and exc.code:
            raise _Fail(str(exc), EXIT_JOB) from exc
        passed = _passed()
        raise _Fail(_message(exc, passed), _exit_code(exc, passed)) from exc


# conversion options as the command line spells them
_FLAGS = {"shots=N": "--shots N", "sample=True and seed=N": "--sample --seed N",
          "join_registers=True": "--join-registers",
          "job_id='<child job id>'": "--job-id ID",
          "experiment=<index, name or job id>": "--experiment ID"}


def _message(exc: BaseException, passed: Sequence[str] = ()) -> str:
    """The one-line error message in the command line's words (:func:`cli_words`): control
    characters escaped, long text cut."""
    from ._errors import one_line

    if isinstance(exc, OSError) and not isinstance(exc, qfmt.QfmtError):
        text = os_error_text(exc)
    elif isinstance(exc, qfmt.PayloadError) and exc.format is None and exc.path == "$":
        text = exc.reason  # no format: "payload: $:" would say nothing
    elif isinstance(exc, qfmt.LossyConversionError) and exc.option in _FLAGS:
        text = f"{exc.what}; pass {_FLAGS[exc.option]} to allow it"
    elif isinstance(exc, qfmt.LossyConversionError) and "separate marginals" in str(exc):
        text = f"{exc}; pass --register NAME to convert one register"
    else:
        text = str(exc)
    unknown = _UNKNOWN_OPTIONS.fullmatch(text) if isinstance(exc, qfmt.OptionError) else None
    if unknown is not None:  # names as the user typed them, and the flags that exist
        bad = [_flag_of(n) for n in re.findall(r"'([^']*)'", unknown.group(2))]
        known = [_flag_of(n) for n in re.findall(r"'([^']*)'", unknown.group(3))]
        text = f"{unknown.group(1)} takes no {', '.join(bad)}; it takes {', '.join(known)}"
    if isinstance(exc, qfmt.PayloadError) and exc.path == "$":
        for name in passed:  # "num_qubits -1 is outside ..." is about --num-qubits
            if exc.reason.startswith(f"{name} "):
                text = f"{OPTION_FLAGS.get(name, f'--option {name}')}: {exc.reason[len(name) + 1:]}"
                break
    return one_line(cli_words(text, passed), 1000)


def os_error_text(exc: OSError) -> str:
    """``No such file or directory: runs/a.json``; the file name only when the error has one
    (never ``...: None``)."""
    what = exc.strerror or str(exc) or type(exc).__name__
    return f"{what}: {exc.filename}" if exc.filename is not None else what


# -- the spinner (stderr, a terminal only) -----------------------------------------------------

_busy = busy


def _note(text: str) -> None:
    """An informational line on stderr (above the spinner when one shows)."""
    if _live:
        _live[-1].print(text, markup=False, highlight=False, soft_wrap=True)
    else:
        click.echo(text, err=True)


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def _no_format(raw: bytes, found: qfmt.Detection, path: str) -> _Fail:
    """The error for a file no format reads plausibly (exit 1; exit 3 when a format recognises
    it but needs an extra): why the likely format refused it, in the command line's words."""
    from ._detect import no_format_error

    exc = no_format_error(raw, found, qfmt.default_registry())
    passed = _passed()
    return _Fail(f"{path}: {_message(exc, passed)}", _exit_code(exc, passed))


def _detect_one(raw: bytes, path: str) -> str:
    """The one format ``raw`` can be read as; says on stderr which one it is. No format: exit 1
    saying why the likely format refused it; formats that read it differently: exit 2 naming
    them and the option that chooses."""
    from ._detect import plausible

    found = qfmt.detect(raw)
    if not plausible(found):
        raise _no_format(raw, found, path)
    if found.ambiguous:
        names = ", ".join(found.candidates)
        raise _Fail(f"{path}: ambiguous: {names} read this payload differently; choose one with "
                    f"--from/--format (e.g. --from {found.candidates[0]})", EXIT_USAGE)
    _note(f"qfmt: {path}: detected format {found[0]}")
    return found[0]


def _json_text(data: Any) -> str:
    import orjson

    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def _rendered(out: Any, fmt: qfmt.Format) -> str | bytes:
    """What to write for ``dump``'s ``out``: JSON text (no final newline) for a JSON format, a
    non-JSON format's bytes or str unchanged."""
    return _json_text(out) if fmt.is_json else out


def _write(out: str | bytes, fmt: qfmt.Format, path: str | None) -> None:
    """Write rendered output to ``path`` (None or '-': stdout). JSON gets a final newline; a
    non-JSON format's output is written byte for byte (str as UTF-8 text, no newline added)."""
    text_nl = "\n" if fmt.is_json else ""
    if path is None or path == "-":
        if isinstance(out, bytes):
            click.echo(out, nl=False)
        else:
            click.echo(out + text_nl, nl=False)
    elif isinstance(out, bytes):
        Path(path).write_bytes(out)
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(out + text_nl)


def _extension(fmt: qfmt.Format) -> str:
    """The file extension for a format's output in a folder (as a batch names it)."""
    from ._batch import output_extension

    return output_extension(fmt)


def _width_options(num_qubits: int | None) -> dict[str, Any]:
    return {} if num_qubits is None else {"num_qubits": num_qubits}


_KIND_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "text",
               "None": "null"}


def _accepts(annotation: Any, value: Any) -> bool | None:
    """Whether ``value`` (read from JSON) fits a parameter ``annotation`` made of ``int``,
    ``float``, ``bool``, ``str`` and ``None``; None when the annotation says more (or nothing)."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", None)
    if not isinstance(text, str) or annotation is inspect.Parameter.empty:
        return None
    kinds = {part.strip() for part in text.split("|")}
    if not kinds or not kinds <= set(_KIND_WORDS):
        return None
    if value is None:
        return "None" in kinds
    if isinstance(value, bool):
        return "bool" in kinds
    if isinstance(value, int):
        return bool(kinds & {"int", "float"})
    if isinstance(value, float):
        return "float" in kinds
    if isinstance(value, str):
        return "str" in kinds
    return False


def _check_option_values(options: Mapping[str, Any], formats: Sequence[qfmt.Format]) -> None:
    """Refuse (exit 2) an ``--option`` value of the wrong kind for the formats' parameters that
    take it (``--option atol=abc``), before any file is read; values of options whose
    parameters say more than int/float/bool/str/None are left to the format."""
    for name, value in options.items():
        verdicts = []
        for f in formats:
            for func in (f.parse, f.serialize):
                try:
                    param = inspect.signature(func).parameters.get(name)
                except (TypeError, ValueError):
                    continue
                if param is not None:
                    verdicts.append((_accepts(param.annotation, value), param.annotation))
        if verdicts and not any(ok is None or ok for ok, _ in verdicts):
            kinds = {k.strip() for _, a in verdicts for k in str(a).split("|")}
            want = " or ".join(_KIND_WORDS[k] for k in _KIND_WORDS if k in kinds)
            raise _Fail(f"--option {name} takes {want}, got {json.dumps(value)}", EXIT_USAGE)


_parse_kv = parse_options


def _from_plugins(read: Callable[[], T]) -> T:
    """Run ``read`` (which loads plugins): their warnings become ``qfmt: warning:`` lines on
    stderr, and a strict-mode plugin failure (QFMT_STRICT_PLUGINS=1) a usage error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = read()
        except qfmt.PluginError as exc:
            raise _Fail(_message(exc), EXIT_USAGE) from exc
    for w in caught:
        click.echo(f"qfmt: warning: {w.message}", err=True)
    return out


class _Main(click.Group):
    """The ``qfmt`` group: built-in commands, plus those plugins add (hook
    ``qfmt_cli_commands``), looked up once when a command is not built in or commands are
    listed, so running a built-in command reads no plugin."""

    _plugins_added = False

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command line; plugin warnings print as ``qfmt: warning: ...`` lines."""
        from ._registry import PluginWarning

        def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:
            if issubclass(category, PluginWarning):
                _note(f"qfmt: warning: {message}")
            else:
                original(message, category, filename, lineno, file, line)

        with warnings.catch_warnings():
            original = warnings.showwarning
            warnings.showwarning = show
            try:
                return super().invoke(ctx)
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except KeyboardInterrupt:
                if _debug(ctx):
                    raise
                raise _Interrupted() from None
            except (qfmt.QfmtError, OSError) as exc:  # one error path, for plugin commands too
                if _debug(ctx):
                    raise
                passed = _passed()
                raise _Fail(_message(exc, passed), _exit_code(exc, passed)) from exc
            except Exception as exc:  # a bug: still one line (--debug shows the traceback)
                if _debug(ctx):
                    raise
                from ._errors import one_line, short_repr

                raise _Fail(one_line(f"unexpected error {short_repr(exc, 200)}; this is a bug "
                                     "in qfmt or a plugin: run with --debug for the traceback "
                                     "and report it", 1000), EXIT_INVALID) from exc

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Run the command line. Every failure is one ``qfmt: error:`` line on stderr with its
        exit code (click's usage errors too, which click would print with the usage); Ctrl-C
        exits 130."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except _Interrupted:
            click.echo("qfmt: error: interrupted", err=True)
            sys.exit(EXIT_INTERRUPT)
        except click.Abort:  # Ctrl-C where click catches it (a prompt, parsing)
            click.echo("\nqfmt: error: interrupted", err=True)
            sys.exit(EXIT_INTERRUPT)
        except _NO_ARGS as exc:  # ``qfmt`` or ``qfmt cache`` alone: the help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"qfmt: error: {exc.format_message()}{hint}", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)

    def _add_plugin_commands(self) -> None:
        if self._plugins_added:
            return
        self._plugins_added = True
        pairs = _from_plugins(lambda: qfmt.default_registry().cli_commands())
        for plugin, cmd in pairs:
            name = cmd.name or ""
            if not name or name in self.commands:
                click.echo(f"qfmt: warning: plugin {plugin!r} adds command {name!r}, which "
                           "exists already; skipped", err=True)
                continue
            self.add_command(cmd, name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in command, else one a plugin adds."""
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None:
            self._add_plugin_commands()
            cmd = super().get_command(ctx, cmd_name)
        return cmd

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, the plugins' included."""
        self._add_plugin_commands()
        return super().list_commands(ctx)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(qfmt.__version__, prog_name="qfmt")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Convert, validate, inspect and plot quantum result payloads."""
    # one_error_path: plugin commands may let qfmt errors, OSError and Ctrl-C propagate; the
    # group prints them as one line with the documented exit code
    ctx.obj = {"debug": debug, "one_error_path": True}


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.find_root().obj and ctx.find_root().obj.get("debug"))


def _is_terminal() -> bool:
    """Whether stdout is a terminal (tables there; plain lines when piped or redirected)."""
    return _isatty(sys.stdout)


def _console(console: Any = None) -> Any:
    from rich.console import Console

    return console if console is not None else Console()


def _formats_table(rows: Sequence[qfmt.FormatInfo], width: int) -> Any:
    """The ``qfmt formats`` table for a terminal ``width`` columns wide: the id column never wraps
    or truncates; the other columns wrap, and those that would not fit are left out (the
    description and status first kept, then the status alone)."""
    from rich.table import Table
    from rich.text import Text

    id_width = max([len("format id"), *(len(r.id) for r in rows)])
    room = width - id_width - 4  # the id column's borders and padding
    wide, medium = room >= 70, room >= 30
    table = Table()
    table.add_column("format id", no_wrap=True, min_width=id_width)
    if medium:
        table.add_column("description", overflow="ellipsis", ratio=3)
    if wide:
        table.add_column("plugin", overflow="ellipsis", ratio=1)
        table.add_column("distribution", overflow="ellipsis", ratio=1)
    table.add_column("status", overflow="ellipsis", ratio=2, min_width=6)
    for r in rows:
        dist = f"{r.distribution or '?'} {r.version or ''}".strip()
        status = r.status if not r.error else f"{r.status}: {r.error}"
        cells = [r.id] + ([r.description] if medium else [])
        cells += [r.plugin, dist] if wide else []
        # a plugin's text is printed as it is (Text), never read as markup ("[display, ...]")
        table.add_row(*(Text(c) for c in [*cells, status if medium else r.status]))
    return table


@main.command("formats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--ids", "ids_only", is_flag=True,
              help="Print the format ids, one per line (the default when stdout is not a terminal).")
@click.option("--table", "as_table", is_flag=True,
              help="Print the table even when stdout is not a terminal.")
def formats_cmd(as_json: bool, ids_only: bool, as_table: bool) -> None:
    """List every format: id, description, plugin, distribution, status.

    On a terminal, a table; piped or redirected (or with --ids), the ids one per line, each
    once, for scripts and shell completion."""
    rows = qfmt.formats()
    if as_json:
        click.echo(json.dumps([{"id": r.id, "description": r.description, "plugin": r.plugin,
                                "distribution": r.distribution, "version": r.version,
                                "status": r.status, "error": r.error,
                                "capabilities": list(r.capabilities)} for r in rows], indent=2))
        return
    if ids_only or not (as_table or _is_terminal()):
        ids = dict.fromkeys(r.id for r in rows if r.status != "failed")
        click.echo("".join(f"{fid}\n" for fid in ids), nl=False)
        return
    console = _console()
    console.print(_formats_table(rows, console.width))


def _plugins_table(rows: Sequence[Any]) -> Any:
    """The ``qfmt plugins`` table (rows are :class:`qfmt._registry.PluginInfo`)."""
    from rich.table import Table
    from rich.text import Text

    table = Table()
    table.add_column("plugin", no_wrap=True, min_width=max(
        [len("plugin"), *(len(r.name) for r in rows)]))
    table.add_column("distribution", overflow="ellipsis")
    table.add_column("version", overflow="ellipsis")
    table.add_column("formats", justify="right")
    table.add_column("status", overflow="fold")
    for r in rows:
        table.add_row(*(Text(c) for c in _plugin_cells(r)))
    return table


def _plugin_cells(r: Any) -> list[str]:
    """A ``qfmt plugins`` row: name, distribution, version, number of formats, status."""
    status = r.status if not r.error else f"{r.status}: {r.error}"
    name = f"{r.name} (built-in)" if r.builtin else r.name
    return [name, r.distribution or "?", r.version or "", str(len(r.formats)), status]


@main.command("plugins")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON (each plugin with its format ids) instead of a table.")
@click.option("--table", "as_table", is_flag=True,
              help="Print the table even when stdout is not a terminal.")
def plugins_cmd(as_json: bool, as_table: bool) -> None:
    """List every plugin: name, distribution, version, formats, status (loaded, failed with the
    reason, or blocked by QFMT_BLOCK_PLUGINS), built-in or not.

    On a terminal, a table; piped or redirected, one line per plugin, its fields separated by
    tabs (no box drawing)."""
    rows = _from_plugins(lambda: qfmt.default_registry().plugins())
    if as_json:
        click.echo(json.dumps([{"name": r.name, "distribution": r.distribution,
                                "version": r.version, "formats": list(r.formats),
                                "status": r.status, "error": r.error, "builtin": r.builtin}
                               for r in rows], indent=2))
        return
    if not (as_table or _is_terminal()):
        from ._errors import one_line

        for r in rows:
            click.echo("\t".join(one_line(c, 1000).replace("\t", " ") for c in _plugin_cells(r)))
        return
    _console().print(_plugins_table(rows))





_complete_formats = complete_formats


@main.command("schema")
@click.argument("fmt", shell_complete=_complete_formats)
@click.pass_context
def schema_cmd(ctx: click.Context, fmt: str) -> None:
    """Print the JSON Schema of FMT."""
    click.echo(json.dumps(_guard(_debug(ctx), lambda: qfmt.schema(fmt)), indent=2))


@main.command("detect")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: formats, candidates, scores, ambiguous, readings.")
@click.pass_context
def detect_cmd(ctx: click.Context, file: str, as_json: bool) -> None:
    """Print the formats FILE could be, best first (exit 1 if none reads it plausibly, saying
    why the likely format refused it)."""
    def run() -> tuple[Any, bytes]:
        raw = _read(file)
        with _busy(f"detecting the format of {file}"):
            return qfmt.detect(raw), raw

    found, raw = _guard(_debug(ctx), run)
    if as_json:
        click.echo(json.dumps({"file": file, "formats": list(found),
                               "candidates": found.candidates,
                               "scores": {k: found.scores.get(k) for k in found},
                               "ambiguous": found.ambiguous,
                               "readings": [list(g) for g in found.readings]}, indent=2))
    from ._detect import plausible

    if not as_json:
        for fid in found:
            click.echo(fid)
    if not plausible(found):  # none, or only formats that find it implausible (score 0)
        raise _no_format(raw, found, file)
    if as_json:
        return
    if found.ambiguous:
        click.echo(f"qfmt: {file}: ambiguous: {', '.join(found.candidates)} read it differently",
                   err=True)


@main.command("validate")
@click.argument("file")
@click.option("--format", "--from", "-f", "fmt", help="Format id (detected when omitted).",
              shell_complete=_complete_formats)
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: file, format, valid, problems (format, path, reason).")
@click.pass_context
def validate_cmd(ctx: click.Context, file: str, fmt: str | None, as_json: bool) -> None:
    """Check FILE against a format's schema and parser: exit 0 if valid, otherwise print every
    problem with its JSON path and exit 1."""
    def run() -> tuple[str, list[qfmt.PayloadError]]:
        raw = _read(file)
        with _busy(f"validating {file}"):
            f = fmt or _detect_one(raw, file)
            return f, qfmt.problems(raw, f)

    f, found = _guard(_debug(ctx), run)
    if as_json:
        click.echo(json.dumps({"file": file, "format": f, "valid": not found,
                               "problems": [{"format": p.format, "path": p.path,
                                             "reason": p.reason} for p in found]}, indent=2))
        if found:
            sys.exit(EXIT_INVALID)
        return
    for p in found:
        click.echo(f"{file}: {p.path}: {cli_words(p.reason)}", err=True)
    if found:
        sys.exit(EXIT_INVALID)
    click.echo(f"{file}: valid")


def _experiment_key(experiment: str) -> int | str:
    """``--experiment``: an index in ASCII digits, else a name or job id. Digits of other
    scripts (``²``, ``٣``) are refused: they look like an index and are none."""
    if re.fullmatch(r"-?[0-9]{1,18}", experiment):
        return int(experiment)
    if any(c.isdigit() for c in experiment) and experiment.lstrip("-").isdigit():
        raise _Fail(f"--experiment takes an index in ASCII digits (0, 1, ...), a name or a job "
                    f"id; got {experiment!r}", EXIT_USAGE)
    if not experiment.strip():
        raise _Fail("--experiment takes an index, a name or a job id; got an empty name",
                    EXIT_USAGE)
    return experiment


def _select_register(obj: Any, name: str) -> Any:
    """Register ``name`` of ``obj`` on its own (a RegisterMarginals' register, a laid-out
    distribution's or memory's marginal; in a Result, of each experiment), with a provenance
    note naming the registers left out. A name ``obj`` does not have is an OptionError."""
    if isinstance(obj, qfmt.Result):
        exps = [e if not e.success else kit.evolve(
            e, data={k: _select_register(v, name) if k in _REGISTER_DATA else v
                     for k, v in e.data.items()}) for e in obj.results]
        return kit.evolve(obj, results=exps)
    if isinstance(obj, qfmt.RegisterMarginals):
        names = list(obj.registers)
        if name not in obj.registers:
            raise qfmt.OptionError(f"--register {name!r}: the payload's registers are {names}")
        sub: Any = obj.registers[name]
    else:
        layout = getattr(obj, "layout", None)
        names = list(layout.names) if layout is not None else []
        if layout is None or name not in layout.names:
            raise qfmt.OptionError(f"--register {name!r}: the payload's registers are {names}"
                                   if names else f"--register {name!r}: the payload has no "
                                   "named registers")
        if isinstance(obj, qfmt.Memory):
            sub = obj.register(name)
        else:
            off = layout.offset(name)
            sub = qfmt.marginal_distribution(obj, list(range(off, off + layout[name].width)))
    others = [n for n in names if n != name]
    note = qfmt.Note("register-selected", f"register {name!r} selected with --register; "
                     f"registers {others} not carried")
    return kit.evolve(sub, layout=None, provenance=(*sub.provenance, note))


_REGISTER_DATA = ("counts", "probabilities", "memory", "quasi")


def _convert_one(raw: bytes, src: str, dst: str, options: dict[str, Any],
                 register: str | None) -> tuple[Any, list[Any]]:
    """``qfmt.convert`` (with ``register``: that register alone), and the losses the
    conversion was allowed (:func:`qfmt.losses`), for ``qfmt: note:`` lines."""
    from ._api import _prepared_with_losses, _serialized, route_options

    reg = qfmt.default_registry()
    s, d = reg.get(src), reg.get(dst)
    routed = route_options(options, src=s, dst=d)
    obj = qfmt.load(raw, s, **routed.load)
    if register is not None:
        obj = _select_register(obj, register)
    target, own, lost = _prepared_with_losses(obj, d, routed)
    return _serialized(target, d, reg, own), lost


def _output_folder(output: str | None) -> bool:
    """Whether ``-o`` names a folder: an existing one, or a name ending in a path separator
    (``newdir/``, created when missing)."""
    if output is None or output == "-":
        return False
    return Path(output).is_dir() or output.endswith(("/", os.sep))


@main.command("convert")
@click.argument("files", nargs=-1, required=True)
@click.option("--from", "src", help="Source format id (detected when omitted and unambiguous).",
              shell_complete=_complete_formats)
@click.option("--to", "dst", required=True, help="Target format id.",
              shell_complete=_complete_formats)
@click.option("-o", "--output", help="Output file ('-' = stdout, the default for one input), or "
              "a folder for several inputs (a name ending in '/' is a folder, created when "
              "missing: one input becomes FOLDER/<name>.<ext>).")
@click.option("--pretty", is_flag=True, help="Indent JSON output (JSON formats only).")
@click.option("--register", "register", metavar="NAME",
              help="Convert register NAME alone (e.g. of a payload whose registers have no joint "
              "distribution, into a format without registers).")
@click.option("--shots", type=int, help="Shots for probabilities -> counts.")
@click.option("--num-qubits", type=int, help="Declared width of v1 payloads.")
@click.option("--sample", is_flag=True, help="Allow synthesising per-shot data from counts.")
@click.option("--seed", type=int, help="Seed for --sample.")
@click.option("--join-registers", is_flag=True, help="Lay registers end to end in a joint format.")
@click.option("--include-leakage", is_flag=True, help="Count shots with leakage bits too.")
@click.option("--experiment", help="Which experiment of a multi-experiment result.")
@click.option("--job-id", help="Child job id when the target is an aggregate.")
@click.option("--allow-loss", "allow_loss", multiple=True, metavar="CAPABILITY",
              type=click.Choice(["joint", "bit-labels", "state", "result-types",
                                 "experiment-data"]),
              help="Let the conversion drop what the target cannot carry (repeatable): joint, "
              "bit-labels, state, result-types, experiment-data. Every loss is printed as a "
              "'qfmt: note:' line.")
@click.option("--option", "extra", multiple=True, metavar="KEY=VALUE",
              help="Any other format option (value parsed as JSON when it can be).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Parallel workers (default: cores); with --executor dask and no --scheduler, "
              "the workers of the local Dask cluster started for the batch.")
@click.option("--executor", "executor_name", type=click.Choice(["local", "dask"]),
              help="Where a batch runs: a local process pool (default), or Dask's distributed "
              "scheduler (needs qfmt[dask]).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Address of a running Dask scheduler (tcp://host:8786); implies --executor "
              "dask. Without it, --executor dask starts a local cluster for the batch.")
@click.pass_context
def convert_cmd(ctx: click.Context, files: tuple[str, ...], src: str | None, dst: str,
                output: str | None, pretty: bool, register: str | None, shots: int | None,
                num_qubits: int | None, sample: bool, seed: int | None, join_registers: bool,
                include_leakage: bool, experiment: str | None, job_id: str | None,
                allow_loss: tuple[str, ...], extra: tuple[str, ...], jobs: int,
                executor_name: str | None,
                scheduler: str | None) -> None:
    """Convert FILE(s) from one format to another. Use '-' for stdin.

    Several files (or a quoted glob such as 'runs/*.json') go into the folder named by -o, one
    output per input, converted in parallel (a local process pool, or a Dask cluster with
    --executor dask / --scheduler); bad files are reported and the others still written. A
    batch ends with a summary line on stderr."""
    debug = _debug(ctx)
    options: dict[str, Any] = {**_width_options(num_qubits), **_parse_kv(extra)}
    for key, value in (("shots", shots), ("seed", seed), ("job_id", job_id)):
        if value is not None:
            options[key] = value
    if experiment is not None:
        options["experiment"] = _experiment_key(experiment)
    if allow_loss:
        options["allow_loss"] = list(allow_loss)
    for key, flag in (("sample", sample), ("join_registers", join_registers),
                      ("include_leakage", include_leakage)):
        if flag:
            options[key] = True
    _remember_options(options)
    target = _guard(debug, lambda: qfmt.default_registry().get(dst))
    _check_option_values(_parse_kv(extra), [target, *_guard(debug, lambda: _sources(src))])
    if pretty and not target.is_json:
        raise _Fail(f"--pretty applies to JSON formats; {dst} is {target.media_type}",
                    EXIT_USAGE)
    if scheduler is not None and executor_name == "local":
        raise _Fail("--scheduler is an address of a Dask scheduler; it cannot be used with "
                    "--executor local", EXIT_USAGE)
    one_file = len(files) == 1 and not _is_pattern(files[0])
    if one_file:
        if executor_name is not None or scheduler is not None:
            raise _Fail("--executor and --scheduler are for a batch: give several files (or a "
                        "glob) and -o FOLDER", EXIT_USAGE)
        if _output_folder(output):
            if files[0] == "-":
                raise _Fail("'-' (stdin) has no name to write into a folder; give -o FILE",
                            EXIT_USAGE)
            output = str(Path(str(output)) / (Path(files[0]).stem + _extension(target)))

        def one() -> str | bytes:
            raw = _read(files[0])
            with _busy(f"converting {files[0]} to {dst}"):
                fmt = src or _detect_one(raw, files[0])
                out, lost = _convert_one(raw, fmt, dst, options, register)
                for loss in lost:  # nothing lost silently: each allowed loss, one line
                    _note(f"qfmt: note: {dst} does not carry {loss.detail}")
                return _pretty_json(out) if pretty else _rendered(out, target)

        out = _guard(debug, one)

        def write() -> None:
            if output not in (None, "-"):
                Path(str(output)).parent.mkdir(parents=True, exist_ok=True)
            _write(out, target, output)

        _guard(debug, write)
        return
    if output is None or output == "-":
        raise _Fail("several inputs need -o FOLDER", EXIT_USAGE)
    if "-" in files:
        raise _Fail("'-' (stdin) can only be converted on its own", EXIT_USAGE)
    if pretty or register is not None:
        raise _Fail(f"{'--pretty' if pretty else '--register'} applies to one file converted "
                    "on its own", EXIT_USAGE)
    use_dask = executor_name == "dask" or scheduler is not None
    if use_dask and scheduler is not None and jobs:
        raise _Fail("-j starts a local cluster of N workers; a running scheduler (--scheduler) "
                    "has its own workers", EXIT_USAGE)
    started = time.perf_counter()
    try:
        report = _guard(debug, lambda: _run_batch(files, src, dst, output, options, jobs,
                                                  use_dask, scheduler))
    except _Fail as exc:  # nothing converted: the error, then the summary line
        exc.show()
        click.echo(f"qfmt: converted 0 files (the batch did not run) in "
                   f"{time.perf_counter() - started:.1f} s", err=True)
        sys.exit(exc.exit_code)
    for rec in report.failed:
        msg = _message(rec.exception) if rec.exception is not None else rec.error
        click.echo(f"qfmt: error: {rec.path}: {msg}", err=True)
    if report.failed:
        click.echo(f"qfmt: {len(report.failed)} of {len(report)} files failed", err=True)
    click.echo(f"qfmt: {report.summary()}", err=True)
    if report.failed:
        sys.exit(EXIT_INVALID)


def _load_options(extra: Sequence[str], fmt: str | None, debug: bool) -> dict[str, Any]:
    """``--option KEY=VALUE`` of ``show`` and ``plot``: the format's load options, their values
    checked (exit 2) before any file is read."""
    options = _parse_kv(extra)
    if options:
        _check_option_values(options, _guard(debug, lambda: _sources(fmt)))
    return options


def _with_width(f: str, num_qubits: int | None, options: Mapping[str, Any]) -> dict[str, Any]:
    """Load options for format ``f``: ``--num-qubits`` when ``f`` takes it (it is the same flag
    for every file), and every ``--option`` (one ``f`` does not take is an error)."""
    accepted = qfmt.default_registry().get(f).load_options
    width = {k: v for k, v in _width_options(num_qubits).items()
             if accepted is None or k in accepted}
    return {**width, **options}


def _sources(src: str | None) -> list[qfmt.Format]:
    """The source format (``--from``), or every format when it is detected per file."""
    reg = qfmt.default_registry()
    if src is not None:
        return [reg.get(src)]
    out = []
    for fid in reg.ids():
        with contextlib.suppress(qfmt.QfmtError):
            out.append(reg.get(fid))
    return out


def _pretty_json(data: Any) -> str:
    import orjson

    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_INDENT_2).decode()


def _is_pattern(path: str) -> bool:
    return any(c in path for c in "*?[") and not Path(path).exists()


def _run_batch(files: Sequence[str], src: str | None, dst: str, output: str,
               options: dict[str, Any], jobs: int, use_dask: bool,
               scheduler: str | None) -> qfmt.BatchReport:
    """Run a batch with :func:`qfmt.convert_many` on a local pool or a Dask cluster."""
    if not use_dask:
        return qfmt.convert_many(files, dst, src=src, out_dir=output, jobs=jobs or None,
                                 **options)
    import importlib

    try:
        dist: Any = importlib.import_module("distributed")
    except ImportError as exc:
        raise qfmt.MissingDependencyError("--executor dask needs Dask's distributed scheduler: "
                                          "install qfmt[dask]") from exc
    if scheduler is not None:
        try:
            client = dist.Client(scheduler, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise _Fail(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                        EXIT_USAGE) from exc
        with client:
            return qfmt.convert_many(files, dst, src=src, out_dir=output,
                                     executor=client.get_executor(), **options)
    workers = jobs or os.cpu_count() or 1
    with dist.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None) as cluster, \
            dist.Client(cluster) as client:
        return qfmt.convert_many(files, dst, src=src, out_dir=output,
                                 executor=client.get_executor(), **options)


def _summaries(obj: Any) -> list[tuple[str, Any]]:
    """(label, distribution-or-memory) pairs to show for any canonical object."""
    if isinstance(obj, qfmt.Result):
        out = []
        for i, e in enumerate(obj.results):
            label = e.job_id or e.name or f"experiment {i}"
            if not e.success:
                out.append((label, None))
                continue
            for key in ("counts", "probabilities", "memory", "quasi"):
                if key in e.data:
                    out.append((label, e.data[key]))
                    break
        return out
    if isinstance(obj, qfmt.RegisterMarginals):
        return [(f"register {n}", d) for n, d in obj.registers.items()]
    if isinstance(obj, qfmt.Expectations):
        raise qfmt.LossyConversionError("expectation values have no outcomes to show as a "
                                        "histogram")
    return [("", obj)]


@main.command("show")
@click.argument("file")
@click.option("--format", "--from", "-f", "fmt", help="Format id (detected when omitted).",
              shell_complete=_complete_formats)
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=0),
              help="How many outcomes to list.")
@click.option("--num-qubits", type=int, help="Declared width of v1 payloads.")
@click.option("--experiment", help="Show one experiment of a result (index, name or job id).")
@click.option("--option", "extra", multiple=True, metavar="KEY=VALUE",
              help="Any other option of the format (e.g. normalize=true), value read as JSON.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def show_cmd(ctx: click.Context, file: str, fmt: str | None, top: int,
             num_qubits: int | None, experiment: str | None, extra: tuple[str, ...],
             as_json: bool) -> None:
    """A readable summary of FILE: format, width, shots, top outcomes, provenance."""
    from rich.console import Console

    key = None if experiment is None else _experiment_key(experiment)
    more = _load_options(extra, fmt, _debug(ctx))
    _remember_options({**_width_options(num_qubits), **more})

    def run() -> tuple[str, Any]:
        raw = _read(file)
        with _busy(f"reading {file}"):
            f = fmt or _detect_one(raw, file)
            obj = qfmt.load(raw, f, **_with_width(f, num_qubits, more))
        if key is not None:
            if not isinstance(obj, qfmt.Result):
                raise _Fail(f"--experiment picks one experiment of a result; {file} holds a "
                            f"{type(obj).__name__}", EXIT_USAGE)
            obj = kit.evolve(obj, results=[obj.experiment(key)])
        return f, obj

    f, obj = _guard(_debug(ctx), run)
    if as_json:
        click.echo(json.dumps(_show_data(file, f, obj, top), indent=2))
        return
    _show_text(Console(highlight=False), file, f, obj, top)


def _ranked(dist: Any, top: int) -> tuple[list[tuple[int, Any]], int, Any, float]:
    """The ``top`` outcomes of ``dist`` by |value| (ties: smaller outcome first), from its
    arrays: ``(outcome, value)`` pairs, how many more there are, their summed value, and the
    sum of all values (the share's denominator: signed for quasi-probabilities)."""
    import numpy as np

    vals = dist.value_array
    mags = np.abs(vals.astype(np.float64))
    order = np.argsort(-mags, kind="stable")[:max(top, 0)]
    total = vals.sum()
    shown = vals[order].sum() if len(order) else vals.dtype.type(0)
    pairs = [(int(dist.outcome_array[i]), vals[i].item()) for i in order]
    return pairs, len(vals) - len(order), (total - shown).item(), float(total) or 1.0


def _show_text(console: Any, file: str, f: str, obj: Any, top: int) -> None:
    """The ``show`` summary on ``console``. Every text from the file name, the payload or a
    plugin is printed literally (rich ``Text``, never parsed as markup: ``run[red].json``)."""
    from rich.table import Table
    from rich.text import Text

    def line(*parts: str | tuple[str, str]) -> None:
        console.print(Text.assemble(*parts), soft_wrap=True)

    line((file, "bold"), "  format ", (f, "cyan"), f"  ({type(obj).__name__})")
    if isinstance(obj, qfmt.Expectations):  # named arrays per block, no outcomes to rank
        for i, block in enumerate(obj):
            line("\n", (f"block {i}", "bold"), f"  shape {list(block.shape)}")
            for name, arr in block.data.items():
                flat = arr.ravel()
                more = f" ... ({flat.size} values)" if flat.size > top else ""
                line(f"  {name}: " + ", ".join(f"{v:.6g}" for v in flat[:top]) + more)
        return
    for label, item in _summaries(obj):
        if label:
            line("\n", (label, "bold"))
        if item is None:
            line(("  failed: no data", "red"))
            continue
        line("  " + _describe(item))
        for note in item.provenance:
            line("  ", ("note", "yellow"), f" {note.kind}: {note.detail}")
        dist = item.counts() if isinstance(item, qfmt.Memory) else item
        if isinstance(item, qfmt.Memory):
            for note in dist.provenance:
                if note.kind == "leakage-excluded":
                    line("  ", ("note", "yellow"), f" {note.detail}")
        pairs, n_more, rest, total = _ranked(dist, top)
        table = Table("outcome", "int", "value", "share", "", box=None, padding=(0, 1))
        for outcome, value in pairs:
            share = value / total  # signed: a negative quasi-probability has a negative share
            bits = dist.layout.format(outcome) if dist.layout is not None else \
                bitstring(outcome, dist.width)
            table.add_row(Text(bits), str(outcome),
                          f"{value:g}" if isinstance(value, float) else str(value),
                          f"{share:6.1%}", "█" * max(1, round(share * 40)) if share > 0 else "")
        if n_more:
            table.add_row(f"({n_more} more)", "", f"{rest:g}", f"{rest / total:6.1%}", "")
        console.print(table)


def _show_data(file: str, f: str, obj: Any, top: int) -> dict[str, Any]:
    """What ``show --json`` prints."""
    out: dict[str, Any] = {"file": file, "format": f, "type": type(obj).__name__}
    if isinstance(obj, qfmt.Expectations):
        out["blocks"] = [{"shape": list(block.shape),
                          "data": {name: arr.ravel()[:top].tolist()
                                   for name, arr in block.data.items()}} for block in obj]
        return out
    items = []
    for label, item in _summaries(obj):
        if item is None:
            items.append({"label": label, "failed": True})
            continue
        dist = item.counts() if isinstance(item, qfmt.Memory) else item
        pairs, more, rest, total = _ranked(dist, top)
        entry: dict[str, Any] = {
            "label": label, "kind": _kind(item), "width": item.width,
            "width_inferred": item.width_inferred,
            "registers": None if item.layout is None else
            [[n, w] for n, w in item.layout.sizes],
            "outcomes": len(dist),
            "shots": _shots(item),
            "provenance": [{"kind": n.kind, "detail": n.detail}
                           for n in (*item.provenance, *(dist.provenance if dist is not item
                                                        else ()))],
            "top": [{"bits": dist.layout.format(k) if dist.layout is not None else
                     bitstring(k, dist.width), "outcome": k, "value": v,
                     "share": v / total} for k, v in pairs],
            "more": {"outcomes": more, "value": rest},
        }
        if isinstance(item, qfmt.Memory):
            entry["leaked_shots"] = int(item.leaked().sum())
        items.append(entry)
    out["items"] = items
    return out


def _kind(item: Any) -> str:
    if isinstance(item, qfmt.Memory):
        return "memory"
    if isinstance(item, qfmt.Counts):
        return "counts"
    return "probabilities" if isinstance(item, qfmt.ProbDistribution) else "quasi"


def _shots(item: Any) -> int | None:
    if isinstance(item, qfmt.Memory):
        return len(item)
    if isinstance(item, qfmt.Counts):
        return int(item.shots())
    shots = getattr(item, "shots", None)
    return int(shots) if isinstance(shots, int) else None


def _describe(item: Any) -> str:
    unit = "bit" if item.width == 1 else "bits"
    width = f"{item.width} {unit}" + (" (inferred from the data)" if item.width_inferred else "")
    regs = ""
    if item.layout is not None:
        regs = ", registers " + ", ".join(f"{n}[{w}]" for n, w in item.layout.sizes)
    if isinstance(item, qfmt.Memory):
        leaked = int(item.leaked().sum())
        extra = f", {leaked} with leakage" if leaked else ""
        return f"per-shot memory: {len(item)} shots{extra}, {width}{regs}"
    if isinstance(item, qfmt.Counts):
        return f"counts: {item.shots()} shots, {len(item)} outcomes, {width}{regs}"
    kind = "probabilities" if isinstance(item, qfmt.ProbDistribution) else "quasi-probabilities"
    shots = f", {item.shots} shots" if getattr(item, "shots", None) else ""
    return f"{kind}: {len(item)} outcomes{shots}, {width}{regs}"


#: The image files ``qfmt plot`` writes (matplotlib's Agg canvas), by extension.
PLOT_TYPES = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".eps", ".ps")
#: The largest side of a plot in pixels (a bigger figure would take gigabytes to draw).
MAX_PLOT_SIDE = 8000
DEFAULT_PLOT = "histogram.png"


def _plot_size(size: str) -> tuple[int, int]:
    """``--size WxH``: two positive whole numbers of pixels, each at most MAX_PLOT_SIDE."""
    m = re.fullmatch(r"\s*([0-9]{1,6})\s*[xX]\s*([0-9]{1,6})\s*", size)
    if m is None:
        raise _Fail(f"--size takes WxH in pixels (e.g. 1000x600), got {size!r}", EXIT_USAGE)
    w, h = int(m.group(1)), int(m.group(2))
    if not (0 < w <= MAX_PLOT_SIDE and 0 < h <= MAX_PLOT_SIDE):
        raise _Fail(f"--size {w}x{h}: each side must be 1 to {MAX_PLOT_SIDE} pixels", EXIT_USAGE)
    return w, h


@main.command("plot")
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "--from", "-f", "fmt", help="Format id (detected when omitted).")
@click.option("-o", "--output", help=f"Image file: .png, .svg, .pdf, ... (default "
              f"{DEFAULT_PLOT} in the current folder; the file written is named on stderr).")
@click.option("--top", default=16, show_default=True, type=click.IntRange(min=1),
              help="Outcomes to keep per file; the rest are summed into 'rest'.")
@click.option("--sort", type=click.Choice(["asc", "desc", "hamming", "value", "value_desc"]),
              default="asc", show_default=True,
              help="Bar order, as Qiskit's plot_histogram (hamming needs --target).")
@click.option("--target", metavar="BITS",
              help="Target bitstring for --sort hamming, as wide as the data.")
@click.option("--size", default="1000x600", show_default=True, help="Image size in pixels, WxH.")
@click.option("--title", help="Figure title.")
@click.option("--num-qubits", type=int, help="Declared width of v1 payloads.")
@click.option("--option", "extra", multiple=True, metavar="KEY=VALUE",
              help="Any other option of the format (e.g. normalize=true), value read as JSON.")
@click.pass_context
def plot_cmd(ctx: click.Context, files: tuple[str, ...], fmt: str | None, output: str | None,
             top: int, size: str, title: str | None, num_qubits: int | None, sort: str,
             target: str | None, extra: tuple[str, ...]) -> None:
    """Plot a histogram of FILE(s) like Qiskit's plot_distribution; several files side by side.

    Writes -o (default histogram.png), names the file written on stderr, and prints its path on
    stdout."""
    from ._plot import plot_histograms

    w, h = _plot_size(size)
    path = output if output is not None else DEFAULT_PLOT
    if Path(path).suffix.lower() not in PLOT_TYPES:
        raise _Fail(f"-o {path!r}: an image file name ends in {', '.join(PLOT_TYPES)}",
                    EXIT_USAGE)
    bits = None
    if sort == "hamming":
        if target is None:
            raise _Fail("--sort hamming needs --target BITS", EXIT_USAGE)
        bits = target.replace(" ", "")
        if not bits or set(bits) - {"0", "1"}:
            raise _Fail(f"--target takes a bitstring of 0 and 1, got {target!r}", EXIT_USAGE)
    elif target is not None:
        raise _Fail(f"--target applies to --sort hamming (the bars are sorted {sort})",
                    EXIT_USAGE)
    more = _load_options(extra, fmt, _debug(ctx))
    _remember_options({**_width_options(num_qubits), **more})

    def run() -> None:
        series = []
        for file in files:
            raw = _read(file)
            f = fmt or _detect_one(raw, file)
            for label, item in _summaries(qfmt.load(raw, f, **_with_width(f, num_qubits, more))):
                if item is None:
                    continue
                name = Path(file).name + (f" {label}" if label else "")
                if bits is not None and item.width != len(bits):
                    raise _Fail(f"--target {target!r} has {len(bits)} bits; {name} has "
                                f"{item.width}", EXIT_USAGE)
                series.append((name, item))
        plot_histograms(series, path, top=top, size=(w, h), title=title, sort=sort,
                        target_string=target)

    _guard(_debug(ctx), run)
    _note(f"qfmt: wrote {path} ({Path(path).suffix.lower()[1:].upper()}, {w}x{h} pixels)")
    click.echo(path)


if __name__ == "__main__":  # pragma: no cover
    main()
