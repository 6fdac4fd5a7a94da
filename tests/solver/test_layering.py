"""The solver stays a pure library: nothing in solver/ may import the web or database layers."""
import ast
from pathlib import Path

FORBIDDEN = {"flask", "sqlalchemy", "pool", "web", "alembic", "psycopg"}
SOLVER = Path(__file__).resolve().parents[2] / "solver"


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_solver_imports_no_web_or_database_code():
    files = sorted(SOLVER.rglob("*.py"))
    assert files
    offenders = {str(f.relative_to(SOLVER)): sorted(imported_roots(f) & FORBIDDEN) for f in files}
    assert {f: bad for f, bad in offenders.items() if bad} == {}
