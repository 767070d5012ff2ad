"""The constraint registry loads once, and no thread sees it half loaded."""

from __future__ import annotations

import importlib
import threading
import time

import pytest

from gpuplace.solvers.constraints import registry


@pytest.fixture
def unloaded(monkeypatch):
    """A registry that has not loaded its built-ins yet (restored afterwards)."""
    monkeypatch.setattr(registry, "_families", {})
    monkeypatch.setattr(registry, "_builtin", {})
    monkeypatch.setattr(registry, "_loaded", False)


def test_a_second_thread_waits_for_every_family(unloaded, monkeypatch):
    """The first caller imports the families slowly; a second caller meanwhile gets them all."""
    importing = threading.Event()
    real_import = importlib.import_module

    def slow_import(name, package=None):
        importing.set()
        time.sleep(0.01)
        return real_import(name, package)

    monkeypatch.setattr(registry.importlib, "import_module", slow_import)
    counts: dict[str, int] = {}
    first = threading.Thread(target=lambda: counts.update(first=len(registry.families())))
    first.start()
    assert importing.wait(10)
    counts["second"] = len(registry.families())
    first.join(10)
    assert counts == {"first": len(registry.BUILTIN_FAMILIES), "second": counts["first"]}


def test_a_failed_load_is_tried_again(unloaded, monkeypatch):
    real_import = importlib.import_module
    calls = []

    def failing_once(name, package=None):
        calls.append(name)
        if len(calls) == 1:
            raise ImportError("disk went away")
        return real_import(name, package)

    monkeypatch.setattr(registry.importlib, "import_module", failing_once)
    with pytest.raises(ImportError):
        registry.families()
    assert len(registry.families()) == len(registry.BUILTIN_FAMILIES)
