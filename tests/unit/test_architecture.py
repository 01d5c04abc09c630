"""docs/architecture.md draws the imports the code has; packages form no cycle; limits hold.

A node is a first-level name under dq_pipelines/: a subsystem package (`storage`, `alerts`, ...)
or a top-level module (`settings`, `layout`, ...). An edge `a --> b` means code in `a` imports `b`.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from dq_pipelines.layout import PACKAGE_DIR, PROJECT_ROOT

ARCHITECTURE = PROJECT_ROOT / "docs" / "architecture.md"
MAX_MODULE_LINES = 350
PRIVATE_ADAPTER = PACKAGE_DIR / "dagster_private.py"
EDGE = re.compile(r"^\s*(\w+)(?:\[[^\]]*\])?\s*-->\s*(\w+)(?:\[[^\]]*\])?\s*$")


def _modules() -> Iterator[Path]:
    yield from sorted(PACKAGE_DIR.rglob("*.py"))


def _node(path: Path) -> str | None:
    """The first-level name a module belongs to (None for dq_pipelines/__init__.py)."""
    parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
    return None if parts == ("__init__",) else parts[0]


def _imported(tree: ast.AST) -> Iterator[str]:
    """Every module name imported anywhere in a module, function-level imports included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative imports hide the package they cross into"
            module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def code_edges() -> set[tuple[str, str]]:
    """(importer, imported) between first-level names, as the code has them."""
    edges = set()
    for path in _modules():
        source = _node(path)
        for name in _imported(ast.parse(path.read_text(), str(path))):
            parts = name.split(".")
            if source and parts[0] == "dq_pipelines" and len(parts) > 1 and parts[1] != source:
                edges.add((source, parts[1]))
    return edges


def drawn_edges() -> set[tuple[str, str]]:
    """The edges of the one mermaid block in docs/architecture.md."""
    blocks = re.findall(r"```mermaid\n(.*?)```", ARCHITECTURE.read_text(), flags=re.DOTALL)
    assert len(blocks) == 1, "docs/architecture.md should have exactly one mermaid picture"
    return {m.groups() for line in blocks[0].splitlines() if (m := EDGE.match(line))}


def _cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _as_mermaid(edges: set[tuple[str, str]]) -> str:
    return "\n".join(f"    {a} --> {b}" for a, b in sorted(edges))


def test_the_picture_draws_exactly_the_imports_of_the_code() -> None:
    code, drawn = code_edges(), drawn_edges()
    missing, extra = sorted(code - drawn), sorted(drawn - code)
    assert not missing and not extra, (
        f"docs/architecture.md differs from the code.\n"
        f"imported but not drawn: {missing}\n"
        f"drawn but not imported: {extra}\n"
        f"the code's edges, to paste:\n{_as_mermaid(code)}"
    )


def test_no_import_cycle_between_packages() -> None:
    cycles = _cycles(code_edges())
    assert cycles == [], f"packages importing each other: {cycles}"


def test_cycles_are_found() -> None:
    """The cycle finder itself: a -> b -> c -> a is one cycle; d hangs off it."""
    assert _cycles({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == [["a", "b", "c"]]
    assert _cycles({("a", "b"), ("b", "c")}) == []


def test_dagster_private_api_only_in_its_adapter() -> None:
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in _modules()
        if path != PRIVATE_ADAPTER
        and any(
            name == "dagster._core" or name.startswith("dagster._core.")
            for name in _imported(ast.parse(path.read_text(), str(path)))
        )
    ]
    assert offenders == [], f"only {PRIVATE_ADAPTER.name} may import dagster._core: {offenders}"


def test_no_module_over_the_line_limit() -> None:
    long = {
        str(path.relative_to(PROJECT_ROOT)): n
        for path in _modules()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"modules over {MAX_MODULE_LINES} lines: {long}"
