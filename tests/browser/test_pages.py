"""Every page each role can reach from its menu: accessible (axe, WCAG 2.1 AA), in Swedish, at desktop and
375 px width, and usable by keyboard; plus the login form's errors and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pool.models import Role
from tests.browser.checks import check_page
from tests.browser.conftest import ROLES, check_accessibility, menu_links, sign_in
from web.access import MENU


@pytest.mark.parametrize("path", ["/", "/login"])
def test_public_pages(page, screenshot, path):
    page.goto(path)
    problems = check_page(page, screenshot, f"anonymous {path}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_the_menu_of(role, page, screenshot):
    sign_in(page, role)
    home = page.goto(page.url)
    assert home.ok, f"the home page of {role}, {page.url}, answered {home.status}"
    links = menu_links(page)
    assert len(links) == len([e for roles, e, _label in MENU if Role(role) in roles]), "the menu misses an entry"
    pages = {urlsplit(page.url)._replace(scheme="", netloc="").geturl(): "start"}  # the role's home page
    for label, href in links:
        pages.setdefault(href, label)
    problems = []
    for url, label in pages.items():
        response = page.goto(url)
        if not response.ok:
            problems.append(f"menu link {label} → {url} answered {response.status}")
            continue
        problems += check_page(page, screenshot, f"{role} {label}")
    assert not problems, f"{len(problems)} problems on the pages of {role}:\n" + "\n".join(problems)


def test_wrong_password_shows_the_error_and_keeps_the_email(page, screenshot):
    page.goto("/login")
    page.get_by_label("E-post").fill("samordnare@sandviken.example")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.locator("main").get_by_role("button", name="Logga in").click()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Fel e-post eller lösenord."
    assert page.get_by_label("E-post").input_value() == "samordnare@sandviken.example"
    assert "/login" in page.url
    check_accessibility(page)
    screenshot(page, "login wrong password")


def test_missing_password_is_reported_beside_the_field(page):
    page.goto("/login")
    page.get_by_label("E-post").fill("samordnare@sandviken.example")
    page.locator("main").get_by_role("button", name="Logga in").click()
    password = page.get_by_label("Lösenord")
    assert password.get_attribute("aria-invalid") == "true"
    error = page.locator(f"#{password.get_attribute('aria-describedby')}")
    assert error.inner_text() == "Skriv ditt lösenord."
    # beside the field: in the same field group, right above the input
    assert error.locator("xpath=..").locator("input").get_attribute("id") == password.get_attribute("id")
    assert page.get_by_label("E-post").input_value() == "samordnare@sandviken.example"
    check_accessibility(page)


def test_language_switch(page):
    page.goto("/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Logga in"
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert page.get_by_label("Password").is_visible()
    page.get_by_role("link", name="Svenska").click()
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", level=1).inner_text() == "Logga in"


def test_language_switch_keeps_a_signed_in_user_on_the_same_page(page):
    sign_in(page, "coordinator")
    start = page.url
    page.get_by_role("link", name="English").click()
    assert page.url == start
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.get_by_role("link", name="Svenska").click()
    assert page.get_by_role("button", name="Logga ut").is_visible()
