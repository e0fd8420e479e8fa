"""Shared fixtures and hypothesis strategies."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import qfmt
from tests.helpers import FIXTURES

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def registry() -> qfmt.Registry:
    """A fresh registry with the built-in formats (third-party entry points read lazily, as
    the default one does). Pass it to the verbs: ``qfmt.load(..., registry=registry)``; the
    default registry is never touched."""
    return qfmt.Registry()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path where tests install tiny distributions (``tests.helpers.make_dist``);
    the fixture plugin modules are importable, and forgotten afterwards. Use it with the
    ``registry`` fixture: the default registry must not see these plugins."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(FIXTURES))
    for name in ("QFMT_STRICT_PLUGINS", "QFMT_DISABLE_PLUGINS", "QFMT_PREFER"):
        monkeypatch.delenv(name, raising=False)
    before = set(sys.modules)
    fixture_modules = {p.stem for p in FIXTURES.glob("*.py")}
    yield tmp_path
    for mod in fixture_modules & (set(sys.modules) - before):
        sys.modules.pop(mod, None)
    leaked = [getattr(plugin, "__file__", None) for plugin in
              qfmt.default_registry().plugin_manager.get_plugins()]
    assert not [f for f in leaked if f and (f.startswith(str(FIXTURES)) or
                                            f.startswith(str(tmp_path)))], \
        "a test reached the default registry with a fixture plugin; pass registry="
