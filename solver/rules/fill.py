"""Objective 1: priority-weighted filled seat-minutes."""
from __future__ import annotations

from ..variables import AssignmentVars


def fill_terms(vars_: AssignmentVars) -> dict[tuple[int, str], int]:
    return {key: vars_.occurrence(key[0]).weight for key in vars_.x}
