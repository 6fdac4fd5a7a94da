"""`pool user set-role EMAIL ROLE`: change an account's role from the command line, bound to the organisation
or leader the role needs, audited like a change on the users page (the actor is the system).
pool/cli.py adds it with ``main.add_command(user_group)``."""
from __future__ import annotations

from typing import Optional

import click
import sqlalchemy as sa

from pool.models import Role


@click.group("user", help="User accounts.")
def user_group() -> None:
    pass


@user_group.command("set-role", help="Give the account EMAIL the role ROLE.")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--organisation", "organisation_code", help="code of the club, requesting unit or funder the role "
                                                           "belongs to (club_admin, requester, funder)")
@click.option("--leader", "leader_code", help="code of the leader a leader account belongs to")
@click.option("--pool", "slug", default="sandviken", show_default=True)
def set_role_command(email: str, role: str, organisation_code: Optional[str], leader_code: Optional[str],
                     slug: str) -> None:
    from pool import accounts, db
    from pool.cli import BadInput, _engine, _pool
    from pool.errors import Conflict, Invalid
    from pool.models import Leader, Organisation, User
    with db.transaction(_engine()) as session:
        pool = _pool(session, slug)
        user = session.scalar(sa.select(User).where(User.pool_id == pool.id, User.email == email.strip().lower()))
        if user is None:
            raise BadInput(f"no account {email!r} in pool '{slug}'")
        organisation_id = _id_of(session, Organisation, pool, organisation_code, "--organisation")
        leader_id = _id_of(session, Leader, pool, leader_code, "--leader")
        try:
            accounts.set_role(session, pool, user.id, Role(role), organisation_id=organisation_id,
                              leader_id=leader_id)
        except (Invalid, Conflict) as error:
            raise BadInput(str(error)) from None
        click.echo(f"{user.email} is now {user.role.value}"
                   + (f" of {user.organisation.name}" if user.organisation else "")
                   + (f" ({user.leader.name or user.leader.code})" if user.leader else ""))


def _id_of(session, model, pool, code: Optional[str], option: str) -> Optional[int]:
    if code is None:
        return None
    found = session.scalar(sa.select(model.id).where(model.pool_id == pool.id, model.code == code))
    if found is None:
        from pool.cli import BadInput
        raise BadInput(f"{option}: no {model.__name__.lower()} with code {code!r}")
    return found
