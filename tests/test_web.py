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


def test_sign_in_renews_the_session_and_wrong_password_is_refused(live_server):
    import requests

    from tests.conftest import sign_in
    client = sign_in(live_server, "samordnare@sandviken.example")
    home = client.get(live_server + "/").text
    assert "Maria Lindqvist" in home and "Logga ut" in home
    stranger = requests.Session()
    page = stranger.get(live_server + "/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    refused = stranger.post(live_server + "/login", data={"csrf_token": token,
                                                          "email": "samordnare@sandviken.example", "password": "x"})
    assert refused.status_code == 401 and "Fel e-post eller lösenord" in refused.text


def test_forms_without_csrf_token_are_refused(live_server):
    import requests
    answer = requests.post(live_server + "/login", data={"email": "a@b.se", "password": "x"})
    assert answer.status_code == 400


def test_security_headers_are_sent(live_server):
    import requests
    headers = requests.get(live_server + "/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
