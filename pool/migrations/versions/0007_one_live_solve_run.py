"""solve_runs: one live (queued or running) run per pool and period

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 06:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LIVE = "state IN ('queued', 'running')"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('solve_runs', schema=None) as batch_op:
        batch_op.create_index('uq_solve_runs_one_live', ['pool_id', 'period_start', 'period_end'], unique=True,
                              postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('solve_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_solve_runs_one_live')
