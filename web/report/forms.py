"""The funding link form; choices come from the pool, the rules from pool.funding."""
from __future__ import annotations

from typing import Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional as Skippable

from pool import funding
from web.requests.labels import kind_label


def optional_int(value) -> Optional[int]:
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FundingForm(FlaskForm):
    funder_id = SelectField(_l("Funder"), coerce=optional_int, validate_choice=False)
    target = RadioField(_l("What it supports"), validate_choice=False, choices=[
        SelectChoice("need", _l("One need")), SelectChoice("activity_kind", _l("An activity kind")),
        SelectChoice("club", _l("A club's pool contribution"))])
    need_id = SelectField(_l("Need"), coerce=optional_int, validate_choice=False)
    activity_kind = SelectField(_l("Activity kind"), validate_choice=False)
    club_id = SelectField(_l("Club"), coerce=optional_int, validate_choice=False)
    first_day = DateField(_l("First day"), validators=[Skippable()])
    last_day = DateField(_l("Last day"), validators=[Skippable()])
    amount = StringField(_l("Amount (kr)"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    note = StringField(_l("Note"))


class DeleteForm(FlaskForm):
    pass


def fill_choices(form: FundingForm, session, pool) -> None:
    blank = [SelectChoice("", "—")]
    form.funder_id.choices = blank + [SelectChoice(f.id, f.name) for f in funding.funders(session, pool)]
    form.need_id.choices = blank + [SelectChoice(n.id, n.title) for n in funding.needs(session, pool)]
    form.activity_kind.choices = blank + [SelectChoice(k, kind_label(k)) for k in funding.activity_kinds(session, pool)]
    form.club_id.choices = blank + [SelectChoice(c.id, c.name) for c in funding.clubs(session, pool)]
