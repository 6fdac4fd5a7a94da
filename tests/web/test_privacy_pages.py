"""Personal data over real HTTP: a leader downloads their own data; the club's admin and the coordinator
download and erase a leader's data (typed name and CSRF token required); another club's admin gets 404,
other roles 403."""
from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from pool import accounts, db
from pool.models import Leader, Organisation, Pool, Role, User
from tests.conftest import DEMO_LOGINS, DEMO_PASSWORD, sign_in
from tests.web import DEMO_LEADER, csrf

OTHER_ADMIN = "saik-admin@sandviken.example"


@pytest.fixture
def other_club_admin(live_server, live_db):
    """The admin of Sandvikens AIK Bandy, signed in."""
    with db.transaction(live_db.engine) as session:
        pool = session.scalar(sa.select(Pool))
        club = session.scalar(sa.select(Organisation).where(Organisation.code == "saik"))
        accounts.create_user(session, pool, email=OTHER_ADMIN, name="Saik Admin", role=Role.club_admin,
                             password=DEMO_PASSWORD, organisation=club)
    return sign_in(live_server, OTHER_ADMIN)


def leader_row(live_db, leader_id: int) -> Leader:
    with db.session_factory(live_db.engine)() as session:
        return session.get(Leader, leader_id)


def test_a_leader_downloads_their_own_data(as_role, live_server):
    me = as_role("leader")
    week = me.get(live_server + "/me/")
    assert 'href="/me/personal-data.json"' in week.text and "Mina personuppgifter" in week.text
    answer = me.get(live_server + "/me/personal-data.json")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["Content-Disposition"] == f'attachment; filename="personuppgifter-{DEMO_LEADER}.json"'
    doc = answer.json()
    assert doc["leader"]["name"] == "Abdirahman Warsame" and doc["user_accounts"][0]["email"] == DEMO_LOGINS["leader"]
    assert "Hodan Abdi" not in answer.text  # a club mate's name
    anonymous = me.__class__().get(live_server + "/me/personal-data.json")
    assert "/login" in anonymous.url and "Abdirahman" not in anonymous.text


def test_who_reaches_a_leaders_data(as_role, live_server, live_db, other_club_admin):
    leader_id = live_db.leader_id(DEMO_LEADER)  # in Sandvikens IF
    path = f"{live_server}/club/leaders/{leader_id}/personal-data.json"
    for role in ("club_admin", "coordinator"):
        answer = as_role(role).get(path)
        assert answer.status_code == 200 and answer.json()["leader"]["name"] == "Abdirahman Warsame"
    assert other_club_admin.get(path).status_code == 404
    assert other_club_admin.get(f"{live_server}/club/leaders/{leader_id}/erase").status_code == 404
    token = csrf(other_club_admin.get(live_server + "/club/leaders").text)
    refused = other_club_admin.post(f"{live_server}/club/leaders/{leader_id}/erase",
                                    data={"csrf_token": token, "confirm_name": "Abdirahman Warsame"})
    assert refused.status_code == 404
    for role in ("leader", "requester", "funder"):
        assert as_role(role).get(path).status_code == 403
    assert leader_row(live_db, leader_id).erased_at is None
    edit = as_role("club_admin").get(f"{live_server}/club/leaders/{leader_id}")
    assert f'href="/club/leaders/{leader_id}/erase"' in edit.text
    assert f'href="/club/leaders/{leader_id}/personal-data.json"' in edit.text


def test_the_club_admin_erases_with_the_typed_name(as_role, live_server, live_db):
    club = as_role("club_admin")
    leader_id = live_db.leader_id(DEMO_LEADER)
    page_url = f"{live_server}/club/leaders/{leader_id}/erase"
    page = club.get(page_url)
    assert page.status_code == 200 and "Radera personuppgifter" in page.text

    no_token = club.post(page_url, data={"confirm_name": "Abdirahman Warsame"})
    assert no_token.status_code == 400
    wrong = club.post(page_url, data={"csrf_token": csrf(page.text), "confirm_name": "Abdirahman"})
    assert wrong.status_code == 422 and "Namnet stämmer inte; inget raderades." in wrong.text
    assert leader_row(live_db, leader_id).erased_at is None

    done = club.post(page_url, data={"csrf_token": csrf(page.text), "confirm_name": " abdirahman warsame "})
    assert done.status_code == 200 and done.url == f"{live_server}/club/leaders"
    assert "Personuppgifterna för Abdirahman Warsame är raderade." in html.unescape(done.text)
    erased = leader_row(live_db, leader_id)
    assert erased.name == f"Raderad ledare {leader_id}" and erased.email == "" and erased.erased_at is not None
    assert live_db.scalar(sa.select(User.active).where(User.leader_id == leader_id)) is False
    with pytest.raises(AssertionError):  # the account is gone with the person
        sign_in(live_server, DEMO_LOGINS["leader"])
    again = club.get(page_url)
    assert "Den här ledarens personuppgifter är redan raderade." in html.unescape(again.text)
    assert "confirm_name" not in again.text


def test_the_coordinator_erases_a_leader_of_any_club(as_role, live_server, live_db):
    coordinator = as_role("coordinator")
    leader_id = live_db.leader_id("hodan-abdi")
    page_url = f"{live_server}/club/leaders/{leader_id}/erase"
    page = coordinator.get(page_url)
    done = coordinator.post(page_url, data={"csrf_token": csrf(page.text), "confirm_name": "Hodan Abdi"})
    assert done.status_code == 200 and done.url == page_url
    assert "Personuppgifterna för Hodan Abdi är raderade." in html.unescape(done.text)
    assert leader_row(live_db, leader_id).name == f"Raderad ledare {leader_id}"
