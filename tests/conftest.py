"""Shared fixtures and hypothesis strategies."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import qfmt
from qfmt._registry import Registry

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Registry:
    """A fresh registry installed behind the public API, so a test's plugins do not leak."""
    reg = Registry()
    monkeypatch.setattr(qfmt._registry, "REGISTRY", reg)
    monkeypatch.setattr(qfmt._api, "REGISTRY", reg)
    return reg
