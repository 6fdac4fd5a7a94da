"""The weekly availability grid: 7 days × half-hour cells, plain checkboxes that JS lets you paint.

Ticked cells become windows. A run to midnight that goes on from 00:00 the next day is one window
past midnight (Fri 19:00–02:00), as the planner expects; Sunday night runs on into Monday.
Shared by the club's leader form and the leader's own availability page.
"""
from __future__ import annotations

from wtforms import Field

from pool.leaders import Window
from solver.problem import DAY, clock, span

STEP = 30
SLOTS = tuple(range(0, DAY, STEP))


def cells_of(windows) -> set[tuple[int, int]]:
    """(weekday, minute) of every cell a window touches; past-midnight parts land on the next day."""
    cells = set()
    for window in windows:
        start, end = span(window.start_minute, window.end_minute)
        for minute in range(start - start % STEP, end, STEP):
            day = (window.weekday - 1 + minute // DAY) % 7 + 1
            cells.add((day, minute % DAY))
    return cells


def windows_of(cells: set[tuple[int, int]]) -> list[Window]:
    runs = {day: _runs(sorted(m for d, m in cells if d == day)) for day in range(1, 8)}
    windows = []
    for day in range(1, 8):
        following = runs[day % 7 + 1]
        for start, end in runs[day]:
            if start == 0 and _continues(runs[(day - 2) % 7 + 1], end):
                continue  # the tail of the previous night
            if end == DAY and following and following[0][0] == 0 and following[0][1] < start:
                end = following[0][1]
            windows.append(Window(day, start, end))
    return windows


def _continues(previous_runs, end: int) -> bool:
    return bool(previous_runs) and previous_runs[-1][1] == DAY and end < previous_runs[-1][0]


def _runs(minutes: list[int]) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for minute in minutes:
        if runs and runs[-1][1] == minute:
            runs[-1][1] = minute + STEP
        else:
            runs.append([minute, minute + STEP])
    return [(a, b) for a, b in runs]


def describe(window: Window) -> str:
    return f"{clock(window.start_minute)}–{'24:00' if window.end_minute == DAY else clock(window.end_minute)}"


class WeekGridField(Field):
    """Its data is a list of Windows; its form values are 'weekday-minute' of the ticked cells."""

    def process_formdata(self, valuelist):
        cells = set()
        for value in valuelist:
            day, _, minute = value.partition("-")
            if day.isdigit() and minute.isdigit() and 1 <= int(day) <= 7 and int(minute) in SLOTS:
                cells.add((int(day), int(minute)))
        self.data = windows_of(cells)

    def process_data(self, value):
        self.data = list(value or [])

    @property
    def cells(self) -> set[tuple[int, int]]:
        return cells_of(self.data or [])
