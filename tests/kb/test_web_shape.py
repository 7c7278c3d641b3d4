"""The web layer stays readable at a glance: `create_app` fits on a screen, every route is a
module-level function of a router that fits on one too, and no route is a closure."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "kb" / "web"
VERBS = {"get", "post", "put", "patch", "delete", "api_route"}
APP_LINES = 60
ROUTE_LINES = 40

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _functions(tree: ast.AST) -> list[tuple[Function, bool]]:
    """Every function in `tree`, with whether it is defined inside another function."""
    found: list[tuple[Function, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((child, nested))
                visit(child, True)
            else:
                visit(child, nested)

    visit(tree, False)
    return found


def _is_route(function: Function) -> bool:
    return any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in VERBS
        for d in function.decorator_list
    )


def _lines(function: Function) -> int:
    assert function.end_lineno is not None
    return function.end_lineno - function.lineno + 1


def test_create_app_and_every_route_fit_on_a_screen() -> None:
    routes, too_long, closures = 0, [], []
    create_app = None
    for path in sorted(WEB.rglob("*.py")):
        for function, nested in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(WEB)}:{function.lineno} {function.name}"
            if function.name == "create_app":
                create_app = _lines(function)
            if _is_route(function):
                routes += 1
                if nested:
                    closures.append(where)
                if _lines(function) > ROUTE_LINES:
                    too_long.append(f"{where} ({_lines(function)} lines)")
    assert create_app is not None and create_app <= APP_LINES, create_app
    assert routes >= 10, "the routers' routes were not found"
    assert not closures, closures
    assert not too_long, too_long
