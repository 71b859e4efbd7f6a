"""The package's import arrows run one way: a module imports only its own layer and the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vgr"

# Lowest first. A module belongs to the longest prefix listed; the facade ``vgr/__init__.py`` loads the public
# API lazily by name and is not a layer.
LAYERS = [
    ("vgr._version", "vgr.errors", "vgr.files", "vgr.outputs"),  # plumbing every layer may use
    ("vgr.features",),  # one signal -> the 20 numbers
    ("vgr.runs",),  # many files -> rows: discovery, parallel and cluster runs, resuming, features CSVs
    ("vgr.voiceprint",),  # the speaker embedding and its head
    ("vgr.models",),  # the ensemble: training, checkpoints, evaluation
    ("vgr.predict", "vgr.report", "vgr.segment"),  # the Python API over all of the above
    ("vgr.serve",),  # the web server
    ("vgr.cli", "vgr.__main__"),  # the command line on top
]


def layer_of(module: str) -> int:
    matches = [(len(prefix), rank) for rank, prefixes in enumerate(LAYERS) for prefix in prefixes
               if module == prefix or module.startswith(prefix + ".")]
    if not matches:
        raise LookupError(f"{module} is in no layer of {__name__}.LAYERS")
    return max(matches)[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / name / "__init__.py").exists()


def imports(path: Path) -> list[tuple[int, str]]:
    """Every ``vgr`` module that ``path`` imports (at the top, inside functions or under TYPE_CHECKING)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "vgr":  # `from vgr import predict`: the submodules named (`__version__`: the facade)
                found += [(node.lineno, f"vgr.{alias.name}" if is_module(alias.name) else "vgr") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError(f"{path}:{node.lineno}: relative import; vgr imports by absolute name")
    return [(line, name) for line, name in found if name == "vgr" or name.startswith("vgr.")]


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def test_every_module_has_a_layer():
    for path in MODULES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_imports_a_higher_layer(path):
    here = module_name(path)
    upward = [f"{path.relative_to(PACKAGE.parent)}:{line}: {here} (layer {layer_of(here)}) imports {name} "
              f"(layer {layer_of(name)})"
              for line, name in imports(path) if name != "vgr" and layer_of(name) > layer_of(here)]
    assert upward == []


def test_the_checker_sees_an_upward_import(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text("def f():\n    from vgr.voiceprint.encoder import embed\n")
    assert [layer_of(name) for _, name in imports(source)] == [layer_of("vgr.voiceprint")]
    assert layer_of("vgr.voiceprint.encoder") > layer_of("vgr.runs.batch")
