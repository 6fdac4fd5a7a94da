"""The whole-week walk, the product's acceptance test, through the real pages in a real browser:
a club admin adds a leader → a requester posts a Tuesday+Thursday need → the coordinator solves that week,
looks at the proposal, pins an assignment and publishes (the week grid prints on one A4 landscape page) →
the leader sees it in "Min vecka" → the requester sees who is coming. The pages on the way get the same
accessibility, phone-width and keyboard checks as the menu pages."""
from __future__ import annotations

import re

from tests.browser.checks import check_page
from tests.browser.conftest import desktop, sign_in, sign_out

WEEK = "2027-W03"  # Monday 18 January 2027: spring term, no holiday
TUESDAY, THURSDAY = "2027-01-19", "2027-01-21"
NEED = "Läxhjälp Sätraskolan"
NEW_LEADER = "Linnea Testsson"
DEMO_LEADER = "Abdirahman Warsame"  # ledare@sandviken.example, free Tuesdays and Thursdays 14–21
SOLVE_SECONDS = 5
A4_LANDSCAPE_INSIDE_MARGINS = {"width": 1062, "height": 733}  # 297 × 210 mm less plan.css's 8 mm margins, in CSS px


def test_whole_week(page, screenshot, keep_file):
    problems = club_admin_adds_a_leader(page, screenshot)
    problems += requester_posts_a_tuesday_and_thursday_need(page, screenshot)
    problems += coordinator_solves_pins_and_publishes(page, screenshot, keep_file)
    problems += leader_sees_the_assignment_in_my_week(page, screenshot)
    problems += requester_sees_who_is_coming(page, screenshot)
    # reported last, so a page's accessibility or printing does not hide whether the week itself works
    assert not problems, f"{len(problems)} problems on the way:\n" + "\n".join(problems)


def club_admin_adds_a_leader(page, screenshot):
    sign_in(page, "club_admin")
    page.get_by_role("link", name="Lägg till ledare").click()
    problems = check_page(page, screenshot, "walk 1 club admin new leader form")
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
    assert page.get_by_role("status").filter(has_text=f"{NEW_LEADER} är sparad.").is_visible()
    assert page.get_by_role("link", name=NEW_LEADER).is_visible()
    sign_out(page)
    return problems


def requester_posts_a_tuesday_and_thursday_need(page, screenshot):
    sign_in(page, "requester")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Lägg ut ett behov").click()
    problems = check_page(page, screenshot, "walk 2 requester need form")
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
    assert page.get_by_role("link", name=NEED).is_visible()
    sign_out(page)
    return problems


def coordinator_solves_pins_and_publishes(page, screenshot, keep_file):
    sign_in(page, "coordinator")
    solve = page.locator("form").filter(has=page.get_by_role("button", name="Planera perioden"))
    solve.get_by_label("Period", exact=True).fill(WEEK)
    solve.get_by_label("Sekunder som optimeraren får använda", exact=True).fill(str(SOLVE_SECONDS))
    solve.get_by_role("button", name="Planera perioden").click()
    # plan.js follows the run and opens the proposal when the solver is done
    page.wait_for_url(re.compile(r"/plan/schedules/\d+"), timeout=(SOLVE_SECONDS + 30) * 1000)
    assert page.get_by_role("heading", level=2, name=re.compile("Vecka 3")).is_visible()
    grid = page.locator("table.grid")
    assert grid.get_by_role("link", name=re.compile(NEED)).count() == 2, "the need should show on Tuesday and Thursday"
    problems = check_page(page, screenshot, "walk 3 coordinator proposal")
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
    problems += check_page(page, screenshot, "walk 3 coordinator occurrence")
    assert page.locator(".crew-edit li", has_text=DEMO_LEADER).filter(has_text="fäst").count() == 1, \
        page.locator(".flash").all_inner_texts()

    page.get_by_role("link", name=re.compile("Tillbaka till veckan")).click()
    assert page.locator("table.grid").get_by_role("link", name=re.compile(NEED)).first \
        .filter(has_text="fäst").count() == 1
    page.get_by_role("button", name="Godkänn").click()
    page.get_by_role("button", name="Publicera").click()
    assert page.get_by_role("status").filter(has_text="publicerat").is_visible()
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


def leader_sees_the_assignment_in_my_week(page, screenshot):
    sign_in(page, "leader")
    page.goto(f"/me/?week={WEEK}")
    week = page.get_by_role("region", name=re.compile("Vecka 3"))
    tuesday = week.locator("article", has_text=NEED).filter(has_text="tisdag 19 januari")
    assert tuesday.count() == 1
    assert "18:00–19:30" in tuesday.inner_text() and "Sätraskolan" in tuesday.inner_text()
    problems = check_page(page, screenshot, "walk 4 leader my week")
    sign_out(page)
    return problems


def requester_sees_who_is_coming(page, screenshot):
    sign_in(page, "requester")
    page.goto(f"/needs/weeks?week={WEEK}")
    tuesday = page.locator("li.occurrence", has=page.get_by_role("heading", name=re.compile(f"{TUESDAY}.*{NEED}")))
    assert tuesday.count() == 1
    assert DEMO_LEADER in tuesday.locator(".crew").inner_text()
    assert "1 av 1" in tuesday.inner_text()
    return check_page(page, screenshot, "walk 5 requester staffing")
