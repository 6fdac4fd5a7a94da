"""The club admin's pages and the leaders API over real HTTP: forms, scoping, import."""
import datetime as dt
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from pool.models import Credential, Leader
from tests.web import csrf


@pytest.fixture
def club(as_role):
    return as_role("club_admin")


def beside(html: str, field_id: str) -> str:
    """The error shown in the field block of ``field_id``."""
    block = re.search(r'<div class="field has-error">\s*<label for="%s">.*?</div>' % re.escape(field_id), html, re.S)
    assert block, f"no error beside {field_id}"
    return re.search(r'class="field-error"[^>]*>([^<]*)<', block.group(0)).group(1)


def test_list_shows_own_leaders_and_marks_credentials(club, live_db):
    today = dt.date.today()
    expired_before = live_db.scalar(sa.select(sa.func.count()).select_from(Credential).join(Leader)
                                    .where(Leader.club_id == 1, Credential.valid_until < today))
    created = club.post(club.base_url + "/api/leaders/", json={"name": "Nora Expired", "credentials": [
        {"kind": "background-check", "valid_until": (today - dt.timedelta(days=1)).isoformat()},
        {"kind": "first-aid", "valid_until": (today + dt.timedelta(days=10)).isoformat()}]})
    assert created.status_code == 201
    assert {c["kind"]: c["status"] for c in created.json()["credentials"]} == {
        "background-check": "expired", "first-aid": "expiring"}
    html = club.get(club.base_url + "/club/leaders").text
    assert "Abdirahman Warsame" in html and "Nora Expired" in html
    other_club = live_db.scalar(sa.select(Leader.name).where(Leader.club_id != 1).limit(1))
    assert other_club not in html
    nora = html[html.index("Nora Expired"):html.index("Nora Expired") + 1500]
    assert "⚠ har gått ut" in nora and "⏳ går snart ut" in nora
    assert f"{expired_before + 1} har gått ut" in html  # the demo's own expiries age with the calendar


def test_bad_leader_form_keeps_input_and_saves_nothing(club, live_db):
    url = club.base_url + "/club/leaders/new"
    page = club.get(url).text
    assert 'value="lang:so"' in page and "Talar somaliska" in page  # the tag picker
    before = live_db.count_leaders()
    answer = club.post(url, data={
        "csrf_token": csrf(page), "name": "", "email": "amina@example.se", "phone": "070-111 22 33",
        "other_skills": "lang:so", "max_hours_per_day": "fem", "credentials-0-kind": "background-check",
        "credentials-0-valid_until": "", "availability": ["5-1140", "5-1170"]})
    assert answer.status_code == 422
    html = answer.text
    assert beside(html, "name") == "Skriv ledarens namn."
    assert beside(html, "credentials-0-valid_until") == "Ange datum som intyget gäller till."
    assert beside(html, "max_hours_per_day")
    assert 'value="amina@example.se"' in html and 'value="070-111 22 33"' in html
    assert re.search(r'value="5-1140"[^>]*checked', html)
    assert live_db.count_leaders() == before


def test_duplicate_email_is_shown_beside_the_email(club, live_db):
    url = club.base_url + "/club/leaders/new"
    answer = club.post(url, data={"csrf_token": csrf(club.get(url).text), "name": "Kopia",
                                  "email": "Abdirahman.Warsame@example.se"})
    assert answer.status_code == 422
    assert beside(answer.text, "email") == "En annan ledare har redan e-postadressen abdirahman.warsame@example.se."


def test_good_leader_form_is_saved(club, live_db):
    url = club.base_url + "/club/leaders/new"
    night = [f"5-{m}" for m in range(1140, 1440, 30)] + ["6-0", "6-30", "6-60", "6-90"]
    answer = club.post(url, data={
        "csrf_token": csrf(club.get(url).text), "name": "Amina Yusuf", "email": "amina@example.se",
        "skills": ["lang:so", "female"], "other_skills": "licence:B", "credentials-0-kind": "background-check",
        "credentials-0-valid_until": "2028-01-31", "availability": night, "absences-0-first_day": "2027-02-01",
        "absences-0-last_day": "2027-02-03", "absences-0-reason": "tenta", "max_hours_per_day": "5,5",
        "max_hours_per_week": "15", "hourly_wage": "145,50"})
    assert answer.status_code == 200 and "Amina Yusuf är sparad." in answer.text
    leader_id = live_db.scalar(sa.select(Leader.id).where(Leader.email == "amina@example.se"))
    saved = club.get(club.base_url + f"/api/leaders/{leader_id}").json()
    assert saved["skills"] == ["lang:so", "female", "licence:B"]
    assert saved["availability"] == [{"weekday": 5, "start": "19:00", "end": "02:00"}]
    assert saved["absences"][0]["reason"] == "tenta" and saved["max_minutes_per_day"] == 330
    assert saved["hourly_wage"] == "145.50" and saved["credentials"][0]["valid_until"] == "2028-01-31"
    form = club.get(club.base_url + f"/club/leaders/{leader_id}").text
    assert "Nu:" in form and "Fre 19:00–02:00" in form


