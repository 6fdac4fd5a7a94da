"""The web app over real HTTP: it starts, speaks Swedish by default and English on request."""
import json
import urllib.request
from http.cookiejar import CookieJar


def fetch(url: str, opener=None) -> tuple[int, str]:
    with (opener or urllib.request.build_opener()).open(url) as response:
        return response.status, response.read().decode()


def test_home_page_speaks_swedish_and_counts_the_pool(live_server):
    status, html = fetch(live_server + "/")
    assert status == 200
    assert '<html lang="sv">' in html
    assert "Poolen – Sandviken" in html and "ledare" in html


def test_language_switch_is_remembered(live_server):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    fetch(live_server + "/lang/en", opener)
    status, html = fetch(live_server + "/", opener)
    assert '<html lang="en">' in html and "The pool – Sandviken" in html and "leaders" in html


def test_health_answers_with_the_database_reachable(live_server):
    status, body = fetch(live_server + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
