"""The worked examples in the engine's docstrings hold."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import allocation

MODULES = sorted(m.name for m in pkgutil.iter_modules(allocation.__path__) if m.name != "__main__")


class TestDocstringExamples:
    @pytest.mark.parametrize("name", MODULES)
    def test_every_example_in_the_module_holds(self, name: str) -> None:
        module = importlib.import_module(f"allocation.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0
