"""Readable names of skill tags (lang:so → Språk: somaliska), in the page's language."""
from __future__ import annotations

from babel import Locale
from flask_babel import gettext as _

from web import select_locale

SUGGESTED = ("female", "licence:B", "licence:D1", "lang:sv", "lang:en", "lang:ar", "lang:so", "lang:ti",
             "first-aid")


def tag_label(tag: str) -> str:
    prefix, _sep, rest = tag.partition(":")
    if prefix == "lang" and rest:
        language = Locale.parse(select_locale()).languages.get(rest)
        return _("Speaks %(language)s", language=language) if language else tag
    if prefix == "licence" and rest:
        return _("Driving licence %(kind)s", kind=rest)
    if tag == "female":
        return _("Female leader")
    if tag == "first-aid":
        return _("First aid")
    return tag


def picker_choices(known) -> list[tuple[str, str]]:
    tags = sorted(set(known) | set(SUGGESTED), key=lambda t: (t.partition(":")[0] if ":" in t else "~", t))
    return [(tag, f"{tag_label(tag)} ({tag})" if tag_label(tag) != tag else tag) for tag in tags]
