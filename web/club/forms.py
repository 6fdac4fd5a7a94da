"""The club's forms; the leader's own availability page reuses the week grid."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, FieldList, FormField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from web.club.week_grid import WeekGridField

BLANK_CREDENTIALS, BLANK_ABSENCES = 2, 1  # empty rows offered for new entries (no JS needed)


class CommaDecimalField(DecimalField):
    """A decimal that also accepts the Swedish decimal comma (5,5)."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = Decimal(valuelist[0].strip().replace(" ", "").replace(",", "."))
            except InvalidOperation:
                self.data = None
                raise ValueError(self.gettext("Not a valid decimal value.")) from None
            if not self.data.is_finite():
                self.data = None
                raise ValueError(self.gettext("Not a valid decimal value."))
        else:
            self.data = None


class TagChoices(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CredentialForm(wtforms.Form):
    kind = StringField(_l("Credential"), validators=[Optional(), Length(max=60)])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])

    def validate(self, extra_validators=None):
        """A row needs both its credential and its date, or neither (an empty row is ignored)."""
        valid = super().validate(extra_validators)
        kind = (self.kind.data or "").strip()
        if kind and self.valid_until.data is None and not self.valid_until.errors:
            self.valid_until.errors = [*self.valid_until.errors, _l("Enter the date it is valid until.")]
            valid = False
        if self.valid_until.data is not None and not kind:
            self.kind.errors = [*self.kind.errors, _l("Name the credential, e.g. background-check.")]
            valid = False
        return valid


class AbsenceForm(wtforms.Form):
    first_day = DateField(_l("First day"), validators=[Optional()])
    last_day = DateField(_l("Last day"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])

    def filled(self) -> bool:
        return bool(self.first_day.data or self.last_day.data or (self.reason.data or "").strip())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.filled() and (self.first_day.data is None or self.last_day.data is None) \
                and not (self.first_day.errors or self.last_day.errors):
            self.last_day.errors = [*self.last_day.errors, _l("Enter both the first and the last day.")]
            valid = False
        return valid


class LeaderForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the leader's name.")), Length(max=200)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    skills = TagChoices(_l("Known skills"), choices=[], validate_choice=False)
    other_skills = StringField(_l("Other skills"), validators=[Optional(), Length(max=400)])
    credentials = FieldList(FormField(CredentialForm), min_entries=0)
    availability = WeekGridField(_l("Weekly availability"))
    absences = FieldList(FormField(AbsenceForm), min_entries=0)
    max_hours_per_day = CommaDecimalField(_l("Max hours per day"), validators=[Optional(), NumberRange(min=0)])
    max_hours_per_week = CommaDecimalField(_l("Max hours per week"), validators=[Optional(), NumberRange(min=0)])
    hourly_wage = CommaDecimalField(_l("Hourly wage (kr)"), validators=[Optional(), NumberRange(min=0)])


class AvailabilityForm(FlaskForm):
    availability = WeekGridField(_l("Weekly availability"))


class PledgeForm(FlaskForm):
    pledged_hours = CommaDecimalField(_l("Hours a week pledged to the pool"),
                                      validators=[Optional(), NumberRange(min=0)])


class UploadForm(FlaskForm):
    file = FileField(_l("File (CSV or Excel .xlsx, at most 2 MB)"),
                     validators=[FileRequired(_l("Choose a file to upload."))])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the rows themselves stay on the server."""


class ToggleForm(FlaskForm):
    """Only the CSRF token, for one-button actions."""
