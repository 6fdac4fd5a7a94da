"""The audit log on SQLite and PostgreSQL: each approval, publication, hand edit, pin and role change writes
exactly one entry with its actor and the record before and after, in the same transaction as the change;
a refused or rolled-back change writes none; the reading side filters by action and local days."""
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from pool import accounts, audit, schedules
from pool.errors import Conflict, Invalid, NotFound
from pool.models import (AuditEntry, AvailabilityWindow, Credential, Leader, Need, Organisation, OrgKind, Role,
                         Schedule, ScheduleState, User)
from pool.planning import import_problem, store_schedule
from solver import problem as sp

from tests.builders import LAST, MON, D, small_problem


@pytest.fixture
def pool(session):
    return import_problem(session, small_problem(), slug="small")


@pytest.fixture
def coordinator(session, pool):
    return accounts.create_user(session, pool, email="maria@x.se", name="Maria", role=Role.coordinator, password="x")


def by_code(session, model, code):
    return session.scalar(sa.select(model).where(model.code == code))


def entries(session, action=None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    return list(session.scalars(query.where(AuditEntry.action == action) if action else query))


def only_entry(session, action) -> AuditEntry:
    found = entries(session, action)
    assert len(found) == 1, f"{len(found)} {action} entries"
    return found[0]


def test_approve_and_publish_each_write_one_entry_with_the_actor(session, pool, coordinator):
    draft = store_schedule(session, pool, sp.Schedule("small", ()), MON, LAST)
    session.commit()
    schedules.approve(session, pool, draft.id, draft.row_version, actor=coordinator)
    session.rollback()  # the change and its entry go together
    assert entries(session, "approve") == []
    schedules.approve(session, pool, draft.id, draft.row_version, actor=coordinator)
    schedules.publish(session, pool, draft.id, draft.row_version)  # no actor: the system
    session.commit()
    approved, published = only_entry(session, "approve"), only_entry(session, "publish")
    period = f"{MON.isoformat()}–{LAST.isoformat()}"
    assert (approved.user_id, approved.object_type, approved.object_id) == (coordinator.id, "schedule", draft.id)
    assert approved.before == {"state": "draft", "version": draft.version, "period": period}
    assert approved.after == {"state": "approved", "version": draft.version, "period": period}
    assert published.user_id is None and published.pool_id == pool.id
    assert (published.before["state"], published.after["state"]) == ("approved", "published")
    replaced = session.scalar(sa.select(Schedule).where(Schedule.state == ScheduleState.superseded))
    assert published.after["replaces_version"] == replaced.version != draft.version


def test_each_hand_edit_writes_one_entry_with_the_seat_before_and_after(session, pool, coordinator):
    draft = store_schedule(session, pool, sp.Schedule("small", ()), MON, LAST)
    rast, l1, l2 = by_code(session, Need, "rast"), by_code(session, Leader, "l1"), by_code(session, Leader, "l2")
    l2.credentials.append(Credential(kind="bgc", valid_until=D(2027, 12, 31)))
    l2.availability.append(AvailabilityWindow(weekday=2, start_minute=480, end_minute=960))
    seat = schedules.assign(session, pool, draft.id, need_id=rast.id, day=D(2027, 1, 12), leader_id=l1.id,
                            expected_version=draft.row_version, actor=coordinator)
    seat_id = seat.id
    schedules.set_pinned(session, pool, draft.id, seat_id, True, seat.row_version, actor=coordinator)
    schedules.set_pinned(session, pool, draft.id, seat_id, False, seat.row_version, actor=coordinator)
    schedules.swap(session, pool, draft.id, seat_id, l2.id, seat.row_version, actor=coordinator)
    schedules.unassign(session, pool, draft.id, seat_id, seat.row_version, actor=coordinator)
    session.commit()

    assert [e.action for e in entries(session)] == ["create_user", "assign", "pin", "unpin", "swap", "unassign"]
    assert {(e.user_id, e.object_type, e.object_id) for e in entries(session)[1:]} == {
        (coordinator.id, "assignment", seat_id)}
    seat_then = {"need_id": rast.id, "need": "Rastvärdar", "day": "2027-01-12", "leader_id": l1.id,
                 "leader": "Amina Yusuf", "pinned": False, "schedule_id": draft.id, "schedule_version": draft.version}
    assigned = only_entry(session, "assign")
    assert (assigned.before, assigned.after) == ({}, seat_then)
    pinned, unpinned = only_entry(session, "pin"), only_entry(session, "unpin")
    assert (pinned.before, pinned.after) == (seat_then, {**seat_then, "pinned": True})
    assert (unpinned.before["pinned"], unpinned.after["pinned"]) == (True, False)
    swapped = only_entry(session, "swap")
    assert swapped.before == seat_then
    assert swapped.after == {**seat_then, "leader_id": l2.id, "leader": "Erik Berg"}
    freed = only_entry(session, "unassign")
    assert (freed.before, freed.after) == ({**seat_then, "leader_id": l2.id, "leader": "Erik Berg"}, {})


def test_a_refused_edit_writes_no_entry(session, pool, coordinator):
    draft = store_schedule(session, pool, sp.Schedule("small", ()), MON, LAST)
    rast, l1, l2 = by_code(session, Need, "rast"), by_code(session, Leader, "l1"), by_code(session, Leader, "l2")
    session.commit()
    before = len(entries(session))
    with pytest.raises(Invalid, match="Rule 3"):  # l2 is not available on Tuesdays
        schedules.assign(session, pool, draft.id, need_id=rast.id, day=D(2027, 1, 12), leader_id=l2.id,
                         expected_version=draft.row_version, actor=coordinator)
    with pytest.raises(Conflict):  # a stale version
        schedules.assign(session, pool, draft.id, need_id=rast.id, day=D(2027, 1, 12), leader_id=l1.id,
                         expected_version=draft.row_version + 5, actor=coordinator)
    with pytest.raises(Conflict, match="Only an approved schedule"):
        schedules.publish(session, pool, draft.id, draft.row_version, actor=coordinator)
    session.commit()
    assert len(entries(session)) == before


# ------------------------------------------------------------------------------ accounts
@pytest.fixture
def funder(session, pool):
    organisation = Organisation(pool_id=pool.id, code="sandvik", kind=OrgKind.funder, name="Sandvik AB")
    session.add(organisation)
    session.flush()
    return organisation


def test_creating_a_user_and_changing_its_role_are_recorded(session, pool, coordinator, funder):
    created = only_entry(session, "create_user")
    assert created.user_id is None and created.object_id == coordinator.id
    assert created.after == {"name": "Maria", "role": "coordinator", "organisation_id": None, "organisation": None,
                             "leader_id": None, "leader": None, "active": True}
    assert "password" not in str(created.after) and created.before == {}
    l1 = by_code(session, Leader, "l1")
    bo = accounts.create_user(session, pool, email="bo@x.se", name="Bo", role=Role.leader, password="x", leader=l1)
    accounts.set_role(session, pool, bo.id, Role.funder, organisation_id=funder.id, actor=coordinator)
    session.commit()
    assert (bo.role, bo.organisation_id, bo.leader_id) == (Role.funder, funder.id, None)
    changed = only_entry(session, "role")
    assert (changed.user_id, changed.object_type, changed.object_id) == (coordinator.id, "user", bo.id)
    assert {k: changed.before[k] for k in ("role", "leader", "organisation")} == {
        "role": "leader", "leader": "Amina Yusuf", "organisation": None}
    assert {k: changed.after[k] for k in ("role", "leader", "organisation")} == {
        "role": "funder", "leader": None, "organisation": "Sandvik AB"}
    accounts.set_role(session, pool, bo.id, Role.funder, organisation_id=funder.id, actor=coordinator)
    assert len(entries(session, "role")) == 1  # nothing changed, nothing recorded

    sif = by_code(session, Organisation, "sif")
    with pytest.raises(Invalid) as refused:  # a requester belongs to a requesting unit, not a club
        accounts.set_role(session, pool, bo.id, Role.requester, organisation_id=sif.id, actor=coordinator)
    assert refused.value.field == "organisation_id"
    with pytest.raises(Invalid) as refused:
        accounts.set_role(session, pool, bo.id, Role.leader, actor=coordinator)
    assert refused.value.field == "leader_id"
    with pytest.raises(Invalid):
        accounts.create_user(session, pool, email="x@x.se", name="X", role=Role.club_admin, password="x",
                             organisation=funder)
    assert len(entries(session, "role")) == 1 and bo.role is Role.funder


def test_no_lock_out_and_switching_accounts_off_and_on_is_recorded(session, pool, coordinator, funder):
    with pytest.raises(Invalid, match="your own coordinator role") as refused:
        accounts.set_role(session, pool, coordinator.id, Role.funder, organisation_id=funder.id, actor=coordinator)
    assert refused.value.field == "role"
    with pytest.raises(Invalid, match="your own account"):
        accounts.set_active(session, pool, coordinator.id, False, actor=coordinator)
    with pytest.raises(Conflict, match="at least one active coordinator"):  # the system, but the last one
        accounts.set_active(session, pool, coordinator.id, False)
    other = accounts.create_user(session, pool, email="eva@x.se", name="Eva", role=Role.coordinator, password="x")
    accounts.set_role(session, pool, coordinator.id, Role.funder, organisation_id=funder.id, actor=other)
    assert coordinator.role is Role.funder and only_entry(session, "role").user_id == other.id
    assert [e.action for e in entries(session)] == ["create_user", "create_user", "role"]

    bo = accounts.create_user(session, pool, email="bo@x.se", name="Bo", role=Role.funder, password="x",
                              organisation=funder)
    accounts.set_active(session, pool, bo.id, False, actor=other)
    assert accounts.authenticate(session, "bo@x.se", "x") is None
    with pytest.raises(Conflict, match="already inactive"):
        accounts.set_active(session, pool, bo.id, False, actor=other)
    accounts.set_active(session, pool, bo.id, True, actor=other)
    session.commit()
    off, on = only_entry(session, "deactivate"), only_entry(session, "activate")
    assert (off.before["active"], off.after["active"], on.before["active"], on.after["active"]) == (
        True, False, False, True)
    assert off.user_id == on.user_id == other.id


# ------------------------------------------------------------------------------ reading
def test_entries_are_newest_first_filtered_by_action_and_local_days(session, pool, coordinator):
    utc = dt.timezone.utc
    for at, action in [(dt.datetime(2025, 1, 11, 22, 30, tzinfo=utc), "approve"),  # 23:30 on the 11th in Sweden
                       (dt.datetime(2025, 1, 11, 23, 30, tzinfo=utc), "publish"),  # 00:30 on the 12th
                       (dt.datetime(2025, 1, 12, 22, 59, tzinfo=utc), "approve")]:  # 23:59 on the 12th
        session.add(AuditEntry(pool_id=pool.id, user_id=coordinator.id, at=at, action=action,
                               object_type="schedule", object_id=1, before={}, after={}))
    session.commit()
    twelfth = audit.entries(session, pool, first=D(2025, 1, 12), last=D(2025, 1, 12))
    assert [(r.entry.action, r.actor_name) for r in twelfth] == [("approve", "Maria"), ("publish", "Maria")]
    eleventh = audit.entries(session, pool, first=D(2025, 1, 1), last=D(2025, 1, 11))
    assert [r.entry.action for r in eleventh] == ["approve"]
    newest = audit.entries(session, pool, action="approve")
    assert [r.entry.at.day for r in newest] == [12, 11]
    # the newest of all is the coordinator's creation, today: these entries lie in the past whatever the date
    assert [r.entry.action for r in audit.entries(session, pool, limit=2, offset=1)] == ["approve", "publish"]
    created = audit.entries(session, pool, action="create_user")
    assert len(created) == 1 and created[0].actor_name is None  # the system

    other = import_problem(session, small_problem(), slug="other")  # another pool's users and entries stay apart
    stranger = accounts.create_user(session, other, email="s@x.se", name="S", role=Role.coordinator, password="x")
    assert [u.id for u in accounts.pool_users(session, pool)] == [coordinator.id]
    with pytest.raises(NotFound):
        accounts.set_active(session, pool, stranger.id, False, actor=coordinator)
    assert [r.entry.object_id for r in audit.entries(session, pool, action="create_user")] == [coordinator.id]


# ------------------------------------------------------------------------------ the command line
def test_the_command_line_changes_a_role_as_the_system_and_refuses_a_wrong_binding(demo_database, tmp_path):
    from pool import db
    from tests.test_cli import pool_cmd
    copy = tmp_path / "demo.sqlite"
    copy.write_bytes(Path(demo_database.removeprefix("sqlite:///")).read_bytes())
    url = f"sqlite:///{copy}"
    done = pool_cmd(url, "user", "set-role", "sandvik@sandviken.example", "club_admin", "--organisation", "sif")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sandvik@sandviken.example is now club_admin of Sandvikens IF")
    refused = pool_cmd(url, "user", "set-role", "sandvik@sandviken.example", "requester", "--organisation", "sif")
    assert refused.returncode == 2 and refused.stderr == "pool: A requester must belong to a requesting unit.\n"
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        [changed] = entries(session, "role")
        user = session.get(User, changed.object_id)
        assert (user.email, user.role, changed.user_id) == ("sandvik@sandviken.example", Role.club_admin, None)
        assert (changed.before["role"], changed.after["role"]) == ("funder", "club_admin")
    engine.dispose()
