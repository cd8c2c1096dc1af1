"""The package's shape: small modules, imports that only run down the pipeline's layers,
no private names across modules, and a light ``import hotpixels``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import hotpixels

PACKAGE = Path(hotpixels.__file__).parent
#: Layers, lowest first: a module imports only from its own layer or lower ones, and
#: within its layer only from its own part (engine, detect and repair know nothing of
#: each other; neither do pipeline and report).
LAYERS = [
    {"errors", "_version", "progress"},
    {"kernels"},
    {"mosaic", "stats"},
    {"frames"},
    {"io"},
    {"maps"},
    {"engine", "detect", "repair"},
    {"pipeline", "report"},
    {"sim"},
    {"cli"},
    {"__init__", "__main__"},
]
OPTIONAL = ("numba", "rawpy", "jpeglib", "simplejpeg", "tifffile", "dask", "distributed")


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        out.append((".".join(("hotpixels", *rel.parts)).removesuffix(".__init__"), path))
    return out


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(part: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if part in layer)


def _imports(path: Path, module: str) -> list[tuple[str, list[str]]]:
    """(imported module, names) for every ``hotpixels`` import, relative ones resolved."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "hotpixels":
            out += [(f"hotpixels.{a.name}", []) for a in node.names]  # from hotpixels import kernels
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hotpixels"):
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith("hotpixels")]
    return out


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_module_is_small_and_imports_down_the_layers(module, path):
    lines = len(path.read_text().splitlines())
    assert lines <= 400, f"{module} has {lines} lines"
    mine = _part(module)
    for target, names in _imports(path, module):
        theirs = _part(target)
        assert _layer(theirs) <= _layer(mine), f"{module} imports {target}: up the layers"
        if _layer(theirs) == _layer(mine) and mine != "__init__":
            assert theirs == mine, f"{module} imports {target}: a sibling part of its layer"
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, f"{module} imports private {private} from {target}"


def test_the_layer_table_knows_every_part():
    parts = {_part(m) for m, _ in _modules()}
    assert parts <= set().union(*LAYERS), parts - set().union(*LAYERS)


@pytest.mark.parametrize("code", ["import hotpixels", "from hotpixels.cli import main"])
def test_light_import(code):
    probe = f"import sys; {code}; print(sorted(m for m in {OPTIONAL!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_public_names_resolve():
    for name in hotpixels.__all__:
        assert getattr(hotpixels, name) is not None, name
