"""The service's working days: Monday to Friday, except the bank holidays of its nation.

The one home of the rule. The queue's answer-by times count in working days, and a link
worker's weekly pattern has no slots on a bank holiday. Bank holidays come from the
``holidays`` library (the UK's, by nation: England and Wales share theirs; Scotland and
Northern Ireland have their own), so a new year or a one-off holiday needs no change here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from flows.texts import Nation

# The subdivisions of the UK in the holidays library, by the service's nation.
_SUBDIVISION = {
    Nation.ENGLAND: "ENG",
    Nation.WALES: "WLS",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}


class WorkingDays:
    """Which local dates the service works, in its time zone. ``nation=None`` knows no bank
    holidays (weekends only), for tests of other things."""

    def __init__(self, nation: Nation | None, zone: ZoneInfo) -> None:
        self.nation, self.zone = nation, zone

    def bank_holiday(self, day: date) -> str | None:
        """The bank holiday's name on ``day``, or None."""
        if self.nation is None:
            return None
        name: str | None = _bank_holidays(self.nation, day.year).get(day)
        return name

    def works_on(self, day: date) -> bool:
        return day.weekday() < 5 and self.bank_holiday(day) is None

    def add(self, start: datetime, days: int) -> datetime:
        """``days`` working days after ``start``: the same local time on the ``days``-th
        working day after it (a Friday afternoon plus 1 is Monday afternoon, or Tuesday after
        a bank holiday Monday)."""
        local = start.astimezone(self.zone)
        day = local.date()
        while days > 0:
            day += timedelta(days=1)
            if self.works_on(day):
                days -= 1
        return datetime.combine(day, local.timetz().replace(tzinfo=None), self.zone).astimezone(
            start.tzinfo
        )


@lru_cache(maxsize=64)
def _bank_holidays(nation: Nation, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=_SUBDIVISION[nation], years=year)
