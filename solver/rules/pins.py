"""Rule 7: pinned assignments are placed first and stay; a pin that breaks a rule stops the solve."""
from __future__ import annotations

from ..index import Index, is_eligible
from ..problem import WEEKDAY_NAMES, Assignment, clock
from ..roster import Roster


class InfeasiblePin(ValueError):
    """A pinned assignment cannot be part of any valid schedule."""


def describe(pin: Assignment) -> str:
    return f"pin {pin.need} on {pin.date} for {pin.leader}"


def place_pins(index: Index, roster: Roster) -> None:
    """Adds every pin to the roster, or raises InfeasiblePin naming the pin and the rule it breaks."""
    problem = index.problem
    for pin in sorted(set(problem.pinned)):
        if pin.need not in problem.needs or pin.leader not in problem.leaders:
            raise InfeasiblePin(f"{describe(pin)}: unknown need or leader (rule 1)")
        occ = index.occurrence(pin.need, pin.date)
        if occ is None:
            raise InfeasiblePin(f"{describe(pin)}: the date is not an occurrence of the need (rule 1)")
        if not is_eligible(problem, pin.need, pin.date, pin.leader):
            raise InfeasiblePin(f"{describe(pin)}: {_ineligibility(index, pin)}")
        if roster.free_seats(occ) <= 0:
            raise InfeasiblePin(f"{describe(pin)}: more pins than the {occ.seats} seat(s) (rule 2)")
        clash = roster.clashing(pin.leader, occ)
        if clash:
            other = clash[0]
            raise InfeasiblePin(f"{describe(pin)}: overlaps or leaves too little travel time after "
                                f"{other.need.id} on {other.date} (rule 5)")
        if not roster.within_limits(pin.leader, occ):
            raise InfeasiblePin(f"{describe(pin)}: exceeds the leader's minutes per day or week (rule 6)")
        roster.add(pin.leader, occ)
        roster.pinned.add((occ.index, pin.leader))


def _ineligibility(index: Index, pin: Assignment) -> str:
    need, leader = index.problem.needs[pin.need], index.problem.leaders[pin.leader]
    when = f"{WEEKDAY_NAMES[pin.date.weekday()]} {clock(need.start)}-{clock(need.end)}"
    if leader.is_absent(pin.date):
        return f"the leader is absent that day (rule 3)"
    if not leader.is_available(pin.date, need.start, need.end):
        return f"the leader is not available {when} (rule 3)"
    missing = sorted(need.skills - leader.skills)
    if missing:
        return f"the leader lacks skill {', '.join(missing)} (rule 4)"
    for kind in sorted(need.credentials):
        if not leader.credential_valid(kind, pin.date):
            return f"the leader has no valid credential {kind} on {pin.date} (rule 4)"
    return "the leader is not eligible (rules 3-4)"
