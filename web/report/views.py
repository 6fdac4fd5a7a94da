from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from pool import funding, report, report_export
from pool.errors import Invalid, NotFound
from pool.funding import FundingInput
from pool.models import Funding, Need, Organisation, Role
from web import translated
from web.access import current_pool, roles_required
from web.database import get_session
from web.report import bp
from web.report.charts import columns, horizontal
from web.report.forms import DeleteForm, FundingForm, fill_choices
from web.report.tables import TABLE_KEYS, Names, build_tables, figures
from web.requests.labels import kind_label

readers = roles_required(Role.funder, Role.coordinator)
coordinator_only = roles_required(Role.coordinator)


# ------------------------------------------------------------------------------ formatting
def cell(value, kind: Optional[str] = None) -> str:
    """A table cell in the page's language; "<5" and "–" stay as they are."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if kind == "percent":
        return format_percent(value, "#,##0.0 %")
    if kind == "hours":
        return format_decimal(value, "#,##0.0")
    return format_decimal(value, "#,##0")


bp.add_app_template_filter(cell, "report_cell")


def _hours_text(value: float) -> str:
    return _("%(hours)s h", hours=format_decimal(value, "#,##0.0"))


def _kronor(value: float) -> str:
    return _("%(amount)s kr", amount=format_decimal(value, "#,##0"))


# ------------------------------------------------------------------------------ the report
@dataclass
class Scope:
    funder: Optional[Organisation]
    suppress: bool


def _quarter() -> report.Quarter:
    if request.args.get("quarter"):
        try:
            return report.parse_quarter(request.args["quarter"])
        except Invalid:
            abort(404)
    return report.quarter_of(dt.date.today())


def _scope(pool) -> Scope:
    """A funder sees its own activities; the coordinator the pool, or any funder's view exactly as it sees it."""
    session = get_session()
    try:
        if current_user.role is Role.funder:
            return Scope(funding.funder_of(session, pool, current_user.organisation_id), True)
        if request.args.get("funder"):
            return Scope(funding.funder_of(session, pool, _int(request.args["funder"])), True)
    except NotFound:
        abort(404)
    return Scope(None, False)


def _int(text: str) -> Optional[int]:
    return int(text) if text.isdigit() else None


def _names(pool, funder: Optional[Organisation]) -> Names:
    session = get_session()
    return Names({c.id: c.name for c in funding.clubs(session, pool)},
                 {f.id: f.name for f in funding.funders(session, pool)}, funder.id if funder else None)


def _build():
    pool = current_pool()
    quarter, scope = _quarter(), _scope(pool)
    result = report.pool_report(get_session(), pool, quarter, funder_id=scope.funder.id if scope.funder else None)
    names = _names(pool, scope.funder)
    return pool, quarter, scope, result, names, build_tables(result, names, scope.suppress)


def _args(quarter, scope: Scope) -> dict:
    args = {"quarter": quarter.label}
    if scope.funder is not None and current_user.role is Role.coordinator:
        args["funder"] = scope.funder.id
    return args


@bp.get("/")
@readers
def index():
    return _page(printable=False)


@bp.get("/print")
@readers
def printable():
    return _page(printable=True)


def _page(printable: bool):
    pool, quarter, scope, result, names, tables = _build()
    session = get_session()
    links = funding.links(session, pool, scope.funder.id) if scope.funder else []
    return render_template(
        "report/index.html", pool=pool, quarter=quarter, scope=scope, tables=tables, printable=printable,
        figures=figures(result, scope.suppress),
        charts=_charts(result, names, scope.suppress), args=_args(quarter, scope), links=links,
        target_label=lambda link: target_label(session, link, names),
        funders=funding.funders(session, pool) if current_user.role is Role.coordinator else [],
        previous=quarter.previous().label, next=quarter.next().label, table_keys=TABLE_KEYS)


def target_label(session, link: Funding, names: Names) -> str:
    if link.need_id is not None:
        need = link_need(session, link)
        return _("%(kind)s (confidential)", kind=kind_label(need.activity_kind)) if need.confidential else need.title
    if link.activity_kind is not None:
        return _("All %(kind)s", kind=kind_label(link.activity_kind).lower())
    return _("%(club)s's pool contribution", club=names.clubs.get(link.club_id, "?"))


def link_need(session, link: Funding) -> Need:
    return session.get(Need, link.need_id)


