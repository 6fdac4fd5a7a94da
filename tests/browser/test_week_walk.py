"""The whole-week walk, the product's acceptance test, through the real pages in a real browser, on SQLite
and on PostgreSQL: a club admin adds a leader → a requester posts a Tuesday+Thursday need → the coordinator
solves that week, pins the demo leader on the Tuesday and publishes (the week grid prints on one A4 landscape
page) → the leader sees it in "Min vecka" and in the calendar feed → the requester sees who is coming → the
leader falls ill that Tuesday and reports it → the coordinator sees the broken assignment, re-plans from the
published plan and publishes → the requester sees the substitute.

The pin was made on the draft that became the published plan; a re-plan starts from the published plan,
keeps what still holds and replaces only the absent leader, so the coordinator has no pin to release.
The pages on the way get the accessibility, phone-width and keyboard checks on the SQLite run; the
PostgreSQL run walks the same way without them, as they do not depend on the database."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import desktop, sign_in, sign_out

WEEK = "2027-W03"  # Monday 18 January 2027: spring term, no holiday
TUESDAY, THURSDAY = "2027-01-19", "2027-01-21"
NEED = "Läxhjälp Sätraskolan"
NEW_LEADER = "Linnea Testsson"
DEMO_LEADER = "Abdirahman Warsame"  # ledare@sandviken.example, free Tuesdays and Thursdays 14–21
SOLVE_SECONDS = 5
A4_LANDSCAPE_INSIDE_MARGINS = {"width": 1062, "height": 733}  # 297 × 210 mm less plan.css's 8 mm margins, in CSS px
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def live_server(live_server_on):
    """The walk's `page` is served on each database in turn."""
    return live_server_on


@pytest.fixture
def page_checks(request, screenshot):
    """check_page on the SQLite run; on the PostgreSQL run the page checks are left out (same pages)."""
    if request.node.callspec.params["live_server_on"] == "sqlite":
        return lambda page, name: check_page(page, screenshot, name)
    return lambda page, name: []


def test_whole_week(page, screenshot, keep_file, page_checks):
    problems = club_admin_adds_a_leader(page, screenshot, page_checks)
    problems += requester_posts_a_tuesday_and_thursday_need(page, screenshot, page_checks)
    problems += coordinator_solves_pins_and_publishes(page, screenshot, keep_file, page_checks)
    problems += leader_sees_the_assignment_in_my_week_and_calendar(page, page_checks)
    problems += requester_sees_who_is_coming(page, DEMO_LEADER)
    problems += leader_reports_absence_on_the_tuesday(page, screenshot, page_checks)
    substitute, more = coordinator_replans_and_publishes(page, screenshot, page_checks)
    problems += more
    problems += requester_sees_who_is_coming(page, substitute, page_checks)
    # reported last, so a page's accessibility or printing does not hide whether the week itself works
    assert not problems, f"{len(problems)} problems on the way:\n" + "\n".join(problems)


def club_admin_adds_a_leader(page, screenshot, page_checks):
    sign_in(page, "club_admin")
    page.get_by_role("link", name="Lägg till ledare").click()
    problems = page_checks(page, "walk 1 club admin new leader form")
    page.get_by_label("Namn", exact=True).fill(NEW_LEADER)
    page.get_by_label("E-post", exact=True).fill("linnea.testsson@example.org")
    page.get_by_label("Telefon", exact=True).fill("070-123 45 67")
    page.get_by_label("Intyg", exact=True).first.fill("background-check")
    page.get_by_label("Giltigt till", exact=True).first.fill("2027-12-31")
    for day in ("tisdag", "torsdag"):
        for clock in ("18:00", "18:30", "19:00"):
            page.get_by_label(f"{day} {clock}", exact=True).check()
    screenshot(page, "walk 1 club admin new leader")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_role("status").filter(has_text=f"{NEW_LEADER} är sparad.")).to_be_visible()
    expect(page.get_by_role("link", name=NEW_LEADER)).to_be_visible()
    sign_out(page)
    return problems


