"""Who may reach what, over real HTTP on the demo, on SQLite and PostgreSQL.

1. The matrix: every rule of the app's URL map, every method, every role and anonymous. ROUTES below is the
   policy written out by hand; the test checks that it names exactly the app's rules (a new route cannot
   slip past it) and that each view's ``allowed_roles`` says the same. Allowed roles must get through (GET:
   2xx/3xx; other methods: anything but a refusal, a 5xx or a CSRF failure), other roles get 403, anonymous
   visitors the sign-in page (pages) or 401 (API). Writes are sent with a valid CSRF token and an empty body:
   the point is the refusal, not the success.
2. Object-level refusals: another club's leader, another unit's need, another leader's session, another
   pool's records all look missing (404), pages and API, reading and writing.
3. Confidential needs: nobody but the coordinator sees their title, description or contact, on any page,
   API answer or calendar feed (time, place and role only).

Left out of the matrix: ``static`` (files, public by design).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests
import sqlalchemy as sa

from pool import db
from pool.models import (Absence, Assignment, Attendance, Funding, Leader, Need, Organisation, OrgKind,
                         OutboxMessage, Pool, Role, Schedule, ScheduleState, Site, SolveRun, SolveState, User)
from tests.conftest import DATABASE_KINDS, DEMO_LOGINS, _serving, demo_of_kind, sign_in
from tests.web import DEMO_LEADER, THIS_MONDAY, csrf

C, A, R, L, F = Role.coordinator, Role.club_admin, Role.requester, Role.leader, Role.funder
PUBLIC = "public"
EXCLUDED = {"static"}  # endpoints outside the matrix, see the module docstring


@dataclasses.dataclass(frozen=True)
class Route:
    rule: str  # as in the URL map, without converters: /needs/<need_id>/edit
    method: str
    roles: frozenset | str  # the roles allowed, or PUBLIC
    path: str  # the URL to call, with {placeholders} for the world's ids
    inert: str | None = None  # for allowed roles, a URL that cannot change anything (an unknown id)


def route(rule, method, roles, path=None, inert=None) -> Route:
    return Route(rule, method, roles if roles == PUBLIC else frozenset(roles), path or rule, inert)


def allowed(r: Route, who: str) -> bool:
    """Whether the table lets ``who`` (a role name or "anonymous") reach ``r``."""
    return r.roles == PUBLIC or who != "anonymous" and Role(who) in r.roles


ROUTES = [
    route("/", "GET", PUBLIC),
    route("/healthz", "GET", PUBLIC),
    route("/lang/<code>", "GET", PUBLIC, "/lang/sv"),
    route("/login", "GET", PUBLIC),
    route("/login", "POST", PUBLIC),
    route("/logout", "POST", PUBLIC),
    route("/api/openapi.json", "GET", PUBLIC),
    route("/feeds/leader/<token>.ics", "GET", PUBLIC, "/feeds/leader/{leader_token}.ics"),
    route("/feeds/site/<token>.ics", "GET", PUBLIC, "/feeds/site/{site_token}.ics"),
    # club admins: their own club's leaders
    route("/club/", "GET", {A}),
    route("/club/leaders", "GET", {A}),
    route("/club/leaders/<leader_id>", "GET", {A}, "/club/leaders/{own_leader}"),
    route("/club/leaders/<leader_id>", "POST", {A}, "/club/leaders/{own_leader}"),
    route("/club/leaders/<leader_id>/active", "POST", {A}, "/club/leaders/{own_leader}/active"),
    route("/club/leaders/import", "GET", {A}),
    route("/club/leaders/import", "POST", {A}),
    route("/club/leaders/import/<token>", "POST", {A}, "/club/leaders/import/no-such-upload"),
    route("/club/leaders/new", "GET", {A}),
    route("/club/leaders/new", "POST", {A}),
    route("/club/pledge", "POST", {A}),
    # a leader's personal data (access and erasure): their club's admin, and the coordinator
    route("/club/leaders/<leader_id>/personal-data.json", "GET", {A, C},
          "/club/leaders/{own_leader}/personal-data.json"),
    route("/club/leaders/<leader_id>/erase", "GET", {A, C}, "/club/leaders/{own_leader}/erase"),
    route("/club/leaders/<leader_id>/erase", "POST", {A, C}, "/club/leaders/{own_leader}/erase"),
    route("/me/personal-data.json", "GET", {L}),
    route("/api/leaders/", "GET", {A}),
    route("/api/leaders/", "POST", {A}),
    route("/api/leaders/<leader_id>", "GET", {A}, "/api/leaders/{own_leader}"),
    route("/api/leaders/<leader_id>", "PUT", {A}, "/api/leaders/{own_leader}"),
    route("/api/leaders/<leader_id>", "DELETE", {A}, "/api/leaders/{own_leader}", inert="/api/leaders/999999"),
    route("/api/leaders/<leader_id>/absences", "GET", {A}, "/api/leaders/{own_leader}/absences"),
    route("/api/leaders/<leader_id>/absences", "POST", {A}, "/api/leaders/{own_leader}/absences"),
    route("/api/leaders/<leader_id>/absences/<absence_id>", "DELETE", {A},
          "/api/leaders/{own_leader}/absences/{own_absence}", inert="/api/leaders/{own_leader}/absences/999999"),
    route("/api/leaders/<leader_id>/activate", "POST", {A}, "/api/leaders/{own_leader}/activate"),
    route("/api/leaders/<leader_id>/availability", "PUT", {A}, "/api/leaders/{own_leader}/availability"),
    route("/api/leaders/pledge", "GET", {A}),
    route("/api/leaders/pledge", "PUT", {A}),
    # leaders: their own week, availability, absences and calendar
    route("/me/", "GET", {L}),
    route("/me/absence", "GET", {L}),
    route("/me/absence", "POST", {L}),
    route("/me/availability", "GET", {L}),
    route("/me/availability", "POST", {L}),
    route("/me/calendar", "POST", {L}),
    route("/api/me/absences", "GET", {L}),
    route("/api/me/absences", "POST", {L}),
    route("/api/me/assignments", "GET", {L}),
    route("/api/me/availability", "GET", {L}),
    route("/api/me/availability", "PUT", {L}),
    route("/api/me/calendar", "GET", {L}),
    route("/api/me/calendar", "POST", {L}),
    # attendance: the leader of a session, and the coordinator
    route("/attendance/", "GET", {C, L}),
    route("/attendance/<need_id>/<day>", "GET", {C, L}, "/attendance/{session_need}/{session_day}"),
    route("/attendance/<need_id>/<day>", "POST", {C, L}, "/attendance/{session_need}/{session_day}"),
    route("/api/attendance/sessions", "GET", {C, L}),
    route("/api/attendance/<need_id>/<day>", "GET", {C, L}, "/api/attendance/{session_need}/{session_day}"),
    route("/api/attendance/<need_id>/<day>", "PUT", {C, L}, "/api/attendance/{session_need}/{session_day}"),
    # requesters: their own unit's needs
    route("/needs/", "GET", {R}),
    route("/needs/new", "GET", {R}),
    route("/needs/new", "POST", {R}),
    route("/needs/weeks", "GET", {R}),
    route("/needs/<need_id>/edit", "GET", {R}, "/needs/{own_need}/edit"),
    route("/needs/<need_id>/edit", "POST", {R}, "/needs/{own_need}/edit"),
    route("/needs/<need_id>/active", "POST", {R}, "/needs/{own_need}/active"),
    route("/api/needs/", "GET", {R}),
    route("/api/needs/", "POST", {R}),
    route("/api/needs/<need_id>", "GET", {R}, "/api/needs/{own_need}"),
    route("/api/needs/<need_id>", "PUT", {R}, "/api/needs/{own_need}"),
    route("/api/needs/<need_id>", "DELETE", {R}, "/api/needs/{own_need}", inert="/api/needs/999999"),
    route("/api/needs/<need_id>/activate", "POST", {R}, "/api/needs/{own_need}/activate"),
    # site calendar links: the coordinator, and requesters for their own sites
    route("/feeds/sites", "GET", {C, R}),
    route("/feeds/sites/<site_id>", "POST", {C, R}, "/feeds/sites/{own_site}"),
    # the coordinator: planning, operations, funding links
    route("/plan/", "GET", {C}),
    route("/plan/solve", "POST", {C}),
    route("/plan/runs/<run_id>", "GET", {C}, "/plan/runs/{run}"),
    route("/plan/schedules/<schedule_id>", "GET", {C}, "/plan/schedules/{draft}"),
    route("/plan/schedules/<schedule_id>/approve", "POST", {C}, "/plan/schedules/{draft}/approve"),
    route("/plan/schedules/<schedule_id>/publish", "POST", {C}, "/plan/schedules/{draft}/publish"),
    route("/plan/schedules/<schedule_id>/assign", "POST", {C}, "/plan/schedules/{draft}/assign"),
    route("/plan/schedules/<schedule_id>/occurrence", "GET", {C},
          "/plan/schedules/{draft}/occurrence?need={draft_need}&day={draft_day}"),
    route("/plan/schedules/<schedule_id>/assignments/<assignment_id>/pin", "POST", {C},
          "/plan/schedules/{draft}/assignments/{assignment}/pin"),
    route("/plan/schedules/<schedule_id>/assignments/<assignment_id>/swap", "POST", {C},
          "/plan/schedules/{draft}/assignments/{assignment}/swap"),
    route("/plan/schedules/<schedule_id>/assignments/<assignment_id>/unassign", "POST", {C},
          "/plan/schedules/{draft}/assignments/{assignment}/unassign"),
    route("/api/schedules/<schedule_id>", "GET", {C}, "/api/schedules/{draft}"),
    route("/api/schedules/<schedule_id>/approve", "POST", {C}, "/api/schedules/{draft}/approve"),
    route("/api/schedules/<schedule_id>/publish", "POST", {C}, "/api/schedules/{draft}/publish"),
    route("/api/schedules/<schedule_id>/assignments", "POST", {C}, "/api/schedules/{draft}/assignments"),
    route("/api/schedules/<schedule_id>/assignments/<assignment_id>", "PATCH", {C},
          "/api/schedules/{draft}/assignments/{assignment}"),
    route("/api/schedules/<schedule_id>/assignments/<assignment_id>", "DELETE", {C},
          "/api/schedules/{draft}/assignments/{assignment}", inert="/api/schedules/{draft}/assignments/999999"),
    route("/api/schedules/solve-runs", "POST", {C}),
    route("/api/schedules/solve-runs/<run_id>", "GET", {C}, "/api/schedules/solve-runs/{run}"),
    route("/admin/users", "GET", {C}),
    route("/admin/users/<user_id>", "GET", {C}, "/admin/users/{funder_user}"),
    route("/admin/users/<user_id>", "POST", {C}, "/admin/users/{funder_user}", inert="/admin/users/999999"),
    route("/admin/users/<user_id>/<change>", "POST", {C}, "/admin/users/{funder_user}/activate",
          inert="/admin/users/999999/activate"),
    route("/admin/audit", "GET", {C}),
    route("/ops/", "GET", {C}),
    route("/ops/jobs/<job_id>/run", "POST", {C}, "/ops/jobs/approval-reminder/run",
          inert="/ops/jobs/no-such-job/run"),
    route("/ops/outbox", "GET", {C}),
    route("/ops/outbox/<message_id>", "GET", {C}, "/ops/outbox/{message}"),
    route("/report/funding", "GET", {C}),
    route("/report/funding", "POST", {C}),
    route("/report/funding/<link_id>", "GET", {C}, "/report/funding/{link}"),
    route("/report/funding/<link_id>", "POST", {C}, "/report/funding/{link}"),
    route("/report/funding/<link_id>/delete", "POST", {C}, "/report/funding/{link}/delete",
          inert="/report/funding/999999/delete"),
    route("/api/report/funding", "GET", {C}),
    route("/api/report/funding", "POST", {C}),
    route("/api/report/funding/<link_id>", "GET", {C}, "/api/report/funding/{link}"),
    route("/api/report/funding/<link_id>", "PUT", {C}, "/api/report/funding/{link}"),
    route("/api/report/funding/<link_id>", "DELETE", {C}, "/api/report/funding/{link}",
          inert="/api/report/funding/999999"),
    # the report: the coordinator, and funders (their own activities only)
    route("/report/", "GET", {C, F}),
    route("/report/print", "GET", {C, F}),
    route("/report/export.xlsx", "GET", {C, F}),
    route("/report/export/<key>.csv", "GET", {C, F}, "/report/export/summary.csv"),
    route("/api/report/", "GET", {C, F}),
]
WHO = ["anonymous", *DEMO_LOGINS]  # role names as in DEMO_LOGINS
PAST_MONDAY = THIS_MONDAY - dt.timedelta(days=14)
SECRET_WEEK = dt.date(2027, 2, 8)  # the demo's confidential parents' meeting (nödstopp) is on Wednesday 10 February


# ---------------------------------------------------------------------------------------------- the world
@dataclasses.dataclass
class World:
    kind: str
    base_url: str
    ids: dict
    clients: dict


def _one(session, model, **where):
    return session.scalar(sa.select(model).filter_by(**where))


def _publish(session, pool_id, monday, rows, state=ScheduleState.published) -> Schedule:
    schedule = Schedule(pool_id=pool_id, period_start=monday, period_end=monday + dt.timedelta(days=13), state=state,
                        published_at=dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
                        if state is ScheduleState.published else None,
                        assignments=[Assignment(need_id=need.id, day=day, leader_id=leader.id)
                                     for need, day, leader in rows])
    session.add(schedule)
    session.flush()
    return schedule


def _furnish(session) -> dict:
    """What the demo lacks for the matrix: schedules, a solve run, a message, a funding link, calendar
    tokens; and a second pool with records of its own."""
    pool = _one(session, Pool, slug="sandviken")
    users = {role: _one(session, User, email=email) for role, email in DEMO_LOGINS.items()}
    club = users["club_admin"].organisation
    me = _one(session, Leader, code=DEMO_LEADER)
    others = list(session.scalars(sa.select(Leader).where(Leader.club_id == club.id, Leader.id != me.id)
                                  .order_by(Leader.id).limit(3)))
    foreign = session.scalar(sa.select(Leader).where(Leader.club_id != club.id).order_by(Leader.id))
    need = {code: _one(session, Need, code=code) for code in
            ("nattfotboll-satra", "cityvard-centrum", "nodstopp-somaliska", "tjejgrupp-satra")}
    unit = users["requester"].organisation
    own_need = session.scalar(sa.select(Need).where(Need.requester_id == unit.id).order_by(Need.id))
    other_need = session.scalar(sa.select(Need).where(Need.requester_id != unit.id, ~Need.confidential)
                                .order_by(Need.id))
    own_site, other_site = own_need.site, _one(session, Site, code="stadshuset")
    friday, saturday = PAST_MONDAY + dt.timedelta(days=4), PAST_MONDAY + dt.timedelta(days=5)
    _publish(session, pool.id, PAST_MONDAY, [(need["nattfotboll-satra"], friday, me),
                                             (need["cityvard-centrum"], saturday, others[0])])
    wednesday, friday_after = SECRET_WEEK + dt.timedelta(days=2), SECRET_WEEK + dt.timedelta(days=4)
    secret = _publish(session, pool.id, SECRET_WEEK, [(need["nodstopp-somaliska"], wednesday, others[1]),
                                                      (need["tjejgrupp-satra"], wednesday, others[2]),
                                                      (need["nattfotboll-satra"], friday_after, me)])
    draft_day = dt.date(2027, 1, 15)
    draft = _publish(session, pool.id, dt.date(2027, 1, 11), [(need["nattfotboll-satra"], draft_day, me)],
                     state=ScheduleState.draft)
    run = SolveRun(pool_id=pool.id, period_start=draft.period_start, period_end=draft.period_end,
                   state=SolveState.done, schedule_id=draft.id)
    message = OutboxMessage(pool_id=pool.id, dedupe_key="authz|ours", to_address="a@example.se", subject="Hej",
                            body_text="Hej!")
    funder = users["funder"].organisation
    link = Funding(pool_id=pool.id, funder_id=funder.id, activity_kind="nattfotboll", first_day=dt.date(2027, 1, 1),
                   last_day=dt.date(2027, 12, 31), amount=Decimal("1000.00"))
    absence = Absence(leader_id=others[0].id, first_day=dt.date(2027, 3, 1), last_day=dt.date(2027, 3, 2))
    note = Attendance(pool_id=pool.id, need_id=need["nattfotboll-satra"].id, day=friday, participants=40, girls=12)
    session.add_all([run, message, link, absence, note])
    me.calendar_token, other_site.calendar_token = "authz-leader-feed", "authz-site-feed"
    own_site.calendar_token = "authz-own-site-feed"
    session.flush()
    ids = dict(own_leader=others[0].id, own_absence=absence.id, other_club_leader=foreign.id,
               session_need=need["nattfotboll-satra"].id, session_day=friday.isoformat(),
               others_session_need=need["cityvard-centrum"].id, others_session_day=saturday.isoformat(),
               own_need=own_need.id, other_need=other_need.id, own_site=own_site.id, other_site=other_site.id,
               draft=draft.id, draft_need=need["nattfotboll-satra"].id, draft_day=draft_day.isoformat(),
               assignment=draft.assignments[0].id, published=secret.id, run=run.id, message=message.id,
               link=link.id, leader_token=me.calendar_token, site_token=other_site.calendar_token,
               funder_user=users["funder"].id, secret_leader=others[1].id, own_site_token=own_site.calendar_token,
               other_funder=session.scalar(sa.select(Organisation.id).where(
                   Organisation.kind == OrgKind.funder, Organisation.id != funder.id).order_by(Organisation.id)))
    ids.update(_another_pool(session))
    return ids


def _another_pool(session) -> dict:
    """Gävle, with a club, a unit, a funder, a site, a leader, a need, a draft, a run, a message, a link."""
    gavle = Pool(slug="gavle-authz", name="Gävle")
    session.add(gavle)
    session.flush()
    club = Organisation(pool_id=gavle.id, code="gif", kind=OrgKind.club, name="Gävle IF")
    unit = Organisation(pool_id=gavle.id, code="skola", kind=OrgKind.requester, name="Gävle skola")
    funder = Organisation(pool_id=gavle.id, code="fond", kind=OrgKind.funder, name="Gävle fond")
    site = Site(pool_id=gavle.id, code="plan", name="Gävleplan", calendar_token="authz-gavle-site")
    session.add_all([club, unit, funder, site])
    session.flush()
    leader = Leader(pool_id=gavle.id, club_id=club.id, code="gavle-ledare", name="Gävle Ledare",
                    calendar_token="authz-gavle-leader")
    need = Need(pool_id=gavle.id, code="gavle-rast", requester_id=unit.id, site_id=site.id, title="Gävle rast",
                weekdays=[3], start_minute=600, end_minute=660, first_day=dt.date(2027, 1, 1))
    session.add_all([leader, need])
    session.flush()
    draft = _publish(session, gavle.id, dt.date(2027, 1, 11), [(need, dt.date(2027, 1, 13), leader)],
                     state=ScheduleState.draft)
    run = SolveRun(pool_id=gavle.id, period_start=draft.period_start, period_end=draft.period_end,
                   state=SolveState.done, schedule_id=draft.id)
    message = OutboxMessage(pool_id=gavle.id, dedupe_key="authz|theirs", to_address="b@example.se",
                            subject="Gävle", body_text="Hej!")
    link = Funding(pool_id=gavle.id, funder_id=funder.id, activity_kind="rastvard", first_day=dt.date(2027, 1, 1),
                   last_day=dt.date(2027, 12, 31), amount=Decimal("10.00"))
    absence = Absence(leader_id=leader.id, first_day=dt.date(2027, 3, 1), last_day=dt.date(2027, 3, 2))
    session.add_all([run, message, link, absence])
    session.flush()
    return dict(gavle_leader=leader.id, gavle_absence=absence.id, gavle_need=need.id, gavle_site=site.id,
                gavle_draft=draft.id, gavle_assignment=draft.assignments[0].id, gavle_day="2027-01-13",
                gavle_run=run.id, gavle_message=message.id, gavle_link=link.id, gavle_funder=funder.id)


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def world(request, tmp_path_factory):
    """The demo, furnished, served over real HTTP; one signed-in client per role, one anonymous."""
    with demo_of_kind(request, tmp_path_factory.mktemp("authz")) as url:
        engine = db.make_engine(url)
        with db.transaction(engine) as session:
            ids = _furnish(session)
        with _serving(url) as base_url:
            with ThreadPoolExecutor(len(DEMO_LOGINS)) as pool:  # a sign-in is slow on purpose (password hash)
                clients = dict(zip(DEMO_LOGINS, pool.map(lambda email: sign_in(base_url, email),
                                                         DEMO_LOGINS.values())))
            clients["anonymous"] = requests.Session()
            for name, client in clients.items():
                client.token = csrf(client.get(base_url + ("/login" if name == "anonymous" else "/")).text)
            yield World(request.param, base_url, ids, clients)
        engine.dispose()


def call(world: World, who: str, method: str, path: str) -> requests.Response:
    """One request as ``who``, redirects not followed; writes carry a valid CSRF token and an empty body."""
    client = world.clients[who]
    url = world.base_url + path.format(**world.ids)
    if method == "GET":
        return client.get(url, allow_redirects=False)
    if path.startswith("/api/"):
        return client.request(method, url, json={}, allow_redirects=False)
    return client.request(method, url, data={"csrf_token": client.token}, allow_redirects=False)


def refusal_problem(answer: requests.Response, who: str, api: bool) -> str | None:
    """None when ``who`` was refused as they should be, else what went wrong."""
    if who == "anonymous":
        if api:
            return None if answer.status_code == 401 else f"{answer.status_code}, expected 401"
        to_login = answer.status_code == 302 and "/login" in answer.headers.get("Location", "")
        return None if to_login else f"{answer.status_code} {answer.headers.get('Location', '')}, expected /login"
    return None if answer.status_code == 403 else f"{answer.status_code}, expected 403"


def admission_problem(answer: requests.Response, method: str) -> str | None:
    """None when an allowed role got through: a GET answers 2xx/3xx (not the sign-in page), a write anything
    but a refusal, a server error or a failed CSRF check."""
    status, location = answer.status_code, answer.headers.get("Location", "")
    if "/login" in location and not answer.request.path_url.startswith(("/login", "/logout")):
        return f"{status} to {location}"
    if method == "GET":
        return None if status < 400 else str(status)
    if status in (401, 403) or status >= 500 or "CSRF" in answer.text:
        return f"{status} {answer.text[:120]!r}"
    return None


# ---------------------------------------------------------------------------------------------- the matrix
def plain(rule: str) -> str:
    """A rule without its converters, so a changed converter does not change the policy."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", rule)


