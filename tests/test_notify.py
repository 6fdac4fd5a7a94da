"""The outbox: one message per subject and address, kept without SMTP, sent by SMTP when configured."""
from __future__ import annotations

import email
import socket
import threading

import pytest
import sqlalchemy as sa

from pool import notify
from pool.models import OutboxMessage, Pool


@pytest.fixture
def pool(session):
    found = Pool(slug="test", name="Testkommun")
    session.add(found)
    session.flush()
    return found


def test_a_message_is_queued_once_per_subject_and_address(session, pool):
    anna = notify.Recipient("anna@example.se", "Anna")
    assert notify.queue(session, pool, "reminder:1:2027-01-18", anna, "Påminnelse", "Hej Anna!") is not None
    assert notify.queue(session, pool, "reminder:1:2027-01-18", anna, "Påminnelse", "Hej igen!") is None
    assert notify.queue(session, pool, "reminder:1:2027-01-18", notify.Recipient("bo@example.se"), "P", "Hej") is not None
    assert notify.queued_about(session, "reminder:1:2027-01-18") and not notify.queued_about(session, "reminder:1")
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2


def test_long_subjects_get_a_short_key(session, pool):
    key = notify.dedupe_key("published:" + "x" * 300, "anna@example.se")
    assert len(key) <= 200 and key == notify.dedupe_key("published:" + "x" * 300, "ANNA@example.se")


def test_without_smtp_messages_stay_in_the_outbox(session, pool):
    notify.queue(session, pool, "t:1", notify.Recipient("anna@example.se"), "Ämne", "Text")
    assert notify.SmtpSettings.from_env({}) is None
    assert notify.deliver(session, None) == (0, 0)
    assert session.scalar(sa.select(OutboxMessage.sent_at)) is None


def test_words_in_swedish_and_english():
    import datetime as dt
    day = dt.date(2027, 1, 19)
    assert notify.long_date(day, "sv") == "tisdag 19 januari"
    assert notify.long_date(day, "en") == "Tuesday 19 January"
    assert notify.clock(1470) == "00:30"


class TinySmtp:
    """A minimal SMTP server on a local port that keeps what it receives."""

    def __init__(self):
        self.received: list[bytes] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.server.accept()
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 tiny\r\n")
            for line in lines:
                command = line.strip().upper()
                if command.startswith((b"EHLO", b"HELO")):
                    conn.sendall(b"250 tiny\r\n")
                elif command == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    data = b""
                    for body_line in lines:
                        if body_line == b".\r\n":
                            break
                        data += body_line
                    self.received.append(data)
                    conn.sendall(b"250 kept\r\n")
                elif command == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    break
                else:
                    conn.sendall(b"250 ok\r\n")

    def close(self):
        self.server.close()


def test_smtp_sends_plain_text_with_the_calendar_attached(session, pool):
    server = TinySmtp()
    calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    notify.queue(session, pool, "published:1:leader:1", notify.Recipient("anna@example.se"), "Ditt schema har ändrats",
                 "Hej Anna!\n\n- Nytt: tisdag 19 januari\n", calendar=calendar)
    settings = notify.SmtpSettings.from_env({"POOL_SMTP_HOST": "127.0.0.1", "POOL_SMTP_PORT": str(server.port),
                                             "POOL_SMTP_SECURITY": "none", "POOL_SMTP_FROM": "poolen@sandviken.example"})
    try:
        assert notify.deliver(session, settings) == (1, 0)
    finally:
        server.close()
    assert session.scalar(sa.select(OutboxMessage.sent_at)) is not None
    assert notify.deliver(session, settings) == (0, 0)  # nothing is sent twice
    mail = email.message_from_bytes(server.received[0])
    assert mail["To"] == "anna@example.se" and "Ditt schema" in str(email.header.make_header(
        email.header.decode_header(mail["Subject"])))
    parts = {part.get_content_type(): part for part in mail.walk()}
    assert "Nytt: tisdag 19 januari" in parts["text/plain"].get_payload(decode=True).decode()
    assert parts["text/calendar"].get_param("method") == "PUBLISH"
    assert b"BEGIN:VCALENDAR" in parts["text/calendar"].get_payload(decode=True)
