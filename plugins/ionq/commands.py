"""The IonQ commands of the ``qfmt`` command line: ``fetch``, ``cache path|list|clear`` and
``schema-diff``, contributed through the ``qfmt_cli_commands`` hook.

Exit codes (as the core CLI's): 0 success; 1 invalid (``schema-diff`` found differences, or a
served schema that is not JSON); 2 usage (a bad job id, no API key, an output folder a file would
escape, an unknown format); 3 a missing optional dependency (``install qfmt[client]``); 4 fetching a
job failed (it failed or was cancelled, timed out, or the API kept failing); 130 interrupted
(Ctrl-C). Errors are one line on stderr, ``qfmt: error: ...``: under the ``qfmt`` command line
the core's one error path prints them (in the command line's words), the plugin itself only its
own usage errors; the root group's ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

import qfmt

__all__ = ["cache_cmd", "fetch_cmd", "qfmt_cli_commands", "schema_diff_cmd"]

from qfmt import kit

EXIT_JOB = 4  # fetching a job failed (failed, cancelled, timed out, the API kept failing)

T = TypeVar("T")

_Fail = kit.CliError  # (imports qfmt.cli: this module is imported by the command line only)


def _exit_code(exc: BaseException) -> int:
    from .client import InvalidIdError, MissingApiKeyError

    if isinstance(exc, qfmt.MissingDependencyError):
        return kit.EXIT_MISSING_DEP
    if isinstance(exc, (MissingApiKeyError, InvalidIdError, qfmt.UnknownFormatError,
                        qfmt.OptionError, qfmt.FormatConflictError)):
        return kit.EXIT_USAGE
    if isinstance(exc, qfmt.JobError):
        return EXIT_JOB
    return kit.EXIT_INVALID


def _root_obj() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    obj = root.obj if root is not None else None
    return obj if isinstance(obj, dict) else {}


def _guard(func: Callable[[], T]) -> T:
    """Run ``func``. The plugin's own usage errors (no API key, a bad job id) exit 2 here. Under
    the ``qfmt`` command line (which says so with ``one_error_path`` in the root context's
    ``obj``) every other error goes to its one error path: one ``qfmt: error:`` line in the
    command line's words with the documented exit code, Ctrl-C exiting 130. A command run on its
    own turns a qfmt or OS error into one line and its exit code itself."""
    from .client import InvalidIdError, MissingApiKeyError

    try:
        return func()
    except click.ClickException:
        raise
    except (qfmt.QfmtError, OSError) as exc:
        obj = _root_obj()
        if obj.get("debug"):
            raise
        if isinstance(exc, MissingApiKeyError):  # the command line has no --api-key
            raise _Fail("no IonQ API key: set IONQ_API_KEY", kit.EXIT_USAGE) from exc
        if isinstance(exc, InvalidIdError):
            raise _Fail(_one_line(str(exc)), kit.EXIT_USAGE) from exc
        if obj.get("one_error_path"):
            raise
        if isinstance(exc, OSError) and not isinstance(exc, qfmt.QfmtError):
            raise _Fail(_os_error_text(exc), kit.EXIT_INVALID) from exc
        raise _Fail(_one_line(str(exc)) if str(exc) else type(exc).__name__,
                    _exit_code(exc)) from exc


def _one_line(text: str) -> str:
    """The first line of ``text``, without control characters."""
    first = text.splitlines()[0] if text else ""
    return "".join(c if c.isprintable() else " " for c in first)


def _os_error_text(exc: OSError) -> str:
    """``Connection refused``, or ``Permission denied: out/a.json`` when the error names a
    file (never ``...: None``)."""
    what = exc.strerror or str(exc) or type(exc).__name__
    return f"{what}: {exc.filename}" if exc.filename is not None else what


def _json_text(data: Any) -> str:
    import orjson

    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def output_file(folder: Path, job_id: str) -> Path:
    """``folder/<job_id>.json``, refusing any id that is not a plain id or whose file would not
    sit directly in ``folder``."""
    from .client import check_id

    check_id(job_id)
    target = folder / f"{job_id}.json"
    if target.resolve().parent != folder.resolve():
        raise _Fail(f"job id {job_id!r} would be written outside {folder}", kit.EXIT_USAGE)
    return target


@click.command("fetch")
@click.argument("job_ids", nargs=-1, required=True)
@click.option("--format", "-f", "fmt", help="Result format to fetch (default: the richest).",
              shell_complete=kit.complete_format_ids)
@click.option("--to", "dst", default="qiskit.result.json.v1", show_default=True,
              help="Format to write.", shell_complete=kit.complete_format_ids)
@click.option("-o", "--output", help="Output file (one job) or folder (several, or an existing "
              "folder: one <job id>.json each); default stdout.")
@click.option("--timeout", type=float, help="Seconds to wait for each job, retries included "
              "(default: forever).")
@click.option("--wait", type=float, default=5, show_default=True, help="Seconds between polls.")
@click.option("--partial", is_flag=True, help="Return the completed circuits of a failed job.")
@click.option("--refresh", is_flag=True, help="Download again even if the store has a copy.")
@click.option("--base-url", envvar="IONQ_API_URL", help="API base URL (default IonQ's).")
@click.option("--option", "extra", multiple=True, metavar="KEY=VALUE",
              help="Options for the target format (e.g. shots=1000, meas_mapped=[0,1]).")
def fetch_cmd(job_ids: tuple[str, ...], fmt: str | None, dst: str, output: str | None,
              timeout: float | None, wait: float, partial: bool, refresh: bool,
              base_url: str | None, extra: tuple[str, ...]) -> None:
    """Fetch JOB_ID(s)' results (stored locally first, see `qfmt cache`) and write them as --to.
    The API key comes from IONQ_API_KEY; it is sent only to the API's own https origin."""
    options = kit.cli_options(extra)

    def run() -> None:
        from .client import Client, check_id

        for job_id in job_ids:  # every id is checked before anything is asked or written
            check_id(job_id)
        qfmt.schema(dst)  # an unknown target format fails before any request
        folder: Path | None = None
        if output not in (None, "-") and (len(job_ids) > 1 or Path(str(output)).is_dir()):
            folder = Path(str(output))
            for job_id in job_ids:
                output_file(folder, job_id)
        with Client(base_url=base_url) as client:
            for job_id in job_ids:
                with kit.cli_busy(f"fetching job {job_id}"):
                    result = client.job(job_id).result(timeout=timeout, wait=wait,
                                                        partial=partial, refresh=refresh, fmt=fmt)
                text = _json_text(qfmt.dump(result, dst, **options))
                if output is None or output == "-":
                    click.echo(text)
                elif folder is None:
                    Path(output).write_text(text + "\n")
                else:
                    folder.mkdir(parents=True, exist_ok=True)
                    output_file(folder, job_id).write_text(text + "\n")

    _guard(run)


