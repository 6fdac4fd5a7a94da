"""The coordinator's operations pages over real HTTP: jobs with last and next run, run now, the outbox."""
from __future__ import annotations

import time

import sqlalchemy as sa

from pool import db
from pool.models import JobRun, OutboxMessage, Pool
from tests.web import csrf


def add_messages(live_db) -> tuple[int, int]:
    """One message for the demo pool, one for another pool; returns their ids."""
    with db.transaction(live_db.engine) as session:
        other = Pool(slug="gavle", name="Gävle")
        session.add(other)
        session.flush()
        ours = OutboxMessage(pool_id=1, dedupe_key="t:1|anna@example.se", to_address="anna@example.se",
                             subject="Ditt schema har ändrats (vecka 3)", body_text="Hej Anna!\n\n- Nytt: tisdag",
                             calendar="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        theirs = OutboxMessage(pool_id=other.id, dedupe_key="t:2|bo@example.se", to_address="bo@example.se",
                               subject="Gävles hemlighet", body_text="Hej Bo!")
        session.add_all([ours, theirs])
        session.flush()
        return ours.id, theirs.id


def test_the_jobs_page_shows_each_job_with_a_run_now_button(as_role):
    client = as_role("coordinator")
    page = client.get(client.base_url + "/ops/")
    assert page.status_code == 200
    for label in ("Veckans förslag", "Påminnelse om godkännande", "Påminnelser dagen före", "Kontroll av utdrag",
                  "Omplanering vid frånvaro", "Rensa gamla frånvaroorsaker"):
        assert label in page.text
    assert page.text.count(">Kör nu</button>") == 7 and "aldrig" in page.text
    assert "Drift" in client.get(client.base_url + "/plan/").text  # in the menu


def test_run_now_runs_the_job_and_shows_its_result(as_role, live_db):
    client = as_role("coordinator")
    page = client.get(client.base_url + "/ops/")
    answer = client.post(client.base_url + "/ops/jobs/approval-reminder/run", data={"csrf_token": csrf(page.text)})
    assert answer.status_code == 200 and "Jobbet har startat" in answer.text
    deadline = time.monotonic() + 30
    while live_db.scalar(sa.select(JobRun.ok).where(JobRun.job_id == "approval-reminder")) is None:
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.1)
    row = client.get(client.base_url + "/ops/").text.split('id="job-approval-reminder"')[1].split("</tr>")[0]
    assert "klart" in row and "reminders 1" in row  # the demo has nothing published for next week


def test_run_now_needs_the_form_token_and_a_known_job(as_role):
    client = as_role("coordinator")
    assert client.post(client.base_url + "/ops/jobs/approval-reminder/run", data={}).status_code == 400
    token = csrf(client.get(client.base_url + "/ops/").text)
    assert client.post(client.base_url + "/ops/jobs/no-such-job/run", data={"csrf_token": token}).status_code == 404


def test_the_outbox_shows_this_pools_messages_only(as_role, live_db):
    ours, theirs = add_messages(live_db)
    client = as_role("coordinator")
    listing = client.get(client.base_url + "/ops/outbox")
    assert "Ditt schema har ändrats (vecka 3)" in listing.text and "Gävles hemlighet" not in listing.text
    assert "E-post är inte inställd" in listing.text and "med kalender" in listing.text
    message = client.get(client.base_url + f"/ops/outbox/{ours}")
    assert "Hej Anna!" in message.text and "BEGIN:VCALENDAR" in message.text
    assert client.get(client.base_url + f"/ops/outbox/{theirs}").status_code == 404
    english = client.get(client.base_url + "/ops/outbox?lang=en")
    assert "E-mail is not configured" in english.text


def test_only_the_coordinator_reaches_operations(as_role, live_server):
    import requests
    for role in ("club_admin", "requester", "leader", "funder"):
        client = as_role(role)
        assert client.get(client.base_url + "/ops/").status_code == 403
        assert client.get(client.base_url + "/ops/outbox").status_code == 403
        assert client.post(client.base_url + "/ops/jobs/day-before/run", data={}).status_code in (400, 403)
    anonymous = requests.get(live_server + "/ops/", allow_redirects=False)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
