"""The shape of the package: small files and functions, public names in ``__all__``, no
import cycle.

Read from the source with ``ast`` (nothing imported): every product module defines
``__all__``; no product file is over 400 lines and no function over 80; the imports a
module runs when it is loaded (not those inside functions or under ``TYPE_CHECKING``)
form no cycle.

``STILL_LONG`` lists the files and functions over the limits today, each with its
length: none of them may grow, no other may cross a limit, and an entry goes once
its file or function is split (the test says when).
"""

from __future__ import annotations

import ast
from functools import cache

import pytest

from support.package_modules import PACKAGES, ROOT, module_path, package_modules

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80
MODULES = package_modules()

# Over the limits, to be split; lengths may only shrink. Keys: "path" for a file,
# "path:function" for a function.
STILL_LONG = {
    "scenario/schema.py": 466,
    "scenario/tables.py": 426,
    "scenario/time_read.py": 426,
    "commands/failures.py:failures": 124,
    "commands/failures.py:register": 127,
    "commands/solve.py:register": 105,
    "commands/solve.py:solve": 102,
    "commands/sweep.py:register": 138,
    "commands/sweep.py:sweep": 135,
    "datasets/world.py:build_world": 142,
    "planning/compare.py:compare_plans": 84,
    "planning/executor.py:run_tasks": 93,
    "planning/report/build.py:build_report": 106,
    "planning/report/data.py:report_data": 177,
    "planning/report/geojson.py:geojson_layers": 81,
    "planning/report/maps.py:build_map": 186,
    "planning/sweep.py:run_sweep": 107,
    "resilience/rehome.py:rehome": 88,
    "resilience/survivable.py:solve_survivable": 91,
    "scenario/build.py:build_instance": 196,
    "scenario/contracts_read.py:sold_items": 142,
    "scenario/load.py:load_instance": 133,
    "scenario/serving_read.py:read_serving": 87,
    "scenario/time_read.py:read_periods": 84,
    "solvers/api.py:solve": 89,
    "solvers/constraints/survivability.py:add_failover_rows": 87,
    "solvers/diagnose.py:diagnose": 147,
    "solvers/diagnosis/relax.py:relaxations": 101,
    "solvers/engine/site_model.py:site_model": 123,
    "solvers/fast/cflp.py:solve": 133,
    "solvers/fast/dual_primal.py:solve": 88,
    "solvers/fast/pmedian.py:solve": 139,
    "solvers/fast/radius.py:build": 114,
    "solvers/fast/radius.py:solve": 122,
    "solvers/plan/build.py:make_plan": 124,
    "solvers/plan/periods.py:with_periods": 98,
    "solvers/verify/parsed.py:parse_plan": 137,
    "solvers/verify/phases.py:check_phases": 91,
    "solvers/verify/sites.py:check_sites": 103,
    "solvers/verify/totals.py:check_totals": 108,
}


@cache
def _tree(name: str) -> ast.Module:
    path = module_path(name)
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _defines_all(tree: ast.Module) -> bool:
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign | ast.AugAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return True
    return False


@pytest.mark.parametrize("name", MODULES)
def test_module_defines_all(name: str) -> None:
    assert _defines_all(_tree(name)), f"{module_path(name)}: no __all__"


def _relative(name: str) -> str:
    return module_path(name).relative_to(ROOT).as_posix()


def _lengths() -> dict[str, int]:
    """Lines of every product file, and of every function as ``path:name``."""
    out = {}
    for name in MODULES:
        path = _relative(name)
        out[path] = len(module_path(name).read_text(encoding="utf-8").splitlines())
        for node in ast.walk(_tree(name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                key = f"{path}:{node.name}"
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                out[key] = max(out.get(key, 0), n)
    return out


def _limit(key: str) -> int:
    return MAX_FUNCTION_LINES if ":" in key else MAX_FILE_LINES


def test_no_file_or_function_over_the_limit() -> None:
    lengths = _lengths()
    over = {
        key: n
        for key, n in lengths.items()
        if n > _limit(key) and n > STILL_LONG.get(key, _limit(key))
    }
    assert not over, f"over {MAX_FILE_LINES} lines a file, {MAX_FUNCTION_LINES} a function: {over}"


def test_still_long_is_current() -> None:
    """An entry of STILL_LONG goes once its file or function is within the limit."""
    lengths = _lengths()
    done = [key for key in STILL_LONG if lengths.get(key, 0) <= _limit(key)]
    assert not done, f"within the limits now, remove from STILL_LONG: {done}"


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _load_time_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """Imports run when the module loads: top level, and inside top-level if/try blocks."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _type_checking(node):
            found += _load_time_imports(node.body) + _load_time_imports(node.orelse)
        elif isinstance(node, ast.Try):
            found += _load_time_imports(node.body)
            for handler in node.handlers:
                found += _load_time_imports(handler.body)
    return found


def _imported(name: str, known: set[str]) -> set[str]:
    """The package modules ``name`` imports at load time (a ``from x import y`` names
    module ``x.y`` when there is one, else ``x``)."""
    package = name if module_path(name).name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in _load_time_imports(_tree(name).body):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name in known}
            continue
        base = node.module or ""
        if node.level:
            anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            base = f"{anchor}.{base}" if base else anchor
        for alias in node.names:
            target = f"{base}.{alias.name}"
            if target in known:
                out.add(target)
            elif base in known:
                out.add(base)
    return out - {name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle() -> None:
    """A cycle held apart only by import order breaks when a module is imported first."""
    known = set(MODULES)
    graph = {name: _imported(name, known) for name in MODULES}
    assert not _cycles(graph), f"modules importing each other at load time: {_cycles(graph)}"


def test_packages_are_modules() -> None:
    assert set(PACKAGES) <= set(MODULES)
