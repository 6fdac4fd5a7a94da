from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm

from pool import notify, scheduler
from pool.models import Role, as_utc, utcnow
from web.access import current_pool, roles_required
from web.database import get_session
from web.ops import bp

coordinator = roles_required(Role.coordinator)
PAGE_SIZE = 50
JOB_LABELS = {
    "weekly-draft": (_l("Weekly proposal"), _l("Solves next week and tells the coordinator a proposal is waiting.")),
    "approval-reminder": (_l("Approval reminder"), _l("Reminds the coordinator when next week is not published.")),
    "day-before": (_l("Day-before reminders"), _l("Each leader gets tomorrow's assignments.")),
    "credential-check": (_l("Credential check"),
                         _l("Background checks expiring within 30 days go to the club admin; expired ones that "
                            "break a published assignment get a re-plan proposal.")),
    "replan-broken": (_l("Re-plan after absences"),
                      _l("Published assignments broken by an absence get a re-plan proposal within a minute.")),
    "deliver-outbox": (_l("Send e-mail"), _l("Sends the outbox by SMTP when it is configured.")),
    "purge-absence-reasons": (_l("Clear old absence reasons"),
                              _l("Reasons for absences are cleared a set number of days after the absence ends "
                                 "(POOL_ABSENCE_REASON_DAYS, 30 unless set); the dates stay.")),
    "heartbeat": (_l("Heartbeat"), _l("A test job.")),
}


class RunForm(FlaskForm):
    """Only the CSRF token: the job is in the URL."""


def local_time(moment: dt.datetime | None, zone: str) -> str:
    """A stored moment as the pool's local "YYYY-MM-DD HH:MM" (the audit log page shows times the same way)."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def _jobs(zone: str) -> list[dict]:
    specs = scheduler.job_specs()
    db = get_session()
    last = scheduler.last_runs(db, [s.id for s in specs])
    stored = scheduler.next_runs(db.get_bind())
    now = utcnow()
    jobs = []
    for spec in specs:
        label, description = JOB_LABELS.get(spec.id, (spec.id, ""))
        planned = stored.get(spec.id)
        jobs.append(dict(id=spec.id, label=label, description=description, last=last.get(spec.id),
                         next=local_time(planned or spec.trigger.get_next_fire_time(None, now), zone),
                         stored=planned is not None))
    return jobs


@bp.get("/")
@coordinator
def index():
    pool = current_pool()
    return render_template("ops/index.html", jobs=_jobs(pool.timezone), form=RunForm(),
                           local=lambda m: local_time(m, pool.timezone))


@bp.post("/jobs/<job_id>/run")
@coordinator
def run(job_id: str):
    if job_id not in {s.id for s in scheduler.job_specs()}:
        abort(404)
    if not RunForm().validate_on_submit():
        abort(400)
    if scheduler.running(get_session(), job_id):
        flash(_("The job is already running."), "error")
    else:
        # in the background, so a long solve keeps no request waiting; one attempt, its result on this page
        threading.Thread(target=scheduler.execute_job, args=(current_app.extensions["pool_sessions"], job_id),
                         kwargs={"retry": scheduler.Retry(attempts=1)}, name=f"run-now-{job_id}", daemon=True).start()
        flash(_("The job has started. Reload the page to see its result."), "success")
    return redirect(url_for(".index"))


@bp.get("/outbox")
@coordinator
def outbox():
    pool = current_pool()
    page = max(request.args.get("page", 1, type=int), 1)
    rows = notify.messages(get_session(), pool, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("ops/outbox.html", messages=rows[:PAGE_SIZE], page=page, more=len(rows) > PAGE_SIZE,
                           smtp=notify.SmtpSettings.from_env() is not None,
                           local=lambda m: local_time(m, pool.timezone))


@bp.get("/outbox/<int:message_id>")
@coordinator
def message(message_id: int):
    pool = current_pool()
    found = notify.get_message(get_session(), pool, message_id)
    if found is None:
        abort(404)
    return render_template("ops/message.html", message=found, local=lambda m: local_time(m, pool.timezone))