def _charts(r: report.Report, names: Names, suppress: bool) -> list:
    confirmed, unconfirmed = _("Confirmed"), _("Not yet confirmed")
    hours_rows = [(kind_label(k), [h.confirmed_hours, h.unconfirmed_hours])
                  for k, h in sorted(r.by_kind.items(), key=lambda kv: -kv[1].minutes)]
    area_rows = [(k or _("No area"), [h.confirmed_hours, h.unconfirmed_hours])
                 for k, h in sorted(r.by_area.items(), key=lambda kv: -kv[1].minutes)]
    c = r.summary.sessions
    status_names = [_("Held"), unconfirmed, _("Cancelled"), _("Still to come")]
    status_rows = [(name, [c[s] if i == j else 0 for j in range(4)])
                   for i, (name, s) in enumerate(zip(status_names, report.STATUSES))]
    trend_hours = [(q.label, [s.hours.confirmed_hours, s.hours.unconfirmed_hours]) for q, s in r.trend]
    girls = [(q.label, [_share(s, suppress)]) for q, s in r.trend]
    cost_rows = [(names.source(k), [float(v.amount)])
                 for k, v in sorted(r.cost_by_source.items(), key=lambda kv: -kv[1].amount)]
    return [
        horizontal("chart-hours-kind", _("Hours delivered per activity kind"),
                   _("Bars per activity kind: confirmed hours, then hours not yet confirmed."),
                   hours_rows, [confirmed, unconfirmed], _hours_text),
        horizontal("chart-sessions", _("Sessions"), _("Sessions held, not yet confirmed, cancelled and still to come."),
                   status_rows, status_names, lambda v: format_decimal(v, "#,##0"), legend=False),
        columns("chart-trend-hours", _("Hours delivered quarter by quarter"),
                _("One column per quarter: confirmed hours, with hours not yet confirmed on top."),
                trend_hours, [confirmed, unconfirmed], _hours_text),
        columns("chart-trend-girls", _("Girls' share of participants quarter by quarter"),
                _("One column per quarter; a dash where there were too few participants to show."),
                girls, [_("Girls' share")], lambda v: format_decimal(v, "#,##0") + " %", top_value=100),
        horizontal("chart-area", _("Hours delivered per area"), _("Bars per area: confirmed, then not yet confirmed."),
                   area_rows, [confirmed, unconfirmed], _hours_text),
        horizontal("chart-cost", _("Wage cost per funding source"),
                   _("Bars per funding source: the wage cost attributed to it."), cost_rows, [_("Wage cost")], _kronor),
    ]


def _share(s: report.Summary, suppress: bool) -> Optional[float]:
    p = s.participation
    if p.girls_share is None or (suppress and min(p.girls, p.participants) < report.SMALL):
        return None
    return p.girls_share * 100


# ------------------------------------------------------------------------------ exports
@bp.get("/export/<key>.csv")
@readers
def export_csv(key: str):
    pool, quarter, scope, result, names, tables = _build()
    if key not in tables:
        abort(404)
    return Response(report_export.csv_text(tables[key]), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{key}-{quarter.label}.csv"'})


@bp.get("/export.xlsx")
@readers
def export_xlsx():
    pool, quarter, scope, result, names, tables = _build()
    title = _("Report %(quarter)s", quarter=quarter.label)
    return Response(report_export.xlsx_bytes(list(tables.values()), title),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="report-{quarter.label}.xlsx"'})


# ------------------------------------------------------------------------------ funding links
@bp.route("/funding", methods=["GET", "POST"])
@coordinator_only
def funding_links():
    pool = current_pool()
    session = get_session()
    form = FundingForm()
    fill_choices(form, session, pool)
    if request.method == "POST":
        if _save(form, pool, None):
            flash(_("The funding link is saved."))
            return redirect(url_for("reporting.funding_links"))
    names = _names(pool, None)
    return render_template("report/funding.html", form=form, links=funding.links(session, pool),
                           target_label=lambda link: target_label(session, link, names),
                           delete=DeleteForm()), 422 if request.method == "POST" else 200


@bp.route("/funding/<int:link_id>", methods=["GET", "POST"])
@coordinator_only
def funding_link(link_id: int):
    pool = current_pool()
    session = get_session()
    try:
        link = funding.get_link(session, pool, link_id)
    except NotFound:
        abort(404)
    form = FundingForm(obj=link) if request.method == "GET" else FundingForm()
    if request.method == "GET":
        form.target.data = funding.target_of(link)
        form.amount.data = format_decimal(link.amount, "0.00")
    fill_choices(form, session, pool)
    if request.method == "POST" and _save(form, pool, link.id):
        flash(_("The funding link is saved."))
        return redirect(url_for("reporting.funding_links"))
    return render_template("report/funding_edit.html", form=form, link=link), 422 if request.method == "POST" else 200


@bp.post("/funding/<int:link_id>/delete")
@coordinator_only
def delete_funding_link(link_id: int):
    pool = current_pool()
    if DeleteForm().validate_on_submit():
        try:
            funding.delete_link(get_session(), pool, link_id)
        except NotFound:
            abort(404)
        get_session().commit()
        flash(_("The funding link is removed."))
    return redirect(url_for("reporting.funding_links"))


def _save(form: FundingForm, pool, link_id: Optional[int]) -> bool:
    if not form.validate_on_submit():
        return False
    session = get_session()
    try:
        data = FundingInput(
            funder_id=form.funder_id.data, target=form.target.data or "", need_id=form.need_id.data,
            activity_kind=form.activity_kind.data or None, club_id=form.club_id.data,
            first_day=form.first_day.data, last_day=form.last_day.data,
            amount=funding.parse_amount(form.amount.data) if (form.amount.data or "").strip() else None,
            note=form.note.data or "")
        if link_id is None:
            funding.create_link(session, pool, data)
        else:
            funding.update_link(session, pool, link_id, data)
    except Invalid as error:
        session.rollback()
        form[error.field].errors.append(translated(error))
        return False
    session.commit()
    return True
