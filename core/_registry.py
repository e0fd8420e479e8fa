"""The format registry: pluggy hooks, the :class:`Format` descriptor and its contract, and
plugin discovery.

A :class:`Registry` holds formats, their compiled JSON Schema validators and the plugin state
(built-ins, entry points, failures, preferences). :func:`default_registry` is the one behind
``qfmt.load`` and the other verbs; every verb takes ``registry=`` to use another (tests build their
own: ``Registry()`` has the built-ins, ``Registry(builtins=())`` starts empty).

Built-in plugins (``qfmt.plugins.*``) register through the same ``qfmt_formats`` hook as third
parties, but without scanning entry points, so loading a built-in format never imports a
third-party plugin. Third-party plugins are found through the ``qfmt.formats`` entry-point group,
lazily: only when an id is asked for that no built-in provides, or when formats are listed.

Each third-party plugin is loaded and its hook called on its own, inside ``try``: a plugin that
fails is warned about (naming it and its distribution), listed as failed, and everything else keeps
working. A format that breaks the :class:`Format` contract (:func:`check_format`) is listed as
failed on its own; the plugin's other formats keep working. ``QFMT_STRICT_PLUGINS=1`` makes such a
failure an error; ``QFMT_DISABLE_PLUGINS=1`` skips third-party plugins entirely, and
``QFMT_BLOCK_PLUGINS=name,other`` skips the third-party plugins of those entry-point names (they
are listed as ``blocked`` by :meth:`Registry.plugins`).
"""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs
import pluggy

if TYPE_CHECKING:
    from importlib import metadata

    import click

from ._capabilities import CAPABILITIES, default_capabilities
from ._dist import Counts, ProbDistribution, QuasiDistribution
from ._errors import (
    FormatConflictError,
    FormatContractError,
    OptionError,
    PluginError,
    UnknownFormatError,
)
from ._expectations import Expectations
from ._memory import Memory
from ._results import RegisterMarginals, Result
from ._version import __version__

__all__ = [
    "CANONICAL_TYPE_NAMES",
    "Format",
    "FormatInfo",
    "PluginInfo",
    "Registry",
    "canonical_types",
    "check_format",
    "default_registry",
    "hookimpl",
    "hookspec",
]

#: Marker for hook implementations: decorate a ``qfmt_formats()`` function with it.
hookimpl = pluggy.HookimplMarker("qfmt")
#: Marker for hook specifications (used by qfmt itself).
hookspec = pluggy.HookspecMarker("qfmt")

ENTRY_POINT_GROUP = "qfmt.formats"
#: Where the built-in plugins live: every package in it is one vendor's plugin (core names none).
BUILTIN_PACKAGE = "qfmt.plugins"
BUILTIN_DISTRIBUTION = "qfmt"
#: The plugin name of formats added in code with :func:`qfmt.register`.
CODE_PLUGIN = "qfmt.register"

#: The canonical types a format may produce, by their name in ``qfmt``: the one list of them.
#: :func:`canonical_types` gives the types themselves.
CANONICAL_TYPE_NAMES = ("Counts", "ProbDistribution", "QuasiDistribution", "Memory",
                        "RegisterMarginals", "Result",
                        "Expectations")

_DRAFT7_IDS = frozenset({"http://json-schema.org/draft-07/schema#",
                         "http://json-schema.org/draft-07/schema",
                         "https://json-schema.org/draft-07/schema#",
                         "https://json-schema.org/draft-07/schema"})


@functools.cache
def canonical_types() -> tuple[type, ...]:
    """The canonical types (``Format.produces`` must be one), in :data:`CANONICAL_TYPE_NAMES`
    order."""
    types = {t.__name__: t for t in (Counts, ProbDistribution, QuasiDistribution, Memory,
                                      RegisterMarginals, Result, Expectations)}
    return tuple(types[name] for name in CANONICAL_TYPE_NAMES)


class HookSpecs:
    """The hooks a qfmt plugin can implement."""

    @hookspec
    def qfmt_formats(self) -> Iterable[Format]:  # type: ignore[empty-body]
        """Return the formats this plugin provides, as :class:`qfmt.Format` descriptors.

        Example, in a module named by an entry point of group ``qfmt.formats``::

            import qfmt

            @qfmt.hookimpl
            def qfmt_formats():
                return [qfmt.Format(id="acme.counts.v1", description="...", parse=...,
                                    serialize=..., schema={...}, produces=qfmt.Counts)]
        """

    @hookspec
    def qfmt_cli_commands(self) -> Iterable[click.Command]:  # type: ignore[empty-body]
        """Return ``click`` commands to add to the ``qfmt`` command line.

        Called once, when the command line starts (never by ``import qfmt``), for built-in and
        third-party plugins (same ``qfmt.formats`` entry-point group). A command whose name is
        already taken is skipped with a warning, and so is a plugin whose hook fails. Example::

            import click
            import qfmt

            @click.command("hello")
            def hello():
                click.echo("hello from acme")

            @qfmt.hookimpl
            def qfmt_cli_commands():
                return [hello]
        """


#: ``_accepted_options`` by callable id, with the callable kept alive so the id stays its own:
#: a Format's options are read from its signatures once, not on every call.
_OPTIONS_SEEN: dict[int, tuple[Callable[..., Any], frozenset[str] | None]] = {}