@click.group("cache")
def cache_cmd() -> None:
    """The local store of downloaded artifacts (QFMT_CACHE_DIR, else the user cache dir;
    directory 0700, files 0600)."""


@cache_cmd.command("path")
def cache_path_cmd() -> None:
    """Print the store's file."""
    from ._store import ArtifactStore

    click.echo(str(_guard(ArtifactStore).path))


@cache_cmd.command("list")
@click.argument("job_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per artifact.")
def cache_list_cmd(job_id: str | None, as_json: bool) -> None:
    """List stored artifacts (of one job): job id, key, format, size, when fetched, sha256."""
    import datetime

    from ._store import ArtifactStore

    found = _guard(lambda: list(ArtifactStore().list(job_id)))
    if as_json:
        click.echo(json.dumps([{"job_id": a.job_id, "key": a.key, "format": a.format,
                                "size": a.size, "fetched_at": a.fetched_at,
                                "sha256": a.sha256} for a in found], indent=2))
        return
    for a in found:
        when = datetime.datetime.fromtimestamp(a.fetched_at).isoformat(timespec="seconds")
        click.echo(f"{a.job_id}\t{a.key}\t{a.format or '-'}\t{a.size} B\t{when}\t"
                   f"sha256:{a.sha256[:12]}")


@cache_cmd.command("clear")
@click.argument("job_id", required=False)
@click.option("--yes", is_flag=True, help="Do not ask.")
def cache_clear_cmd(job_id: str | None, yes: bool) -> None:
    """Delete stored artifacts (of one job). Artifacts the server serves only once are gone for
    good."""
    what = f"the artifacts of job {job_id}" if job_id else "every stored artifact"
    if not yes and not click.confirm(f"Delete {what}?", default=False):
        raise _Fail("nothing deleted", kit.EXIT_USAGE)
    from ._store import ArtifactStore

    n = _guard(lambda: ArtifactStore().clear(job_id))
    click.echo(f"deleted {n} artifact(s)")


@click.command("schema-diff")
@click.argument("fmt", shell_complete=kit.complete_format_ids)
@click.option("--base-url", envvar="IONQ_API_URL", help="API base URL (default IonQ's).")
@click.option("--served", type=click.Path(exists=True, dir_okay=False),
              help="Compare with this schema file instead of fetching it.")
def schema_diff_cmd(fmt: str, base_url: str | None, served: str | None) -> None:
    """Compare qfmt's JSON Schema for FMT with the one the API serves; exit 1 if they differ."""
    from .client import Client, SchemaDifference, compare_schema

    def run() -> list[SchemaDifference]:
        qfmt.schema(fmt)  # an unknown format is a usage error, before any request
        if served is not None:
            try:
                data = json.loads(Path(served).read_text())
            except json.JSONDecodeError as exc:
                raise _Fail(f"{served}: not valid JSON: {exc}", kit.EXIT_INVALID) from None
            if not isinstance(data, dict):
                raise _Fail(f"{served}: a JSON Schema is an object", kit.EXIT_INVALID)
            return compare_schema(fmt, data)
        with Client(base_url=base_url) as client:
            return compare_schema(fmt, client=client)

    diffs = _guard(run)
    for d in diffs:
        click.echo(str(d))
    if diffs:
        sys.exit(kit.EXIT_INVALID)
    click.echo(f"{fmt}: the served schema agrees with qfmt's")


@qfmt.hookimpl
def qfmt_cli_commands() -> list[click.Command]:
    """The IonQ commands, for the core command line to add."""
    return [fetch_cmd, cache_cmd, schema_diff_cmd]
