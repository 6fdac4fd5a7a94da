"""The pool's optimisation core: plans leaders onto recurring needs. Knows nothing of web or database."""
from .rules.pins import InfeasiblePin
from .planner import solve

__all__ = ["solve", "InfeasiblePin"]
