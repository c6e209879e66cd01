"""Import every third-party module the service's own code imports (tests and benchmarks excluded).

Run with the interpreter of a virtualenv that holds only requirements.txt: a module missing
from the runtime requirements fails here with its name, before any server starts.
"""

import ast
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "tests", "bench", "var", "scripts", "node_modules"}


def third_party_modules() -> set[str]:
    """Return the top-level names of every absolute import outside the project and the stdlib."""
    local = {p.name.removesuffix(".py") for p in ROOT.iterdir()}
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if SKIP.intersection(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in local}


def main() -> int:
    missing = []
    for name in sorted(third_party_modules()):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            missing.append(f"{name}: {exc}")
    if missing:
        print("Imported by the service but not installed by requirements.txt:", *missing, sep="\n  ")
        return 1
    print(f"All {len(third_party_modules())} third-party modules import.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
