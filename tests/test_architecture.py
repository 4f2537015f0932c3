"""The arrows between Haven's modules point one way (DESIGN.md, Architecture).

The import graph of app/ is read from the source (no import runs): it has no
cycle, a ``schemas`` module imports only models, other schemas and the few
helpers every layer shares, and app.web (rendering, forms) knows no domain.
Imports under ``if TYPE_CHECKING:`` are left out: they never run.
"""

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
DOMAINS = {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
# What every layer may use: plain values and helpers that import no service.
SHARED = {"app.text", "app.pagination", "app.dates", "app.errors"}

Graph = Mapping[str, frozenset[str]]


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node, except the bodies of ``if TYPE_CHECKING:`` blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in ast.walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(path: Path, modules: set[str]) -> frozenset[str]:
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return frozenset(name for name in found if name in modules)


def import_graph() -> Graph:
    paths = {_module_name(p): p for p in APP.rglob("*.py")}
    names = set(paths)
    return {name: _imports(path, names) - {name} for name, path in paths.items()}


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _allowed_in_schemas(name: str, graph: Graph) -> bool:
    """Models, schemas, the shared helpers, and plain-value modules: those that
    import nothing but these. A service reaches the database (app.db) or other
    services, so a module that does is none of these."""
    if name.endswith((".models", ".schemas")) or name in SHARED:
        return True
    if name == "app.db" or name.rpartition(".")[2] in ("service", "api", "views"):
        return False
    return all(_allowed_in_schemas(t, graph) for t in graph.get(name, ()))


def schema_offences(graph: Graph) -> dict[str, list[str]]:
    return {
        name: bad
        for name, targets in graph.items()
        if name.endswith(".schemas")
        and (bad := sorted(t for t in targets if not _allowed_in_schemas(t, graph)))
    }


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph()


def test_the_graph_is_read_from_the_whole_package(graph: Graph) -> None:
    assert {"app.main", "app.web", "app.comments.thread"} <= set(graph)
    assert "app.comments.models" in graph["app.comments.thread"]


def test_no_module_imports_itself_back(graph: Graph) -> None:
    assert cycles(graph) == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    looped = {
        "a": frozenset({"b"}),
        "b": frozenset({"c"}),
        "c": frozenset({"a"}),
        "d": frozenset({"a"}),
    }
    assert cycles(looped) == [["a", "b", "c"]]
    assert cycles({**looped, "c": frozenset()}) == []


def test_schemas_import_no_service(graph: Graph) -> None:
    assert schema_offences(graph) == {}


def test_a_schema_importing_a_service_is_caught() -> None:
    graph = {
        "app.x.schemas": frozenset({"app.x.models", "app.text", "app.x.service"}),
        "app.y.schemas": frozenset({"app.x.schemas", "app.y.values", "app.y.rules"}),
        "app.y.values": frozenset({"app.dates"}),
        "app.y.rules": frozenset({"app.y.values", "app.db"}),
    }
    assert schema_offences(graph) == {
        "app.x.schemas": ["app.x.service"],
        "app.y.schemas": ["app.y.rules"],
    }


def test_web_knows_no_domain(graph: Graph) -> None:
    domains = {f"app.{d}" for d in DOMAINS}
    assert not {
        t for t in graph["app.web"] if t in domains or t.rpartition(".")[0] in domains
    }


def test_type_checking_imports_are_left_out(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import app.a\n"
        "if TYPE_CHECKING:\n    import app.b\n"
        "def f():\n    from app import c\n"
    )
    assert _imports(source, {"app.a", "app.b", "app.c"}) == {"app.a", "app.c"}


def _positional_actors_in(path: Path) -> list[str]:
    """Functions taking ``actor`` and more, where ``actor`` may go by position."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            positional = [a.arg for a in node.args.posonlyargs + node.args.args]
            if "actor" in positional and len(positional) > 1:
                found.append(node.name)
    return found


def test_actor_is_named_at_every_call() -> None:
    """A service's ``actor`` is keyword-only, so a call says who acts. The routes
    (api/views modules) are left out: FastAPI names their parameters. A guard
    taking nothing but the actor (``ensure_moderator(actor)``) reads well as is."""
    routes = ("api.py", "views.py")
    offenders = [
        f"{_module_name(path)}.{name}"
        for path in sorted(APP.rglob("*.py"))
        if not path.name.endswith(routes)
        for name in _positional_actors_in(path)
    ]
    assert offenders == []


def test_a_positional_actor_is_caught(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "def a(session, actor): ...\ndef b(session, *, actor): ...\ndef c(actor): ...\n"
    )
    assert _positional_actors_in(source) == ["a"]


def test_one_test_says_whether_a_request_is_for_the_api() -> None:
    """app.web.is_api_request is the only place that looks at a path for it."""
    checks = [
        f"{path.relative_to(APP.parent)}:{number}"
        for path in sorted(APP.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "startswith(" in line and ("/api" in line or "API_PREFIX" in line)
    ]
    assert [check.partition(":")[0] for check in checks] == ["app/web.py"]


def test_one_rule_places_a_comment_in_its_tree() -> None:
    """app.comments.models.place_under is the only code that works out a depth."""
    root = APP.parent
    placing = [
        str(path.relative_to(root))
        for folder in ("app", "tests", "bench")
        for path in sorted((root / folder).rglob("*.py"))
        if path != Path(__file__)  # this test names the rule it looks for
        and "depth + 1" in (text := path.read_text())
        and "root_id" in text
    ]
    assert placing == ["app/comments/models.py"]


def test_place_under() -> None:
    from app.comments.models import TreePlace, place_under

    class Parent:
        id, root_id, depth = 7, 3, 2

    assert place_under(None) == TreePlace(parent_id=None, root_id=None, depth=1)
    assert place_under(None, own_id=5) == TreePlace(None, 5, 1)
    assert place_under(Parent()) == TreePlace(parent_id=7, root_id=3, depth=3)


def test_pages_take_nothing_from_the_api_modules(graph: Graph) -> None:
    """A domain's shared route parts live in its deps.py, not in its api.py."""
    apis = {name for name in graph if name.endswith(("api", "_api"))}
    borrowing = {
        name: sorted(graph[name] & apis)
        for name in graph
        if name.endswith(("views", "_views")) and graph[name] & apis
    }
    assert borrowing == {}
