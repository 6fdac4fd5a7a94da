"""The report's tables in the reader's language, shared by the page, the API and the exports.

For a funder (``suppress``) every count of people under five becomes "<5", and a figure derived from such
a count (a share, a mean) is left out as "–": in a small town a handful of people can be identified.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from flask_babel import gettext as _

from pool import report
from pool.report import SMALL, Hours, Report, Summary
from pool.report_export import Table
from web.requests.labels import kind_label

HIDDEN = "–"
TABLE_KEYS = ("summary", "hours_by_kind", "hours_by_club", "hours_by_area", "hours_by_funder", "sessions_by_kind",
              "participation", "wage_cost", "trend")


class Names:
    """Display names of the clubs and funders a report mentions (organisations, never people)."""

    def __init__(self, clubs: dict[int, str], funders: dict[int, str], own_funder: Optional[int] = None):
        self.clubs, self.funders, self.own_funder = clubs, funders, own_funder

    def source(self, key: Optional[int]) -> str:
        if key is report.NOT_FUNDED:
            return _("Not funded")
        if key == report.OTHER_FUNDERS:
            return _("Other funders")
        return self.funders.get(key, "?")


def count(value: int, suppress: bool):
    return report.shown_count(value, suppress)


def derived(value, people: int, suppress: bool):
    """A share or mean over ``people`` people: hidden for a funder when there are fewer than five."""
    if value is None:
        return None
    return HIDDEN if suppress and people < SMALL else value


def _hours_row(label: str, hours: Hours) -> list:
    return [label, round(hours.hours, 1), round(hours.confirmed_hours, 1), round(hours.unconfirmed_hours, 1)]


def _hours_table(key: str, title: str, first: str, groups: dict, label) -> Table:
    rows = sorted((_hours_row(label(k), h) for k, h in groups.items()), key=lambda r: (-r[1], r[0]))
    return Table(key, title, [first, _("Hours delivered"), _("of which confirmed"), _("of which unconfirmed")],
                 rows, formats=(None, "hours", "hours", "hours"))


def summary_rows(s: Summary, suppress: bool) -> list[list]:
    """[key, label, value, format] of each headline figure."""
    p = s.participation
    money = s.wage_cost.quantize(Decimal("0.01"))
    return [
        ["planned", _("Sessions planned"), s.sessions["planned"], "count"],
        ["held", _("Sessions held (confirmed)"), s.sessions[report.HELD], "count"],
        ["unconfirmed", _("Sessions held, not yet confirmed"), s.sessions[report.UNCONFIRMED], "count"],
        ["cancelled", _("Sessions cancelled"), s.sessions[report.CANCELLED], "count"],
        ["upcoming", _("Sessions still to come"), s.sessions[report.UPCOMING], "count"],
        ["hours", _("Hours delivered"), round(s.hours.hours, 1), "hours"],
        ["hours_unconfirmed", _("of which not yet confirmed"), round(s.hours.unconfirmed_hours, 1), "hours"],
        ["fill", _("Fill rate"), s.fill, "percent"],
        ["continuity", _("Continuity (same people on the same activity)"), s.continuity, "percent"],
        ["paid_leaders", _("Leaders given paid hours"), count(s.paid_leaders, suppress), "count"],
        ["new_leaders", _("New leaders (first paid hours this quarter)"), count(s.new_leaders, suppress), "count"],
        ["per_leader_mean", _("Hours per leader (mean)"), derived(_round(s.hours_per_leader_mean), s.paid_leaders, suppress), "hours"],
        ["per_leader_median", _("Hours per leader (median)"), derived(_round(s.hours_per_leader_median), s.paid_leaders, suppress), "hours"],
        ["participants", _("Participants"), count(p.participants, suppress), "count"],
        ["per_session", _("Participants per session"), derived(_round(p.per_session), p.participants, suppress), "hours"],
        ["girls", _("Girls"), count(p.girls, suppress), "count"],
        ["girls_share", _("Girls' share"), derived(p.girls_share, min(p.girls, p.participants), suppress), "percent"],
        ["wage_cost", _("Wage cost (kr)"), money, "money"],
        ["no_wage_hours", _("Hours without a recorded wage"), round(s.minutes_without_wage / 60, 1), "hours"],
    ]


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 1)


def figures(r: Report, suppress: bool) -> dict[str, object]:
    """The headline figures by key, as shown (for the page's "in short" box)."""
    return {row[0]: row[2] for row in summary_rows(r.summary, suppress)}


def build_tables(r: Report, names: Names, suppress: bool) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    rows = summary_rows(r.summary, suppress)
    tables["summary"] = Table("summary", _("Key figures %(quarter)s", quarter=r.quarter.label),
                              [_("Figure"), _("Value")], [row[1:3] for row in rows],
                              row_formats=[row[3] for row in rows])
    tables["hours_by_kind"] = _hours_table("hours_by_kind", _("Hours delivered per activity kind"),
                                           _("Activity kind"), r.by_kind, kind_label)
    tables["hours_by_club"] = _hours_table("hours_by_club", _("Hours delivered per club"), _("Club"), r.by_club,
                                           lambda k: names.clubs.get(k, "?"))
    tables["hours_by_area"] = _hours_table("hours_by_area", _("Hours delivered per area"), _("Area"), r.by_area,
                                           lambda k: k or _("No area"))
    tables["hours_by_funder"] = _hours_table("hours_by_funder", _("Hours delivered per funder"), _("Funder"),
                                             r.by_funder, names.source)
    tables["sessions_by_kind"] = Table(
        "sessions_by_kind", _("Sessions held and planned per activity kind"),
        [_("Activity kind"), _("Planned"), _("Held"), _("Not yet confirmed"), _("Cancelled"), _("Still to come"),
         _("Fill rate"), _("Continuity")],
        sorted(([kind_label(k), c["planned"], c[report.HELD], c[report.UNCONFIRMED], c[report.CANCELLED],
                 c[report.UPCOMING], fill, cont] for k, (c, fill, cont) in r.sessions_by_kind.items()),
               key=lambda row: (-row[1], row[0])),
        formats=(None, "count", "count", "count", "count", "count", "percent", "percent"))
    tables["participation"] = Table(
        "participation", _("Participants per session and girls' share"),
        [_("Activity"), _("Activity kind"), _("Area"), _("Sessions counted"), _("Participants"),
         _("Per session"), _("Girls"), _("Girls' share")],
        sorted((_participation_row(key, p, suppress) for key, p in r.participation_by_activity.items()),
               key=lambda row: (row[1], row[0])),
        note=_("Counts only: no child is ever named. Cancelled and unconfirmed sessions have no counts."),
        formats=(None, None, None, "count", "count", "hours", "count", "percent"))
    tables["wage_cost"] = Table(
        "wage_cost", _("Wage cost per funding source"), [_("Funding source"), _("Hours"), _("Wage cost (kr)")],
        sorted(([names.source(k), round(float(c.minutes) / 60, 1), c.amount.quantize(Decimal("0.01"))]
                for k, c in r.cost_by_source.items()), key=lambda row: -row[2]),
        note=_("Hours × the leader's hourly wage. When several funders support the same activity, its cost is "
               "split in proportion to their amounts."),
        formats=(None, "hours", "money"))
    tables["trend"] = Table(
        "trend", _("Quarter by quarter"),
        [_("Quarter"), _("Hours delivered"), _("of which not yet confirmed"), _("Sessions held"),
         _("Sessions planned"), _("Participants per session"), _("Girls' share"), _("Leaders given paid hours"),
         _("New leaders")],
        [[q.label, round(s.hours.hours, 1), round(s.hours.unconfirmed_hours, 1),
          s.sessions[report.HELD] + s.sessions[report.UNCONFIRMED], s.sessions["planned"],
          derived(_round(s.participation.per_session), s.participation.participants, suppress),
          derived(s.participation.girls_share, min(s.participation.girls, s.participation.participants), suppress),
          count(s.paid_leaders, suppress), count(s.new_leaders, suppress)] for q, s in r.trend],
        formats=(None, "hours", "hours", "count", "count", "hours", "percent", "count", "count"))
    if r.scope_funder_id is not None:
        del tables["hours_by_funder"]  # a funder sees only its own scope; the row would repeat the total
    return tables


def _participation_row(key: tuple, p: report.Participation, suppress: bool) -> list:
    title, kind, area = key
    return [title or _("%(kind)s (confidential)", kind=kind_label(kind)), kind_label(kind), area, p.sessions,
            count(p.participants, suppress), derived(_round(p.per_session), p.participants, suppress),
            count(p.girls, suppress), derived(p.girls_share, min(p.girls, p.participants), suppress)]