def test_another_clubs_leader_is_not_found(club, live_db):
    saik = live_db.scalar(sa.select(Leader.id).where(Leader.club_id != 1).limit(1))
    assert club.get(club.base_url + f"/club/leaders/{saik}").status_code == 404
    assert club.get(club.base_url + f"/api/leaders/{saik}").status_code == 404
    assert club.put(club.base_url + f"/api/leaders/{saik}", json={"name": "X"}).status_code == 404
    assert club.delete(club.base_url + f"/api/leaders/{saik}").status_code == 404
    page = club.get(club.base_url + "/club/leaders").text
    assert club.post(club.base_url + f"/club/leaders/{saik}/active", data={"csrf_token": csrf(page)}).status_code == 404
    assert live_db.scalar(sa.select(Leader.active).where(Leader.id == saik)) is True
    assert all(l["id"] != saik for l in club.get(club.base_url + "/api/leaders/").json())


def test_deactivate_and_pledge(club, live_db):
    leader_id = live_db.leader_id("hodan-abdi")
    page = club.get(club.base_url + "/club/leaders").text
    club.post(club.base_url + f"/club/leaders/{leader_id}/active", data={"csrf_token": csrf(page)})
    assert live_db.scalar(sa.select(Leader.active).where(Leader.id == leader_id)) is False
    bad = club.post(club.base_url + "/club/pledge", data={"csrf_token": csrf(page), "pledged_hours": "-3"})
    assert bad.status_code == 422 and 'value="-3"' in bad.text
    club.post(club.base_url + "/club/pledge", data={"csrf_token": csrf(page), "pledged_hours": "125,5"})
    assert club.get(club.base_url + "/api/leaders/pledge").json() == {"pledged_minutes_per_week": 7530}


def test_api_checks_roles_and_names_the_field(club, as_role, live_server, live_db):
    import requests
    assert requests.get(live_server + "/api/leaders/").status_code == 401
    assert as_role("coordinator").get(live_server + "/api/leaders/").status_code == 403
    before = live_db.count_leaders()
    bad = club.post(live_server + "/api/leaders/", json={"name": "X", "max_minutes_per_day": 0})
    assert bad.status_code == 422 and list(bad.json()["errors"]["json"]) == ["max_minutes_per_day"]
    window = club.post(live_server + "/api/leaders/", json={"name": "X", "availability": [
        {"weekday": 8, "start": "10:00", "end": "12:00"}]})
    assert window.status_code == 422 and "availability[0].weekday" in window.json()["errors"]["json"]
    assert live_db.count_leaders() == before
    leader_id = live_db.leader_id("hodan-abdi")
    absence = club.post(live_server + f"/api/leaders/{leader_id}/absences",
                        json={"first_day": "2027-03-02", "last_day": "2027-03-01"})
    assert absence.status_code == 422 and "last_day" in absence.json()["errors"]["json"]


# ------------------------------------------------------------------------------ import
BAD_CSV = "namn;e-post;tillgänglighet\n;x@example.se;\nSara Ek;sara@example.se;fun 10-12\nOla Berg;sara@example.se;mån 8-16\n"


def upload(club, name: str, content: bytes):
    url = club.base_url + "/club/leaders/import"
    return club.post(url, data={"csrf_token": csrf(club.get(url).text)}, files={"file": (name, content)})


def test_csv_preview_shows_row_errors_and_offers_no_confirm(club, live_db):
    before = live_db.count_leaders()
    preview = upload(club, "ledare.csv", BAD_CSV.encode())
    html = preview.text
    assert preview.status_code == 200 and "3 rader har fel" in html
    assert "Skriv ledarens namn." in html and "”fun” är ingen veckodag" in html
    assert "En annan ledare har redan e-postadressen sara@example.se." in html
    assert "/club/leaders/import/" not in html  # no confirm button
    assert live_db.count_leaders() == before