def requester_posts_a_tuesday_and_thursday_need(page, screenshot, page_checks):
    sign_in(page, "requester")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Lägg ut ett behov").click()
    problems = page_checks(page, "walk 2 requester need form")
    page.get_by_label("Rubrik", exact=True).fill(NEED)
    page.get_by_label("Plats", exact=True).select_option(label="Sätraskolan")
    page.get_by_label("tisdag", exact=True).check()
    page.get_by_label("torsdag", exact=True).check()
    page.get_by_label("Från", exact=True).fill("18:00")
    page.get_by_label("Till", exact=True).fill("19:30")
    page.get_by_label("Antal personer", exact=True).fill("1")
    page.get_by_label("Första dag", exact=True).fill("2027-01-11")
    page.get_by_label("Sista dag", exact=True).fill("2027-06-11")
    screenshot(page, "walk 2 requester new need")
    page.get_by_role("button", name="Lägg ut behovet").click()
    assert "/new" not in page.url, page.locator(".field-error").all_inner_texts()
    expect(page.get_by_role("link", name=NEED)).to_be_visible()
    sign_out(page)
    return problems


def coordinator_solves_pins_and_publishes(page, screenshot, keep_file, page_checks):
    sign_in(page, "coordinator")
    solve = page.locator("form").filter(has=page.get_by_role("button", name="Planera perioden"))
    solve.get_by_label("Period", exact=True).fill(WEEK)
    solve.get_by_label("Sekunder som optimeraren får använda", exact=True).fill(str(SOLVE_SECONDS))
    solve.get_by_role("button", name="Planera perioden").click()
    # plan.js follows the run and opens the proposal when the solver is done
    page.wait_for_url(re.compile(r"/plan/schedules/\d+"), timeout=(SOLVE_SECONDS + 30) * 1000)
    expect(page.get_by_role("heading", level=2, name=re.compile("Vecka 3"))).to_be_visible()
    grid = page.locator("table.grid")
    assert grid.get_by_role("link", name=re.compile(NEED)).count() == 2, "the need should show on Tuesday and Thursday"
    problems = page_checks(page, "walk 3 coordinator proposal")
    screenshot(page, "walk 3 coordinator week grid", element=grid)

    grid.get_by_role("link", name=re.compile(NEED)).first.click()
    assert TUESDAY in page.get_by_role("heading", level=1).inner_text()
    crew = page.locator(".crew-edit")
    assert NEW_LEADER in (crew.inner_text() + page.get_by_label("Ledare", exact=True).inner_text()), \
        "the leader the club admin just added should be offered for the need"
    if crew.get_by_text(DEMO_LEADER).count():
        crew.locator("li", has_text=DEMO_LEADER).get_by_role("button", name=re.compile("^Fäst")).click()
    else:
        unassign = crew.get_by_role("button", name=re.compile("^Ta bort"))
        while unassign.count():  # the only seat must be free for the demo leader
            unassign.first.click()
            page.wait_for_load_state()
        leaders = page.get_by_label("Ledare", exact=True)
        leaders.select_option(leaders.locator("option", has_text=DEMO_LEADER).get_attribute("value"))
        page.get_by_label("Fäst passet", exact=True).check()
        page.get_by_role("button", name="Tillsätt", exact=True).click()
    expect(page.locator(".crew-edit li", has_text=DEMO_LEADER).filter(has_text="fäst")).to_have_count(1)
    problems += page_checks(page, "walk 3 coordinator occurrence")

    page.get_by_role("link", name=re.compile("Tillbaka till veckan")).click()
    # expect() waits for the week page; a plain count() could still read the occurrence page
    expect(page.locator("table.grid").get_by_role("link", name=re.compile(NEED)).first
           .filter(has_text="fäst")).to_have_count(1)
    page.get_by_role("button", name="Godkänn").click()
    page.get_by_role("button", name="Publicera").click()
    expect(page.get_by_role("status").filter(has_text="publicerat")).to_be_visible()
    screenshot(page, "walk 3 coordinator published")
    printed_pages = print_week_grid(page, screenshot, keep_file)
    if printed_pages != 1:
        problems.append(f"the week grid prints on {printed_pages} A4 landscape pages (see the PDF beside the screenshots)")
    sign_out(page)
    return problems


