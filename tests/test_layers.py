"""The layers point one way: handlers/ → bot/ → storage/, never back. Only the composition root
(the modules that build the bot and wire the handlers' renderers into the sender) may import
handlers/ from bot/. Every outbox kind has its renderer."""

from __future__ import annotations

import ast
from pathlib import Path

from handlers.outbox import RENDERERS

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"storage": 0, "bot": 1, "handlers": 2}
COMPOSITION_ROOT = {"bot/__main__.py", "bot/runner.py", "bot/factory.py"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, function-local and TYPE_CHECKING ones too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def upward_edges() -> list[str]:
    edges = []
    for layer, rank in LAYERS.items():
        for path in sorted((ROOT / layer).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for line, module in imported_modules(path):
                target = module.split(".")[0]
                if target not in LAYERS or LAYERS[target] <= rank:
                    continue
                if name in COMPOSITION_ROOT and target == "handlers":
                    continue
                edges.append(f"{name}:{line} imports {module}")
    return edges


def test_no_layer_imports_one_above_it() -> None:
    assert upward_edges() == []


def test_the_walk_sees_an_upward_edge(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    from handlers.assignments.cards import card_text\n", encoding="utf-8"
    )
    assert imported_modules(sample) == [(2, "handlers.assignments.cards")]


def test_every_outbox_kind_has_a_renderer() -> None:
    assert RENDERERS.missing() == []
