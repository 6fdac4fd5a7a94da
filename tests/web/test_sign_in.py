"""Signing in over real HTTP: failed attempts are limited per account and per address (the right password
included once blocked, successes never counted), the limit can live in Redis for all processes, and the
session is renewed at sign-in so a cookie from before it never carries the signed-in user."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.conftest import DEMO_LOGINS, DEMO_PASSWORD, _serving, demo_copy, sign_in
from web.auth.throttle import PER_ACCOUNT, PER_ADDRESS

COORDINATOR = DEMO_LOGINS["coordinator"]
BLOCKED = "För många misslyckade inloggningsförsök"
PER_ACCOUNT_MINUTE = int(PER_ACCOUNT.split()[0])
PER_ADDRESS_MINUTE = int(PER_ADDRESS.split()[0])


class Visitor:
    """One browser at the sign-in page."""

    def __init__(self, base_url: str):
        self.base_url, self.client = base_url, requests.Session()
        self.token = self.csrf(self.client.get(base_url + "/login").text)

    @staticmethod
    def csrf(page: str) -> str:
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def attempt(self, email: str, password: str) -> requests.Response:
        return self.client.post(self.base_url + "/login",
                                data={"csrf_token": self.token, "email": email, "password": password})


def alert(answer: requests.Response) -> str:
    return re.search(r'role="alert">([^<]+)<', answer.text).group(1)


def test_an_account_is_blocked_after_failed_attempts_and_the_page_says_why(live_server):
    visitor = Visitor(live_server)
    for _ in range(PER_ACCOUNT_MINUTE):
        assert visitor.attempt(COORDINATOR, "wrong").status_code == 401
    blocked = visitor.attempt(" Samordnare@Sandviken.example ", DEMO_PASSWORD)  # the same account, typed otherwise
    assert blocked.status_code == 429 and "/login" in blocked.url
    assert alert(blocked).startswith(BLOCKED) and "Vänta en stund" in alert(blocked)
    assert 'value=" Samordnare@Sandviken.example "' in blocked.text  # the typed address is kept
    assert DEMO_PASSWORD not in blocked.text
    english = visitor.client.post(live_server + "/login?lang=en", data={"csrf_token": visitor.token,
                                                                        "email": COORDINATOR, "password": "x"})
    assert english.status_code == 429 and "Too many failed sign-in attempts" in english.text
    # another account from the same address is not blocked by this one's failures
    assert "/login" not in sign_in(live_server, DEMO_LOGINS["funder"]).get(live_server + "/report/").url


def test_an_address_is_blocked_after_failed_attempts_on_many_accounts(live_server):
    visitor = Visitor(live_server)
    for n in range(PER_ADDRESS_MINUTE):
        assert visitor.attempt(f"guess{n}@example.se", "wrong").status_code == 401
    blocked = visitor.attempt(DEMO_LOGINS["leader"], DEMO_PASSWORD)
    assert blocked.status_code == 429 and alert(blocked).startswith(BLOCKED)
    with pytest.raises(AssertionError, match="sign-in as"):
        sign_in(live_server, DEMO_LOGINS["leader"])


def test_signing_in_right_is_never_counted(live_server):
    """So the suite, which signs in all the time, never meets the limit."""
    for _ in range(PER_ACCOUNT_MINUTE + 1):
        sign_in(live_server, COORDINATOR)


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    prefix = f"pool-test-{uuid.uuid4().hex[:12]}"
    yield url, prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_with_redis_two_processes_share_the_count(redis_url, demo_database, tmp_path):
    """Two app instances, as two server processes would be, on one Redis: failures on one block the other."""
    url, prefix = redis_url
    database = demo_copy(demo_database, tmp_path)
    config = {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix}
    with _serving(database, **config) as first, _serving(database, **config) as second:
        for n in range(PER_ACCOUNT_MINUTE):
            assert Visitor(first if n % 2 else second).attempt(COORDINATOR, "wrong").status_code == 401
        assert Visitor(first).attempt(COORDINATOR, DEMO_PASSWORD).status_code == 429
        assert Visitor(second).attempt(COORDINATOR, DEMO_PASSWORD).status_code == 429


def test_when_redis_is_down_the_count_goes_on_in_memory(demo_database, tmp_path):
    with _serving(demo_copy(demo_database, tmp_path), RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0") as base_url:
        visitor = Visitor(base_url)
        for _ in range(PER_ACCOUNT_MINUTE):
            assert visitor.attempt(COORDINATOR, "wrong").status_code == 401
        assert visitor.attempt(COORDINATOR, DEMO_PASSWORD).status_code == 429
        assert "/login" not in sign_in(base_url, DEMO_LOGINS["funder"]).get(base_url + "/report/").url


def test_the_session_is_renewed_at_sign_in(live_server):
    """A cookie handed out before sign-in (as an attacker could plant it) never becomes a signed-in session."""
    visitor = Visitor(live_server)
    before = visitor.client.cookies["session"]
    signed_in = visitor.client.post(live_server + "/login", data={"csrf_token": visitor.token,
                                                                  "email": COORDINATOR, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 200 and "/login" not in signed_in.url
    after = visitor.client.cookies["session"]
    assert after != before

    planted = requests.Session()
    planted.cookies.set("session", before)
    assert "/login" in planted.get(live_server + "/plan/").url  # the old cookie is not signed in
    # nothing from before survives: the form token of the signed-out page is no longer accepted
    assert visitor.client.post(live_server + "/logout", data={"csrf_token": visitor.token}).status_code == 400
    copied = requests.Session()
    copied.cookies.set("session", after)
    assert copied.get(live_server + "/plan/").status_code == 200  # while the new cookie is


def test_signing_out_ends_every_session_of_the_account(live_server):
    """A cookie copied while signed in (another device, or a stolen one) is worthless once the user signs out."""
    visitor = Visitor(live_server)
    visitor.attempt(COORDINATOR, DEMO_PASSWORD)
    copied = requests.Session()
    copied.cookies.set("session", visitor.client.cookies["session"])
    assert copied.get(live_server + "/plan/").status_code == 200
    page = visitor.client.get(live_server + "/plan/")
    assert visitor.client.post(live_server + "/logout", data={"csrf_token": Visitor.csrf(page.text)}).status_code == 200
    assert "/login" in copied.get(live_server + "/plan/").url
    again = sign_in(live_server, COORDINATOR)  # signing in again starts a fresh, valid session
    assert again.get(live_server + "/plan/").status_code == 200
