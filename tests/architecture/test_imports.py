"""The shape of the code: no import cycles, a core that never imports Textual, and OCPP
versions named only by the dialect registry."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from ocppdeck.core import dialects

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("core", "tui", "themes", "sample_data")


def product_modules() -> dict[str, Path]:
    """Every product module by its dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for top in PRODUCT:
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(["ocppdeck", *parts])] = path
    return found


def imported(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The product modules a module imports anywhere in it: at the top, inside functions,
    under TYPE_CHECKING. A lazy import is a dependency all the same."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # `from package import module` imports the module itself.
            targets = [source, *(f"{source}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            if target in modules and target != name:
                yield target


def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports, with the registry's parts loaded on first use."""
    modules = product_modules()
    edges = {name: set(imported(name, path, modules)) for name, path in modules.items()}
    for dialect in dialects.DIALECTS.values():
        for part in (dialect.session, dialect.builder, dialect.link):
            edges["ocppdeck.core.dialects"].add(f"ocppdeck.core.{part.module}")
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back() -> None:
    assert cycles(graph()) == []


def test_the_core_never_imports_textual_or_the_console() -> None:
    for name, path in product_modules().items():
        if not name.startswith("ocppdeck.core"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                for imported_name in names:
                    assert not imported_name.startswith(("textual", "ocppdeck.tui")), name
                if isinstance(node, ast.ImportFrom) and node.level:
                    assert "tui" not in (node.module or "").split("."), name


def code_strings(path: Path) -> Iterator[str]:
    """String literals of a module's code, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and id(node) not in docstrings:
            yield node.value


def test_versions_are_named_in_at_most_two_product_modules() -> None:
    names = set(dialects.DIALECTS)
    naming = sorted(
        module
        for module, path in product_modules().items()
        if any(name in text for text in code_strings(path) for name in names)
    )
    assert naming == ["ocppdeck.core.dialects"]
