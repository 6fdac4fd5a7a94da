"""Words for a need's parts, in the page's language: weekdays, kinds of activity, times."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from pool.needs import clock

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday"))

ACTIVITY_KINDS = {
    "rastvard": _l("Recess hosts"),
    "sportfritids": _l("After-school sport"),
    "nattfotboll": _l("Night football"),
    "tjejgrupp": _l("Girls' group"),
    "nodstopp": _l("Parent network meeting"),
    "nattvandring": _l("Night walk"),
    "cityvard": _l("City hosts"),
    "sommarlager": _l("Summer camp"),
    "other": _l("Other"),
}


def kind_label(kind: str) -> str:
    return str(ACTIVITY_KINDS.get(kind, kind or ACTIVITY_KINDS["other"]))


def weekday_label(day: dt.date) -> str:
    return str(WEEKDAYS[day.weekday()])


def hours(need) -> str:
    return f"{clock(need.start_minute)}–{clock(need.end_minute)}"


def rhythm(need) -> str:
    """'Tuesday, Thursday' for a recurring need, the dates of a one-off one."""
    if need.weekdays:
        return ", ".join(str(WEEKDAYS[d - 1]) for d in sorted(need.weekdays))
    return ", ".join(need.dates)


def helpers() -> dict:
    return dict(kind_label=kind_label, weekday_label=weekday_label, hours=hours, rhythm=rhythm)
