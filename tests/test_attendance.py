"""Recording attendance: who may record what and when, the counts' rules, stale edits, the demo generator."""
import datetime as dt

import pytest
import sqlalchemy as sa

from pool import attendance
from pool.accounts import create_user
from pool.attendance import AttendanceInput
from pool.errors import Conflict, Invalid, NotFound
from pool.models import Attendance, Role
from tests.test_report import build_pool

D = dt.date
AFTER = dt.datetime(2027, 1, 20, 9, 0)


@pytest.fixture
def hand(session):
    return build_pool(session)


def _count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Attendance))


def test_assigned_leader_records_after_the_start(session, hand):
    pool, l2, n1 = hand["pool"], hand["users"]["l2"], hand["needs"]["n1"].id
    row = attendance.record(session, pool, l2, n1, D(2027, 1, 15), AttendanceInput(True, 70, 20), now=AFTER)
    assert (row.held, row.participants, row.girls, row.recorded_by_id) == (True, 70, 20, l2.id)
    with pytest.raises(Invalid) as early:  # 20:00 that Friday has not come yet
        attendance.record(session, pool, l2, hand["needs"]["n2"].id, D(2027, 1, 12), AttendanceInput(True, 5, 1),
                          now=dt.datetime(2027, 1, 12, 11, 59))
    assert early.value.field == "day"


def test_a_leader_cannot_record_someone_elses_session_and_others_see_nothing(session, hand):
    pool, n2 = hand["pool"], hand["needs"]["n2"].id
    with pytest.raises(NotFound):  # L1 was not on the recess of 12 January
        attendance.record(session, pool, hand["users"]["l1"], n2, D(2027, 1, 12), AttendanceInput(True, 5, 0), now=AFTER)
    with pytest.raises(NotFound):  # 14 January has nobody published (only a draft)
        attendance.record(session, pool, hand["coordinator"], n2, D(2027, 1, 14), AttendanceInput(True, 5, 0), now=AFTER)
    funder = create_user(session, pool, email="f@x.se", name="F", role=Role.funder, password="x",
                         organisation=hand["org"]["f1"])
    with pytest.raises(NotFound):
        attendance.record(session, pool, funder, n2, D(2027, 1, 12), AttendanceInput(True, 5, 0), now=AFTER)
    row = attendance.record(session, pool, hand["coordinator"], n2, D(2027, 1, 12), AttendanceInput(True, 5, 0), now=AFTER)
    assert row.recorded_by_id == hand["coordinator"].id


@pytest.mark.parametrize("data, field", [
    (AttendanceInput(True, None, None), "participants"),
    (AttendanceInput(True, -1, 0), "participants"),
    (AttendanceInput(True, 5000, 0), "participants"),
    (AttendanceInput(True, 10, 11), "girls"),
    (AttendanceInput(True, 10, -2), "girls"),
    (AttendanceInput(False, 0, 0, "  "), "cancel_reason"),
    (AttendanceInput(False, 0, 0, "x" * 201), "cancel_reason"),
])
def test_bad_counts_name_their_field_and_save_nothing(session, hand, data, field):
    before = _count(session)
    with pytest.raises(Invalid) as error:
        attendance.record(session, hand["pool"], hand["coordinator"], hand["needs"]["n2"].id, D(2027, 1, 12), data,
                          now=AFTER)
    assert error.value.field == field and _count(session) == before


def test_edits_need_the_version_read_and_a_cancellation_drops_the_counts(session, hand):
    pool, coordinator, n1 = hand["pool"], hand["coordinator"], hand["needs"]["n1"].id
    existing = attendance.attendance_of(session, pool, n1, D(2027, 1, 8))
    with pytest.raises(Conflict):  # someone recorded it already, the form showed an empty record
        attendance.record(session, pool, coordinator, n1, D(2027, 1, 8), AttendanceInput(True, 1, 0), now=AFTER)
    with pytest.raises(Conflict):
        attendance.record(session, pool, coordinator, n1, D(2027, 1, 8), AttendanceInput(True, 1, 0),
                          expected_version=existing.row_version + 1, now=AFTER)
    row = attendance.record(session, pool, coordinator, n1, D(2027, 1, 8),
                            AttendanceInput(False, 60, 15, " Snöoväder "), expected_version=existing.row_version,
                            now=AFTER)
    assert (row.held, row.participants, row.girls, row.cancel_reason, row.row_version) == (False, 0, 0, "Snöoväder", 2)


def test_sessions_between_lists_a_leaders_own_sessions_with_their_notes(session, hand):
    pool = hand["pool"]
    rows = attendance.sessions_between(session, pool, D(2027, 1, 4), D(2027, 1, 17), leader_id=hand["leaders"]["l2"].id)
    assert [(r.need.code, r.day, r.attendance.held if r.attendance else None) for r in rows] == [
        ("n2", D(2027, 1, 5), False), ("n2", D(2027, 1, 12), None), ("n1", D(2027, 1, 15), None)]
    assert len(attendance.sessions_between(session, pool, D(2027, 1, 4), D(2027, 1, 17))) == 5


def test_demo_attendance_is_plausible_and_repeatable(session, hand):
    pool = hand["pool"]
    written = attendance.generate_demo_attendance(session, pool, D(2027, 1, 17), seed=3, unrecorded_share=0,
                                                  cancelled_share=0)
    assert written == 3  # the three sessions without a note (18 Dec, 12 and 15 Jan)
    rows = session.scalars(sa.select(Attendance)).all()
    assert all(0 <= r.girls <= r.participants for r in rows)
    assert attendance.generate_demo_attendance(session, pool, D(2027, 1, 17), seed=3) == 0  # nothing left to add
