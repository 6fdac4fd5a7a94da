"""The checks every page gets, shared by the menu walk and the whole-week walk."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, desktop, horizontal_overflow, phone

# Records every element that receives focus, so one batch of Tab presses can be checked in a single call.
RECORD_FOCUS = """() => {
  window.__focused = [];
  document.addEventListener('focusin', e => window.__focused.push(e.target), true);
}"""
# The controls in <main> a keyboard user must reach: visible, enabled, one per radio group. Returns their count.
MARK_CONTROLS = """() => {
  const seenRadios = new Set();
  let count = 0;
  for (const el of document.querySelectorAll(
      'main a[href], main button, main input:not([type=hidden]), main select, main textarea, main summary')) {
    if (el.disabled || !el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.type === 'radio') { if (seenRadios.has(el.name)) continue; seenRadios.add(el.name); }
    el.dataset.kbdTarget = String(count++);
  }
  return count;
}"""
UNREACHED = """() => {
  const reached = new Set(window.__focused);
  const radioGroups = new Set(window.__focused.filter(el => el.type === 'radio').map(el => el.name));
  return [...document.querySelectorAll('[data-kbd-target]')]
    .filter(el => !reached.has(el) && !(el.type === 'radio' && radioGroups.has(el.name)))
    .map(el => el.outerHTML.slice(0, 160));
}"""
# Tab stops on the page; a date or time input takes one per part (day, month, year; hours, minutes).
TAB_STOPS = """() => document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]').length
  + 2 * document.querySelectorAll('input[type=date], input[type=time], input[type=datetime-local]').length"""
MAX_TABS = 800  # the availability grid alone has 336 checkboxes


def check_page(page, screenshot, name: str) -> list[str]:
    """The checks every page gets: Swedish, one heading 1, axe clean and keyboard-usable at both widths.
    Returns the problems found, so one test can report every page of a role at once."""
    problems = []

    def check(condition_or_check, message=""):
        try:
            if callable(condition_or_check):
                condition_or_check()
            else:
                assert condition_or_check, message
        except AssertionError as failure:
            problems.append(str(failure).split("\nassert ")[0])

    check(page.locator("html").get_attribute("lang") == "sv", f"{page.url} is not in Swedish")
    check(page.locator("h1").count() == 1, f"{page.url} should have exactly one h1")
    check(lambda: check_accessibility(page))
    screenshot(page, name)
    check(lambda: check_keyboard(page))
    page.goto(page.url.split("#")[0])  # no focus ring or #main left over for the phone-width shot
    phone(page)
    try:
        check(lambda: check_accessibility(page))
        overflow = horizontal_overflow(page)
        check(overflow <= 0, f"{page.url} scrolls sideways by {overflow} px at 375 px")
        screenshot(page, name)
    finally:
        desktop(page)
    return problems


def check_keyboard(page) -> None:
    """The first Tab lands on a working skip link, and Tab reaches every control in <main>."""
    page.reload()
    page.evaluate(RECORD_FOCUS)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.get_attribute("href") == "#main", f"the first Tab on {page.url} does not reach the skip link"
    assert skip.is_visible(), f"the skip link on {page.url} does not show when focused"
    page.keyboard.press("Enter")
    # the URL reaches Playwright a moment after the in-page jump; waiting for it keeps a busy machine from failing
    expect(page, f"the skip link on {page.url} does not jump to #main").to_have_url(re.compile("#main$"))
    targets = page.evaluate(MARK_CONTROLS)
    if targets == 0:
        return
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), \
        f"after the skip link on {page.url}, Tab does not go into the content"
    for _ in range(min(page.evaluate(TAB_STOPS), MAX_TABS)):
        page.keyboard.press("Tab")
    unreached = page.evaluate(UNREACHED)
    assert not unreached, f"Tab never reaches these controls on {page.url}:\n" + "\n".join(unreached)
