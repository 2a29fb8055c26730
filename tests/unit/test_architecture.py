"""The package's layout, checked from its own import statements (``ast``), so a change that tangles it fails here.

The rules (issue 12, docs/architecture.md):

1. **No import cycle inside ``pinghelpers``.** Every ``import`` counts, at module level or lazily inside a
   function — a lazy import still makes two modules depend on each other. Not counted: imports under
   ``if TYPE_CHECKING:`` (never executed). Importing ``pinghelpers.a.b`` also runs the package ``pinghelpers.a``
   (its ``__init__``), so that is an edge too — except from inside ``pinghelpers.a`` itself, and except the
   root package, the curated facade that imports on first use.
2. **The local sandbox imports nothing client-side.** A ``pinghelpers.sandbox`` module imports only other
   sandbox modules and the shared ones (``SHARED``: errors, secret, jose, rules, timefmt); the shared ones in
   turn import only each other — so the sandbox cannot reach the client side through them either.
3. **Protocol modules render nothing.** Every module that is not presentation (``PRESENTATION``: display/,
   the CLI, the workbook, the browser sign-on's pages) nor the sandbox imports neither ``pinghelpers.display``
   nor ``ipywidgets`` nor ``IPython``, anywhere. **The one exception**: a ``_repr_html_`` method whose whole
   body is ``from .display.<module> import <renderer>`` then ``return <renderer>(...)`` — the model delegates,
   display renders. Every ``_repr_html_`` of a protocol module must have exactly that shape.
4. **base64url is written once, in ``jose.py``**: nowhere else ``urlsafe_b64encode``/``urlsafe_b64decode``,
   ``.rstrip("=")`` or ``"=" * (…)`` padding arithmetic.
5. **No module of ``pinghelpers`` reaches 500 lines.**

The cycle finder and the import reader are also run on small packages that reproduce, statement for
statement, the three circles ``main`` had before issue 12 (``browser`` ↔ ``client``, ``settings`` ↔
``postman``, ``sandbox/app`` ↔ ``sandbox/management``): each is found, so the rule would have failed on them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import pinghelpers

PACKAGE = Path(pinghelpers.__file__).parent
ROOT = "pinghelpers"

#: What the sandbox may import besides itself: PingOne's rules and the byte-level primitives, nothing that
#: talks to PingOne or to Jupyter.
SHARED = frozenset(
    {"pinghelpers.errors", "pinghelpers.secret", "pinghelpers.jose", "pinghelpers.rules", "pinghelpers.timefmt"}
)

#: Modules that present things to a person and may therefore import display: the renderers themselves, the
#: CLI, the notebooks' glue, and the browser sign-on (it serves the page the person's browser shows).
PRESENTATION = ("pinghelpers.display", "pinghelpers.cli", "pinghelpers.workbook", "pinghelpers.browser")
JUPYTER = frozenset({"ipywidgets", "IPython"})
MAX_LINES = 500


@dataclass(frozen=True)
class Import:
    """One import statement's effect: ``importer`` depends on ``target`` (a ``pinghelpers`` module, or the
    top-level name of an external one)."""

    importer: str
    target: str
    line: int
    lazy: bool  # inside a function
    delegation: bool  # the allowed one-line `_repr_html_` delegation to display


def module_name(path: Path, root: Path, package: str) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def modules_of(root: Path, package: str) -> dict[str, Path]:
    return {module_name(p, root, package): p for p in sorted(root.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def is_repr_delegation(func: ast.FunctionDef) -> bool:
    """``def _repr_html_(self): from .display.X import f; return f(...)`` — and nothing else."""
    if func.name != "_repr_html_" or len(func.body) != 2:
        return False
    first, second = func.body
    if not (isinstance(first, ast.ImportFrom) and first.level >= 1 and len(first.names) == 1):
        return False
    if (first.module or "").split(".")[0] != "display":
        return False
    name = first.names[0].asname or first.names[0].name
    return (
        isinstance(second, ast.Return)
        and isinstance(second.value, ast.Call)
        and isinstance(second.value.func, ast.Name)
        and second.value.func.id == name
    )


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def imports_of(name: str, path: Path, known: set[str], package: str) -> Iterator[Import]:
    """Every import in one module, TYPE_CHECKING blocks left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"

    def walk(node: ast.AST, lazy: bool, delegation: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.orelse:
                    yield from walk(stmt, lazy, delegation)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = isinstance(child, ast.FunctionDef) and is_repr_delegation(child)
                yield from walk(child, True, inner)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(name, _target(alias.name), child.lineno, lazy, delegation)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(name, is_package, child.level, child.module)
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    # `from . import cmd_login` imports a module; `from .x import y` an attribute of x.
                    yield Import(name, _target(sub if sub in known else base), child.lineno, lazy, delegation)
            yield from walk(child, lazy, delegation)

    def _target(dotted: str) -> str:
        return dotted if dotted.split(".")[0] == package else dotted.split(".")[0]

    yield from walk(tree, False, False)


def import_graph(root: Path, package: str = ROOT) -> tuple[dict[str, set[str]], list[Import]]:
    """Module → the ``package`` modules it imports (with the packages those imports run), and every import."""
    files = modules_of(root, package)
    known = set(files)
    everything: list[Import] = []
    graph: dict[str, set[str]] = {m: set() for m in files}
    for name, path in files.items():
        for imp in imports_of(name, path, known, package):
            everything.append(imp)
            if imp.target.split(".")[0] != package or imp.target not in known:
                continue
            targets = [imp.target]
            parts = imp.target.split(".")
            for depth in range(2, len(parts)):  # the packages whose __init__ the import runs, root excluded
                parent = ".".join(parts[:depth])
                if not (name == parent or name.startswith(parent + ".")):
                    targets.append(parent)
            graph[name].update(t for t in targets if t != name)
    return graph, everything


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected component of more than one module, as one cycle through it (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
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
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_a_cycle(graph, c) for c in sorted(components)]


def _a_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A readable path start → … → start inside one strongly connected component (breadth first)."""
    start, inside = component[0], set(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & inside):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in came_from:
                    came_from[w] = v
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle in {component}")  # pragma: no cover - a component always has one


def _in(module: str, prefixes: tuple[str, ...] | frozenset[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


GRAPH, IMPORTS = import_graph(PACKAGE)
MODULES = modules_of(PACKAGE, ROOT)
SANDBOX = sorted(m for m in MODULES if _in(m, ("pinghelpers.sandbox",)))
PROTOCOL = sorted(m for m in MODULES if m != ROOT and not _in(m, PRESENTATION) and m not in SANDBOX)


# -- 1. no cycles ------------------------------------------------------------------------------------------


def test_no_import_cycle_inside_pinghelpers() -> None:
    cycles = find_cycles(GRAPH)
    assert cycles == [], "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_the_graph_is_read_from_the_code() -> None:
    # The reader sees what matters: a lazy import in a method, a parent package's __init__, `from . import m`.
    assert "pinghelpers.browser" in GRAPH["pinghelpers.signon"]  # signon.py: from .browser import …
    assert "pinghelpers.display.reprs" in GRAPH["pinghelpers.rules"]  # Checklist._repr_html_, lazily
    assert "pinghelpers.display" in GRAPH["pinghelpers.rules"]  # ... which runs display/__init__ too
    assert "pinghelpers.cli.cmd_login" in GRAPH["pinghelpers.cli"]  # from . import cmd_login
    assert "pinghelpers.client" not in GRAPH["pinghelpers.browser"]  # only under TYPE_CHECKING there


_MAIN_BEFORE_ISSUE_12 = {
    # browser <-> client: the client's browser_sign_on method imported browser lazily; browser imported the
    # client at module level.
    "browser-client": {
        "client.py": "from .settings import Settings\n"
        "class PingOneClient:\n"
        "    def browser_sign_on(self, request):\n"
        "        from .browser import browser_sign_on\n"
        "        return browser_sign_on(self, request)\n",
        "browser.py": "from .client import AuthorizationRequest, AuthorizationResult, PingOneClient\n",
        "settings.py": "",
    },
    # settings <-> postman: Settings.from_postman imported postman lazily; postman imported Settings under
    # TYPE_CHECKING (not an edge) and again inside read_postman_environment (an edge).
    "settings-postman": {
        "settings.py": "class Settings:\n"
        "    @classmethod\n"
        "    def from_postman(cls, source):\n"
        "        from .postman import read_postman_environment\n"
        "        return read_postman_environment(source)\n",
        "postman.py": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from .settings import Settings\n"
        "def read_postman_environment(source):\n"
        "    from .settings import Settings\n"
        "    return Settings()\n",
    },
    # sandbox/app <-> sandbox/management: the app built ManagementAPI lazily; management reached for the
    # app's private _iso inside a function.
    "app-management": {
        "sandbox/__init__.py": "from .server import Sandbox\n",
        "sandbox/server.py": "from .app import SandboxApp\nclass Sandbox: ...\n",
        "sandbox/app.py": "class SandboxApp:\n"
        "    def __init__(self):\n"
        "        from .management import ManagementAPI\n"
        "        self.management = ManagementAPI(self)\n",
        "sandbox/management.py": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from .app import SandboxApp\n"
        "def _iso(ts):\n"
        "    from .app import _iso as iso\n"
        "    return iso(ts)\n",
    },
}


@pytest.mark.parametrize(
    ("circle", "expected"),
    [
        ("browser-client", ["pinghelpers.browser", "pinghelpers.client", "pinghelpers.browser"]),
        ("settings-postman", ["pinghelpers.postman", "pinghelpers.settings", "pinghelpers.postman"]),
        (
            "app-management",
            ["pinghelpers.sandbox.app", "pinghelpers.sandbox.management", "pinghelpers.sandbox.app"],
        ),
    ],
)
def test_the_cycle_rule_fails_on_each_circle_main_had(tmp_path: Path, circle: str, expected: list[str]) -> None:
    root = tmp_path / "pinghelpers"
    (root / "sandbox").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    for relative, source in _MAIN_BEFORE_ISSUE_12[circle].items():
        (root / relative).write_text(source)
    graph, _ = import_graph(root)
    assert find_cycles(graph) == [expected]


@pytest.mark.parametrize(
    ("edges", "cycles"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b", "a"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c", "a"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b", "a"], ["c", "d", "c"]]),
        ({"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set()}, []),  # a diamond is not a cycle
    ],
)
def test_the_cycle_finder_on_small_graphs(edges: dict[str, set[str]], cycles: list[list[str]]) -> None:
    assert find_cycles(edges) == cycles


# -- 2. the sandbox imports nothing client-side ----------------------------------------------------------


def _forbidden_for_sandbox(module: str) -> list[str]:
    return [
        f"{imp.importer}:{imp.line} imports {imp.target}"
        for imp in IMPORTS
        if imp.importer == module
        and imp.target.startswith(ROOT + ".")
        and not _in(imp.target, ("pinghelpers.sandbox",))
        and imp.target not in SHARED
    ]


@pytest.mark.parametrize("module", SANDBOX)
def test_the_sandbox_imports_nothing_client_side(module: str) -> None:
    assert _forbidden_for_sandbox(module) == []


@pytest.mark.parametrize("module", sorted(SHARED))
def test_what_the_sandbox_shares_imports_only_shared_modules(module: str) -> None:
    # The one-line _repr_html_ delegation is display's business, run only in a notebook: not a dependency.
    reached = sorted(
        f"{imp.importer}:{imp.line} imports {imp.target}"
        for imp in IMPORTS
        if imp.importer == module
        and imp.target.startswith(ROOT + ".")
        and imp.target not in SHARED
        and not imp.delegation
    )
    assert reached == []


def _write(folder: Path, source: str) -> Path:
    path = folder / f"m{len(list(folder.glob('m*.py')))}.py"
    path.write_text(source)
    return path


def test_the_sandbox_rule_catches_a_client_side_import(tmp_path: Path) -> None:
    assert "pinghelpers.settings" not in SHARED and "pinghelpers.display.reprs" not in SHARED
    imports = list(
        imports_of(
            "pinghelpers.sandbox.server",
            _write(tmp_path, "def settings(self):\n    from ..settings import Settings\n    return Settings()\n"),
            set(MODULES),
            ROOT,
        )
    )
    assert [(i.target, i.lazy) for i in imports] == [("pinghelpers.settings", True)]


# -- 3. protocol modules render nothing ------------------------------------------------------------------


def _rendering_imports(module: str) -> list[str]:
    return [
        f"{imp.importer}:{imp.line} imports {imp.target}"
        for imp in IMPORTS
        if imp.importer == module
        and (imp.target in JUPYTER or _in(imp.target, ("pinghelpers.display",)))
        and not imp.delegation
    ]


def _repr_html_not_delegating(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.name}:{node.lineno} _repr_html_ renders instead of delegating to pinghelpers.display"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "_repr_html_" and not is_repr_delegation(node)
    ]


@pytest.mark.parametrize("module", PROTOCOL)
def test_protocol_modules_import_no_display_and_no_jupyter(module: str) -> None:
    assert _rendering_imports(module) + _repr_html_not_delegating(MODULES[module]) == []


@pytest.mark.parametrize("module", SANDBOX)
def test_the_sandbox_imports_no_jupyter(module: str) -> None:
    assert [i for i in _rendering_imports(module) if i.split(" imports ")[1] in JUPYTER] == []


def test_the_protocol_rule_allows_only_the_one_line_delegation(tmp_path: Path) -> None:
    allowed = "class M:\n    def _repr_html_(self):\n        from .display.reprs import m_html\n\n        return m_html(self)\n"
    inline = "class M:\n    def _repr_html_(self):\n        return '<b style=\"color:#cf222e\">x</b>'\n"
    wider = (
        "class M:\n    def _repr_html_(self):\n        from .display.reprs import m_html\n"
        "        from .display import forms\n        return m_html(self)\n"
    )
    elsewhere = "def show(x):\n    from .display.html import table_html\n    return table_html(x)\n"
    widgets = "def form():\n    import ipywidgets\n"
    assert _repr_html_not_delegating(_write(tmp_path, allowed)) == []
    assert len(_repr_html_not_delegating(_write(tmp_path, inline))) == 1
    assert len(_repr_html_not_delegating(_write(tmp_path, wider))) == 1
    for source, target in ((elsewhere, "pinghelpers.display.html"), (widgets, "ipywidgets")):
        found = list(imports_of("pinghelpers.x", _write(tmp_path, source), set(MODULES), ROOT))
        assert [(i.target, i.delegation) for i in found] == [(target, False)]
    assert [i.delegation for i in imports_of("pinghelpers.x", _write(tmp_path, allowed), set(MODULES), ROOT)] == [True]


def test_client_py_imports_no_display_at_all() -> None:
    assert [i for i in IMPORTS if i.importer == "pinghelpers.client" and "display" in i.target] == []


# -- 4. base64url only in jose.py ------------------------------------------------------------------------


def hand_written_base64url(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        line = getattr(node, "lineno", 0)
        if isinstance(node, (ast.Attribute, ast.Name)):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            if name in ("urlsafe_b64encode", "urlsafe_b64decode"):
                found.append(f"{path.name}:{line} {name}")
        elif isinstance(node, ast.alias) and node.name in ("urlsafe_b64encode", "urlsafe_b64decode"):
            found.append(f"{path.name} imports {node.name}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("rstrip", "strip")
            and any(isinstance(a, ast.Constant) and a.value in ("=", b"=") for a in node.args)
        ):
            found.append(f"{path.name}:{line} strips '=' padding")
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mult)
            and any(isinstance(s, ast.Constant) and s.value in ("=", b"=") for s in (node.left, node.right))
        ):
            found.append(f"{path.name}:{line} computes '=' padding")
    return found


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "pinghelpers.jose"))
def test_base64url_is_written_only_in_jose(module: str) -> None:
    assert hand_written_base64url(MODULES[module]) == []


def test_the_base64url_rule_sees_each_hand_written_form(tmp_path: Path) -> None:
    source = (
        "import base64\nfrom base64 import urlsafe_b64decode\n"
        "def a(d):\n    return base64.urlsafe_b64encode(d).rstrip(b'=').decode()\n"
        "def b(s):\n    return urlsafe_b64decode(s + '=' * (-len(s) % 4))\n"
        "def basic(raw):\n    return base64.b64encode(raw)  # standard base64 (HTTP Basic) is not base64url\n"
    )
    assert sorted(hand_written_base64url(_write(tmp_path, source))) == [
        "m0.py imports urlsafe_b64decode",
        "m0.py:4 strips '=' padding",
        "m0.py:4 urlsafe_b64encode",
        "m0.py:6 computes '=' padding",
        "m0.py:6 urlsafe_b64decode",
    ]
    assert hand_written_base64url(PACKAGE / "jose.py") != []  # the one home does write it


# -- 5. module size --------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_is_under_500_lines(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines < MAX_LINES, f"{module} has {lines} lines; split it along its responsibilities"
