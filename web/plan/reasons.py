"""The solver's reasons for an unfilled seat, and broken rules, in the page's language."""
from __future__ import annotations

from flask_babel import gettext as _

from pool.schedules import explain_violation
from solver.reasons import Reason
from web import select_locale
from web.club.tags import tag_label

SV_TEMPLATES = {
    "no-leaders": "poolen har inga ledare",
    "pool-too-small": "poolen har bara {count} ledare",
    "skill-missing": "ingen ledare har {skill}",
    "skills-not-combined": "ingen ledare har både {skills}",
    "skills-scarce": "bara {count} ledare har {skills}",
    "credential-missing": "ingen behörig ledare har {credential}",
    "credential-not-valid": "ingen behörig ledare har {credential} som gäller {date}",
    "credential-expired": "{count} av {of} behöriga ledare har {credential} som gäller längst till {until}, "
                          "före {date}",
    "credential-lacking": "{count} av {of} behöriga ledare saknar giltigt {credential} {date}",
    "not-available": "{count} av {of} behöriga ledare är inte tillgängliga {weekday_name} {start}–{end}",
    "absent": "{count} av {of} behöriga ledare är frånvarande",
    "busy": "{count} av {of} behöriga ledare är redan upptagna då (överlapp, eller för kort restid från "
            "en annan plats)",
    "day-limit": "{count} av {of} behöriga ledare skulle gå över sin gräns för dagen",
    "week-limit": "{count} av {of} behöriga ledare skulle gå över sin gräns för veckan",
    "requirement-not-free": "ingen ledare med {requirement} är ledig {weekday_name} {start}–{end}",
    "requirement-scarce": "bara {count} ledare med {requirement} är lediga {weekday_name} {start}–{end}",
    "eligible-unassigned": "{count} ledare som kan ta passet är lediga men inte tilldelade",
}

SV_SINGULAR = {
    "pool-too-small": "poolen har bara 1 ledare",
    "skills-scarce": "bara 1 ledare har {skills}",
    "credential-expired": "{count} av {of} behöriga ledare har {credential} som gäller längst till {until}, "
                          "före {date}",
    "not-available": "{count} av {of} behöriga ledare är inte tillgänglig {weekday_name} {start}–{end}",
    "absent": "{count} av {of} behöriga ledare är frånvarande",
    "busy": "{count} av {of} behöriga ledare är redan upptagen då (överlapp, eller för kort restid från "
            "en annan plats)",
    "requirement-scarce": "bara 1 ledare med {requirement} är ledig {weekday_name} {start}–{end}",
    "eligible-unassigned": "1 ledare som kan ta passet är ledig men inte tilldelad",
}

SV_WEEKDAYS = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
TAG_PARAMS = ("skill", "credential", "requirement")


def reason_text(reason) -> str:
    """A Reason in Swedish or English; plain strings (from older schedules) pass through."""
    if not isinstance(reason, Reason):
        return str(reason)
    params = dict(reason.params)
    for key in TAG_PARAMS:
        if key in params:
            params[key] = label(str(params[key]))
    if "skills" in params:
        params["skills"] = ", ".join(label(t.strip()) for t in str(params["skills"]).split(","))
    readable = Reason(reason.code, tuple(params.items()))
    if select_locale() == "sv":
        return readable.format(SV_TEMPLATES, SV_SINGULAR, SV_WEEKDAYS)
    return readable.format()


def label(tag: str) -> str:
    if tag == "background-check":
        return _("a background check")
    return tag_label(tag)


def violation_text(violation, problem) -> str:
    _field, message, params = explain_violation(violation, problem)
    for key in TAG_PARAMS:
        if key in params:
            params[key] = label(str(params[key]))
    return _(message, **params)


def error_text(error) -> str:
    """A service's Invalid or Conflict in the page's language, with tags made readable."""
    params = {k: (label(str(v)) if k in TAG_PARAMS else v) for k, v in error.params.items()}
    return _(error.message, **params)