def served_rules() -> dict[tuple[str, str], object]:
    """(rule, method) → view of the app as the live server builds it, except EXCLUDED endpoints."""
    from web import create_app
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "matrix", "TESTING": True})
    return {(plain(rule.rule), method): app.view_functions[rule.endpoint] for rule in app.url_map.iter_rules()
            if rule.endpoint not in EXCLUDED for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_the_table_names_every_rule_and_agrees_with_each_view():
    served = served_rules()
    table = {(r.rule, r.method) for r in ROUTES}
    assert len(table) == len(ROUTES), "a rule and method is listed twice"
    assert sorted(set(served) - table) == [], "routes missing from ROUTES: state who may reach them"
    assert sorted(table - set(served)) == [], "ROUTES lists rules the app does not have"
    disagreements = []
    for r in ROUTES:
        declared = getattr(served[(r.rule, r.method)], "allowed_roles", None)
        if (declared is not None) if r.roles == PUBLIC else declared != r.roles:
            disagreements.append(f"{r.method} {r.rule}: table {r.roles}, view {declared}")
    assert disagreements == [], "every view but the public ones states its roles, the same as ROUTES"


# ------------------------------------------------------------------------------------- object-level refusals
NEED_BODY = {"title": "Rast", "site": "{own_site}", "weekdays": [3], "start": "10:00", "end": "10:30", "seats": 1,
             "first_day": "2027-01-11", "last_day": "2027-06-11", "priority": 3, "activity_kind": "rastvard"}
NOTE = {"held": True, "participants": 3, "girls": 1}
VERSION = {"row_version": 1}
FORM_VERSION = {"version": "1"}
PIN = {"row_version": 1, "pinned": True}  # the plan's edit forms carry the version they were made against
# (who, method, path, body: JSON for the API, form fields for pages): each names a record that exists but
# is not theirs → 404. Bodies are valid where the body is checked before the record is looked up.
NOT_THEIRS = [
    # a club admin and another club's leader (same pool), then another pool's leader
    ("club_admin", "GET", "/club/leaders/{other_club_leader}", None),
    ("club_admin", "POST", "/club/leaders/{other_club_leader}", None),
    ("club_admin", "POST", "/club/leaders/{other_club_leader}/active", None),
    ("club_admin", "GET", "/club/leaders/{other_club_leader}/personal-data.json", None),
    ("club_admin", "GET", "/club/leaders/{other_club_leader}/erase", None),
    ("club_admin", "POST", "/club/leaders/{other_club_leader}/erase", None),
    ("club_admin", "GET", "/api/leaders/{other_club_leader}", None),
    ("club_admin", "PUT", "/api/leaders/{other_club_leader}", {"name": "X"}),
    ("club_admin", "DELETE", "/api/leaders/{other_club_leader}", None),
    ("club_admin", "POST", "/api/leaders/{other_club_leader}/activate", None),
    ("club_admin", "GET", "/api/leaders/{other_club_leader}/absences", None),
    ("club_admin", "POST", "/api/leaders/{other_club_leader}/absences",
     {"first_day": "2027-03-01", "last_day": "2027-03-02"}),
    ("club_admin", "PUT", "/api/leaders/{other_club_leader}/availability", {"availability": []}),
    ("club_admin", "DELETE", "/api/leaders/{own_leader}/absences/{gavle_absence}", None),
    ("club_admin", "GET", "/club/leaders/{gavle_leader}", None),
    ("club_admin", "GET", "/api/leaders/{gavle_leader}", None),
    # a requester and another unit's need, then another pool's need and a site that is not theirs
    ("requester", "GET", "/needs/{other_need}/edit", None),
    ("requester", "POST", "/needs/{other_need}/edit", None),
    ("requester", "POST", "/needs/{other_need}/active", None),
    ("requester", "GET", "/api/needs/{other_need}", None),
    ("requester", "PUT", "/api/needs/{other_need}", NEED_BODY),
    ("requester", "DELETE", "/api/needs/{other_need}", None),
    ("requester", "POST", "/api/needs/{other_need}/activate", None),
    ("requester", "GET", "/needs/{gavle_need}/edit", None),
    ("requester", "GET", "/api/needs/{gavle_need}", None),
    ("requester", "POST", "/feeds/sites/{other_site}", None),
    ("requester", "POST", "/feeds/sites/{gavle_site}", None),
    # a leader and another leader's session, then another pool's
    ("leader", "GET", "/attendance/{others_session_need}/{others_session_day}", None),
    ("leader", "POST", "/attendance/{others_session_need}/{others_session_day}", None),
    ("leader", "GET", "/api/attendance/{others_session_need}/{others_session_day}", None),
    ("leader", "PUT", "/api/attendance/{others_session_need}/{others_session_day}", NOTE),
    ("leader", "GET", "/attendance/{gavle_need}/{gavle_day}", None),
    # the coordinator and another pool's records
    ("coordinator", "GET", "/plan/schedules/{gavle_draft}", None),
    ("coordinator", "GET", "/plan/schedules/{gavle_draft}/occurrence?need={gavle_need}&day={gavle_day}", None),
    ("coordinator", "GET", "/plan/schedules/{draft}/occurrence?need={gavle_need}&day={gavle_day}", None),
    ("coordinator", "POST", "/plan/schedules/{gavle_draft}/approve", FORM_VERSION),
    ("coordinator", "POST", "/plan/schedules/{gavle_draft}/publish", FORM_VERSION),
    ("coordinator", "POST", "/plan/schedules/{gavle_draft}/assignments/{gavle_assignment}/unassign", FORM_VERSION),
    ("coordinator", "GET", "/plan/runs/{gavle_run}", None),
    ("coordinator", "GET", "/api/schedules/{gavle_draft}", None),
    ("coordinator", "POST", "/api/schedules/{gavle_draft}/approve", VERSION),
    ("coordinator", "POST", "/api/schedules/{gavle_draft}/publish", VERSION),
    ("coordinator", "PATCH", "/api/schedules/{gavle_draft}/assignments/{gavle_assignment}", PIN),
    ("coordinator", "GET", "/api/schedules/solve-runs/{gavle_run}", None),
    ("coordinator", "GET", "/ops/outbox/{gavle_message}", None),
    ("coordinator", "GET", "/report/funding/{gavle_link}", None),
    ("coordinator", "POST", "/report/funding/{gavle_link}", None),
    ("coordinator", "POST", "/report/funding/{gavle_link}/delete", None),
    ("coordinator", "GET", "/api/report/funding/{gavle_link}", None),
    ("coordinator", "DELETE", "/api/report/funding/{gavle_link}", None),
    ("coordinator", "GET", "/report/?funder={gavle_funder}", None),
    ("coordinator", "GET", "/club/leaders/{gavle_leader}/personal-data.json", None),
    ("coordinator", "GET", "/club/leaders/{gavle_leader}/erase", None),
    ("coordinator", "GET", "/attendance/{gavle_need}/{gavle_day}", None),
    ("coordinator", "GET", "/api/attendance/{gavle_need}/{gavle_day}", None),
    ("coordinator", "POST", "/feeds/sites/{gavle_site}", None),
]


def _filled(value, ids):
    """``value`` with the world's ids put in; a lone placeholder becomes the id itself (an int for JSON)."""
    if isinstance(value, str):
        lone = re.fullmatch(r"\{(\w+)\}", value)
        return ids[lone.group(1)] if lone else value.format(**ids)
    if isinstance(value, dict):
        return {key: _filled(item, ids) for key, item in value.items()}
    return value


# Another pool's assignment named inside our own draft: the edit treats any id it does not hold as
# removed meanwhile (409 / a "refused" message), so the answer must not differ from an id nobody has.
LIKE_UNKNOWN = [
    ("coordinator", "POST", "/plan/schedules/{draft}/assignments/{gavle_assignment}/pin", FORM_VERSION),
    ("coordinator", "PATCH", "/api/schedules/{draft}/assignments/{gavle_assignment}", PIN),
]


def send(world: World, who: str, method: str, path: str, body, **ids) -> requests.Response:
    client, url = world.clients[who], world.base_url + path.format(**{**world.ids, **ids})
    if path.startswith("/api/"):
        return client.request(method, url, json=_filled(body, world.ids) if body else None)
    form = {"csrf_token": client.token, **(body or {})}
    return client.request(method, url, data=form if method == "POST" else None)


def said(answer: requests.Response) -> str:
    """What an answer tells: a JSON body, or a page's flashed messages."""
    if answer.headers.get("Content-Type", "").startswith("application/json"):
        return answer.text
    return " ".join(re.findall(r'<p class="flash [^"]*" role="status">([^<]*)</p>', answer.text))


def test_records_that_are_not_yours_look_missing(world):
    problems = []
    for who, method, path, body in NOT_THEIRS:
        answer = send(world, who, method, path, body)
        if answer.status_code != 404:
            problems.append(f"{who} {method} {path}: {answer.status_code}")
    for who, method, path, body in LIKE_UNKNOWN:
        theirs, nobodys = (send(world, who, method, path, body, gavle_assignment=a)
                           for a in (world.ids["gavle_assignment"], 999_999))
        if not said(theirs) or (theirs.status_code, said(theirs)) != (nobodys.status_code, said(nobodys)):
            problems.append(f"{who} {method} {path}: {theirs.status_code}, unlike an unknown id")
    assert problems == [], "\n".join(problems)


def test_a_funder_sees_only_its_own_report_whatever_it_asks_for(world):
    funder = world.clients["funder"]
    own = funder.get(world.base_url + "/api/report/?quarter=2027-Q1")
    asked = funder.get(world.base_url + "/api/report/?quarter=2027-Q1&funder={other_funder}".format(**world.ids))
    assert own.status_code == asked.status_code == 200 and own.json() == asked.json()
    everyone = world.clients["coordinator"].get(world.base_url + "/api/report/?quarter=2027-Q1")
    assert everyone.json() != own.json()  # the funder's view is narrower, so asking for another would show


# ------------------------------------------------------------------------------------------ confidential needs
# The title, description and contact of the demo's confidential needs on 10 February 2027 (test world).
SECRETS = ("Nödstopp föräldranätverk (somaliska)", "trygg vuxen och tolkar", "tas emot i receptionen",
           "Tjejgrupp Sätra", "Deltagarna presenteras inte")
SECRET_QUERY = "week=2027-W06&quarter=2027-Q1"
# pages about the leaders on the confidential sessions, for their club's admin
CLUB_EXTRA = ["/club/leaders/{secret_leader}", "/api/leaders/{secret_leader}",
              "/club/leaders/{secret_leader}/personal-data.json", "/api/leaders/{secret_leader}/absences"]
FEEDS = ["/feeds/site/{site_token}.ics", "/feeds/site/{own_site_token}.ics", "/feeds/leader/{leader_token}.ics"]


def readable(answer: requests.Response) -> str:
    """The answer as a person would read it: HTML and JSON unescaped, calendar lines unfolded, a workbook
    unzipped."""
    kind = answer.headers.get("Content-Type", "")
    if "spreadsheetml" in kind:
        import io
        import zipfile
        with zipfile.ZipFile(io.BytesIO(answer.content)) as book:
            return html.unescape(" ".join(book.read(name).decode() for name in book.namelist()))
    if "json" in kind:
        return json.dumps(answer.json(), ensure_ascii=False)
    if "calendar" in kind:
        text = answer.text.replace("\r\n ", "").replace("\r\n\t", "")
        return text.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")
    return html.unescape(answer.text)


def with_query(path: str) -> str:
    return path + ("&" if "?" in path else "?") + SECRET_QUERY


def test_confidential_needs_show_nobody_but_the_coordinator_more_than_time_place_and_role(world):
    def leaks_to(who: str) -> list[str]:
        paths = [r.path for r in ROUTES if r.method == "GET" and not r.path.startswith("/feeds/") and allowed(r, who)]
        paths += (CLUB_EXTRA if who == "club_admin" else []) + (FEEDS if who == "anonymous" else [])
        found = []
        for path in paths:
            text = readable(world.clients[who].get(world.base_url + with_query(path.format(**world.ids))))
            found += [f"{who} {path}: {secret!r}" for secret in SECRETS if secret in text]
        return found

    callers = ("anonymous", "club_admin", "requester", "leader", "funder")
    with ThreadPoolExecutor(len(callers)) as pool:
        leaks = [leak for found in pool.map(leaks_to, callers) for leak in found]
    assert leaks == [], "\n".join(leaks)

    # the secrets are there to be found: the coordinator sees them, others see the slot without them
    coordinator = readable(world.clients["coordinator"].get(
        world.base_url + "/plan/schedules/{published}".format(**world.ids)))
    assert SECRETS[0] in coordinator and SECRETS[3] in coordinator
    site_feed = readable(requests.get(world.base_url + "/feeds/site/{site_token}.ics".format(**world.ids)))
    assert "DTSTART;TZID=Europe/Stockholm:20270210T180000" in site_feed and "Stadshuset" in site_feed
    unit_week = readable(world.clients["requester"].get(world.base_url + "/needs/weeks?week=2027-W06"))
    others = unit_week.split("Andra aktiviteter på era platser")[1]
    assert "onsdag 2027-02-10" in others and "15:00–16:30" in others and "sekretess" in others


def check(world: World, r: Route, who: str) -> str | None:
    """What is wrong with the answer ``who`` gets from ``r``, or None. An allowed write goes to the route's
    inert URL when it has one, so that it cannot act (an unknown id where the write needs no body)."""
    path = r.inert or r.path if r.method != "GET" and allowed(r, who) else r.path
    answer = call(world, who, r.method, path)
    problem = admission_problem(answer, r.method) if allowed(r, who) else \
        refusal_problem(answer, who, r.rule.startswith("/api/"))
    return problem and f"{who:12} {r.method:6} {path}: {problem}"


def test_every_route_answers_every_role_as_the_table_says(world):
    """Each caller's requests run in order on one thread, the callers side by side: first every read and
    refusal, then the allowed writes (they may change things), signing out last."""
    pairs = [(r, who) for r in ROUTES for who in WHO]
    first = [(r, who) for r, who in pairs if r.method == "GET" or not allowed(r, who)]
    later = sorted(set(pairs) - set(first), key=lambda pair: (pair[0].rule == "/logout", ROUTES.index(pair[0])))

    def run(batch):
        def one_caller(who):
            return [check(world, r, w) for r, w in batch if w == who]
        with ThreadPoolExecutor(len(WHO)) as pool:
            return [problem for found in pool.map(one_caller, WHO) for problem in found if problem]

    problems = run(first) + run(later)
    print(f"\nauthorisation matrix on {world.kind}: {len({r.rule for r in ROUTES})} rules, {len(ROUTES)} "
          f"rule-and-method pairs, {len(WHO)} callers (5 roles and anonymous), {len(pairs)} combinations checked")
    assert problems == [], "\n".join(problems)
