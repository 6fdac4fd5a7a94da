"""one published schedule per pool and period; solve runs' heartbeat

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 05:05:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PUBLISHED = "state = 'published'"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.create_index('uq_schedules_one_published', ['pool_id', 'period_start', 'period_end'], unique=True,
                              postgresql_where=sa.text(PUBLISHED), sqlite_where=sa.text(PUBLISHED))
    with op.batch_alter_table('solve_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('solve_runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_index('uq_schedules_one_published')
