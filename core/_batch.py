"""Batch conversion: many files into a folder, on any :class:`concurrent.futures.Executor`.

:func:`convert_many` plans the whole batch first (inputs expanded, output names checked for
clashes, format and options checked), then ships only *paths* to the workers, which read their
files themselves, convert them and write each output under a temporary name that is renamed into
place once complete. A local process pool is the default; a ``dask.distributed`` client's
``get_executor()`` (or any other executor whose workers see the same files) runs the same batch on
a cluster.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import glob
import os
import pickle
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import attrs

from ._errors import OptionError, QfmtError

__all__ = ["BatchRecord", "BatchReport", "convert_many", "output_extension"]

#: Extensions of media types that :mod:`mimetypes` may not know.
_EXTENSIONS = {"application/vnd.apache.parquet": ".parquet",
               "application/vnd.apache.arrow.file": ".arrow",
               "text/csv": ".csv", "text/plain": ".txt"}
_GLOB_CHARS = frozenset("*?[")
#: The suffix of temporary files while an output is being written (renamed when complete).
PARTIAL_SUFFIX = ".qfmt-partial"


@attrs.frozen
class BatchRecord:
    """What happened to one input of :func:`convert_many`.

    ``path`` is the input (a glob that matched nothing is a record too), ``ok`` whether its
    output was written, ``output`` the file written, ``source`` the source format used (given or
    detected), ``error`` the one-line error and ``error_type`` its class name when it failed;
    ``exception`` is the error itself when it could travel back from the worker.
    """

    path: str
    ok: bool
    output: str | None = None
    source: str | None = None
    error: str | None = None
    error_type: str | None = None
    exception: BaseException | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class BatchReport(Sequence[BatchRecord]):
    """The result of :func:`convert_many`: one :class:`BatchRecord` per input, in input order.

    It reads as a sequence of records; ``failed`` and ``succeeded`` pick the records, ``ok`` says
    whether every input converted, and :meth:`summary` is the one-line summary the CLI prints.
    """

    records: tuple[BatchRecord, ...]
    target: str
    out_dir: str
    seconds: float = 0.0

    @overload
    def __getitem__(self, index: int) -> BatchRecord: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[BatchRecord]: ...
    def __getitem__(self, index: int | slice) -> BatchRecord | Sequence[BatchRecord]:
        """The record(s) at ``index``."""
        return self.records[index]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[BatchRecord]:
        return iter(self.records)

    @property
    def failed(self) -> tuple[BatchRecord, ...]:
        """Records of inputs that were not converted."""
        return tuple(r for r in self.records if not r.ok)

    @property
    def succeeded(self) -> tuple[BatchRecord, ...]:
        """Records of inputs whose output was written."""
        return tuple(r for r in self.records if r.ok)

    @property
    def ok(self) -> bool:
        """True when every input was converted."""
        return all(r.ok for r in self.records)

    def summary(self) -> str:
        """``converted 11 of 13 files to out/ as <format> in 1.2 s (2 failed)``."""
        failed = len(self.failed)
        tail = f" ({failed} failed)" if failed else ""
        return (f"converted {len(self) - failed} of {len(self)} files to {self.out_dir} as "
                f"{self.target} in {self.seconds:.1f} s{tail}")


def output_extension(fmt: Any) -> str:
    """The file extension of a format's output: ``.json`` for JSON formats, else from the media
    type (``.parquet`` for ``application/vnd.apache.parquet``), ``.out`` when unknown."""
    import mimetypes

    if fmt.is_json:
        return ".json"
    media = fmt.media_type.split(";", 1)[0].strip().lower()
    return _EXTENSIONS.get(media) or mimetypes.guess_extension(media) or ".out"


# -- planning -------------------------------------------------------------------------------------


def _expand(inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
            ) -> tuple[list[str], list[str]]:
    """(files, patterns that matched nothing): globs expanded in sorted order, duplicates (the
    same file named twice) dropped."""
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    files: list[str] = []
    unmatched: list[str] = []
    seen: set[str] = set()
    for item in items:
        text = os.fspath(item)
        if not isinstance(text, str):
            raise OptionError(f"inputs must be paths or glob patterns, got {type(item).__name__}")
        if _GLOB_CHARS & set(text) and not os.path.exists(text):
            found = sorted(p for p in glob.glob(text, recursive=True) if os.path.isfile(p))
            if not found:
                unmatched.append(text)
        else:
            found = [text]
        for f in found:
            key = os.path.normcase(os.path.abspath(f))
            if key not in seen:
                seen.add(key)
                files.append(f)
    return files, unmatched


def _check_options(reg: Any, src: Any, dst: Any, options: Mapping[str, Any]) -> None:
    """The options' names, up front: an option no step takes is an OptionError before any work."""
    from ._api import _reject_unknown, route_options
    from ._convert import CONVERSION_OPTIONS

    if src is not None:
        route_options(options, src=src, dst=dst)
        return
    loads: set[str] = set()
    for fid in reg.ids():
        try:
            accepted = reg.get(fid).load_options
        except QfmtError:
            continue
        if accepted is None:
            return  # some format takes any option: nothing to check up front
        loads |= accepted
    _reject_unknown(options, frozenset(loads), CONVERSION_OPTIONS, dst.dump_options,
                    what=f"converting to {dst.id}")


