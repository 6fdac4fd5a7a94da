"""The coordinator's administration over real HTTP: users and their roles, switching accounts off and on,
and the read-only audit log that records who did what — including edits made on the planning pages and
through the API."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import requests
import sqlalchemy as sa

from pool import db
from pool.models import Assignment, AuditEntry, Leader, Need, Schedule, ScheduleState, User
from tests.conftest import DEMO_LOGINS, sign_in
from tests.web import THIS_MONDAY, csrf

COORDINATOR = "Maria Lindqvist"


def user_ids(client) -> dict[str, int]:
    """E-mail → account id, read from the users page."""
    page = client.get(client.base_url + "/admin/users").text
    return {email: int(uid) for uid, email in
            re.findall(r'<tr id="user-(\d+)"[^>]*>\s*<th scope="row"[^>]*>[^<]*</th>\s*<td[^>]*>([^<]+)</td>', page)}


def audit_rows(client, query: str = "") -> list[str]:
    page = client.get(client.base_url + "/admin/audit" + query)
    assert page.status_code == 200
    rows = re.findall(r'<tr id="entry-\d+">(.*?)</tr>', page.text, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def option_value(html: str, select: str, label: str) -> str:
    options = html.split(f'name="{select}"')[1].split("</select>")[0]
    return re.search(r'<option (?:selected )?value="(\d+)">' + re.escape(label) + "</option>", options).group(1)


def test_only_the_coordinator_reaches_administration(as_role, live_server):
    for role in ("club_admin", "requester", "leader", "funder"):
        client = as_role(role)
        for path in ("/admin/users", "/admin/users/1", "/admin/audit"):
            assert client.get(client.base_url + path).status_code == 403, (role, path)
        token = csrf(client.get(client.base_url + "/").text)
        assert client.post(client.base_url + "/admin/users/1", data={"csrf_token": token, "role": "funder"}
                           ).status_code == 403
        assert client.post(client.base_url + "/admin/users/1/deactivate", data={"csrf_token": token}
                           ).status_code == 403
        assert "/admin/" not in client.get(client.base_url + "/").text  # not in their menu
    anonymous = requests.get(live_server + "/admin/audit", allow_redirects=False)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    coordinator = as_role("coordinator")
    home = coordinator.get(coordinator.base_url + "/").text
    assert 'href="/admin/users"' in home and 'href="/admin/audit"' in home
    # the log is read-only: no route changes or removes an entry
    token = {"X-CSRFToken": csrf(home)}
    for method in ("post", "put", "patch", "delete"):
        assert getattr(coordinator, method)(coordinator.base_url + "/admin/audit", headers=token).status_code == 405


def test_a_role_change_over_http_takes_effect_and_is_audited(live_server_on):
    client = sign_in(live_server_on, DEMO_LOGINS["coordinator"])
    ids = user_ids(client)
    assert set(DEMO_LOGINS.values()) <= set(ids)
    funder = ids[DEMO_LOGINS["funder"]]
    form = client.get(client.base_url + f"/admin/users/{funder}")
    assert form.status_code == 200 and 'selected value="funder"' in form.text
    club = option_value(form.text, "organisation_id", "Förening: Stensätra IF")
    answer = client.post(client.base_url + f"/admin/users/{funder}", data={
        "csrf_token": csrf(form.text), "role": "club_admin", "organisation_id": club, "leader_id": ""})
    assert answer.status_code == 200 and "Anders Holmgren har nu rollen föreningsadministratör." in answer.text
    row = answer.text.split(f'id="user-{funder}"')[1].split("</tr>")[0]
    assert "Föreningsadministratör" in row and "Stensätra IF" in row

    changed = sign_in(live_server_on, DEMO_LOGINS["funder"])  # the new role opens the club pages
    assert changed.get(changed.base_url + "/club/leaders").status_code == 200
    assert changed.get(changed.base_url + "/report/").status_code == 403

    [entry] = audit_rows(client, "?action=role")
    assert COORDINATOR in entry and "Ändrade en roll" in entry and "Konto för Anders Holmgren" in entry
    assert "Finansiär → Föreningsadministratör" in entry and "Sandvik AB → Stensätra IF" in entry
    english = client.get(client.base_url + "/admin/audit?action=role&lang=en").text
    assert "Changed a role" in english and "Funder" in english


def test_refused_role_changes_keep_what_was_typed_and_write_nothing(as_role, live_db):
    client = as_role("coordinator")
    ids = user_ids(client)
    before = live_db.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    requester = ids[DEMO_LOGINS["requester"]]
    form = client.get(client.base_url + f"/admin/users/{requester}")
    club = option_value(form.text, "organisation_id", "Förening: Högbo GK")
    refused = client.post(client.base_url + f"/admin/users/{requester}", data={
        "csrf_token": csrf(form.text), "role": "funder", "organisation_id": club, "leader_id": ""})
    assert refused.status_code == 422
    assert 'id="organisation_id-error">En finansiär måste höra till en finansiär.' in refused.text
    assert 'selected value="funder"' in refused.text and f'selected value="{club}"' in refused.text

    me = ids[DEMO_LOGINS["coordinator"]]
    form = client.get(client.base_url + f"/admin/users/{me}")
    leader = option_value(form.text, "leader_id", "Abdirahman Warsame")
    lockout = client.post(client.base_url + f"/admin/users/{me}", data={
        "csrf_token": csrf(form.text), "role": "leader", "organisation_id": "", "leader_id": leader})
    assert lockout.status_code == 422
    assert 'id="role-error">Du kan inte ta bort din egen roll som samordnare' in lockout.text
    assert client.post(client.base_url + f"/admin/users/{me}", data={"role": "leader", "leader_id": leader}
                       ).status_code == 400  # no form token
    off = client.post(client.base_url + f"/admin/users/{me}/deactivate", data={"csrf_token": csrf(form.text)})
    assert "Nekat: Du kan inte avaktivera ditt eget konto." in off.text
    assert live_db.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before
    assert live_db.scalar(sa.select(User.role).where(User.id == me)).value == "coordinator"


def test_an_account_switched_off_cannot_sign_in_until_switched_on(as_role, live_server):
    client = as_role("coordinator")
    leader = user_ids(client)[DEMO_LOGINS["leader"]]
    token = csrf(client.get(client.base_url + "/admin/users").text)
    off = client.post(client.base_url + f"/admin/users/{leader}/deactivate", data={"csrf_token": token})
    assert "Abdirahman Warsame kan inte längre logga in." in off.text
    with pytest.raises(AssertionError, match="sign-in as"):
        sign_in(live_server, DEMO_LOGINS["leader"])
    on = client.post(client.base_url + f"/admin/users/{leader}/activate", data={"csrf_token": token})
    assert "Abdirahman Warsame kan logga in igen." in on.text
    sign_in(live_server, DEMO_LOGINS["leader"])
    rows = audit_rows(client)
    assert "Aktiverade ett konto" in rows[0] and "Aktiv nej → ja" in rows[0]
    assert "Avaktiverade ett konto" in rows[1] and "Aktiv ja → nej" in rows[1] and COORDINATOR in rows[1]


def add_draft(live_db) -> tuple[int, int]:
    """A draft two weeks ahead with one seat; returns the schedule's and the seat's ids."""
    monday = THIS_MONDAY + dt.timedelta(days=14)
    with db.transaction(live_db.engine) as session:
        need = session.scalar(sa.select(Need).order_by(Need.id))
        leader = session.scalar(sa.select(Leader).order_by(Leader.id))
        draft = Schedule(pool_id=1, period_start=monday, period_end=monday + dt.timedelta(days=6), version=7,
                         state=ScheduleState.draft,
                         assignments=[Assignment(need_id=need.id, day=monday, leader_id=leader.id)])
        session.add(draft)
        session.flush()
        return draft.id, draft.assignments[0].id


def test_edits_on_the_planning_pages_and_the_api_are_audited_with_their_author(as_role, live_db):
    client = as_role("coordinator")
    schedule_id, seat_id = add_draft(live_db)
    version = lambda model, row_id: live_db.scalar(sa.select(model.row_version).where(model.id == row_id))
    token = csrf(client.get(client.base_url + "/admin/users").text)
    plan = client.base_url + f"/plan/schedules/{schedule_id}"
    pinned = client.post(plan + f"/assignments/{seat_id}/pin",
                         data={"csrf_token": token, "version": version(Assignment, seat_id), "pinned": "1"})
    assert pinned.status_code == 200 and "Nekat" not in pinned.text
    approved = client.post(plan + "/approve", data={"csrf_token": token, "version": version(Schedule, schedule_id)})
    assert approved.status_code == 200 and "Nekat" not in approved.text
    published = client.post(client.base_url + f"/api/schedules/{schedule_id}/publish",
                            json={"row_version": version(Schedule, schedule_id)})
    assert published.status_code == 200
    stale = client.post(plan + "/approve", data={"csrf_token": token, "version": 1})
    assert "Nekat" in stale.text  # refused: written nowhere

    rows = audit_rows(client)
    assert ["Publicerade schemat" in rows[0], "Godkände schemat" in rows[1], "Fäste en plats" in rows[2]] == [True] * 3
    assert all(COORDINATOR in row for row in rows[:3])
    assert "Läge godkänt → publicerat" in rows[0] and "version 7" in rows[0]
    assert "Fäst nej → ja" in rows[2]
    assert live_db.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                          .where(AuditEntry.object_type != "user")) == 3
    assert [r for r in audit_rows(client, "?action=pin") if "Fäste en plats" in r] == [rows[2]]


def test_the_log_is_paged_and_its_filter_checks_the_dates(as_role, live_db):
    with db.transaction(live_db.engine) as session:
        start = dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone.utc)
        session.add_all(AuditEntry(pool_id=1, user_id=None, at=start + dt.timedelta(minutes=i), action="approve",
                                   object_type="schedule", object_id=i, before={"state": "draft"},
                                   after={"state": "approved"}) for i in range(60))
    client = as_role("coordinator")
    query = "?action=approve&first=2026-03-01&last=2026-03-01"
    first_page = client.get(client.base_url + "/admin/audit" + query).text
    assert first_page.count('<tr id="entry-') == 50 and "09:59" in first_page  # 08:59 UTC is 09:59 in Sweden
    assert 'href="/admin/audit?page=2&amp;action=approve&amp;first=2026-03-01&amp;last=2026-03-01"' in first_page
    second = audit_rows(client, query + "&page=2")
    assert len(second) == 10 and "09:00" in second[-1] and "systemet" in second[-1]
    assert audit_rows(client, "?action=approve&first=2026-03-02") == []
    bad = client.get(client.base_url + "/admin/audit?first=2026-03-02&last=2026-03-01")
    assert bad.status_code == 422 and 'id="last-error">Sista dagen ligger före den första.' in bad.text
    assert 'value="2026-03-02"' in bad.text  # what was typed stays