def print_week_grid(page, screenshot, keep_file) -> int:
    """Print the week grid to an A4 landscape PDF and return its number of pages."""
    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    keep_file("walk-3-coordinator-week-grid.pdf", pdf)
    page.emulate_media(media="print")
    page.set_viewport_size(A4_LANDSCAPE_INSIDE_MARGINS)  # a picture of the printout, for humans to look at
    screenshot(page, "walk 3 coordinator week grid printed")
    page.emulate_media(media="screen")
    desktop(page)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def leader_sees_the_assignment_in_my_week_and_calendar(page, page_checks):
    sign_in(page, "leader")
    page.goto(f"/me/?week={WEEK}")
    week = page.get_by_role("region", name=re.compile("Vecka 3"))
    tuesday = week.locator("article", has_text=NEED).filter(has_text="tisdag 19 januari")
    assert tuesday.count() == 1
    assert "18:00–19:30" in tuesday.inner_text() and "Sätraskolan" in tuesday.inner_text()
    problems = page_checks(page, "walk 4 leader my week")

    page.get_by_role("button", name="Skapa min kalenderlänk").click()
    expect(page.get_by_role("status").filter(has_text="Din kalenderlänk är klar.")).to_be_visible()
    feed = page.request.get(page.get_by_label("Kalenderlänk").input_value())
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    start = dt.datetime(2027, 1, 19, 18, 0, tzinfo=STOCKHOLM)
    events = [e for e in icalendar.Calendar.from_ical(feed.body()).walk("VEVENT") if str(e["summary"]) == NEED]
    assert [e.decoded("dtstart") for e in events if e.decoded("dtstart") == start] == [start], \
        f"no {NEED} event at {start} in the feed: {[e.decoded('dtstart') for e in events]}"
    assert "Sätraskolan" in str(next(e for e in events if e.decoded("dtstart") == start)["location"])
    sign_out(page)
    return problems


def requester_sees_who_is_coming(page, leader: str, page_checks=None):
    sign_in(page, "requester")
    page.goto(f"/needs/weeks?week={WEEK}")
    tuesday = page.locator("li.occurrence", has=page.get_by_role("heading", name=re.compile(f"{TUESDAY}.*{NEED}")))
    assert tuesday.count() == 1
    crew = tuesday.locator(".crew").inner_text()
    assert leader in crew and (leader == DEMO_LEADER or DEMO_LEADER not in crew), crew
    assert "1 av 1" in tuesday.inner_text()
    problems = page_checks(page, "walk 5 requester staffing") if page_checks else []
    sign_out(page)
    return problems


def leader_reports_absence_on_the_tuesday(page, screenshot, page_checks):
    sign_in(page, "leader")
    page.goto(f"/me/?week={WEEK}")
    page.locator("main").get_by_role("link", name="Anmäl frånvaro").click()
    problems = page_checks(page, "walk 6 leader reports absence")
    page.get_by_label("Första dag", exact=True).fill(TUESDAY)
    page.get_by_label("Sista dag", exact=True).fill(TUESDAY)
    page.get_by_label("Orsak", exact=True).fill("sjuk")
    page.locator("main").get_by_role("button", name="Anmäl frånvaro").click()
    expect(page.get_by_role("status").filter(has_text="Din frånvaro är anmäld")).to_be_visible()
    sign_out(page)
    return problems


def coordinator_replans_and_publishes(page, screenshot, page_checks) -> tuple[str, list[str]]:
    """Returns the substitute the re-plan put on the Tuesday, and the problems on the way."""
    sign_in(page, "coordinator")
    page.goto(f"/plan/?period={WEEK}")
    broken = page.locator("ul.broken li", has_text=DEMO_LEADER).filter(has_text=NEED)  # and any other that day
    assert broken.count() == 1 and TUESDAY in broken.inner_text() and "frånvarande" in broken.inner_text()
    problems = page_checks(page, "walk 7 coordinator broken assignment")
    page.get_by_role("button", name="Planera om utifrån den publicerade planen").click()
    page.wait_for_url(re.compile(r"/plan/schedules/\d+"), timeout=40_000)
    changes = page.locator("table.diff tr", has_text=NEED).filter(has_text=TUESDAY)
    assert changes.count() == 1, "the re-plan should change the Tuesday of the need, and only it there"
    assert changes.locator(".removed").inner_text().strip() == f"− {DEMO_LEADER}"
    substitute = changes.locator(".added").inner_text().strip().removeprefix("+ ")
    assert substitute and substitute != DEMO_LEADER
    problems += page_checks(page, "walk 7 coordinator re-plan")
    page.get_by_role("button", name="Godkänn").click()
    page.get_by_role("button", name="Publicera").click()
    expect(page.get_by_role("status").filter(has_text="publicerat")).to_be_visible()
    page.goto(f"/plan/?period={WEEK}")
    expect(page.get_by_text("Alla publicerade pass håller fortfarande.")).to_be_visible()
    sign_out(page)
    return substitute, problems
