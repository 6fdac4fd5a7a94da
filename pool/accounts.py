"""Users and their roles: creation, role changes with the binding each role needs, and switching an account
off and on. Every change is written to the audit log in the same transaction. Writes flush and never commit:
the caller owns the transaction."""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm
from werkzeug.security import check_password_hash, generate_password_hash

from pool import audit
from pool.errors import N_, Conflict, Invalid, NotFound
from pool.models import Leader, Organisation, Pool, Role, User, in_pool

# The organisation kind each role is bound to; coordinators are bound to the pool itself.
ROLE_ORGANISATION = {Role.club_admin: "club", Role.requester: "requester", Role.funder: "funder"}


def create_user(session: orm.Session, pool: Pool, *, email: str, name: str, role: Role, password: str,
                organisation: Optional[Organisation] = None, leader: Optional[Leader] = None,
                locale: str = "sv", actor: Optional[User] = None) -> User:
    _check_binding(role, organisation, leader)
    user = User(pool_id=pool.id, email=email.strip().lower(), name=name, role=role, locale=locale,
                password_hash=generate_password_hash(password),
                organisation_id=organisation.id if organisation else None,
                leader_id=leader.id if leader else None, organisation=organisation, leader=leader)
    session.add(user)
    session.flush()
    audit.record(session, pool, actor, "create_user", user, {}, audit.user_snapshot(user))
    return user


def authenticate(session: orm.Session, email: str, password: str) -> Optional[User]:
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower(), User.active))
    if user and check_password_hash(user.password_hash, password):
        return user
    return None


def end_sessions(session: orm.Session, user: User) -> None:
    """Sign the account out on every device: the sessions' user ids carry the old epoch."""
    user.session_epoch += 1
    session.flush()


# ------------------------------------------------------------------------------ administration
def pool_users(session: orm.Session, pool: Pool) -> list[User]:
    """Everyone with an account in the pool, with what their role binds them to, by name."""
    return list(session.scalars(sa.select(User).where(User.pool_id == pool.id)
                                .options(orm.joinedload(User.organisation), orm.joinedload(User.leader))
                                .order_by(User.name, User.id)))


def get_user(session: orm.Session, pool: Pool, user_id: int) -> User:
    user = in_pool(session, User, pool.id, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return user


def set_role(session: orm.Session, pool: Pool, user_id: int, role: Role, *, organisation_id: Optional[int] = None,
             leader_id: Optional[int] = None, actor: Optional[User] = None) -> User:
    """Give a user ``role``, bound to the organisation or leader it needs (and to nothing it does not)."""
    user = get_user(session, pool, user_id)
    expected = ROLE_ORGANISATION.get(role)
    organisation = _organisation(session, pool, organisation_id, expected) if expected else None
    leader = _leader(session, pool, leader_id) if role is Role.leader else None
    if (user.role, user.organisation_id, user.leader_id) == (role, organisation and organisation.id,
                                                            leader and leader.id):
        return user  # nothing changes, so nothing to record
    if user.role is Role.coordinator and role is not Role.coordinator:
        _keep_a_coordinator(session, pool, user, actor, "role",
                            N_("You cannot take away your own coordinator role; ask another coordinator."))
    was = audit.user_snapshot(user)
    user.role = role
    user.organisation_id, user.organisation = (organisation.id, organisation) if organisation else (None, None)
    user.leader_id, user.leader = (leader.id, leader) if leader else (None, None)
    session.flush()
    audit.record(session, pool, actor, "role", user, was, audit.user_snapshot(user))
    return user


def set_active(session: orm.Session, pool: Pool, user_id: int, active: bool, *,
               actor: Optional[User] = None) -> User:
    """Let an account sign in again, or stop it from signing in (its history stays)."""
    user = get_user(session, pool, user_id)
    if user.active == active:
        raise Conflict(N_("The account is already active.") if active else N_("The account is already inactive."))
    if not active and user.role is Role.coordinator:
        _keep_a_coordinator(session, pool, user, actor, "active", N_("You cannot deactivate your own account."))
    was = audit.user_snapshot(user)
    user.active = active
    session.flush()
    audit.record(session, pool, actor, "activate" if active else "deactivate", user, was, audit.user_snapshot(user))
    return user


# ------------------------------------------------------------------------------ helpers
def _check_binding(role: Role, organisation: Optional[Organisation], leader: Optional[Leader]) -> None:
    expected = ROLE_ORGANISATION.get(role)
    if expected and (organisation is None or organisation.kind.value != expected):
        raise Invalid("organisation_id", _BINDING[expected])
    if role is Role.leader and leader is None:
        raise Invalid("leader_id", N_("A leader's account must be bound to a leader."))


_BINDING = {"club": N_("A club admin must belong to a club."),
            "requester": N_("A requester must belong to a requesting unit."),
            "funder": N_("A funder must belong to a funder.")}


def _organisation(session, pool: Pool, organisation_id: Optional[int], kind: str) -> Organisation:
    organisation = in_pool(session, Organisation, pool.id, organisation_id)
    if organisation is None or organisation.kind.value != kind:
        raise Invalid("organisation_id", _BINDING[kind])
    return organisation


def _leader(session, pool: Pool, leader_id: Optional[int]) -> Leader:
    leader = in_pool(session, Leader, pool.id, leader_id)
    if leader is None:
        raise Invalid("leader_id", N_("A leader's account must be bound to a leader."))
    return leader


def _keep_a_coordinator(session, pool: Pool, user: User, actor: Optional[User], field: str, own: str) -> None:
    """Refuse what would lock coordinators out: losing one's own access, or the pool's last coordinator."""
    if actor is not None and actor.id == user.id:
        raise Invalid(field, own)
    others = session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.pool_id == pool.id, User.role == Role.coordinator, User.active, User.id != user.id))
    if not others:
        raise Conflict(N_("The pool needs at least one active coordinator."))
