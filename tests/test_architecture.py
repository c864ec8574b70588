"""The shape of the code, checked from its source (no Django needed).

(a) No import cycle between project modules at import time: only module-level imports count
    (imports inside functions run later; ``if TYPE_CHECKING:`` blocks never run).
(b) No private name (``_name``) imported from another project module: what a module keeps to
    itself stays there; a package's ``__init__`` may share its private names with its own modules.
(c) No module in the apps over 500 lines: a module that long has become two.
(d) No module but ``core.spreadsheets`` makes an openpyxl ``Workbook``: every .xlsx export goes
    through the one place that writes no live formula (reading with ``load_workbook`` is free).

Tests and migrations are exempt. The direction of the imports between the apps (register ←
meetings ← ratings ← project) is checked by import-linter (``.importlinter``, CI stage
``imports``).
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "starfire",
    "api",
    "core",
    "branches",
    "notifications",
    "meetings",
    "ratings",
    "province",
    "programme",
)
MAX_LINES = 500

# Allow-lists for known exceptions: empty, and a test below fails when an entry no longer occurs,
# so none would outlive its fix.
# (importer, imported): module-level imports known to close a cycle.
KNOWN_CYCLE_IMPORTS: set[tuple[str, str]] = set()
# (importer, imported module, private name)
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()
# modules over the limit
KNOWN_LONG_MODULES: set[str] = set()


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # a project module
    names: tuple[str, ...]  # the names taken from it (`from target import a, b`); empty for `import`
    line: int
    module_level: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> dict[str, Path]:
    files = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            files[_module_name(path)] = path
    return files


MODULES = _source_files()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(body: list[ast.stmt], module_level: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Every statement, with whether it runs when the module is imported."""
    for node in body:
        yield node, module_level
        if isinstance(node, ast.If):
            yield from _statements(node.body, module_level and not _is_type_checking(node.test))
            yield from _statements(node.orelse, module_level)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _statements(block, module_level)
        elif isinstance(node, ast.With | ast.For | ast.While):
            yield from _statements(node.body, module_level)
            yield from _statements(getattr(node, "orelse", []), module_level)
        elif isinstance(node, ast.ClassDef):  # a class body runs at import time
            yield from _statements(node.body, module_level)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _statements(node.body, False)


def _project(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _imports(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node, module_level in _statements(tree.body, True):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _project(alias.name):
                    yield Import(module, alias.name, (), node.lineno, module_level)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not _project(source):
                continue
            names = tuple(alias.name for alias in node.names)
            submodules = [n for n in names if f"{source}.{n}" in MODULES]
            for name in submodules:  # `from package import module`
                yield Import(module, f"{source}.{name}", (), node.lineno, module_level)
            rest = tuple(n for n in names if n not in submodules)
            if rest:
                yield Import(module, source, rest, node.lineno, module_level)


def all_imports() -> list[Import]:
    return [imp for module, path in MODULES.items() for imp in _imports(module, path)]


# --- (a) no import cycle --------------------------------------------------------------------------


def import_time_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in imports:
        known = (imp.importer, imp.target) in KNOWN_CYCLE_IMPORTS
        if imp.module_level and imp.target in MODULES and imp.target != imp.importer and not known:
            graph[imp.importer].add(imp.target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a → … → a) per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_a_cycle_in(graph, component) for component in components]


def _a_cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:  # breadth first: the shortest way back to `start`
        v = queue.pop(0)
        for w in sorted(graph[v] & component):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError("a strongly connected component without a cycle")


def test_no_import_cycle_at_import_time():
    cycles = find_cycles(import_time_graph(all_imports()))
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(cycle) for cycle in cycles)


def test_the_known_cycle_imports_still_exist():
    edges = {(imp.importer, imp.target) for imp in all_imports() if imp.module_level}
    assert not KNOWN_CYCLE_IMPORTS - edges, "fixed: remove them from KNOWN_CYCLE_IMPORTS"


# --- (b) no private name across modules ---------------------------------------------------------


def private_imports(imports: list[Import]) -> set[tuple[str, str, str]]:
    found = set()
    for imp in imports:
        own_package = imp.importer.rpartition(".")[0]
        if imp.target == own_package or imp.target == imp.importer:
            continue  # a package's __init__ shares its private names with its own modules
        for name in imp.names:
            if name.startswith("_") and not name.endswith("__"):
                found.add((imp.importer, imp.target, name))
    return found


