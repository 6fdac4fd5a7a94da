"""The coordinator's planning pages and schedules API over real HTTP: a background solve on the demo,
the week grid with figures and Swedish reasons, hand edits checked against the rules, stale edits
refused, approval and publication, and what the requester then sees."""
import re
import time

import requests

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECESS = "Rastvärdar Sätraskolan 08:00–15:00"


def token(page: str) -> str:
    return TOKEN.search(page).group(1)


def finished(client, run_id: int) -> dict:
    """Poll the run's JSON until the background solve has finished."""
    for _ in range(150):
        run = client.get(client.base_url + f"/api/schedules/solve-runs/{run_id}").json()
        if run["state"] in ("done", "failed"):
            return run
        time.sleep(0.1)
    raise AssertionError(f"solve run {run_id} did not finish: {run}")


def solve_week_on_the_page(client) -> int:
    page = client.get(client.base_url + "/plan/?period=2027-W03").text
    started = client.post(client.base_url + "/plan/solve",
                          data={"csrf_token": token(page), "period": "2027-W03", "time_limit": "1"})
    assert "/plan/runs/" in started.url and "Planerar 2027-01-18 – 2027-01-24" in started.text
    assert 'data-poll="/api/schedules/solve-runs/' in started.text and "plan.js" in started.text
    run = finished(client, int(started.url.rsplit("/", 1)[1]))
    assert run["state"] == "done" and run["progress"]["fill"] > 0
    reloaded = client.get(started.url).text  # without JavaScript: reload, then follow the link
    assert f'/plan/schedules/{run["schedule_id"]}' in reloaded and "Se förslaget" in reloaded
    return run["schedule_id"]


def seat(client, schedule_id: int, title: str, day: str) -> list[dict]:
    schedule = client.get(client.base_url + f"/api/schedules/{schedule_id}").json()
    return [a for a in schedule["assignments"] if a["need"] == title and a["day"] == day]


def test_a_solve_shows_the_week_grid_figures_and_swedish_reasons_and_edits_are_checked(as_role):
    client = as_role("coordinator")
    schedule_id = solve_week_on_the_page(client)
    grid = client.get(client.base_url + f"/plan/schedules/{schedule_id}?week=2027-W03").text
    assert "utkast" in grid and "Vecka 3" in grid and 'class="grid"' in grid
    assert re.search(r'class="cell full".*?<span class="count">2/2</span>', grid, re.S)
    assert "fyllnadsgrad" in grid and "kontinuitet" in grid and "ledare i tjänst" in grid
    assert "Sandvikens IF – Framsteget:" in grid
    assert "size: A4 landscape" in client.get(client.base_url + "/static/plan.css").text

    crew = seat(client, schedule_id, RECESS, "2027-01-19")
    need_id = crew[0]["need_id"]
    occurrence = f"/plan/schedules/{schedule_id}/occurrence?need={need_id}&day=2027-01-19"
    page = client.get(client.base_url + occurrence).text
    freed = client.post(client.base_url + f"/plan/schedules/{schedule_id}/assignments/{crew[0]['id']}/unassign",
                        data={"csrf_token": token(page), "version": crew[0]["row_version"], "back": occurrence})
    assert "Platsen är ledig igen" in freed.text and "1 av 2 platser bemannade" in freed.text
    assert "Varför platser är lediga" in freed.text and "ledare som kan ta passet är lediga" in freed.text
    grid = client.get(client.base_url + f"/plan/schedules/{schedule_id}?week=2027-W03").text
    unfilled = grid.split("Obemannade platser den här veckan")[1]
    assert RECESS in unfilled and "1 plats ledig" in unfilled and "lediga men inte tilldelade" in unfilled
    assert "− " + crew[0]["leader"] not in grid  # nothing is published yet, so nothing is removed

    schedule_version = client.get(client.base_url + f"/api/schedules/{schedule_id}").json()["row_version"]
    breaking = re.search(r'Bryter mot en regel.*?<option value="(\d+)">', freed.text, re.S).group(1)
    refused = client.post(client.base_url + f"/plan/schedules/{schedule_id}/assign",
                          data={"csrf_token": token(freed.text), "version": schedule_version, "need_id": need_id,
                                "day": "2027-01-19", "leader_id": breaking, "back": occurrence})
    assert re.search(r'class="flash error"[^>]*>Nekat: Regel \d \(', refused.text)
    assert "1 av 2 platser bemannade" in refused.text

    fitting = re.search(r'Uppfyller alla regler.*?<option value="(\d+)">', refused.text, re.S).group(1)
    assigned = client.post(client.base_url + f"/plan/schedules/{schedule_id}/assign",
                           data={"csrf_token": token(refused.text), "version": schedule_version, "need_id": need_id,
                                 "day": "2027-01-19", "leader_id": fitting, "pinned": "1", "back": occurrence})
    assert "Ledaren är tillsatt" in assigned.text and "2 av 2 platser bemannade" in assigned.text
    assert "· fäst" in assigned.text

    stale = client.post(client.base_url + f"/plan/schedules/{schedule_id}/assign",
                        data={"csrf_token": token(assigned.text), "version": schedule_version, "need_id": need_id,
                              "day": "2027-01-21", "leader_id": fitting, "back": occurrence})
    assert "Någon annan har ändrat detta sedan du öppnade sidan" in stale.text


