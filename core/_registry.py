"""The format registry: pluggy hooks, the :class:`Format` descriptor, and plugin discovery.

Built-in plugins (``qfmt.plugins.*``) register through the same ``qfmt_formats`` hook as third
parties, but without scanning entry points, so loading a built-in format never imports a
third-party plugin. Third-party plugins are found through the ``qfmt.formats`` entry-point group,
lazily: only when an id is asked for that no built-in provides, or when formats are listed.

Each third-party plugin is loaded and its hook called on its own, inside ``try``: a plugin that
fails is warned about (naming it and its distribution), listed as failed, and everything else keeps
working. ``QFMT_STRICT_PLUGINS=1`` makes such a failure an error; ``QFMT_DISABLE_PLUGINS=1`` skips
third-party plugins entirely.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs
import pluggy

if TYPE_CHECKING:
    from importlib import metadata

from ._errors import FormatConflictError, OptionError, PluginError, UnknownFormatError

__all__ = ["Format", "FormatInfo", "hookimpl", "hookspec"]

#: Marker for hook implementations: decorate a ``qfmt_formats()`` function with it.
hookimpl = pluggy.HookimplMarker("qfmt")
#: Marker for hook specifications (used by qfmt itself).
hookspec = pluggy.HookspecMarker("qfmt")

ENTRY_POINT_GROUP = "qfmt.formats"
BUILTIN_PLUGINS = ("qfmt.plugins.ionq", "qfmt.plugins.qiskit")
BUILTIN_DISTRIBUTION = "qfmt"


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


def _accepted_options(func: Callable[..., Any]) -> frozenset[str] | None:
    """Keyword options a parse/serialize callable accepts (None: it takes ``**kwargs``)."""
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


@attrs.frozen
class Format:
    """A format a plugin provides: its id, parser, serializer and JSON Schema.

    - ``parse(payload, **options)`` takes parsed JSON and returns a canonical object
      (an instance of ``produces``); it raises :class:`qfmt.PayloadError` on bad input.
    - ``serialize(obj, **options)`` takes an instance of ``produces`` (qfmt converts other
      canonical objects first) and returns JSON-ready data.
    - ``schema`` is a draft-07 JSON Schema whose ``$id`` is the format id.
    - ``element`` names the canonical type inside a container (``RegisterMarginals`` or
      ``Result``), e.g. ``Counts`` for a register-nested histogram.
    - ``sniff(payload) -> float`` (optional) ranks this format in :func:`qfmt.detect` among
      formats that accept the payload; higher is better, default 0.5.
    - ``parse_raw(raw: bytes, **options)`` (optional) is a fast path for JSON text: it returns
      the canonical object, or None to decline (then ``parse`` runs on the parsed JSON). It must
      accept exactly what ``parse`` accepts, or decline.

    - ``joint_register``: for a register-nested format, the name it gives the register that
      holds every measured bit (qfmt adds it when writing data with one joint outcome).
    - ``registers``: False for a format without registers; qfmt then hands ``serialize`` one joint
      register (the layout's ``joint`` register, or all of them with ``join_registers=True``).
    - ``carries_leakage``: whether the format can hold leaked shots; if not, qfmt leaves them out
      before ``serialize`` is called (``include_leakage=True`` keeps them as plain shots).
    - ``bit_order``: one line saying how the format's text maps to canonical bit *i*.

    The options a format accepts are the keyword parameters of ``parse`` and ``serialize``.
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

    @property
    def load_options(self) -> frozenset[str] | None:
        """Options ``parse`` accepts (None: any)."""
        return _accepted_options(self.parse)

    @property
    def dump_options(self) -> frozenset[str] | None:
        """Options ``serialize`` accepts (None: any)."""
        return _accepted_options(self.serialize)


@attrs.frozen
class FormatInfo:
    """One row of :func:`qfmt.formats`: a format id and where it comes from.

    ``status`` is ``"loaded"``, ``"failed"`` (``error`` says why; ``id`` is then the plugin's
    entry-point name since its formats are unknown), or ``"conflict"`` (another plugin claims the
    same id; see :class:`qfmt.FormatConflictError`).
    """

    id: str
    description: str
    plugin: str
    distribution: str | None
    version: str | None
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


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class Registry:
    """Holds every known format. One instance, :data:`REGISTRY`, serves the public API; tests
    make their own for isolation."""

    def __init__(self, builtins: Iterable[str] = BUILTIN_PLUGINS) -> None:
        self._builtin_modules = tuple(builtins)
        self._lock = threading.RLock()
        self._pm: pluggy.PluginManager | None = None
        self._claims: dict[str, list[_Claim]] = {}
        self._failures: list[_Failure] = []
        self._builtins_loaded = False
        self._entry_points_loaded = False
        self._preferred: dict[str, str] = {}

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
            from . import __version__

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
            if _truthy("QFMT_DISABLE_PLUGINS"):
                return
            for ep in _entry_points():
                dist = getattr(ep, "dist", None)
                dname = dist.name if dist is not None else None
                dver = dist.version if dist is not None else None
                try:
                    obj = ep.load()
                except Exception as exc:
                    self._fail(ep.name, dname, dver, f"import failed: {exc!r}", exc)
                    continue
                self._register(obj, ep.name, dname, dver, builtin=False)

    def register(self, plugin: object, name: str | None = None, *,
                 distribution: str | None = None, version: str | None = None) -> None:
        """Register a plugin object (a module or object with ``qfmt_formats`` hookimpls) by
        hand, e.g. in a notebook or a test. It counts as a third-party plugin."""
        self._ensure_builtins()
        label = name or str(getattr(plugin, "__name__", repr(plugin)))
        self._register(plugin, label, distribution, version, builtin=False)

    def _register(self, obj: object, name: str, dist: str | None, version: str | None,
                  *, builtin: bool) -> None:
        pm = self.plugin_manager
        try:
            if pm.is_registered(obj):
                return
            pm.register(obj, name=name)
        except Exception as exc:
            self._fail(name, dist, version, f"registration failed: {exc!r}", exc)
            return
        impls = [i for i in pm.hook.qfmt_formats.get_hookimpls() if i.plugin is obj]
        formats: list[Format] = []
        try:
            for impl in impls:
                got = cast("Iterable[Any] | None", impl.function())
                for f in got or ():
                    if not isinstance(f, Format):
                        raise TypeError(f"qfmt_formats() returned {f!r}, not a qfmt.Format")
                    formats.append(f)
        except Exception as exc:
            if builtin:
                raise
            pm.unregister(obj)
            self._fail(name, dist, version, f"qfmt_formats() raised {exc!r}", exc)
            return
        for f in formats:
            self._claims.setdefault(f.id, []).append(
                _Claim(f, name, dist, version, builtin))
            if len(self._claims[f.id]) > 1 and any(c.builtin for c in self._claims[f.id]):
                warnings.warn(
                    f"plugin {name!r} (distribution {dist}) claims built-in format {f.id!r}; "
                    f"the built-in one is used unless you call qfmt.prefer({f.id!r}, {name!r})",
                    RuntimeWarning, stacklevel=4)

    def _fail(self, name: str, dist: str | None, version: str | None, why: str,
              exc: BaseException) -> None:
        self._failures.append(_Failure(name, dist, version, why))
        msg = f"qfmt plugin {name!r} (distribution {dist or 'unknown'}) failed: {why}"
        if _truthy("QFMT_STRICT_PLUGINS"):
            raise PluginError(msg) from exc
        warnings.warn(msg + " (other formats keep working; QFMT_STRICT_PLUGINS=1 makes this an "
                      "error)", RuntimeWarning, stacklevel=5)

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
            raise UnknownFormatError(format_id, close, known)
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

    def ids(self, *, discover: bool = True) -> list[str]:
        """All known format ids (conflicting ones too)."""
        if discover:
            self._ensure_entry_points()
        else:
            self._ensure_builtins()
        return sorted(self._claims)

    def listing(self) -> list[FormatInfo]:
        """Every format with its plugin, distribution, version and status; failed plugins too."""
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
                                       c.version, status, err, c.builtin))
        for f in self._failures:
            rows.append(FormatInfo(f.plugin, "", f.plugin, f.distribution, f.version, "failed",
                                   f.error))
        return rows


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


#: The registry behind ``qfmt.load`` and friends.
REGISTRY = Registry()


def default_registry() -> Registry:
    """The registry behind ``qfmt.load`` and friends."""
    return REGISTRY