def _shippable(reg: Any, fmt: Any) -> Any:
    """What a worker needs to find ``fmt``: its id, or the Format itself for a format added in
    code with :func:`qfmt.register` (a worker process does not have it)."""
    from ._registry import CODE_PLUGIN

    if fmt is None:
        return None
    return fmt if reg.plugin_of(fmt) in (CODE_PLUGIN, None) else fmt.id


# -- the worker -----------------------------------------------------------------------------------

Task = tuple[str, Any, Any, str, dict[str, Any]]


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _travels(exc: BaseException) -> BaseException | None:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return None
    return exc


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed into place
    when complete: ``path`` is either absent, its old content, or complete; never partial."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:12]}{PARTIAL_SUFFIX}")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _render(out: Any, fmt: Any) -> bytes:
    """What a batch writes for ``dump``'s ``out``: JSON text with a final newline (as ``qfmt
    convert -o FILE`` writes it), a non-JSON format's bytes or str as they are."""
    if fmt.is_json:
        import orjson

        return orjson.dumps(out, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n"
    return out if isinstance(out, bytes) else str(out).encode("utf-8")


def _convert_one(task: Task) -> BatchRecord:
    from ._api import convert, detect
    from ._detect import no_format_error, plausible
    from ._errors import AmbiguousFormatError
    from ._registry import default_registry

    path, src, dst, out_path, options = task
    source = None
    try:
        raw = Path(path).read_bytes()
        if src is None:
            found = detect(raw)
            if not plausible(found):  # the record names the file: the error says why
                raise no_format_error(raw, found, default_registry())
            if found.ambiguous:  # never guess: the file fails, naming the candidates
                raise AmbiguousFormatError(found.candidates, "the file")
            source = found[0]
        else:
            source = src if isinstance(src, str) else src.id
        reg = default_registry()
        target = reg.resolve(dst)
        out = convert(raw, src if src is not None else source, target, **options)
        write_atomically(out_path, _render(out, target))
    except Exception as exc:
        return BatchRecord(path, False, None, source, _one_line(exc), type(exc).__name__,
                           _travels(exc))
    return BatchRecord(path, True, out_path, source)


def _convert_chunk(tasks: Sequence[Task]) -> list[BatchRecord]:
    """Convert a few files (one executor task); each file's failure is its own record."""
    return [_convert_one(t) for t in tasks]


# -- running --------------------------------------------------------------------------------------


def _chunks(tasks: list[Task], size: int) -> list[list[Task]]:
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


def _progress(enabled: bool, total: int) -> Any:
    if not enabled or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    bar.start()
    bar.add_task("converting", total=total)
    return bar


def convert_many(inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
                 dst: Any, *, src: Any = None, out_dir: str | os.PathLike[str],
                 executor: concurrent.futures.Executor | None = None, progress: bool = True,
                 jobs: int | None = None, chunksize: int | None = None,
                 **options: Any) -> BatchReport:
    """Convert many files (paths or glob patterns) to format ``dst``, one output per input in
    ``out_dir``, named by the input's stem and the format's extension (``.json``, ``.parquet``).

    Everything that can be checked is checked before any work: the formats, the option names
    (an option no step takes is a :class:`qfmt.OptionError`), and the output names: two inputs
    that would write the same file are an OptionError naming both. Then the inputs are converted
    on ``executor`` (any :class:`concurrent.futures.Executor`, e.g. a ``dask.distributed``
    client's ``get_executor()``; its workers must see the files), else on a local process pool of
    ``jobs`` workers (default: the machine's cores; ``jobs=1`` converts in this process).

    Workers read the files themselves (only paths travel), detect the source format when ``src``
    is None (as :func:`qfmt.load` does: a file that formats read differently fails with
    :class:`qfmt.AmbiguousFormatError` naming the candidates), and write each output under a temporary name
    renamed into place when complete, so no partial output is ever left under an output name.
    A bad input does not stop the batch: the report has one :class:`BatchRecord` per input, in
    input order, with the output or the error. ``progress`` shows a bar on stderr (a terminal
    only); ``chunksize`` files go to a worker per task (default: 1 for small batches, up to 32).
    Options are those of :func:`qfmt.convert`.

    >>> report = qfmt.convert_many("runs/*.json", "qfmt.counts.parquet.v1",
    ...                            out_dir="parquet")  # doctest: +SKIP
    >>> report.ok, report.summary()                  # doctest: +SKIP
    (True, 'converted 120 of 120 files to parquet as qfmt.counts.parquet.v1 in 2.1 s')
    """
    from ._registry import default_registry

    started = time.perf_counter()
    reg = default_registry()
    target = reg.resolve(dst)
    source = None if src is None else reg.resolve(src)
    _check_options(reg, source, target, options)
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 0):
        raise OptionError(f"jobs must be a non-negative int, not {jobs!r}")
    files, unmatched = _expand(inputs)
    folder = Path(out_dir)
    ext = output_extension(target)
    by_name: dict[str, str] = {}
    inputs_at = {os.path.normcase(os.path.abspath(f)): f for f in files}
    tasks: list[Task] = []
    for f in files:
        name = Path(f).stem + ext
        if name in by_name:
            raise OptionError(f"{by_name[name]} and {f} would both be written to "
                              f"{folder / name}; convert them into different folders")
        by_name[name] = f
        out = os.path.abspath(folder / name)
        other = inputs_at.get(os.path.normcase(out))
        if other is not None and other != f:
            raise OptionError(f"{f} would be written over the input {other}; choose another "
                              "output folder")
        tasks.append((os.path.abspath(f), _shippable(reg, source), _shippable(reg, target), out,
                      dict(options)))
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, BatchRecord] = {}
    size = chunksize or max(1, min(32, len(tasks) // 256))
    bar = None
    pool: concurrent.futures.Executor | None = None
    try:
        if executor is None and (jobs == 1 or len(tasks) <= 1):
            bar = _progress(progress, len(tasks))
            for t in tasks:
                rec = _convert_one(t)
                results[t[0]] = rec
                if bar is not None:
                    bar.advance(bar.task_ids[0])
        elif tasks:
            if executor is None:
                workers = min(jobs or os.cpu_count() or 1, len(tasks))
                pool = executor = concurrent.futures.ProcessPoolExecutor(max_workers=workers)
            # submit everything before the progress bar starts its thread (a fork-started pool
            # forks its workers on submit)
            futures = {executor.submit(_convert_chunk, chunk): chunk
                       for chunk in _chunks(tasks, size)}
            bar = _progress(progress, len(tasks))
            for fut in concurrent.futures.as_completed(futures):
                chunk = futures[fut]
                try:
                    done = fut.result()
                except Exception as exc:  # the worker itself died (killed, out of memory...)
                    why = f"the worker converting it failed: {_one_line(exc)}"
                    done = [BatchRecord(t[0], False, None, None, why, type(exc).__name__)
                            for t in chunk]
                for t, rec in zip(chunk, done):
                    results[t[0]] = rec
                if bar is not None:
                    bar.advance(bar.task_ids[0], len(chunk))
    finally:
        if bar is not None:
            bar.stop()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    records = [attrs.evolve(results[t[0]], path=f) for t, f in zip(tasks, files)]
    records += [BatchRecord(p, False, None, None, "no file matches this pattern",
                            "FileNotFoundError") for p in unmatched]
    return BatchReport(tuple(records), target.id, str(folder), time.perf_counter() - started)
