"""The Sandviken demo pool: clubs, requesting units, funders, sites, leaders, needs, school calendar
and one login per role. The people are listed in sandviken_leaders.csv; everything else is here.

Loading flushes and never commits: the caller owns the transaction.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from pool.accounts import create_user
from pool.models import (Absence, AvailabilityWindow, CalendarKind, CalendarPeriod, Credential, Leader,
                         Need, Organisation, OrgKind, Pool, Role, Site, Travel)
from pool.planning import build_problem
from solver import problem as sp

POOL_SLUG = "sandviken"
DEMO_PASSWORD = "demo1234"
LEADERS_CSV = Path(__file__).with_name("sandviken_leaders.csv")
BACKGROUND_CHECK = "background-check"

MON, TUE, WED, THU, FRI, SAT, SUN = range(1, 8)
WEEKDAYS = (MON, TUE, WED, THU, FRI)

SPRING_TERM = ("2027-01-11", "2027-06-11")

# The activity kinds of the pool, as requesters and coordinators name them ("other" is homework help).
ACTIVITY_KINDS = ("rastvard", "sportfritids", "nattfotboll", "tjejgrupp", "nodstopp", "nattvandring",
                  "cityvard", "sommarlager", "other")


class DemoError(Exception):
    """The demo data cannot be loaded into this database."""


# --- organisations -----------------------------------------------------------------------------

CLUBS = [  # code, name, pledged minutes per week
    ("sif", "Sandvikens IF – Framsteget", 7200),
    ("saik", "Sandvikens AIK Bandy", 2700),
    ("stensatra", "Stensätra IF", 1500),
    ("hogbo", "Högbo GK", 600),
    ("storvik", "Storviks IF", 1200),
]

REQUESTERS = [  # code, name, unit type
    ("satraskolan", "Sätraskolan", "school"),
    ("bjorksatraskolan", "Björksätraskolan", "school"),
    ("vallhovskolan", "Vallhovskolan", "school"),
    ("nordanbergsskolan", "Nordanbergsskolan", "school"),
    ("norrsatraskolan", "Norrsätraskolan", "school"),
    ("hammargardsskolan", "Hammargårdsskolan", "school"),
    ("murgardsskolan", "Murgårdsskolan", "school"),
    ("jaderbergsskolan", "Jäderbergsskolan", "school"),
    ("kungsgardens-skola", "Kungsgårdens skola", "school"),
    ("socialtjansten", "Socialtjänsten Sandviken", "social services"),
    ("sandvikenhus", "Sandvikenhus", "housing"),
    ("amei", "Arbetsmarknad och integration (AMEI)", "labour market"),
    ("spira", "Spira – förebyggande arbete", "prevention"),
]

FUNDERS = [  # code, name, unit type
    ("sandvik", "Sandvik AB", "company"),
    ("lansforsakringar", "Länsförsäkringar Gävleborg", "insurance"),
    ("goranssonska", "Göranssonska stiftelserna", "foundation"),
    ("sandvikenhus-fond", "Sandvikenhus – partnerskap", "housing"),
]

# --- sites and travel --------------------------------------------------------------------------

AREA_POSITIONS = {  # kilometres east and north of the town centre
    "Centrum": (0.0, 0.0), "Jernvallen": (-1.2, 0.3), "Murgården": (-0.6, 1.0),
    "Sätra": (-1.0, -1.6), "Björksätra": (-2.5, -0.8), "Norrsätra": (-2.0, 1.2),
    "Stensätra": (-3.0, -2.0), "Nordanberg": (0.5, 1.8), "Vallhov": (2.0, 0.5),
    "Hammargården": (1.2, -1.5), "Högbo": (1.0, 7.0), "Kungsgården": (-14.0, 3.0),
    "Storvik": (-19.0, -2.0),
}

SITES = [  # code, name, area, address
    ("stadshuset", "Stadshuset", "Centrum", "Köpmangatan 8, Sandviken"),
    ("stora-torget", "Stora torget", "Centrum", "Storgatan 17, Sandviken"),
    ("jaderbergsskolan", "Jäderbergsskolan", "Centrum", "Jäderbergsgatan 6, Sandviken"),
    ("jernvallen", "Jernvallen", "Jernvallen", "Jernvallsgatan 1, Sandviken"),
    ("goransson-arena", "Göransson Arena", "Jernvallen", "Jernvallsgatan 5, Sandviken"),
    ("murgardsskolan", "Murgårdsskolan", "Murgården", "Murgårdsvägen 2, Sandviken"),
    ("satraskolan", "Sätraskolan", "Sätra", "Sätragatan 16, Sandviken"),
    ("arenan-satra", "Sandvikenhus-arenan Sätra", "Sätra", "Sätra torg 3, Sandviken"),
    ("bjorksatraskolan", "Björksätraskolan", "Björksätra", "Björksätravägen 30, Sandviken"),
    ("arenan-bjorksatra", "Sandvikenhus-arenan Björksätra", "Björksätra", "Björksätra torg 1, Sandviken"),
    ("norrsatraskolan", "Norrsätraskolan", "Norrsätra", "Norrsätravägen 9, Sandviken"),
    ("stensatra-ip", "Stensätra IP", "Stensätra", "Stensätravägen 40, Sandviken"),
    ("nordanbergsskolan", "Nordanbergsskolan", "Nordanberg", "Nordanbergsvägen 4, Sandviken"),
    ("vallhovskolan", "Vallhovskolan", "Vallhov", "Vallhovsvägen 12, Sandviken"),
    ("hammargardsskolan", "Hammargårdsskolan", "Hammargården", "Hammargårdsvägen 5, Sandviken"),
    ("hogbo-gk", "Högbo Golfklubb", "Högbo", "Högbo Bruk 1, Sandviken"),
    ("kungsgardens-skola", "Kungsgårdens skola", "Kungsgården", "Skolvägen 3, Kungsgården"),
    ("storviks-ip", "Storviks IP", "Storvik", "Idrottsvägen 4, Storvik"),
]

SAME_AREA_MINUTES, MAX_TRAVEL_MINUTES = 3, 25


def travel_minutes(area_a: str, area_b: str) -> int:
    """Driving minutes between two areas: a few minutes to get going, then about 1.5 min a km."""
    if area_a == area_b:
        return SAME_AREA_MINUTES
    (xa, ya), (xb, yb) = AREA_POSITIONS[area_a], AREA_POSITIONS[area_b]
    return min(MAX_TRAVEL_MINUTES, max(SAME_AREA_MINUTES, round(4 + 1.5 * math.hypot(xa - xb, ya - yb))))


# --- leaders -----------------------------------------------------------------------------------

AVAILABILITY = {  # pattern: (ISO weekdays, "from-to"), an end before its start runs past midnight
    "student": [(WEEKDAYS, "14:00-21:00")],
    "student-helg": [((MON, TUE, WED, THU), "14:00-21:00"), ((FRI,), "14:00-02:00"), ((SAT,), "19:00-02:00")],
    "dag": [(WEEKDAYS, "08:00-16:00")],
    "heldag": [(WEEKDAYS, "08:00-18:00")],
    "dag-helg": [(WEEKDAYS, "08:00-16:00"), ((FRI, SAT), "19:00-02:00")],
    "kvall": [((MON, TUE, WED, THU), "16:00-21:00"), ((SAT, SUN), "10:00-17:00")],
    "natt": [((FRI, SAT), "19:00-02:00")],
    "helg": [((SAT, SUN), "10:00-18:00"), ((FRI,), "19:00-02:00")],
}

DAILY_AND_WEEKLY_LIMITS = {  # pattern: (max minutes a day, max minutes a week)
    "student": (300, 720), "student-helg": (300, 720), "dag": (480, 1200), "heldag": (480, 1200),
    "dag-helg": (480, 1200), "kvall": (300, 900), "natt": (360, 600), "helg": (420, 900),
}

ABSENCES = [  # leader code, first day, last day, reason
    ("erik-johansson", "2027-02-01", "2027-02-05", "sjuk"),
    ("sara-eriksson", "2027-03-08", "2027-03-12", "semester"),
    ("mahad-ali", "2027-03-15", "2027-03-19", "studier"),
    ("oscar-nilsson", "2027-04-05", "2027-04-09", "studier"),
    ("gustav-hedlund", "2027-04-12", "2027-04-18", "semester"),
    ("karin-sjodin", "2027-05-03", "2027-05-14", "semester"),
    ("hodan-abdi", "2027-05-24", "2027-05-28", "studier"),
]

PHONE_PREFIXES = ("070", "072", "073", "076", "079")

# --- needs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedSpec:
    code: str
    requester: Optional[str]  # None for the pool's own activities
    site: str
    title: str
    kind: str
    days: tuple  # ISO weekdays of a recurring need, or ISO dates of a one-off one
    hours: str  # "from-to", an end at or before its start runs past midnight
    seats: int
    priority: int
    period: tuple = SPRING_TERM  # first and last day; None for open-ended
    school_calendar: bool = False
    skills: tuple = ()
    credentials: tuple = (BACKGROUND_CHECK,)
    confidential: bool = False
    skipped: tuple = ()
    description: str = ""
    contact: str = ""


RECESS_HOSTS = [  # school, weekdays, recess blocks, seats per block, skipped dates (study days)
    ("satraskolan", (TUE, THU), ("08:00-15:00",), 2, ("2027-02-16",)),
    ("satraskolan", (MON, WED), ("09:30-10:00", "12:00-12:45"), 2, ()),
    ("hammargardsskolan", (MON, TUE, WED, THU), ("09:30-10:00",), 2, ()),
    ("hammargardsskolan", (MON, TUE, WED, THU, FRI), ("12:00-12:45",), 2, ()),
    ("murgardsskolan", (MON, TUE, WED, THU, FRI), ("12:00-12:45",), 2, ()),
    ("murgardsskolan", (TUE, THU), ("09:30-10:00",), 2, ()),
    ("vallhovskolan", (MON, WED), ("08:00-15:00",), 2, ()),
    ("vallhovskolan", (TUE, THU), ("09:30-10:00", "12:00-12:45"), 2, ()),
    ("bjorksatraskolan", (MON, TUE, WED, THU), ("09:30-10:00",), 3, ()),
    ("bjorksatraskolan", (MON, TUE, WED, THU, FRI), ("12:00-12:45",), 3, ()),
    ("nordanbergsskolan", (MON, TUE, WED, THU, FRI), ("12:00-12:45",), 2, ()),
    ("nordanbergsskolan", (MON, WED), ("09:30-10:00",), 2, ()),
    ("norrsatraskolan", (MON, TUE, WED, THU, FRI), ("12:00-12:45",), 2, ()),
    ("norrsatraskolan", (TUE, THU), ("09:30-10:00",), 2, ()),
    ("jaderbergsskolan", (MON, TUE, WED, THU), ("09:30-10:00",), 2, ()),
    ("jaderbergsskolan", (MON, WED), ("12:00-12:45",), 2, ()),
    ("kungsgardens-skola", (MON, TUE, WED, THU), ("11:30-12:30",), 2, ()),
]

RECESS_DESCRIPTION = ("Rastvärdar: aktiviteter och vuxennärvaro på rasterna, stöd i konflikter. "
                      "Samma ledare varje vecka så att elever och personal vet vilka som kommer.")

SPORTFRITIDS = [  # school, weekdays, hours, leaders besides the driver
    ("bjorksatraskolan", (MON, TUE, WED, THU, FRI), "14:30-17:00", 3),
    ("hammargardsskolan", (MON, WED), "14:30-17:00", 2),
    ("satraskolan", (TUE, THU), "14:30-17:00", 2),
    ("vallhovskolan", (TUE, THU), "14:30-17:00", 2),
    ("norrsatraskolan", (MON, WED), "14:30-17:00", 2),
    ("nordanbergsskolan", (TUE, THU), "14:30-17:00", 2),
    ("murgardsskolan", (MON, WED), "14:30-17:00", 2),
    ("kungsgardens-skola", (TUE, THU), "14:30-17:00", 2),
]

HOMEWORK_HELP = [  # school, weekdays; Sätraskolan is left out: its requester posts its own in the week walk
    ("bjorksatraskolan", (MON, TUE, WED, THU)),
    ("hammargardsskolan", (MON, TUE, WED, THU)),
    ("vallhovskolan", (MON, TUE, WED, THU)),
    ("norrsatraskolan", (TUE, THU)),
    ("jaderbergsskolan", (MON, TUE, WED, THU)),
    ("nordanbergsskolan", (TUE, THU)),
]

SCHOOL_NAMES = {code: name for code, name, unit_type in REQUESTERS if unit_type == "school"}


def school_needs() -> list[NeedSpec]:
    recess = [
        NeedSpec(code=f"rast-{school}-{hours[:2]}{hours[3:5]}", requester=school, site=school,
                 title=f"Rastvärdar {SCHOOL_NAMES[school]} {hours.replace('-', '–')}",
                 kind="rastvard", days=days, hours=hours, seats=seats, priority=4, school_calendar=True,
                 skipped=skipped, description=RECESS_DESCRIPTION,
                 contact=f"Expeditionen {SCHOOL_NAMES[school]}, fråga efter biträdande rektor")
        for school, days, blocks, seats, skipped in RECESS_HOSTS for hours in blocks]
    sport = []
    for school, days, hours, leaders in SPORTFRITIDS:
        common = dict(requester=school, site=school, kind="sportfritids", days=days, hours=hours,
                      priority=3, school_calendar=True,
                      contact=f"Fritidshemmet {SCHOOL_NAMES[school]}")
        sport += [
            NeedSpec(code=f"sportfritids-{school}-forare", title=f"Sportfritids {SCHOOL_NAMES[school]} – förare",
                     seats=1, skills=("licence:B",),
                     description="Kör minibussen från skolan till planen och tillbaka, leder sedan "
                                 "aktiviteten tillsammans med de andra ledarna.", **common),
            NeedSpec(code=f"sportfritids-{school}-ledare", title=f"Sportfritids {SCHOOL_NAMES[school]} – ledare",
                     seats=leaders, description="Idrott efter skolan: möter eleverna vid skolan, åker med "
                                          "minibussen till planen och leder träningen.", **common),
        ]
    homework = [
        NeedSpec(code=f"laxhjalp-{school}", requester=school, site=school, title=f"Läxhjälp {SCHOOL_NAMES[school]}",
                 kind="other", days=days, hours="15:00-17:00", seats=2, priority=3, school_calendar=True,
                 description="Läxhjälp i skolans bibliotek efter skoldagen, med fika. Ledaren hjälper "
                             "eleverna att komma igång och hör av sig till mentorn vid behov.",
                 contact=f"Biblioteket {SCHOOL_NAMES[school]}")
        for school, days in HOMEWORK_HELP]
    return recess + sport + homework


NIGHT_FOOTBALL_SEASON = ("2026-08-14", None)  # every Friday and Saturday, all year, holidays included

NEEDS = [
    NeedSpec("nattfotboll-satra", "sandvikenhus", "arenan-satra", "Nattfotboll Sätra", "nattfotboll",
             (FRI, SAT), "20:00-00:30", seats=4, priority=5, period=NIGHT_FOOTBALL_SEASON,
             description="Öppen nattfotboll på Sandvikenhus-arenan, ofta 80+ ungdomar en kväll. "
                         "Ledarna öppnar, håller i spelet och stänger arenan.",
             contact="Sandvikenhus bovärd Sätra, 026-24 31 00"),
    NeedSpec("nattfotboll-satra-tjejer", "sandvikenhus", "arenan-satra", "Nattfotboll för tjejer Sätra",
             "nattfotboll", (FRI, SAT), "20:00-00:30", seats=2, priority=5, period=NIGHT_FOOTBALL_SEASON,
             skills=("female",),
             description="Kvinnliga ledare för tjejernas planhalva på nattfotbollen. "
                         "Följs upp kvartalsvis av partnerna.",
             contact="Sandvikenhus bovärd Sätra, 026-24 31 00"),
    NeedSpec("nattfotboll-bjorksatra", "sandvikenhus", "arenan-bjorksatra", "Nattfotboll Björksätra",
             "nattfotboll", (FRI, SAT), "20:00-00:30", seats=4, priority=5, period=NIGHT_FOOTBALL_SEASON,
             description="Öppen nattfotboll på Sandvikenhus-arenan i Björksätra, året runt.",
             contact="Sandvikenhus bovärd Björksätra, 026-24 31 10"),
    NeedSpec("nattfotboll-nyarsafton", "sandvikenhus", "arenan-satra", "Nattfotboll nyårsafton",
             "nattfotboll", ("2026-12-31",), "20:00-00:30", seats=4, priority=5,
             description="Nattfotboll även på nyårsafton, ett tryggt alternativ för ungdomarna.",
             contact="Sandvikenhus jourtelefon, 026-24 31 99"),
    NeedSpec("tjejgrupp-satra", "socialtjansten", "satraskolan", "Tjejgrupp Sätra", "tjejgrupp",
             (WED,), "15:00-16:30", seats=2, priority=4, school_calendar=True, skills=("female",),
             confidential=True,
             description="Tjejgrupp efter skolan tillsammans med en ideell organisation. "
                         "Deltagarna presenteras inte i systemet.",
             contact="Socialtjänstens fältgrupp, 026-24 00 00"),
    NeedSpec("tjejgrupp-bjorksatra", "spira", "bjorksatraskolan", "Tjejgrupp Björksätra", "tjejgrupp",
             (TUE,), "15:00-16:30", seats=2, priority=4, school_calendar=True, skills=("female",),
             description="Rörelse och samtal för tjejer i årskurs 4–6 direkt efter skoldagen.",
             contact="Spira, samordnare förebyggande arbete, 026-24 00 00"),
    NeedSpec("tjejgrupp-hammargarden", "socialtjansten", "hammargardsskolan", "Tjejgrupp Hammargården",
             "tjejgrupp", (THU,), "15:00-16:30", seats=2, priority=4, school_calendar=True, skills=("female",),
             confidential=True,
             description="Samtalsgrupp för tjejer i årskurs 7–9 tillsammans med skolkuratorn.",
             contact="Socialtjänstens fältgrupp, 026-24 00 00"),
    NeedSpec("tjejgrupp-vallhov", "spira", "vallhovskolan", "Tjejgrupp Vallhov", "tjejgrupp",
             (MON,), "15:00-16:30", seats=2, priority=4, school_calendar=True, skills=("female",),
             description="Dans och samtal för tjejer i årskurs 4–6 direkt efter skoldagen.",
             contact="Spira, samordnare förebyggande arbete, 026-24 00 00"),
    NeedSpec("tjejgrupp-norrsatra", "spira", "norrsatraskolan", "Tjejgrupp Norrsätra", "tjejgrupp",
             (WED,), "15:00-16:30", seats=2, priority=4, school_calendar=True, skills=("female",),
             description="Idrott och samtal för tjejer i årskurs 5–7 direkt efter skoldagen.",
             contact="Spira, samordnare förebyggande arbete, 026-24 00 00"),
    NeedSpec("nodstopp-somaliska", "socialtjansten", "stadshuset", "Nödstopp föräldranätverk (somaliska)",
             "nodstopp", ("2027-02-10",), "18:00-20:00", seats=1, priority=4, skills=("lang:so",),
             credentials=(), confidential=True,
             description="Föräldramöte i nätverket Nödstopp. Ledaren är en trygg vuxen och tolkar "
                         "mellan svenska och somaliska.",
             contact="Socialtjänsten, mötet tas emot i receptionen"),
    NeedSpec("nodstopp-tigrinja", "socialtjansten", "stadshuset", "Nödstopp föräldranätverk (tigrinja)",
             "nodstopp", ("2027-04-14",), "18:00-20:00", seats=1, priority=4, skills=("lang:ti",),
             credentials=(), confidential=True,
             description="Föräldramöte i nätverket Nödstopp med tolkning mellan svenska och tigrinja.",
             contact="Socialtjänsten, mötet tas emot i receptionen"),
    NeedSpec("nattvandring-centrum", "socialtjansten", "stora-torget", "Nattvandring centrum",
             "nattvandring", (FRI, SAT), "21:00-01:00", seats=2, priority=3, period=("2027-01-08", "2027-06-12"),
             credentials=(),
             description="Trygghetsvandring i par genom centrum, Stadsparken och resecentrum. "
                         "Start och avslut vid Stora torget.",
             contact="Socialtjänstens fältgrupp, 026-24 00 00"),
    NeedSpec("cityvard-centrum", "amei", "stora-torget", "Cityvärdar centrum", "cityvard",
             (SAT, SUN), "11:00-16:00", seats=2, priority=2, period=("2027-01-09", "2027-06-13"),
             credentials=(),
             description="Cityvärdar i centrum under helgen: hjälper besökare, håller koll och "
                         "hör av sig till vakten vid behov.",
             contact="AMEI, arbetsledare cityvärdar, 026-24 00 00"),
    NeedSpec("nattvandring-satra", "socialtjansten", "arenan-satra", "Nattvandring Sätra", "nattvandring",
             (FRI, SAT), "21:00-01:00", seats=2, priority=3, period=("2027-01-08", "2027-06-12"), credentials=(),
             description="Trygghetsvandring i par runt Sätra torg och skolgården. Start och avslut vid arenan.",
             contact="Socialtjänstens fältgrupp, 026-24 00 00"),
    NeedSpec("nattvandring-bjorksatra", "socialtjansten", "arenan-bjorksatra", "Nattvandring Björksätra",
             "nattvandring", (FRI, SAT), "21:00-01:00", seats=2, priority=3, period=("2027-01-08", "2027-06-12"),
             credentials=(),
             description="Trygghetsvandring i par runt Björksätra centrum. Start och avslut vid arenan.",
             contact="Socialtjänstens fältgrupp, 026-24 00 00"),
    NeedSpec("cityvard-vardag-fm", "amei", "stora-torget", "Cityvärdar centrum förmiddag", "cityvard",
             WEEKDAYS, "10:00-14:00", seats=2, priority=2, period=SPRING_TERM, credentials=(),
             description="Cityvärdar i centrum och vid resecentrum på vardagar: hjälper besökare och "
                         "handlare, håller koll och hör av sig till vakten vid behov.",
             contact="AMEI, arbetsledare cityvärdar, 026-24 00 00"),
    NeedSpec("cityvard-vardag-em", "amei", "stora-torget", "Cityvärdar centrum eftermiddag", "cityvard",
             WEEKDAYS, "15:00-19:00", seats=2, priority=2, period=SPRING_TERM, credentials=(),
             description="Cityvärdar i centrum och vid resecentrum när skolorna slutat och bussarna är fulla.",
             contact="AMEI, arbetsledare cityvärdar, 026-24 00 00"),
    NeedSpec("oppen-hall-goransson", "sandvikenhus", "goransson-arena", "Öppen hall Göransson Arena", "other",
             (MON, TUE, WED, THU), "18:00-21:00", seats=3, priority=3, period=SPRING_TERM,
             description="Öppen idrottshall för ungdomar på vardagskvällar: innebandy, basket och "
                         "fotboll. Ledarna låser upp, håller i spelet och stänger.",
             contact="Sandvikenhus fritidssamordnare, 026-24 31 20"),
    NeedSpec("sommarlager-jernvallen", None, "jernvallen", "Sommarlager Jernvallen", "sommarlager",
             WEEKDAYS, "09:00-15:00", seats=4, priority=3, period=("2027-06-14", "2027-06-25"),
             skipped=("2027-06-25",),
             description="Föreningarnas egna dagläger under sommarlovet: fotboll, bandy och golf.",
             contact="Framstegets kansli på Jernvallen"),
]

# --- calendar and logins -----------------------------------------------------------------------

CALENDAR = [  # kind, name, first day, last day
    (CalendarKind.term, "ht 2026", "2026-08-18", "2026-12-18"),
    (CalendarKind.school_break, "höstlov 2026", "2026-10-26", "2026-10-30"),
    (CalendarKind.school_break, "jullov 2026/27", "2026-12-21", "2027-01-08"),
    (CalendarKind.term, "vt 2027", *SPRING_TERM),
    (CalendarKind.school_break, "sportlov 2027", "2027-03-01", "2027-03-05"),
    (CalendarKind.school_break, "påsklov 2027", "2027-03-29", "2027-04-02"),
]

DEMO_LEADER = "abdirahman-warsame"

LOGINS = [  # role, email, name, organisation code (or the leader's code for a leader)
    (Role.coordinator, "samordnare@sandviken.example", "Maria Lindqvist", None),
    (Role.club_admin, "sif@sandviken.example", "Johan Berglund", "sif"),
    (Role.requester, "satraskolan@sandviken.example", "Karin Ek", "satraskolan"),
    (Role.leader, "ledare@sandviken.example", None, DEMO_LEADER),
    (Role.funder, "sandvik@sandviken.example", "Anders Holmgren", "sandvik"),
]


# --- loading -----------------------------------------------------------------------------------

def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def span(hours: str) -> tuple[int, int]:
    start, end = hours.split("-")
    return minutes(start), minutes(end)


def day(iso: Optional[str]) -> Optional[dt.date]:
    return dt.date.fromisoformat(iso) if iso else None


def ascii_slug(text: str, separator: str = "-") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return separator.join("".join(c for c in part if c.isalnum() or c == "-") for part in plain.split())


def phone_number(index: int) -> str:
    number = (index * 7_368_787 + 1_203_457) % 10_000_000
    return (f"{PHONE_PREFIXES[index % len(PHONE_PREFIXES)]}-{number // 10_000:03d} "
            f"{number // 100 % 100:02d} {number % 100:02d}")


def load_demo(session: orm.Session) -> list[tuple[str, str, str]]:
    """Fill an empty database with the Sandviken pool; return (role, email, password) of each login."""
    if session.scalar(sa.select(Pool.id).where(Pool.slug == POOL_SLUG)) is not None:
        raise DemoError(f"the database already has a pool named {POOL_SLUG!r}")
    pool = Pool(slug=POOL_SLUG, name="Sandviken", timezone="Europe/Stockholm", holiday_country="SE",
                default_travel_minutes=15)
    session.add(pool)
    session.flush()
    organisations = _add_organisations(session, pool)
    sites = _add_sites(session, pool)
    leaders = _add_leaders(session, pool, organisations)
    _add_needs(session, pool, organisations, sites)
    session.add_all(CalendarPeriod(pool_id=pool.id, kind=kind, name=name, first_day=day(first),
                                   last_day=day(last)) for kind, name, first, last in CALENDAR)
    session.flush()
    return _add_logins(session, pool, organisations, leaders)


def _add_organisations(session: orm.Session, pool: Pool) -> dict[str, Organisation]:
    rows = ([(code, OrgKind.club, name, "club", pledged) for code, name, pledged in CLUBS]
            + [(code, OrgKind.requester, name, unit, None) for code, name, unit in REQUESTERS]
            + [(code, OrgKind.funder, name, unit, None) for code, name, unit in FUNDERS])
    organisations = {code: Organisation(pool_id=pool.id, code=code, kind=kind, name=name, unit_type=unit,
                                        pledged_minutes_per_week=pledged,
                                        contact_email=f"{code}@sandviken.example")
                     for code, kind, name, unit, pledged in rows}
    session.add_all(organisations.values())
    session.flush()
    return organisations


def _add_sites(session: orm.Session, pool: Pool) -> dict[str, Site]:
    sites = {code: Site(pool_id=pool.id, code=code, name=name, area=area, address=address)
             for code, name, area, address in SITES}
    session.add_all(sites.values())
    session.flush()
    for a, b in combinations(sorted(sites.values(), key=lambda site: site.id), 2):
        session.add(Travel(from_site_id=a.id, to_site_id=b.id, minutes=travel_minutes(a.area, b.area)))
    session.flush()
    return sites


def _add_leaders(session: orm.Session, pool: Pool, organisations: dict[str, Organisation]) -> dict[str, Leader]:
    with LEADERS_CSV.open(encoding="utf-8", newline="") as rows:
        people = list(csv.DictReader(rows))
    leaders = {}
    for index, person in enumerate(people):
        code = ascii_slug(person["name"])
        pattern = person["availability"]
        per_day, per_week = DAILY_AND_WEEKLY_LIMITS[pattern]
        skills = [f"lang:{language}" for language in person["languages"].split()]
        if person["gender"] == "K":
            skills.append("female")
        if person["licence"]:
            skills.append(f"licence:{person['licence']}")
        leader = Leader(pool_id=pool.id, club_id=organisations[person["club"]].id, code=code,
                        name=person["name"], email=f"{ascii_slug(person['name'], '.')}@example.se",
                        phone=phone_number(index), skills=skills, max_minutes_per_day=per_day,
                        max_minutes_per_week=per_week, hourly_wage=Decimal(person["hourly_wage"]))
        if person["background_check_until"]:
            leader.credentials.append(Credential(kind=BACKGROUND_CHECK,
                                                 valid_until=day(person["background_check_until"])))
        for weekdays, hours in AVAILABILITY[pattern]:
            start, end = span(hours)
            leader.availability.extend(AvailabilityWindow(weekday=weekday, start_minute=start, end_minute=end)
                                       for weekday in weekdays)
        leaders[code] = leader
    for code, first, last, reason in ABSENCES:
        leaders[code].absences.append(Absence(first_day=day(first), last_day=day(last), reason=reason))
    session.add_all(leaders.values())
    session.flush()
    return leaders


def _add_needs(session: orm.Session, pool: Pool, organisations: dict[str, Organisation],
               sites: dict[str, Site]) -> None:
    for spec in school_needs() + NEEDS:
        start, end = span(spec.hours)
        one_off = all(isinstance(d, str) for d in spec.days)
        first, last = (min(spec.days), max(spec.days)) if one_off else spec.period
        session.add(Need(
            pool_id=pool.id, code=spec.code, site_id=sites[spec.site].id, title=spec.title,
            requester_id=organisations[spec.requester].id if spec.requester else None,
            activity_kind=spec.kind, description=spec.description, contact=spec.contact,
            weekdays=[] if one_off else list(spec.days), dates=list(spec.days) if one_off else [],
            start_minute=start, end_minute=end, seats=spec.seats, first_day=day(first), last_day=day(last),
            skipped_dates=list(spec.skipped), follows_school_calendar=spec.school_calendar,
            skills=list(spec.skills), credentials=list(spec.credentials), priority=spec.priority,
            confidential=spec.confidential))
    session.flush()


def _add_logins(session: orm.Session, pool: Pool, organisations: dict[str, Organisation],
                leaders: dict[str, Leader]) -> list[tuple[str, str, str]]:
    logins = []
    for role, email, name, bound_to in LOGINS:
        leader = leaders[bound_to] if role is Role.leader else None
        organisation = organisations[bound_to] if bound_to and leader is None else None
        create_user(session, pool, email=email, name=name or leader.name, role=role, password=DEMO_PASSWORD,
                    organisation=organisation, leader=leader, locale="sv")
        logins.append((role.value, email, DEMO_PASSWORD))
    return logins


# --- the busiest week --------------------------------------------------------------------------

def seat_occurrences_per_week(problem: sp.Problem) -> Counter:
    """Monday → seats to fill that week (a need's seats on each of its occurrences)."""
    weeks: Counter = Counter()
    for need in problem.needs.values():
        for occurrence in need.occurrences:
            weeks[occurrence - dt.timedelta(days=occurrence.weekday())] += need.seats
    return weeks


def busiest_week(session: orm.Session, pool: Pool) -> tuple[dt.date, int]:
    """The Monday of the spring term's week with the most seat-occurrences, and their number."""
    first, last = (day(d) for d in SPRING_TERM)
    weeks = seat_occurrences_per_week(build_problem(session, pool, first, last, baseline=(), pinned=()))
    return max(weeks.items(), key=lambda item: (item[1], -item[0].toordinal()))
