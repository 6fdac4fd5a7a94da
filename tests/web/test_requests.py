"""The requester's pages and needs API over real HTTP: posting with errors beside the fields, scoping to
the unit, confidentiality of other units' needs."""
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def token(page: str) -> str:
    return TOKEN.search(page).group(1)


@pytest.fixture
def demo(live_server, tmp_path: Path):
    """Read-only access to the live server's database, to look up ids."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    yield lambda sql, **params: engine.connect().execute(sa.text(sql), params).scalar()
    engine.dispose()


def need_count(demo) -> int:
    return demo("SELECT count(*) FROM needs")


def form_for_recess(page: str, **changes) -> dict:
    site = re.search(r'value="(\d+)">Sätraskolan</option>', page).group(1)
    data = {"csrf_token": token(page), "title": "Rastvärdar tis och tor", "activity_kind": "rastvard",
            "site": site, "recurrence": "weekly", "weekdays": ["2", "4"], "dates": "", "start": "09:30",
            "end": "10:00", "seats": "2", "first_day": "2027-01-11", "last_day": "2027-06-11",
            "follows_school_calendar": "y", "background_check": "y", "priority": "4",
            "description": "Aktiviteter på rasten", "contact": "Expeditionen"}
    data.update(changes)
    return data


def test_a_bad_need_shows_the_error_beside_the_field_keeps_the_input_and_saves_nothing(as_role, demo):
    client = as_role("requester")
    page = client.get(client.base_url + "/needs/new").text
    assert '<input checked id="background_check"' in page  # preset for a school
    assert re.search(r'id="first_day" name="first_day" type="date" value="\d{4}-\d\d-\d\d"', page)  # the term
    before = need_count(demo)
    answer = client.post(client.base_url + "/needs/new", data=form_for_recess(page, end="09:30"))
    assert answer.status_code == 422
    error = re.search(r'<p class="field-error" id="end-error">([^<]+)</p>', answer.text).group(1)
    assert error.startswith("Sluttiden måste skilja sig från starttiden")
    assert 'aria-describedby="end-hint end-error"' in answer.text
    assert 'value="Rastvärdar tis och tor"' in answer.text
    assert re.search(r'checked[^>]*value="2"|value="2"[^>]*checked', answer.text)
    assert re.search(r'checked[^>]*value="4"|value="4"[^>]*checked', answer.text)
    assert need_count(demo) == before

    no_day = client.post(client.base_url + "/needs/new", data=form_for_recess(page, weekdays=[]))
    assert no_day.status_code == 422 and 'id="weekdays-error">Välj minst en veckodag' in no_day.text

    saved = client.post(client.base_url + "/needs/new", data=form_for_recess(page))
    assert saved.url.endswith("/needs/") and "Behovet är utlagt" in saved.text and "Rastvärdar tis och tor" in saved.text
    assert need_count(demo) == before + 1
    assert demo("SELECT weekdays FROM needs WHERE title = 'Rastvärdar tis och tor'") == "[2, 4]"


def test_a_requester_edits_and_deactivates_its_own_need(as_role, demo):
    client = as_role("requester")
    need_id = demo("SELECT id FROM needs WHERE code = 'rast-satraskolan-0800'")
    page = client.get(client.base_url + f"/needs/{need_id}/edit").text
    assert 'value="08:00"' in page and 'value="15:00"' in page
    saved = client.post(client.base_url + f"/needs/{need_id}/edit",
                        data=form_for_recess(page, title="Rastvärdar heldag", start="08:00", end="15:00"))
    assert "Behovet är sparat" in saved.text and demo(f"SELECT title FROM needs WHERE id = {need_id}") == "Rastvärdar heldag"
    off = client.post(client.base_url + f"/needs/{need_id}/active", data={"csrf_token": token(saved.text), "active": "0"})
    assert "Behovet planeras inte längre" in off.text and demo(f"SELECT active FROM needs WHERE id = {need_id}") == 0


def test_a_requester_never_reaches_another_unit_s_need(as_role, demo, live_server):
    import requests
    client = as_role("requester")
    other = demo("SELECT id FROM needs WHERE code = 'tjejgrupp-satra'")
    assert client.get(client.base_url + f"/needs/{other}/edit").status_code == 404
    page = client.get(client.base_url + "/needs/").text
    assert client.post(client.base_url + f"/needs/{other}/active",
                       data={"csrf_token": token(page), "active": "0"}).status_code == 404
    assert client.get(client.base_url + f"/api/needs/{other}").status_code == 404
    assert client.delete(client.base_url + f"/api/needs/{other}").status_code == 404
    assert demo(f"SELECT active FROM needs WHERE id = {other}") == 1
    assert requests.get(live_server + "/api/needs/").status_code == 401
    assert as_role("coordinator").get(live_server + "/api/needs/").status_code == 403
    assert as_role("club_admin").get(live_server + "/needs/").status_code == 403


def test_a_confidential_need_shows_others_only_time_place_and_role(as_role):
    client = as_role("requester")
    page = client.get(client.base_url + "/needs/weeks?week=2027-W03").text
    assert "Bemanning, vecka 3" in page and "Rastvärdar Sätraskolan" in page
    others = page.split("Andra aktiviteter på era platser")[1]
    assert "onsdag 2027-01-20" in others and "15:00–16:30" in others and "Tjejgrupp" in others
    assert "sekretess" in others
    assert "Tjejgrupp Sätra" not in page and "fältgrupp" not in page and "Socialtjänsten" not in page


def test_the_needs_api_uses_the_same_rules_and_scope(as_role, demo):
    client = as_role("requester")
    site = demo("SELECT id FROM sites WHERE code = 'satraskolan'")
    body = {"title": "Tjejfotboll", "site": site, "weekdays": [3], "start": "21:00", "end": "00:30", "seats": 2,
            "first_day": "2027-01-11", "last_day": "2027-06-11", "skills": ["female"], "priority": 4,
            "activity_kind": "nattfotboll"}
    bad = client.post(client.base_url + "/api/needs/", json={**body, "seats": 0})
    assert bad.status_code == 422 and list(bad.json()["errors"]["json"]) == ["seats"]
    assert "mellan 1 och 50" in bad.json()["errors"]["json"]["seats"][0]
    made = client.post(client.base_url + "/api/needs/", json=body)
    assert made.status_code == 201 and made.json()["end"] == "00:30" and made.json()["weekdays"] == [3]
    need_id = made.json()["id"]
    changed = client.put(client.base_url + f"/api/needs/{need_id}", json={**body, "weekdays": [], "dates": ["2027-02-03"]})
    assert changed.status_code == 200 and changed.json()["dates"] == ["2027-02-03"]
    assert [n["id"] for n in client.get(client.base_url + "/api/needs/").json()].count(need_id) == 1
    assert client.delete(client.base_url + f"/api/needs/{need_id}").status_code == 204
    assert client.get(client.base_url + f"/api/needs/{need_id}").json()["active"] is False
