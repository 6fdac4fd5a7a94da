"""Small hand-built problems shared by tests."""
import dataclasses
import datetime as dt

from solver import problem as sp

D = dt.date
MON, LAST = D(2027, 1, 11), D(2027, 1, 24)


def small_problem() -> sp.Problem:
    needs = [
        sp.Need("rast", "satra", "Rastvärdar", 570, 600, seats=2, priority=4, credentials=frozenset({"bgc"}),
                weekdays=(2, 4), first=MON, last=D(2027, 6, 11), except_dates=frozenset({D(2027, 1, 14)})),
        sp.Need("natt", "jernvallen", "Nattfotboll", 1200, 1470, seats=3, priority=5,
                skills=frozenset({"female"}), weekdays=(5, 6)),
        sp.Need("mote", "satra", "Föräldramöte", 1080, 1200, seats=1, skills=frozenset({"lang:so"}),
                dates=(D(2027, 1, 19),)),
    ]
    needs = {n.id: dataclasses.replace(n, occurrences=sp.occurrence_dates(
        MON, LAST, weekdays=n.weekdays, dates=n.dates, first=n.first, last=n.last,
        except_dates=n.except_dates)) for n in needs}
    leaders = {
        "l1": sp.Leader("l1", "sif", frozenset({"female", "lang:so"}), {"bgc": D(2027, 3, 1)},
                        (sp.Window(2, 480, 960), sp.Window(5, 1140, 1560)),
                        (sp.Absence(D(2027, 1, 21), D(2027, 1, 22)),), 480, 1200, name="Amina Yusuf"),
        "l2": sp.Leader("l2", "saik", frozenset(), {}, (sp.Window(4, 480, 960),), (), None, None, name="Erik Berg"),
    }
    return sp.Problem(
        name="small", start=MON, end=LAST, default_travel=15,
        sites={"satra": sp.Site("satra", "Sätraskolan", "Sätra"),
               "jernvallen": sp.Site("jernvallen", "Jernvallen", "Centrum")},
        clubs={"sif": sp.Club("sif", "Sandvikens IF", 600), "saik": sp.Club("saik", "SAIK", None)},
        travel={("jernvallen", "satra"): 9}, leaders=leaders, needs=needs,
        baseline=(sp.Assignment("rast", D(2027, 1, 12), "l1"),),
        pinned=(sp.Assignment("natt", D(2027, 1, 15), "l1"),))
