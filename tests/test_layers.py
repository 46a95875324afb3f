"""The layering rules of docs/architecture.md, checked over the import graph of kiln's own modules.

Every `import` and `from ... import` in kiln's source is read with `ast` (including imports inside functions, which
run later but are dependencies all the same), so a rule cannot slip through a lazy import.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

import kiln

ROOT = Path(kiln.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str) -> set[str]:
    """The kiln modules `path` imports (relative imports resolved)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from kiln import worker`
    return {name for name in found if name == "kiln" or name.startswith("kiln.")}


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Each kiln module and the kiln modules it imports."""
    graph = {}
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        graph[module] = frozenset(_imports(path, module))
    return graph


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _violations(importer: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if _within(module, importer)
        for target in targets
        if any(_within(target, package) for package in forbidden)
    )


def test_the_graph_sees_every_module_and_its_imports() -> None:
    graph = import_graph()
    assert "kiln.api.app" in graph and "kiln.worker.service" in graph
    assert "kiln.jobs.inputs" in graph["kiln.worker.task_inputs"]
    assert len(graph) > 100


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("kiln.api", ("kiln.worker",)),
        ("kiln.worker", ("kiln.api",)),
    ],
)
def test_layers_do_not_import_each_other(importer: str, forbidden: tuple[str, ...]) -> None:
    assert _violations(importer, forbidden) == []


@pytest.mark.parametrize("module", ["kiln.types", "kiln.errors", "kiln.config"])
def test_plumbing_imports_nothing_of_kiln(module: str) -> None:
    assert import_graph()[module] == frozenset()


def test_the_sdk_imports_only_itself() -> None:
    """The client installs without the server: every kiln import of `kiln.sdk` stays inside it."""
    outside = _violations("kiln.sdk", ("kiln",))
    assert [line for line in outside if not line.split(" imports ")[1].startswith("kiln.sdk")] == []


def test_the_provider_workers_import_neither_the_api_nor_the_engines_torch_modules() -> None:
    """`kiln.remote` (provider workers, no GPU) stays off `kiln.api` and every module that imports torch."""
    torch_modules = ("kiln.engine.executor", "kiln.engine.loader", "kiln.worker.service", "kiln.worker.process")
    assert _violations("kiln.remote", ("kiln.api", *torch_modules)) == []


def test_a_provider_worker_process_never_loads_torch() -> None:
    import subprocess
    import sys

    script = (
        "import sys, kiln.remote.process, kiln.remote.worker, kiln.remote.openai_backend, kiln.remote.backends, "
        "kiln.cli.worker; print(sorted(m for m in ('torch', 'diffusers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
