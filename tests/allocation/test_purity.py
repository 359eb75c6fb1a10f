"""allocation/ is pure: the standard library, PuLP and highspy, nothing of the web layer."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "allocation"
ALLOWED = {"pulp", "highspy", "allocation"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


class TestImports:
    @pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
    def test_imports_only_the_standard_library_pulp_and_highspy(self, path: Path) -> None:
        foreign = {
            root
            for root in imported_roots(path)
            if root not in ALLOWED and root not in sys.stdlib_module_names and root != "__future__"
        }
        assert foreign == set()