def test_xlsx_preview_then_confirm_saves_all_rows(club, live_db):
    book = openpyxl.Workbook()
    book.active.append(["Name", "Email", "Skills", "Credentials", "Availability"])
    book.active.append(["Lina Ek", "lina@example.se", "female lang:ar", "background-check 2027-12-31", "fre 19:00-02:00"])
    book.active.append(["Omar Farah", "omar@example.se", "lang:so", "", "lör-sön 10-18"])
    content = io.BytesIO()
    book.save(content)
    before = live_db.count_leaders()
    preview = upload(club, "ledare.xlsx", content.getvalue())
    assert "Alla rader är i ordning" in preview.text and live_db.count_leaders() == before
    action = re.search(r'action="(/club/leaders/import/[^"]+)"', preview.text).group(1)
    assert club.post(club.base_url + action + "x", data={"csrf_token": csrf(preview.text)}).url.endswith(
        "/club/leaders/import")  # a forged token saves nothing
    assert live_db.count_leaders() == before
    done = club.post(club.base_url + action, data={"csrf_token": csrf(preview.text)})
    assert "2 ledare importerades." in done.text and live_db.count_leaders() == before + 2
    assert club.post(club.base_url + action, data={"csrf_token": csrf(preview.text)}).url.endswith(
        "/club/leaders/import")  # a token works once
    assert live_db.count_leaders() == before + 2


def test_confirm_saves_nothing_when_rows_went_bad_meanwhile(club, live_db):
    preview = upload(club, "ledare.csv", b"name,email\nEva Ny,eva@example.se\nPer Ny,per@example.se\n")
    action = re.search(r'action="(/club/leaders/import/[^"]+)"', preview.text).group(1)
    club.post(club.base_url + "/api/leaders/", json={"name": "Eva Annan", "email": "per@example.se"})
    before = live_db.count_leaders()
    answer = club.post(club.base_url + action, data={"csrf_token": csrf(preview.text)})
    assert answer.status_code == 422 and "1 rader har fel" in answer.text
    assert live_db.count_leaders() == before


@pytest.mark.parametrize("name, content, message", [
    ("ledare.xlsx", b"PK\x03\x04 broken", "går inte att läsa som en Excel-arbetsbok"),
    ("ledare.csv", b"name\n" + b"x" * (2 * 1024 * 1024 + 10), "Filen är större än 2 MB."),
    ("ledare.pdf", b"%PDF", "Ladda upp en .csv- eller .xlsx-fil."),
])
def test_unreadable_uploads_are_refused_with_a_clear_message(club, name, content, message):
    answer = upload(club, name, content)
    assert answer.status_code == 422 and message in answer.text


def test_a_huge_upload_is_refused_before_it_is_read(club):
    answer = upload(club, "ledare.csv", b"name\n" + b"x" * (3 * 1024 * 1024))
    assert answer.status_code == 413 and "Filen är större än 2 MB." in answer.text


def _bomb() -> bytes:
    """A small .xlsx (a zip) that would unpack to more than 40 MB."""
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (41 * 1024 * 1024))
    return out.getvalue()


def _workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("ledare.xlsx", lambda: _bomb(), "Arbetsboken packas upp till mer än 40 MB."),
    ("ledare.xlsx", lambda: _workbook([["name"]] + [[f"L{i}"] for i in range(1001)]), "Filen har fler än 1000 ledare."),
    ("ledare.csv", lambda: b"Eva Ny,eva@example.se\n", "en av dem måste heta ”namn”"),
    ("ledare.csv", lambda: "namn\nÅsa\n".encode("utf-16")[:-1], "Filen är ingen CSV-textfil."),
    ("ledare.xlsx", lambda: _workbook([["name"], ["Eva"]])[:600], "går inte att läsa som en Excel-arbetsbok"),
    ("ledare.csv", lambda: bytes(range(1, 256)) * 10, "en av dem måste heta ”namn”"),  # binary, no NUL
], ids=["zip bomb", "too many rows", "no header", "broken utf-16", "cut workbook", "binary"])
def test_hostile_uploads_are_refused_beside_the_field_and_save_nothing(club, live_db, name, content, message):
    before = live_db.count_leaders()
    answer = upload(club, name, content())
    assert answer.status_code == 422 and message in beside(answer.text, "file")
    assert live_db.count_leaders() == before


def test_a_utf16_file_with_formula_like_text_previews_and_saves_it_as_text(club, live_db):
    text = "namn\te-post\n=cmd|' /C calc'!A0\tformel@example.se\n"
    preview = upload(club, "ledare.txt", text.encode("utf-16"))
    assert "Alla rader är i ordning" in preview.text
    action = re.search(r'action="(/club/leaders/import/[^"]+)"', preview.text).group(1)
    club.post(club.base_url + action, data={"csrf_token": csrf(preview.text)})
    assert live_db.scalar(sa.select(Leader.name).where(Leader.email == "formel@example.se")) == "=cmd|' /C calc'!A0"
