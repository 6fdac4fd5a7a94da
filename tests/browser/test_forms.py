"""Forms sent empty: every error shows beside its field, tied to it for screen readers, and the page stays
accessible in its error state, at desktop and phone width."""
from __future__ import annotations

import pytest

from tests.browser.conftest import check_accessibility, desktop, phone, sign_in

# (role, page, submit button): a form of each area that has required fields
FORMS = [
    ("club_admin", "/club/leaders/new", "Spara"),
    ("requester", "/needs/new", "Lägg ut behovet"),
    ("leader", "/me/absence", "Anmäl frånvaro"),
]

# For each field marked invalid: the ids it is described by, and whether one of them is a visible error
# inside the same field group.
INVALID_FIELDS = """() => [...document.querySelectorAll('main [aria-invalid=true]')].map(el => {
  const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
  const errors = ids.map(id => document.getElementById(id)).filter(e => e && e.classList.contains('field-error'));
  const group = el.closest('.field, fieldset');
  return {field: el.name || el.id,
          beside: errors.some(e => e.offsetParent !== null && group && group.contains(e)),
          text: errors.map(e => e.textContent.trim()).join(' ')};
})"""


@pytest.mark.parametrize("role, path, submit", FORMS)
def test_an_empty_form_shows_each_error_beside_its_field(role, path, submit, page, screenshot):
    sign_in(page, role)
    page.goto(path)
    title = page.get_by_label("Rubrik", exact=True) if role == "requester" else None
    if title:
        title.fill("")  # the only typed-in default that matters: a need needs a title
    page.locator("main").get_by_role("button", name=submit, exact=True).click()
    assert page.get_by_role("alert").is_visible(), "a summary should say that nothing was saved"
    invalid = page.evaluate(INVALID_FIELDS)
    assert invalid, f"no field on {path} is marked invalid"
    assert all(f["beside"] and f["text"] for f in invalid), f"errors not beside their fields: {invalid}"
    check_accessibility(page)
    screenshot(page, f"{role} {path} errors")
    phone(page)
    try:
        check_accessibility(page)
        screenshot(page, f"{role} {path} errors")
    finally:
        desktop(page)


def test_typed_values_are_kept_when_a_field_is_wrong(page):
    sign_in(page, "club_admin")
    page.goto("/club/leaders/new")
    page.get_by_label("E-post", exact=True).fill("ny.ledare@example.org")
    page.get_by_label("Telefon", exact=True).fill("070-111 22 33")
    page.locator("main").get_by_role("button", name="Spara", exact=True).click()
    name = page.get_by_label("Namn", exact=True)
    assert name.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("E-post", exact=True).input_value() == "ny.ledare@example.org"
    assert page.get_by_label("Telefon", exact=True).input_value() == "070-111 22 33"