def _accepted_options(func: Callable[..., Any]) -> frozenset[str] | None:
    """Keyword options a parse/serialize callable accepts (None: it takes ``**kwargs``),
    read from its signature once per callable."""
    seen = _OPTIONS_SEEN.get(id(func))
    if seen is not None and seen[0] is func:
        return seen[1]
    out = _signature_options(func)
    _OPTIONS_SEEN[id(func)] = (func, out)
    return out


def _signature_options(func: Callable[..., Any]) -> frozenset[str] | None:
    try:
        params = list(inspect.signature(func).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return frozenset(
        p.name for p in params
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    )


def is_json_media_type(media_type: str) -> bool:
    """True for ``application/json`` and any ``+json`` suffix (parameters ignored)."""
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _capability_set(value: Iterable[str] | None) -> frozenset[str] | None:
    """``Format.capabilities`` as a frozenset (None stays None: the format declares none)."""
    return None if value is None else frozenset(value)


@attrs.frozen
class Format:
    """A format a plugin provides: its id, parser, serializer and JSON Schema.

    - ``parse(payload, **options)`` returns a canonical object (an instance of ``produces``);
      it raises :class:`qfmt.PayloadError` on bad input. A JSON format's ``parse`` takes parsed
      JSON; a non-JSON format's (see ``media_type``) takes the raw ``bytes``.
    - ``serialize(obj, **options)`` takes an instance of ``produces`` (qfmt converts other
      canonical objects first) and returns JSON-ready data, or for a non-JSON format ``bytes``
      or ``str`` (returned as is by ``dump`` and ``dumps``).
    - ``schema`` is a draft-07 JSON Schema whose ``$id`` is the format id. For a non-JSON format
      it documents the payload (e.g. ``{"type": "string", "contentMediaType": "text/csv"}``)
      and is not checked: ``validate`` runs the parser only.
    - ``element`` names the canonical type inside a container (``RegisterMarginals`` or
      ``Result``), e.g. ``Counts`` for a register-nested histogram.
    - ``sniff(payload) -> float`` (optional) ranks this format in :func:`qfmt.detect` among
      formats that accept the payload (the parsed JSON, or the bytes of a non-JSON format);
      higher is better, default 0.5. The scale is :data:`qfmt._detect.SNIFF_SCALE`.
    - ``score`` (optional, keyword-only): a constant detection score, for a format whose
      ranking does not depend on the payload (e.g. ``score=0.9``, a number in [0, 1]). A format
      gives ``sniff`` (it reads the payload) or ``score`` (a constant), not both; with ``score``
      :func:`qfmt.detect` need not parse JSON text that ``parse_raw`` has read.
    - ``media_type`` (default ``application/json``): JSON means ``application/json`` or a
      ``+json`` suffix; anything else (``text/csv``...) is a non-JSON format.
    - ``parse_raw(raw: bytes, **options)`` (optional, JSON formats) is a fast path for JSON
      text: it returns the canonical object, or None to decline (then ``parse`` runs on the
      parsed JSON). It must accept exactly what ``parse`` accepts, or decline.

    - ``joint_register``: for a register-nested format, the name it gives the register that
      holds every measured bit (qfmt adds it when writing data with one joint outcome).
    - ``registers``: False for a format without registers; qfmt then hands ``serialize`` one joint
      register (the layout's ``joint`` register, or all of them with ``join_registers=True``).
    - ``carries_leakage``: whether the format can hold leaked shots; if not, qfmt leaves them out
      before ``serialize`` is called (``include_leakage=True`` keeps them as plain shots).
    - ``bit_order``: one line saying how the format's text maps to canonical bit *i*.
    - ``serialize_raw(obj, *, pretty=False, **options) -> bytes | None`` (optional, JSON
      formats): a fast path for :func:`qfmt.dumps`, writing the JSON text straight from the
      arrays. It gets what ``serialize`` gets and returns exactly the bytes
      ``orjson.dumps(serialize(obj, **options))`` would write (``OPT_INDENT_2`` when ``pretty``),
      or None to decline (then ``serialize`` runs and orjson writes its data).
    - ``parse_checks_schema``: the format's promise that whatever ``parse`` accepts (and so
      ``parse_raw``) also passes its schema. :func:`qfmt.detect`, :func:`qfmt.validate` and
      :func:`qfmt.problems` then run the parser first and check the schema only on payloads
      the parser refuses (to list the violations with their paths), never on millions of shots
      the parser has already read. A format that sets it must test the promise
      (``tests/core/test_detect_speed_paths.py`` does for the built-ins).
    - ``capabilities``: what the format carries, as names of :data:`qfmt.CAPABILITIES`
      (``experiments``, ``registers``, ``register-names``, ``register-positions``, ``joint``,
      ``bit-labels``, ``leakage``, ``shot-order``, ``shots``, ``experiment-data``,
      ``metadata``). Writing an object that holds more loses the rest: qfmt refuses it unless
      the option that allows it is given, or records a provenance note
      (:func:`qfmt.losses`). None (the default) takes what ``produces``, ``registers`` and
      ``carries_leakage`` imply (:attr:`carries`); ``registers`` must agree with it.
    - ``before_conversion(obj, **serializer_options) -> (obj, serializer_options)``
      (optional): runs on the object as given to :func:`qfmt.dump`, before it is converted to
      ``produces``, and returns the object to convert and the options left for ``serialize``.
      A format whose options change the values (a bit map that merges outcomes) uses it so that
      rounding (``shots=``) applies to the distribution that is written.
    - ``sniff_raw(raw: bytes) -> float`` (optional, with ``parse_raw`` and
      ``parse_checks_schema``): ``sniff`` computed on the JSON text. :func:`qfmt.detect` calls it
      instead of ``sniff`` when ``parse_raw`` has accepted the same bytes, so the text need not be
      parsed into Python objects only to rank the format; it must give what ``sniff`` gives on the
      parsed text.

    The options a format accepts are the keyword parameters of ``parse`` and ``serialize``.
    Registering a format checks the contract (:func:`check_format`).
    """

    id: str
    description: str
    parse: Callable[..., Any] = attrs.field(repr=False)
    serialize: Callable[..., Any] = attrs.field(repr=False)
    schema: Mapping[str, Any] = attrs.field(repr=False)
    produces: type
    element: type | None = None
    sniff: Callable[[Any], float] | None = attrs.field(default=None, repr=False)
    media_type: str = "application/json"
    parse_raw: Callable[..., Any] | None = attrs.field(default=None, repr=False)
    joint_register: str | None = attrs.field(default=None, kw_only=True)
    registers: bool = attrs.field(default=True, kw_only=True)
    carries_leakage: bool = attrs.field(default=False, kw_only=True)
    bit_order: str = attrs.field(default="", kw_only=True)
    serialize_raw: Callable[..., Any] | None = attrs.field(default=None, kw_only=True, repr=False)
    parse_checks_schema: bool = attrs.field(default=False, kw_only=True)
    sniff_raw: Callable[[bytes], float] | None = attrs.field(default=None, kw_only=True,
                                                             repr=False)
    capabilities: frozenset[str] | None = attrs.field(
        default=None, kw_only=True, converter=_capability_set)
    before_conversion: Callable[..., tuple[Any, dict[str, Any]]] | None = attrs.field(
        default=None, kw_only=True, repr=False)
    score: float | None = attrs.field(default=None, kw_only=True)

    @property
    def carries(self) -> frozenset[str]:
        """The capabilities this format carries (names of :data:`qfmt.CAPABILITIES`):
        ``capabilities`` when the format declares them, else what ``produces``, ``element``,
        ``registers`` and ``carries_leakage`` imply."""
        if self.capabilities is not None:
            return self.capabilities
        return default_capabilities(self.produces, self.element, self.registers,
                                    self.carries_leakage)

    @property
    def load_options(self) -> frozenset[str] | None:
        """Options ``parse`` accepts (None: any)."""
        return _accepted_options(self.parse)

    @property
    def dump_options(self) -> frozenset[str] | None:
        """Options ``serialize`` accepts (None: any)."""
        return _accepted_options(self.serialize)

    @property
    def is_json(self) -> bool:
        """Whether payloads are JSON (``media_type`` ``application/json`` or ``*+json``)."""
        return is_json_media_type(self.media_type)


def check_format(fmt: object, *, plugin: str | None = None, check_schema: bool = True) -> None:
    """Check the :class:`Format` contract; raise :class:`qfmt.FormatContractError` naming the
    first rule broken.

    The rules: ``id`` a non-empty str; ``description`` a str; ``parse`` and ``serialize``
    callable (``sniff``, ``parse_raw``, ``serialize_raw`` None or callable;
    ``parse_checks_schema`` a bool; ``score`` None or a number in [0, 1], and then no ``sniff``
    nor ``sniff_raw``); ``produces`` one of
    :func:`canonical_types` (``element`` None or one of them); ``media_type`` a str such as
    ``"text/csv"``; ``schema`` a mapping whose ``$id`` is the id, whose ``$schema`` (if any) is
    draft-07, and (``check_schema``) that ``Draft7Validator.check_schema`` accepts.
    """
    fid = getattr(fmt, "id", None)
    label = fid if isinstance(fid, str) and fid else repr(fmt)

    def broken(rule: str) -> FormatContractError:
        return FormatContractError(label, rule, plugin)

    if not isinstance(fmt, Format):
        raise broken(f"expected a qfmt.Format, got a {type(fmt).__name__}")
    if not isinstance(fmt.id, str) or not fmt.id.strip():
        raise broken(f"id must be a non-empty str, not {fmt.id!r}")
    if fmt.id != fmt.id.strip():
        raise broken("id must not start or end with whitespace")
    if not isinstance(fmt.description, str):
        raise broken("description must be a str")
    for name in ("parse", "serialize"):
        if not callable(getattr(fmt, name)):
            raise broken(f"{name} must be callable")
    for name in ("sniff", "parse_raw", "serialize_raw", "sniff_raw", "before_conversion"):
        value = getattr(fmt, name)
        if value is not None and not callable(value):
            raise broken(f"{name} must be None or callable")
    if not isinstance(fmt.parse_checks_schema, bool):
        raise broken("parse_checks_schema must be a bool")
    _check_score(fmt, broken)
    if fmt.capabilities is not None:
        unknown = sorted(c for c in fmt.capabilities if c not in CAPABILITIES)
        if unknown:
            raise broken(f"capabilities {unknown} are not capability names "
                         f"({', '.join(CAPABILITIES)})")
        if ("registers" in fmt.capabilities) != fmt.registers:
            raise broken("registers= and the 'registers' capability disagree")
        if ("leakage" in fmt.capabilities) != fmt.carries_leakage:
            raise broken("carries_leakage= and the 'leakage' capability disagree")
    types = canonical_types()
    allowed = ", ".join(f"qfmt.{n}" for n in CANONICAL_TYPE_NAMES)
    if not any(fmt.produces is t for t in types):
        raise broken(f"produces must be a canonical type ({allowed}), not {fmt.produces!r}")
    if fmt.element is not None and not any(fmt.element is t for t in types):
        raise broken(f"element must be None or a canonical type, not {fmt.element!r}")
    if not isinstance(fmt.media_type, str) or "/" not in fmt.media_type:
        raise broken(f"media_type must be a str such as 'text/csv', not {fmt.media_type!r}")
    schema = fmt.schema
    if not isinstance(schema, Mapping):
        raise broken(f"schema must be a JSON Schema object, not a {type(schema).__name__}")
    if schema.get("$id") != fmt.id:
        raise broken(f"schema $id is {schema.get('$id')!r}, not the format id")
    declared = schema.get("$schema")
    if declared is not None and declared not in _DRAFT7_IDS:
        raise broken(f"schema declares $schema {declared!r}; formats use draft-07")
    if check_schema:
        _check_draft7(fmt, plugin)


def _check_score(fmt: Format, broken: Callable[[str], FormatContractError]) -> None:
    """``score``: None, or a number in [0, 1] given instead of ``sniff`` and ``sniff_raw``."""
    score = fmt.score
    if score is None:
        return
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise broken(f"score must be None or a number in [0, 1], not {score!r}")
    if fmt.sniff is not None or fmt.sniff_raw is not None:
        raise broken("give sniff (a score read from the payload) or score (a constant), "
                     "not both")


def _check_draft7(fmt: Format, plugin: str | None) -> None:
    import jsonschema

    try:
        jsonschema.Draft7Validator.check_schema(fmt.schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the root"
        raise FormatContractError(fmt.id, f"schema is not a valid draft-07 schema at {where}: "
                                  f"{exc.message}", plugin) from None
    except RecursionError:
        raise FormatContractError(fmt.id, "schema is nested too deeply", plugin) from None


@attrs.frozen
class FormatInfo:
    """One row of :func:`qfmt.formats`: a format id and where it comes from.

    ``capabilities`` lists what it carries (names of :data:`qfmt.CAPABILITIES`).
    ``status`` is ``"loaded"``, ``"failed"`` (``error`` says why; ``id`` is the format id when
    one format broke the :class:`Format` contract, otherwise the plugin's entry-point name since
    its formats are unknown), or ``"conflict"`` (another plugin claims the same id; see
    :class:`qfmt.FormatConflictError`).
    """

    id: str
    description: str
    plugin: str
    distribution: str | None
    version: str | None
    status: str
    error: str | None = None
    builtin: bool = False
    #: What the format carries (:attr:`Format.carries`, sorted); empty for a failed one.
    capabilities: tuple[str, ...] = ()


@attrs.frozen
class PluginInfo:
    """One row of :meth:`Registry.plugins` (``qfmt plugins``): a plugin and what became of it.

    ``name`` is the entry-point name (the module name for a built-in, ``"qfmt.register"`` for
    formats added in code); ``formats`` the ids it provides (sorted); ``status`` is ``"loaded"``,
    ``"failed"`` (its import or hook failed: ``error`` says why) or ``"blocked"`` (named in
    ``QFMT_BLOCK_PLUGINS``, never imported). A loaded plugin some of whose formats broke the
    :class:`Format` contract keeps status ``"loaded"``; ``error`` then names those formats.
    """

    name: str
    distribution: str | None
    version: str | None
    formats: tuple[str, ...]
    status: str
    error: str | None = None
    builtin: bool = False


@attrs.define
class _Claim:
    format: Format
    plugin: str
    distribution: str | None
    version: str | None
    builtin: bool


@attrs.define
class _Failure:
    plugin: str
    distribution: str | None
    version: str | None
    error: str
    format: str | None = None  # a single format that broke the contract; None: the whole plugin


@attrs.define
class _Plugin:
    distribution: str | None
    version: str | None
    builtin: bool


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def blocked_plugins() -> frozenset[str]:
    """The entry-point names in ``QFMT_BLOCK_PLUGINS`` (comma-separated; blanks ignored)."""
    return frozenset(n.strip() for n in os.environ.get("QFMT_BLOCK_PLUGINS", "").split(",")
                     if n.strip())


class PluginWarning(RuntimeWarning):
    """A plugin failed to load, or claims a format another plugin provides (a RuntimeWarning;
    the command line prints it as one ``qfmt: warning: ...`` line)."""


def _qfmt_dirs() -> tuple[str, ...]:
    """The folders of qfmt's own code (the core package and the built-in plugins)."""
    dirs = [os.path.dirname(os.path.abspath(__file__))]
    plugins = sys.modules.get(BUILTIN_PACKAGE)
    dirs.extend(os.path.abspath(d) for d in getattr(plugins, "__path__", ()))
    return tuple(d.rstrip(os.sep) + os.sep for d in dirs)


def _warn_plugin(message: str) -> None:
    """A :class:`PluginWarning` about a plugin, attributed to the first caller outside qfmt (and outside
    the import machinery), so that it points at the user's line, not at qfmt's source."""
    skip = _qfmt_dirs()
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and (
            os.path.abspath(frame.f_code.co_filename).startswith(skip)
            or frame.f_code.co_filename.startswith("<frozen importlib")):
        frame = frame.f_back
        level += 1
    warnings.warn(message, PluginWarning, stacklevel=level)


class Registry:
    """Every known format, their compiled JSON Schema validators, and the plugin state.

    ``Registry()`` holds the built-in formats (imported on first use) and reads third-party
    entry points lazily; ``Registry(builtins=())`` starts empty; ``entry_points=False`` never
    reads entry points (a fully isolated registry for tests). :func:`default_registry` is the
    one the verbs use; pass ``registry=`` to any verb to use another.

    Formats come from plugins (:meth:`add_plugin`, entry points, the built-ins) or from code
    (:meth:`register`). Plugin objects and formats are different things, hence two methods:
    ``register`` takes a :class:`Format` (as :func:`qfmt.register` does), ``add_plugin`` a
    module or object with ``qfmt_formats`` hook implementations.
    """

    def __init__(self, builtins: Iterable[str] | None = None, *,
                 entry_points: bool = True) -> None:
        self._builtin_modules = tuple(builtin_plugins() if builtins is None else builtins)
        self._read_entry_points = entry_points
        self._lock = threading.RLock()
        self._pm: pluggy.PluginManager | None = None
        self._claims: dict[str, list[_Claim]] = {}
        self._failures: list[_Failure] = []
        self._blocked: dict[str, _Plugin] = {}
        self._plugins: dict[str, _Plugin] = {}
        self._builtins_loaded = False
        self._entry_points_loaded = False
        self._preferred: dict[str, str] = {}
        # per Format object (kept alive here, so its id() is not reused): cheap contract
        # checked, schema checked, compiled validator
        self._checked: dict[int, Format] = {}
        self._schema_checked: set[int] = set()
        self._validators: dict[int, tuple[Format, Any]] = {}

    def __repr__(self) -> str:
        state = [f"{len(self._claims)} format ids"]
        if not self._builtins_loaded and self._builtin_modules:
            state.append("built-ins not loaded yet")
        if not self._entry_points_loaded and self._read_entry_points:
            state.append("entry points not read yet")
        return f"<qfmt.Registry: {', '.join(state)}>"

    # -- loading ------------------------------------------------------------------------------

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The pluggy manager (created on first use)."""
        if self._pm is None:
            pm = pluggy.PluginManager("qfmt")
            pm.add_hookspecs(HookSpecs)
            self._pm = pm
        return self._pm

    def _ensure_builtins(self) -> None:
        if self._builtins_loaded:
            return
        with self._lock:
            if self._builtins_loaded:
                return
            for modname in self._builtin_modules:
                module = importlib.import_module(modname)
                self._register(module, modname, BUILTIN_DISTRIBUTION, __version__, builtin=True)
            self._builtins_loaded = True

    def _ensure_entry_points(self) -> None:
        self._ensure_builtins()
        if self._entry_points_loaded:
            return
        with self._lock:
            if self._entry_points_loaded:
                return
            self._entry_points_loaded = True
            if not self._read_entry_points or _truthy("QFMT_DISABLE_PLUGINS"):
                return
            blocked = blocked_plugins()
            for ep in _entry_points():
                dist = getattr(ep, "dist", None)
                dname = dist.name if dist is not None else None
                dver = dist.version if dist is not None else None
                if ep.name in blocked:
                    self._blocked.setdefault(ep.name, _Plugin(dname, dver, False))
                    continue
                try:
                    obj = ep.load()
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:  # SystemExit at import must not end the host
                    self._fail(ep.name, dname, dver, f"import failed: {exc!r}", exc)
                    continue
                self._register(obj, ep.name, dname, dver, builtin=False)

    def add_plugin(self, plugin: object, name: str | None = None, *,
                   distribution: str | None = None, version: str | None = None) -> None:
        """Add a plugin object (a module or object with ``qfmt_formats`` / ``qfmt_cli_commands``
        hook implementations) by hand, e.g. in a notebook or a test. It counts as a third-party
        plugin: a format of it that breaks the contract is listed as failed."""
        self._ensure_builtins()
        label = name or str(getattr(plugin, "__name__", repr(plugin)))
        with self._lock:
            self._register(plugin, label, distribution, version, builtin=False)

    def register(self, fmt: Format, *, replace: bool = False) -> None:
        """Add one :class:`Format` in code (notebooks, tests), as plugin ``"qfmt.register"``.

        The contract is checked first (:class:`qfmt.FormatContractError` says which rule is
        broken). An id that any plugin already provides (entry points are read first) raises
        :class:`qfmt.FormatConflictError` unless ``replace=True``, which makes this format the
        only provider of the id. To add a plugin object, use :meth:`add_plugin`.
        """
        if not isinstance(fmt, Format):
            raise FormatContractError(
                repr(fmt), "Registry.register takes a qfmt.Format; add a plugin object (a module "
                "with qfmt_formats()) with Registry.add_plugin(plugin, name)", CODE_PLUGIN)
        check_format(fmt, plugin=CODE_PLUGIN)
        self._ensure_entry_points()
        with self._lock:
            existing = self._claims.get(fmt.id, [])
            if existing and not replace:
                who = ", ".join(f"plugin {c.plugin!r} (distribution {c.distribution or 'unknown'})"
                                for c in existing)
                raise FormatConflictError(
                    fmt.id, [(c.plugin, c.distribution) for c in existing],
                    reason=f"format {fmt.id!r} is already provided by {who}; pass replace=True "
                    "to replace it")
            self._claims[fmt.id] = [*([] if replace else existing),
                                    _Claim(fmt, CODE_PLUGIN, None, None, False)]
            if replace:
                self._preferred.pop(fmt.id, None)
            self._checked[id(fmt)] = fmt
            self._schema_checked.add(id(fmt))

    def _register(self, obj: object, name: str, dist: str | None, version: str | None,
                  *, builtin: bool) -> None:
        pm = self.plugin_manager
        try:
            if pm.is_registered(obj):
                return
            pm.register(obj, name=name)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            self._fail(name, dist, version, f"registration failed: {exc!r}", exc)
            return
        self._plugins[name] = _Plugin(dist, version, builtin)
        impls = [i for i in pm.hook.qfmt_formats.get_hookimpls() if i.plugin is obj]
        items: list[object] = []
        try:
            for impl in impls:
                items.extend(cast("Iterable[object] | None", impl.function()) or ())
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit in a hook must not end the host either
            if builtin:
                raise
            pm.unregister(obj)
            self._fail(name, dist, version, f"qfmt_formats() raised {exc!r}", exc)
            return
        for item in items:
            try:
                # built-in schemas are checked on first use (and by the test suite), so that
                # loading a built-in format does not import jsonschema
                check_format(item, plugin=name, check_schema=not builtin)
            except FormatContractError as exc:
                if builtin:
                    raise
                self._fail(name, dist, version, f"format {exc.format!r} breaks the Format "
                           f"contract: {exc.rule}", exc, format_id=exc.format)
                continue
            except Exception as exc:  # a hostile object: its attributes raise
                if builtin:
                    raise
                self._fail(name, dist, version, f"checking a format raised {exc!r}", exc)
                continue
            f = cast("Format", item)
            self._checked[id(f)] = f
            if not builtin:
                self._schema_checked.add(id(f))
            self._claims.setdefault(f.id, []).append(
                _Claim(f, name, dist, version, builtin))
            if len(self._claims[f.id]) > 1 and any(c.builtin for c in self._claims[f.id]):
                _warn_plugin(
                    f"plugin {name!r} (distribution {dist}) claims built-in format {f.id!r}; "
                    f"the built-in one is used unless you call qfmt.prefer({f.id!r}, {name!r})")

    def _fail(self, name: str, dist: str | None, version: str | None, why: str,
              exc: BaseException, *, format_id: str | None = None) -> None:
        self._failures.append(_Failure(name, dist, version, why, format_id))
        msg = f"qfmt plugin {name!r} (distribution {dist or 'unknown'}) failed: {why}"
        if _truthy("QFMT_STRICT_PLUGINS"):
            if isinstance(exc, FormatContractError):
                raise exc
            raise PluginError(msg) from exc
        _warn_plugin(msg + " (other formats keep working; QFMT_STRICT_PLUGINS=1 makes this an "
                     "error)")

    # -- the command line ---------------------------------------------------------------------

    def cli_commands(self) -> list[tuple[str, click.Command]]:
        """``(plugin, command)`` for every command plugins add to the ``qfmt`` command line
        (hook ``qfmt_cli_commands``), built-ins first. Reads entry points. A plugin whose hook
        raises or returns something that is not a ``click.Command`` is warned about and
        skipped (``QFMT_STRICT_PLUGINS=1``: :class:`qfmt.PluginError`)."""
        import click

        self._ensure_entry_points()
        pm = self.plugin_manager
        found: list[tuple[bool, int, str, click.Command]] = []
        for order, impl in enumerate(pm.hook.qfmt_cli_commands.get_hookimpls()):
            name = pm.get_name(impl.plugin) or repr(impl.plugin)
            info = self._plugins.get(name, _Plugin(None, None, False))
            try:
                got = list(cast("Iterable[object] | None", impl.function()) or ())
                for cmd in got:
                    if not isinstance(cmd, click.Command):
                        raise TypeError(f"it returned {cmd!r}, not a click.Command")
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                msg = (f"qfmt plugin {name!r} (distribution {info.distribution or 'unknown'}): "
                       f"qfmt_cli_commands() failed: {exc!r}; its commands are skipped")
                if _truthy("QFMT_STRICT_PLUGINS"):
                    raise PluginError(msg) from exc
                _warn_plugin(msg)
                continue
            found.extend((not info.builtin, order, name, cast("click.Command", c)) for c in got)
        return [(name, cmd) for _, _, name, cmd in sorted(found, key=lambda t: t[:2])]

    # -- lookup -------------------------------------------------------------------------------

    def prefer(self, format_id: str, plugin: str) -> None:
        """Resolve a conflict: use ``plugin``'s implementation of ``format_id``."""
        self._preferred[format_id] = plugin

    def _preferences(self) -> dict[str, str]:
        prefs: dict[str, str] = {}
        for item in os.environ.get("QFMT_PREFER", "").split(","):
            if "=" in item:
                k, v = item.split("=", 1)
                prefs[k.strip()] = v.strip()
        prefs.update(self._preferred)
        return prefs

    def _missing_hint(self, format_id: str) -> str | None:
        """Why a format id is unknown when a plugin that would provide it is not loaded: the
        id's format broke the contract, or a plugin named like the id's first part (``acme`` for
        ``acme.counts.csv.v1``, by entry-point or distribution name) failed or is blocked."""
        for fail in self._failures:
            if fail.format == format_id:
                return (f"plugin {fail.plugin!r} (distribution {fail.distribution or 'unknown'}) "
                        f"provides it but it failed: {fail.error}")
        prefix = format_id.split(".", 1)[0].lower()

        def named(plugin: str, dist: str | None) -> bool:
            names = {plugin.lower(), *(re.split(r"[-_.]", (dist or "").lower()))}
            return prefix in names

        for fail in self._failures:
            if fail.format is None and named(fail.plugin, fail.distribution):
                return (f"plugin {fail.plugin!r} (distribution {fail.distribution or 'unknown'}), "
                        f"which may provide it, failed to load: {fail.error}; fix or reinstall "
                        f"{fail.distribution or fail.plugin}")
        for name, info in self._blocked.items():
            if named(name, info.distribution):
                return (f"plugin {name!r} (distribution {info.distribution or 'unknown'}), which "
                        "may provide it, is blocked by QFMT_BLOCK_PLUGINS")
        return None

    def get(self, format_id: str) -> Format:
        """The :class:`Format` for an id. Raises UnknownFormatError (with suggestions) or
        FormatConflictError."""
        if not isinstance(format_id, str):
            raise UnknownFormatError(repr(format_id), (), ())
        self._ensure_builtins()
        claims = self._claims.get(format_id)
        pref = self._preferences().get(format_id)
        builtin_only = claims and all(c.builtin for c in claims)
        if not claims or (pref and builtin_only and pref not in {c.plugin for c in claims}):
            self._ensure_entry_points()
            claims = self._claims.get(format_id)
        if not claims:
            known = sorted(self._claims)
            close = difflib.get_close_matches(format_id, known, n=3, cutoff=0.6)
            raise UnknownFormatError(format_id, close, known, self._missing_hint(format_id))
        if pref is not None:
            for c in claims:
                if c.plugin == pref:
                    return c.format
            raise OptionError(f"QFMT_PREFER / qfmt.prefer names plugin {pref!r} for "
                              f"{format_id!r}, but it does not provide it "
                              f"(providers: {[c.plugin for c in claims]})")
        if len(claims) == 1:
            return claims[0].format
        builtins = [c for c in claims if c.builtin]
        if builtins:
            return builtins[0].format
        raise FormatConflictError(format_id, [(c.plugin, c.distribution) for c in claims])

    def resolve(self, fmt: str | Format) -> Format:
        """The :class:`Format` for an id (:meth:`get`), or ``fmt`` itself when it is a Format
        object, checked against the contract the first time it is seen."""
        if isinstance(fmt, Format):
            if id(fmt) not in self._checked:
                check_format(fmt, plugin=self.plugin_of(fmt), check_schema=False)
                self._checked[id(fmt)] = fmt
            return fmt
        return self.get(fmt)

    def plugin_of(self, fmt: Format) -> str | None:
        """The name of the plugin that registered this Format object (None if none did)."""
        for claims in list(self._claims.values()):
            for c in claims:
                if c.format is fmt:
                    return c.plugin
        return None

    def validator(self, fmt: Format) -> Any:
        """The compiled draft-07 validator of ``fmt``'s schema, compiled once per Format (the
        schema is checked against the draft-07 metaschema first)."""
        entry = self._validators.get(id(fmt))
        if entry is not None and entry[0] is fmt:
            return entry[1]
        import jsonschema

        if id(fmt) not in self._schema_checked:
            _check_draft7(fmt, self.plugin_of(fmt))
        try:
            v = jsonschema.Draft7Validator(fmt.schema)
            v.is_valid(None)  # a schema that only fails when used (a bad $ref, a bad pattern)
        except Exception as exc:
            raise self._broken_schema(fmt, exc) from None
        with self._lock:
            self._validators[id(fmt)] = (fmt, v)
            self._checked.setdefault(id(fmt), fmt)
            self._schema_checked.add(id(fmt))
        return v

    def _broken_schema(self, fmt: Format, exc: BaseException) -> FormatContractError:
        """The error for a schema that cannot be used; a third-party format is marked failed."""
        err = FormatContractError(fmt.id, f"its schema cannot be used: {exc!r}"[:300],
                                  self.plugin_of(fmt))
        with self._lock:
            for claims in self._claims.values():
                for c in list(claims):
                    if c.format is fmt and not c.builtin:
                        claims.remove(c)
                        self._failures.append(_Failure(c.plugin, c.distribution, c.version,
                                                       err.rule, fmt.id))
            for fid in [k for k, v in self._claims.items() if not v]:
                del self._claims[fid]
        return err

    def iter_errors(self, fmt: Format, data: Any) -> list[Any]:
        """Every schema error of ``data`` against ``fmt``'s schema, in a list. A schema that fails
        while validating raises :class:`qfmt.FormatContractError` (and a third-party format is
        marked failed); a payload nested too deeply to validate raises RecursionError."""
        v = self.validator(fmt)
        try:
            return list(v.iter_errors(data))
        except RecursionError:
            raise
        except Exception as exc:
            raise self._broken_schema(fmt, exc) from None

    def is_valid(self, fmt: Format, data: Any) -> bool:
        """Whether ``data`` passes ``fmt``'s schema (errors as :meth:`iter_errors`)."""
        v = self.validator(fmt)
        try:
            return bool(v.is_valid(data))
        except RecursionError:
            raise
        except Exception as exc:
            raise self._broken_schema(fmt, exc) from None

    def provider(self, fmt: Format) -> str:
        """``plugin 'name' (distribution dist version)``: who provides ``fmt``, for messages."""
        for claims in list(self._claims.values()):
            for c in claims:
                if c.format is fmt:
                    dist = f"{c.distribution} {c.version}" if c.version else \
                        (c.distribution or "unknown")
                    return f"plugin {c.plugin!r} (distribution {dist})"
        return "the format's plugin"

    def ids(self, *, discover: bool = True) -> list[str]:
        """All known format ids (conflicting ones too)."""
        if discover:
            self._ensure_entry_points()
        else:
            self._ensure_builtins()
        return sorted(self._claims)

    def listing(self) -> list[FormatInfo]:
        """Every format with its plugin, distribution, version and status; failed plugins and
        formats too."""
        self._ensure_entry_points()
        rows: list[FormatInfo] = []
        for fid in sorted(self._claims):
            claims = self._claims[fid]
            conflict = len(claims) > 1 and not any(c.builtin for c in claims)
            for c in claims:
                status = "loaded"
                err = None
                if conflict:
                    status = "conflict"
                    err = "also provided by " + ", ".join(
                        o.plugin for o in claims if o is not c)
                elif len(claims) > 1 and not c.builtin:
                    status = "conflict"
                    err = "shadowed by the built-in format (see qfmt.prefer)"
                rows.append(FormatInfo(fid, c.format.description, c.plugin, c.distribution,
                                       c.version, status, err, c.builtin,
                                       tuple(sorted(c.format.carries))))
        for f in self._failures:
            rows.append(FormatInfo(f.format or f.plugin, "", f.plugin, f.distribution,
                                   f.version, "failed", f.error))
        return rows


    def plugins(self) -> list[PluginInfo]:
        """Every plugin, one :class:`PluginInfo` each: built-ins first (by name), then third-party
        plugins and formats added in code (by name). Reads entry points."""
        self._ensure_entry_points()
        with self._lock:
            provided: dict[str, list[str]] = {}
            for fid, claims in self._claims.items():
                for c in claims:
                    provided.setdefault(c.plugin, []).append(fid)
            failures: dict[str, list[_Failure]] = {}
            for f in self._failures:
                failures.setdefault(f.plugin, []).append(f)
            rows: list[PluginInfo] = []
            names = set(self._plugins) | set(failures) | set(provided)
            for name in names:
                info = self._plugins.get(name)
                fails = failures.get(name, [])
                if info is None and fails:
                    info = _Plugin(fails[0].distribution, fails[0].version, False)
                elif info is None:  # formats added in code
                    info = _Plugin(None, None, False)
                whole = [f for f in fails if f.format is None]
                status = "failed" if whole and name not in provided else "loaded"
                why = [f.error for f in (whole if status == "failed" else fails)]
                rows.append(PluginInfo(name, info.distribution, info.version,
                                       tuple(sorted(provided.get(name, ()))), status,
                                       "; ".join(why) or None, info.builtin))
            for name, info in self._blocked.items():
                rows.append(PluginInfo(name, info.distribution, info.version, (), "blocked",
                                       "named in QFMT_BLOCK_PLUGINS", False))
        return sorted(rows, key=lambda r: (not r.builtin, r.name))


def builtin_plugins() -> tuple[str, ...]:
    """The module names of the built-in plugins: the packages inside :data:`BUILTIN_PACKAGE`."""
    import pkgutil

    package = importlib.import_module(BUILTIN_PACKAGE)
    return tuple(sorted(f"{BUILTIN_PACKAGE}.{m.name}" for m in pkgutil.iter_modules(package.__path__)
                        if m.ispkg))


def _entry_points() -> list[metadata.EntryPoint]:
    from importlib import metadata  # imported here: reading entry points is lazy, and so is this

    selected = metadata.entry_points(group=ENTRY_POINT_GROUP)
    seen: set[tuple[str, str]] = set()
    out = []
    for ep in selected:
        key = (ep.name, ep.value)
        if key not in seen:  # the same distribution found twice on sys.path
            seen.add(key)
            out.append(ep)
    return out


#: The registry behind ``qfmt.load`` and friends (use :func:`default_registry`).
REGISTRY = Registry()


def default_registry() -> Registry:
    """The registry the verbs (``qfmt.load``, ``dump``, ``formats``...) use when not given
    ``registry=``: the built-in formats plus installed third-party plugins."""
    return REGISTRY
