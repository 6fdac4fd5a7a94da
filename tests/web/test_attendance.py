"""The attendance note over real HTTP: from Min vecka on the phone, the coordinator's week, and the API."""
import datetime as dt

import pytest
import requests
import sqlalchemy as sa

from pool.models import Attendance, Need
from tests.web import DEMO_LEADER, THIS_MONDAY, LiveDatabase, csrf, week_label

PAST_MONDAY = THIS_MONDAY - dt.timedelta(days=14)
FRIDAY = PAST_MONDAY + dt.timedelta(days=4)
LATER_FRIDAY = THIS_MONDAY + dt.timedelta(days=11)


@pytest.fixture
def live_db(live_server, tmp_path):
    database = LiveDatabase(tmp_path)
    # two weeks ago: the demo leader on Friday's night football, another leader on Saturday's city hosts;
    # next week: the demo leader's Friday night football (not started yet)
    database.publish(PAST_MONDAY, [("nattfotboll-satra", 4, DEMO_LEADER), ("cityvard-centrum", 5, "erik-johansson")])
    database.publish(THIS_MONDAY, [("nattfotboll-satra", 11, DEMO_LEADER)])
    yield database
    database.dispose()


def _need_id(live_db, code: str) -> int:
    return live_db.scalar(sa.select(Need.id).where(Need.code == code))


def _note(live_db, code: str, day: dt.date):
    with live_db.engine.connect() as conn:
        return conn.execute(sa.select(Attendance.held, Attendance.participants, Attendance.girls, Attendance.row_version)
                            .where(Attendance.need_id == _need_id(live_db, code), Attendance.day == day)).first()


def test_leader_records_from_min_vecka_with_errors_beside_the_field(as_role, live_db):
    leader = as_role("leader")
    week = leader.get(leader.base_url + "/me/", params={"week": week_label(PAST_MONDAY)}).text
    url = f"/attendance/{_need_id(live_db, 'nattfotboll-satra')}/{FRIDAY.isoformat()}"
    assert "Registrera närvaro" in week and url in week
    form = leader.get(leader.base_url + url)
    assert form.status_code == 200 and "Nattfotboll Sätra" in form.text and 'inputmode="numeric"' in form.text
    data = {"csrf_token": csrf(form.text), "held": "yes", "participants": "12", "girls": "30", "row_version": ""}
    refused = leader.post(leader.base_url + url, data=data)
    assert refused.status_code == 422
    assert "Det kan inte vara fler tjejer (30) än deltagare (12)." in refused.text and 'value="12"' in refused.text
    assert _note(live_db, "nattfotboll-satra", FRIDAY) is None
    data["participants"] = "64"
    saved = leader.post(leader.base_url + url, data=data)
    assert saved.status_code == 200 and "Tack, närvaron är sparad." in saved.text and "Rätta närvaron" in saved.text
    assert tuple(_note(live_db, "nattfotboll-satra", FRIDAY)) == (True, 64, 30, 1)


def test_a_stale_edit_is_refused_with_a_clear_message(as_role, live_db):
    leader, coordinator = as_role("leader"), as_role("coordinator")
    need = _need_id(live_db, "nattfotboll-satra")
    api = f"{coordinator.base_url}/api/attendance/{need}/{FRIDAY.isoformat()}"
    first = coordinator.put(api, json={"held": True, "participants": 50, "girls": 10})
    assert first.status_code == 200 and first.json()["row_version"] == 1
    url = f"{leader.base_url}/attendance/{need}/{FRIDAY.isoformat()}"
    form = leader.get(url).text
    assert 'name="row_version" type="hidden" value="1"' in form
    assert coordinator.put(api, json={"held": False, "cancel_reason": "Snöoväder", "row_version": 1}).status_code == 200
    stale = leader.post(url, data={"csrf_token": csrf(form), "held": "yes", "participants": "55", "girls": "12",
                                   "row_version": "1"})
    assert stale.status_code == 409 and "Någon annan sparade närvaron" in stale.text and "Snöoväder" in stale.text
    assert tuple(_note(live_db, "nattfotboll-satra", FRIDAY))[:2] == (False, 0)
    again = coordinator.put(api, json={"held": True, "participants": 1, "girls": 0, "row_version": 1})
    assert again.status_code == 409 and "Någon annan" in again.json()["message"]


def test_leaders_reach_only_their_own_started_sessions(as_role, live_db):
    leader = as_role("leader")
    other = f"{leader.base_url}/attendance/{_need_id(live_db, 'cityvard-centrum')}/{(FRIDAY + dt.timedelta(days=1)).isoformat()}"
    assert leader.get(other).status_code == 404
    assert leader.put(other.replace("/attendance/", "/api/attendance/"), json={"held": True, "participants": 3,
                                                                              "girls": 0}).status_code == 404
    later = f"{leader.base_url}/api/attendance/{_need_id(live_db, 'nattfotboll-satra')}/{LATER_FRIDAY.isoformat()}"
    early = leader.put(later, json={"held": True, "participants": 3, "girls": 0})
    assert early.status_code == 422 and "day" in early.json()["errors"]["json"]
    bad = leader.put(later.replace(LATER_FRIDAY.isoformat(), FRIDAY.isoformat()), json={"held": False})
    assert bad.status_code == 422 and "cancel_reason" in bad.json()["errors"]["json"]
    sessions = leader.get(leader.base_url + "/api/attendance/sessions", params={"week": week_label(PAST_MONDAY)}).json()
    assert [s["title"] for s in sessions] == ["Nattfotboll Sätra"] and sessions[0]["attendance"] is None


def test_coordinator_sees_the_weeks_sessions_and_others_are_kept_out(as_role, live_db, live_server):
    coordinator = as_role("coordinator")
    page = coordinator.get(coordinator.base_url + "/attendance/", params={"week": week_label(PAST_MONDAY)})
    assert page.status_code == 200 and "Nattfotboll Sätra" in page.text and "Cityvärdar centrum" in page.text
    assert page.text.count("Ej registrerat") == 2
    assert coordinator.get(coordinator.base_url + "/attendance/", params={"week": "vecka 3"}).status_code == 404
    for role in ("funder", "club_admin", "requester"):
        assert as_role(role).get(live_server + "/attendance/").status_code == 403
        assert as_role(role).get(live_server + "/api/attendance/sessions").status_code == 403
    assert requests.get(live_server + "/api/attendance/sessions").status_code == 401
