"""What the figures count and over what: every figure is defined once, here.

The sources and pathways a referral is counted by, each figure's definition (shown beside it
wherever it is shown), the bands of the two spreads the dashboard charts, the period and its
months, and what a rate is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SOURCES = ("self", "friend", "professional")
PATHWAYS = ("primary_care", "social_care", "hospital", "other")

# What each figure means, shown beside it wherever it is shown.
DEFINITIONS = {
    "referrals": "Referrals submitted in the period (the cohort), by source, pathway "
    "(professional referrals), practice and need.",
    "referrer_unreachable": "The cohort's professional referrals whose referrer no update "
    "could reach (no mobile number, and an e-mail address on a service that sends no e-mail): "
    "taken all the same, and left to a link worker to phone the referrer if needed.",
    "engagement_rate": "Share of the cohort's clients who attended at least one session by "
    "the end of the period.",
    "sessions_per_client": "Clients who attended, by how many sessions they attended.",
    "dna_rate": "Sessions recorded as did-not-attend, over sessions recorded as attended or "
    "did-not-attend, for the cohort's clients, by the end of the period.",
    "confirmation_rate": "Share of the cohort's sessions booked ahead (so a confirmation "
    "request went) that the client confirmed.",
    "median_days_to_first_contact": "Median days from a referral to the link worker's first reply.",
    "median_days_to_first_session": "Median days from a referral to the first attended "
    "session after it.",
    "days_to_first_contact": "The cohort's referrals by days from the referral to the link "
    "worker's first reply, and those with no reply by the end of the "
    "period.",
    "follow_ups": "Follow-up check-ins and campaign messages sent to the cohort's clients by "
    "the end of the period, and those the client answered.",
    "reminder_variants": "Sessions that started in the period, by the reminder wording each "
    "was given at random when booked (REMINDER_VARIANTS): how many, confirmed, attended and "
    "missed, and the did-not-attend rate with its 95% confidence interval (Wilson). The verdict "
    "compares the wordings' rates (Fisher's exact test for two, chi-squared for more) once each "
    "has 30 sessions attended or missed. Not limited to the cohort.",
    "slots": "Sessions given up in the period far enough ahead for the waiting list "
    "(WAITING_LIST_NOTICE; cancelled, or a NO to the session): freed, offered to clients on the "
    "waiting list, and taken by one of them. Not limited to the cohort.",
    "wellbeing": "Complete SWEMWBS metric scores taken by the end of the period: clients with "
    "a first and a last score (two or more), the mean change from first to last, "
    "and the share whose score rose.",
    "wellbeing_change": "Clients with a first and a last complete SWEMWBS metric score by the "
    "end of the period, by how far the score moved from first to last.",
    "unmet_needs": 'Needs raised in the cohort\'s referrals (other than "something else") for '
    "which the directory has no active service near the client's practice "
    "(same postcode area or place, or with no fixed location), counted by need.",
    "onward_referrals": "Onward referrals recorded when closing the cohort's clients' cases by "
    "the end of the period: in all, by service and by the needs the "
    "service meets (those the client raised, where any match).",
}


# Bands of the two spreads the dashboard charts; the names read as labels once "_" is a space.
CONTACT_BANDS = (
    "under_1_day",
    "1_to_2_days",
    "2_to_5_days",
    "5_to_10_days",
    "10_days_or_more",
    "no_reply_yet",
)
CHANGE_BANDS = (
    "fell_by_3_or_more",
    "fell_by_less_than_3",
    "no_change",
    "rose_by_less_than_3",
    "rose_by_3_or_more",
)
# Metric scores have two decimals, so changes are whole hundredths give or take floating-point
# error; the band edges sit half a hundredth inside, so a change of exactly 3 is "3 or more".
HALF_HUNDREDTH = 0.005


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period in UTC: from the start of its first local day to the end of its last."""
        first = datetime.combine(self.start, time(), tzinfo=zone)
        after = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=zone)
        return first, after


def months(period: Period) -> list[Period]:
    """The calendar months the period touches, each cut to the period."""
    found: list[Period] = []
    first = period.start.replace(day=1)
    while first <= period.end:
        following = (first + timedelta(days=32)).replace(day=1)
        found.append(
            Period(max(first, period.start), min(following - timedelta(days=1), period.end))
        )
        first = following
    return found


def rate(part: int, whole: int) -> float | None:
    """A rate: a fraction from 0 to 1, or None when nothing was there to count."""
    return part / whole if whole else None
