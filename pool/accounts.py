"""Users and their roles. Writes flush and never commit: the caller owns the transaction."""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm
from werkzeug.security import check_password_hash, generate_password_hash

from pool.models import Leader, Organisation, Pool, Role, User

# The organisation kind each role is bound to; coordinators are bound to the pool itself.
ROLE_ORGANISATION = {Role.club_admin: "club", Role.requester: "requester", Role.funder: "funder"}


def create_user(session: orm.Session, pool: Pool, *, email: str, name: str, role: Role, password: str,
                organisation: Optional[Organisation] = None, leader: Optional[Leader] = None,
                locale: str = "sv") -> User:
    expected = ROLE_ORGANISATION.get(role)
    if expected and (organisation is None or organisation.kind.value != expected):
        raise ValueError(f"a {role.value} must belong to a {expected}")
    if role is Role.leader and leader is None:
        raise ValueError("a leader account must be bound to a leader")
    user = User(pool_id=pool.id, email=email.strip().lower(), name=name, role=role, locale=locale,
                password_hash=generate_password_hash(password),
                organisation_id=organisation.id if organisation else None,
                leader_id=leader.id if leader else None)
    session.add(user)
    session.flush()
    return user


def authenticate(session: orm.Session, email: str, password: str) -> Optional[User]:
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower(), User.active))
    if user and check_password_hash(user.password_hash, password):
        return user
    return None
