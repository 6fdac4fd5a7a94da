"""Calendar feeds over real HTTP: they parse, keep their UIDs, end nights the next day, hide what is secret."""
import datetime as dt
import re

import icalendar
import pytest
import requests

from tests.web import DEMO_LEADER, THIS_MONDAY, LiveDatabase, csrf


@pytest.fixture
def live_db(live_server, tmp_path):
    database = LiveDatabase(tmp_path)
    database.publish(THIS_MONDAY, [
        ("nattfotboll-satra", 4, DEMO_LEADER), ("nattfotboll-satra", 4, "erik-johansson"),
        ("rast-satraskolan-0800", 8, DEMO_LEADER), ("tjejgrupp-satra", 9, "hodan-abdi")])
    yield database
    database.dispose()


def feed_url(session, page: str, path: str, data=None) -> str:
    """Press the create-link button and read the feed link off the page."""
    html = session.get(session.base_url + page).text
    html = session.post(session.base_url + path, data={"csrf_token": csrf(html), **(data or {})}).text
    return re.search(r'value="(http[^"]+\.ics)"', html).group(1)


def events(url: str) -> list:
    answer = requests.get(url)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(answer.content).walk("VEVENT")


def test_leader_feed_is_stable_and_nights_end_the_next_day(as_role, live_db):
    leader = as_role("leader")
    url = feed_url(leader, "/me/", "/me/calendar")
    first, second = events(url), events(url)
    assert [str(e["uid"]) for e in first] == [str(e["uid"]) for e in second]
    assert [str(e["summary"]) for e in first] == ["Nattfotboll Sätra", "Rastvärdar Sätraskolan 08:00–15:00"]
    night = first[0]
    friday = THIS_MONDAY + dt.timedelta(days=4)
    assert night.decoded("dtstart").replace(tzinfo=None) == dt.datetime.combine(friday, dt.time(20))
    assert night.decoded("dtend").replace(tzinfo=None) == dt.datetime.combine(friday + dt.timedelta(days=1),
                                                                              dt.time(0, 30))
    assert night["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert "Sandvikenhus bovärd Sätra" in str(night["description"]) and "Sätra torg 3" in str(night["location"])
    calendar = icalendar.Calendar.from_ical(requests.get(url).content)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]


def test_site_feed_names_leaders_but_not_for_confidential_needs(as_role, live_db):
    coordinator = as_role("coordinator")
    page = coordinator.get(coordinator.base_url + "/feeds/sites").text
    site_id = re.search(r'<tr id="site-(\d+)">\s*<th scope="row"[^>]*>Sätraskolan<', page).group(1)
    url = feed_url(coordinator, "/feeds/sites", f"/feeds/sites/{site_id}")
    found = {str(e["summary"]): e for e in events(url)}
    assert "Abdirahman Warsame" in str(found["Rastvärdar Sätraskolan 08:00–15:00"]["description"])
    secret = found["Ledaruppdrag (tjejgrupp)"]
    assert "Hodan" not in secret.to_ical().decode() and "Sätraskolan" in str(secret["location"])
    assert len(found) == 2  # night football happens at another site


def test_unknown_tokens_are_not_found(live_server):
    assert requests.get(live_server + "/feeds/leader/nope.ics").status_code == 404
    assert requests.get(live_server + "/feeds/site/nope.ics").status_code == 404


def test_requester_sees_own_sites_and_cannot_rotate(as_role, live_db):
    school = as_role("requester")
    page = school.get(school.base_url + "/feeds/sites").text
    assert "Sätraskolan" in page and "Vallhovskolan" not in page
    site_id = re.search(r'<tr id="site-(\d+)">', page).group(1)
    url = feed_url(school, "/feeds/sites", f"/feeds/sites/{site_id}")
    again = feed_url(school, "/feeds/sites", f"/feeds/sites/{site_id}")
    assert url == again and requests.get(url).status_code == 200
    coordinator = as_role("coordinator")
    rotated = feed_url(coordinator, "/feeds/sites", f"/feeds/sites/{site_id}")
    assert rotated != url and requests.get(url).status_code == 404
    assert as_role("leader").get(school.base_url + "/feeds/sites").status_code == 403
