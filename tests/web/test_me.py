"""The leader's own week, absences, availability and calendar link, over real HTTP."""
import datetime as dt

import pytest
import sqlalchemy as sa

from pool.models import Absence, AvailabilityWindow
from tests.web import DEMO_LEADER, THIS_MONDAY, csrf, week_label


@pytest.fixture
def published(live_db):
    """Friday night football this week and recess on Tuesday next week for the demo leader; another
    leader on city hosting this Saturday."""
    live_db.publish(THIS_MONDAY, [("nattfotboll-satra", 4, DEMO_LEADER), ("rast-satraskolan-0800", 8, DEMO_LEADER),
                                  ("cityvard-centrum", 5, "erik-johansson")])
    return live_db


def test_leader_sees_own_assignments_of_this_and_next_week(as_role, published):
    leader = as_role("leader")
    page = leader.get(leader.base_url + "/me/")
    assert page.status_code == 200
    html = page.text
    assert "Min vecka" in html and "Nattfotboll Sätra" in html and "Sätra torg 3, Sandviken" in html
    assert "Sandvikenhus bovärd Sätra" in html and "20:00–00:30" in html and "slutar nästa dag" in html
    assert "Rastvärdar Sätraskolan" in html  # next week
    assert "Cityvärdar" not in html  # another leader's assignment
    answer = leader.get(leader.base_url + "/api/me/assignments", params={"week": week_label(THIS_MONDAY)}).json()
    assert [a["title"] for a in answer["assignments"]] == ["Nattfotboll Sätra"]
    night = answer["assignments"][0]
    assert night["end"].startswith((THIS_MONDAY + dt.timedelta(days=5)).isoformat())


def test_week_parameter_is_checked(as_role):
    leader = as_role("leader")
    assert leader.get(leader.base_url + "/me/", params={"week": "2027-W99"}).status_code == 404
    bad = leader.get(leader.base_url + "/api/me/assignments", params={"week": "vecka 3"})
    assert bad.status_code == 422 and "week" in bad.json()["errors"]["json"]


def test_report_absence_keeps_input_on_error_and_saves_when_right(as_role, live_db):
    leader = as_role("leader")
    url = leader.base_url + "/me/absence"
    today = dt.date.today()
    form = {"csrf_token": csrf(leader.get(url).text), "first_day": (today + dt.timedelta(days=3)).isoformat(),
            "last_day": (today + dt.timedelta(days=1)).isoformat(), "reason": "tenta"}
    refused = leader.post(url, data=form)
    assert refused.status_code == 422
    assert "Sista dagen får inte vara före första dagen." in refused.text and 'value="tenta"' in refused.text
    assert live_db.scalar(sa.select(sa.func.count()).select_from(Absence).where(Absence.reason == "tenta")) == 0
    form["last_day"] = (today + dt.timedelta(days=4)).isoformat()
    assert leader.post(url, data=form).status_code == 200  # redirected to the week
    assert live_db.scalar(sa.select(Absence.last_day).where(Absence.reason == "tenta")) == today + dt.timedelta(days=4)
    api = leader.post(leader.base_url + "/api/me/absences", json={"first_day": "2020-01-01", "last_day": "2020-01-02",
                                                                 "reason": "x"})
    assert api.status_code == 422 and "first_day" in api.json()["errors"]["json"]


def test_availability_grid_saves_a_night_past_midnight(as_role, live_db):
    leader = as_role("leader")
    url = leader.base_url + "/me/availability"
    page = leader.get(url).text
    assert 'value="5-1140"' in page and "club.js" in page
    cells = [f"5-{m}" for m in range(1140, 1440, 30)] + ["6-0", "6-30", "6-60", "6-90"]
    assert leader.post(url, data={"csrf_token": csrf(page), "availability": cells}).status_code == 200
    leader_id = live_db.leader_id(DEMO_LEADER)
    with live_db.engine.connect() as conn:
        rows = conn.execute(sa.select(AvailabilityWindow.weekday, AvailabilityWindow.start_minute,
                                      AvailabilityWindow.end_minute)
                            .where(AvailabilityWindow.leader_id == leader_id)).all()
    assert [tuple(r) for r in rows] == [(5, 1140, 120)]
    assert leader.get(leader.base_url + "/api/me/availability").json() == {
        "availability": [{"weekday": 5, "start": "19:00", "end": "02:00"}]}


def test_calendar_link_is_created_and_rotated(as_role):
    leader = as_role("leader")
    week = leader.get(leader.base_url + "/me/").text
    assert "Skapa min kalenderlänk" in week
    leader.post(leader.base_url + "/me/calendar", data={"csrf_token": csrf(week)})
    first = leader.get(leader.base_url + "/api/me/calendar").json()["url"]
    assert leader.get(first).status_code == 200
    second = leader.post(leader.base_url + "/api/me/calendar").json()["url"]
    assert second != first and leader.get(first).status_code == 404 and leader.get(second).status_code == 200


def test_roles_are_kept_apart(as_role, live_server):
    import requests
    club = as_role("club_admin")
    assert club.get(live_server + "/me/").status_code == 403
    assert club.get(live_server + "/api/me/assignments").status_code == 403
    assert requests.get(live_server + "/api/me/assignments").status_code == 401
    leader = as_role("leader")
    assert leader.get(live_server + "/club/leaders").status_code == 403
