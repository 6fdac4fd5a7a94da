"""The CP-SAT decision variables of one sub-problem: x[occurrence, leader] = leader takes a seat.

Only pairs that could be feasible given what is already fixed (pins, earlier weeks) get a variable,
so the per-assignment rules hold by construction and models stay small.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .index import Occurrence
from .roster import Roster


@dataclass
class AssignmentVars:
    model: cp_model.CpModel
    roster: Roster  # the fixed part: what the variables add to
    occurrences: list[Occurrence]
    x: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    by_occurrence: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_leader: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    floor: object = None  # the linear constraint set by at_least

    @classmethod
    def create(cls, roster: Roster, occurrences: list[Occurrence]) -> "AssignmentVars":
        vars_ = cls(cp_model.CpModel(), roster, occurrences)
        for occ in occurrences:
            if roster.free_seats(occ) <= 0:
                continue
            joinable = roster.could_join(occ)
            for leader_id in roster.index.candidates[occ.index]:  # in a fixed order, unlike the set
                if leader_id in joinable:
                    vars_.add(occ, leader_id)
        return vars_

    def add(self, occ: Occurrence, leader_id: str) -> cp_model.IntVar:
        var = self.model.new_bool_var("")  # unnamed: names cost time and nothing reads them
        self.x[(occ.index, leader_id)] = var
        self.by_occurrence[occ.index].append(leader_id)
        self.by_leader[leader_id].append(occ.index)
        return var

    def add_at_most(self, keys: list[tuple[int, str]], coefficients: list[int], bound: int) -> None:
        """Σ coefficient · x[key] ≤ bound, written straight into the model like the objective: the
        rules post thousands of these per week, and the expression API costs several times more."""
        linear = self.model.proto.constraints.add().linear
        linear.vars.extend([self.x[k].index for k in keys])
        linear.coeffs.extend(coefficients)
        linear.domain.extend([cp_model.INT_MIN, bound])

    def at_least(self, keys: list[tuple[int, str]], coefficients: list[int], bound: int | None) -> None:
        """Σ coefficient · x[key] ≥ bound, the model's one floor, so that it can be solved again
        with another: a later call moves the bound (the terms stay the first call's), None lifts it."""
        if self.floor is None:
            if bound is None:
                return
            self.floor = self.model.proto.constraints.add().linear
            self.floor.vars.extend([self.x[k].index for k in keys])
            self.floor.coeffs.extend(coefficients)
        self.floor.domain.clear()
        self.floor.domain.extend([cp_model.INT_MIN if bound is None else bound, cp_model.INT_MAX])

    def maximize(self, keys: list[tuple[int, str]], coefficients: list[int]) -> None:
        """The objective max Σ coefficient · x[key], written straight into the model: CpModel.maximize
        walks the expression in Python, a noticeable share of a weekly solve's time."""
        self.model.clear_objective()
        objective = self.model.proto.objective
        objective.vars.extend([self.x[k].index for k in keys])
        objective.coeffs.extend([-c for c in coefficients])
        objective.scaling_factor = -1.0  # CP-SAT minimises: maximising is minimising the negation

    def occurrence(self, i: int) -> Occurrence:
        return self.roster.index.occurrences[i]
