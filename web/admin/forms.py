"""The role form and the audit log's filter; choices come from the pool, the rules from pool.accounts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, validators
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional as Skippable

from pool.audit import ACTIONS
from pool.models import Role
from web.report.forms import optional_int

ROLE_LABELS = {Role.coordinator: _l("Coordinator"), Role.club_admin: _l("Club admin"),
               Role.requester: _l("Requester"), Role.leader: _l("Leader"), Role.funder: _l("Funder")}
ACTION_LABELS = {"approve": _l("Approved the schedule"), "publish": _l("Published the schedule"),
                 "assign": _l("Seated a leader"), "unassign": _l("Freed a seat"), "swap": _l("Swapped the leader"),
                 "pin": _l("Pinned a seat"), "unpin": _l("Unpinned a seat"), "create_user": _l("Created an account"),
                 "role": _l("Changed a role"), "activate": _l("Activated an account"),
                 "deactivate": _l("Deactivated an account"), "erase": _l("Erased a leader's personal data")}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
                       validators=[validators.InputRequired(_l("Choose a role."))])
    organisation_id = SelectField(_l("Organisation"), coerce=optional_int, validate_choice=False)
    leader_id = SelectField(_l("Leader"), coerce=optional_int, validate_choice=False)


class ToggleForm(FlaskForm):
    """Only the CSRF token: the account and the wanted state are in the URL."""


class AuditFilter(FlaskForm):
    """Read from the query string, so a filtered page can be bookmarked; it changes nothing, so no token."""
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validate_choice=False,
                         choices=[SelectChoice("", _l("All actions"))]
                         + [SelectChoice(a, ACTION_LABELS[a]) for a in ACTIONS])
    first = DateField(_l("From"), validators=[Skippable()])
    last = DateField(_l("To"), validators=[Skippable()])

    def validate_last(self, field):
        if self.first.data and field.data and field.data < self.first.data:
            raise validators.ValidationError(_l("The last day comes before the first."))