def test_no_private_name_is_imported_from_another_module():
    found = private_imports(all_imports()) - KNOWN_PRIVATE_IMPORTS
    assert not found, "private names imported across modules:\n" + "\n".join(
        f"{importer}: from {target} import {name}" for importer, target, name in sorted(found)
    )


def test_the_known_private_imports_still_exist():
    assert not KNOWN_PRIVATE_IMPORTS - private_imports(all_imports()), (
        "fixed: remove them from KNOWN_PRIVATE_IMPORTS"
    )


# --- (c) no long module ---------------------------------------------------------------------------


def long_modules(modules: dict[str, Path] = MODULES) -> dict[str, int]:
    lengths = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules.items()}
    return {m: n for m, n in lengths.items() if n > MAX_LINES}


def test_no_module_over_500_lines():
    found = {m: n for m, n in long_modules().items() if m not in KNOWN_LONG_MODULES}
    assert not found, f"modules over {MAX_LINES} lines: " + ", ".join(
        f"{m} ({n})" for m, n in sorted(found.items())
    )


def test_the_known_long_modules_are_still_long():
    assert not KNOWN_LONG_MODULES - set(long_modules()), "fixed: remove them from KNOWN_LONG_MODULES"


# --- (d) every workbook is written through core.spreadsheets -----------------------------------------

SPREADSHEET_WRITER = "core.spreadsheets"


def workbook_makers(modules: dict[str, Path] = MODULES) -> set[tuple[str, int]]:
    """(module, line) of every use of openpyxl's Workbook class outside core.spreadsheets."""
    found = set()
    for module, path in modules.items():
        if module == SPREADSHEET_WRITER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "openpyxl":
                if any(alias.name in ("Workbook", "*") for alias in node.names):
                    found.add((module, node.lineno))
            elif isinstance(node, ast.Attribute) and node.attr == "Workbook":
                found.add((module, node.lineno))
    return found


def test_workbooks_are_made_only_by_core_spreadsheets():
    found = workbook_makers()
    assert not found, "use core.spreadsheets.new_workbook() instead of openpyxl's Workbook:\n" + "\n".join(
        f"{module}:{line}" for module, line in sorted(found)
    )


# --- the checks can fail --------------------------------------------------------------------------


def test_a_cycle_is_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]


def test_an_upward_import_in_the_real_graph_would_close_a_cycle():
    graph = import_time_graph(all_imports())
    graph["branches.models"].add("meetings.models")  # meetings.models imports branches.models
    assert ["branches.models", "meetings.models", "branches.models"] in find_cycles(graph)


def test_a_long_module_is_found(tmp_path):
    short, long = tmp_path / "short.py", tmp_path / "long.py"
    short.write_text("x = 1\n" * MAX_LINES)
    long.write_text("x = 1\n" * (MAX_LINES + 1))
    assert long_modules({"short": short, "long": long}) == {"long": MAX_LINES + 1}


@pytest.mark.parametrize(
    "source, module_level",
    [
        ("import ratings.models\n", True),
        ("if True:\n    from ratings import models\n", True),
        ("class A:\n    from ratings import models\n", True),
        ("def f():\n    from ratings import models\n", False),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ratings import models\n", False),
    ],
)
def test_only_imports_run_at_import_time_count(tmp_path, source, module_level):
    path = tmp_path / "probe.py"
    path.write_text(source)
    found = [imp for imp in _imports("branches.probe", path) if imp.target == "ratings.models"]
    assert [imp.module_level for imp in found] == [module_level]


def test_a_private_import_is_found(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text("from branches.views import _helper\nfrom . import _own\nfrom .models import __all__\n")
    found = private_imports(list(_imports("meetings.probe", path)))
    assert found == {("meetings.probe", "branches.views", "_helper")}


@pytest.mark.parametrize(
    "source",
    [
        "from openpyxl import Workbook\n",
        "from openpyxl.workbook import Workbook\n",
        "import openpyxl\nwb = openpyxl.Workbook()\n",
        "def f():\n    from openpyxl import load_workbook, Workbook\n",
    ],
)
def test_a_workbook_made_outside_core_spreadsheets_is_found(tmp_path, source):
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert workbook_makers({"meetings.probe": path, SPREADSHEET_WRITER: path}) == {
        ("meetings.probe", source.count("\n"))
    }