def test_publishing_shows_the_requester_the_names_and_supersedes_the_plan_before(as_role):
    coordinator, requester = as_role("coordinator"), as_role("requester")
    schedule_id = solve_week_on_the_page(coordinator)
    crew = seat(coordinator, schedule_id, RECESS, "2027-01-19")
    before = requester.get(requester.base_url + "/needs/weeks?week=2027-W03").text
    assert "Förslag under arbete: 2 av 2 platser" in before and crew[0]["leader"] not in before

    page = coordinator.get(coordinator.base_url + f"/plan/schedules/{schedule_id}").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    approved = coordinator.post(coordinator.base_url + f"/plan/schedules/{schedule_id}/approve",
                                data={"csrf_token": token(page), "version": version})
    assert "Schemat är godkänt" in approved.text and "godkänt, version" in approved.text
    version = re.search(r'name="version" value="(\d+)"', approved.text).group(1)
    published = coordinator.post(coordinator.base_url + f"/plan/schedules/{schedule_id}/publish",
                                 data={"csrf_token": token(approved.text), "version": version})
    assert "Schemat är publicerat" in published.text
    again = coordinator.post(coordinator.base_url + f"/plan/schedules/{schedule_id}/publish",
                             data={"csrf_token": token(page), "version": int(version) + 1})
    assert "Nekat: Bara ett godkänt schema kan publiceras" in again.text

    after = requester.get(requester.base_url + "/needs/weeks?week=2027-W03").text
    assert crew[0]["leader"] in after and "2 av 2 platser bemannade" in after
    assert re.search(r'href="tel:07\d-?\d+', after)

    second = solve_week_on_the_page(coordinator)
    review = coordinator.get(coordinator.base_url + f"/api/schedules/{second}").json()
    assert review["changes"] == [] and review["based_on_id"] == schedule_id  # re-planning keeps the plan
    api = coordinator.post(coordinator.base_url + f"/api/schedules/{second}/approve",
                           json={"row_version": review["row_version"]}).json()
    coordinator.post(coordinator.base_url + f"/api/schedules/{second}/publish", json={"row_version": api["row_version"]})
    first = coordinator.get(coordinator.base_url + f"/api/schedules/{schedule_id}").json()
    assert first["state"] == "superseded"


def test_the_schedules_api_checks_rules_versions_and_roles(as_role, live_server):
    client = as_role("coordinator")
    assert client.post(client.base_url + "/api/schedules/solve-runs", json={"period": "vecka 3"}).status_code == 422
    started = client.post(client.base_url + "/api/schedules/solve-runs", json={"period": "2027-W03", "time_limit": 1})
    assert started.status_code == 202
    run = finished(client, started.json()["id"])
    schedule_id = run["schedule_id"]
    review = client.get(client.base_url + f"/api/schedules/{schedule_id}").json()
    assert review["state"] == "draft" and 0 < review["metrics"]["fill"] <= 1 and review["assignments"]

    crew = seat(client, schedule_id, RECESS, "2027-01-19")
    url = client.base_url + f"/api/schedules/{schedule_id}/assignments"
    gone = client.delete(f"{url}/{crew[0]['id']}", params={"row_version": crew[0]["row_version"]})
    assert gone.status_code == 204
    assert client.delete(f"{url}/{crew[1]['id']}", params={"row_version": crew[1]["row_version"] + 1}).status_code == 409
    review = client.get(client.base_url + f"/api/schedules/{schedule_id}").json()
    open_seat = [u for u in review["unfilled"] if u["day"] == "2027-01-19" and u["missing"] == 1]
    assert open_seat and open_seat[0]["reasons"][-1]["code"] == "eligible-unassigned"
    assert "ledare som kan ta passet" in open_seat[0]["reasons"][-1]["text"]

    night_only = next(a for a in review["assignments"] if a["need"] == "Nattfotboll Sätra")
    body = {"need_id": crew[0]["need_id"], "day": "2027-01-19", "leader_id": night_only["leader_id"],
            "row_version": review["row_version"]}
    broken = client.post(url, json=body)
    assert broken.status_code == 422 and list(broken.json()["errors"]["json"]) == ["leader"]
    assert broken.json()["errors"]["json"]["leader"][0].startswith("Regel ")
    back = client.post(url, json={**body, "leader_id": crew[0]["leader_id"]})
    assert back.status_code == 201
    assert client.post(url, json={**body, "leader_id": crew[0]["leader_id"]}).status_code == 409  # stale version
    pinned = client.patch(f"{url}/{back.json()['id']}", json={"row_version": back.json()["row_version"], "pinned": True})
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True

    version = client.get(client.base_url + f"/api/schedules/{schedule_id}").json()["row_version"]
    assert client.post(client.base_url + f"/api/schedules/{schedule_id}/publish",
                       json={"row_version": version}).status_code == 409  # a draft is approved first
    approved = client.post(client.base_url + f"/api/schedules/{schedule_id}/approve", json={"row_version": version})
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert client.post(client.base_url + f"/api/schedules/{schedule_id}/approve",
                       json={"row_version": approved.json()["row_version"]}).status_code == 409

    assert requests.get(live_server + f"/api/schedules/{schedule_id}").status_code == 401
    assert as_role("requester").get(live_server + f"/api/schedules/{schedule_id}").status_code == 403
    assert as_role("requester").get(live_server + "/plan/").status_code == 403
    assert client.get(client.base_url + "/api/schedules/999999").status_code == 404


def publish_through_the_api(client, schedule_id: int) -> None:
    version = client.get(client.base_url + f"/api/schedules/{schedule_id}").json()["row_version"]
    approved = client.post(client.base_url + f"/api/schedules/{schedule_id}/approve", json={"row_version": version})
    client.post(client.base_url + f"/api/schedules/{schedule_id}/publish",
                json={"row_version": approved.json()["row_version"]}).raise_for_status()


def test_after_an_absence_the_broken_assignment_shows_and_a_replan_proposes_the_change(as_role):
    coordinator, club = as_role("coordinator"), as_role("club_admin")
    schedule_id = solve_week_on_the_page(coordinator)
    publish_through_the_api(coordinator, schedule_id)
    own_leaders = {l["id"] for l in club.get(club.base_url + "/api/leaders/").json()}
    assignments = coordinator.get(coordinator.base_url + f"/api/schedules/{schedule_id}").json()["assignments"]
    absent = next(a for a in assignments if a["leader_id"] in own_leaders)
    club.post(club.base_url + f"/api/leaders/{absent['leader_id']}/absences",
              json={"first_day": absent["day"], "last_day": absent["day"], "reason": "sjuk"}).raise_for_status()

    page = coordinator.get(coordinator.base_url + "/plan/?period=2027-W03").text
    broken = page.split("publicerade pass håller inte längre")[1]
    assert absent["leader"] in broken and "Regel 3 (tillgänglighet)" in broken and "frånvarande" in broken
    assert "sjuk" not in page  # why someone is away stays with the club
    replan = coordinator.post(coordinator.base_url + "/plan/solve",
                              data={"csrf_token": token(page), "period": "2027-W03", "time_limit": "1"})
    proposal = finished(coordinator, int(replan.url.rsplit("/", 1)[1]))["schedule_id"]
    changes = coordinator.get(coordinator.base_url + f"/api/schedules/{proposal}").json()["changes"]
    change = next(c for c in changes if c["need_id"] == absent["need_id"] and c["day"] == absent["day"])
    assert change["removed"] == [absent["leader"]]
    grid = coordinator.get(coordinator.base_url + f"/plan/schedules/{proposal}?week=2027-W03").text
    assert "Ändringar mot den publicerade planen" in grid and "− " + absent["leader"] in grid
