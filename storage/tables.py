"""The database tables. Every time is stored in UTC; ``UTCDateTime`` hands back aware datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back timezone-aware, on SQLite and PostgreSQL alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table_of(row: type[SQLModel]) -> sa.Table:
    """The plain table behind a row class, for Core statements built once (no ORM on them)."""
    table = sa.inspect(row).local_table
    assert isinstance(table, sa.Table)
    return table


def _time(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class PracticeRow(SQLModel, table=True):
    __tablename__ = "practice"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    name: str = Field(max_length=200)
    area: str | None = Field(default=None, max_length=200)


class StaffUserRow(SQLModel, table=True):
    __tablename__ = "staff_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=320)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    password_hash: str
    must_change_password: bool = True
    created_at: datetime = _time()
    failed_logins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    locked_until: datetime | None = _time(nullable=True)
    disabled_at: datetime | None = _time(nullable=True)  # a leaver: no sign-in, no token


class LoginThrottleRow(SQLModel, table=True):
    """Failed sign-ins from one address (any account, known or not), counted atomically."""

    __tablename__ = "login_throttle"
    address: str = Field(primary_key=True, max_length=100)
    failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    window_started_at: datetime = _time()
    locked_until: datetime | None = _time(nullable=True)


class UserPracticeRow(SQLModel, table=True):
    __tablename__ = "user_practice"
    user_id: int = Field(foreign_key="staff_user.id", primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", primary_key=True)


class ApiTokenRow(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)  # SHA-256 hex; the token is never stored
    created_at: datetime = _time()
    revoked: bool = False


class ClientRow(SQLModel, table=True):
    __tablename__ = "client"
    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=100)  # where replies go now
    phone: str | None = Field(default=None, max_length=40, index=True)
    telegram_chat_id: str | None = Field(default=None, max_length=40, index=True)
    name: str | None = Field(default=None, max_length=200)
    date_of_birth: str | None = Field(default=None, max_length=10)
    practice_id: int | None = Field(default=None, foreign_key="practice.id", index=True)
    came_from: str | None = Field(default=None, max_length=64)  # a Telegram deep link's tag
    opted_out: bool = False
    opted_out_at: datetime | None = _time(nullable=True)
    flow: str | None = Field(default=None, max_length=40)
    flow_state: str = "{}"  # JSON
    created_at: datetime = _time()
    last_seen_at: datetime = _time()
    erased_at: datetime | None = _time(nullable=True)  # personal data removed; counts kept


class ClientAddressRow(SQLModel, table=True):
    """Every address a client has written from; the key for finding them again."""

    __tablename__ = "client_address"
    address: str = Field(primary_key=True, max_length=100)
    client_id: int = Field(foreign_key="client.id", index=True)


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (sa.Index("ix_case_queue", "status", "priority_rank", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    practice_id: int | None = Field(default=None, foreign_key="practice.id", index=True)
    reason: str = Field(max_length=40)
    priority: str = Field(max_length=10)
    priority_rank: int
    status: str = Field(max_length=10)
    assigned_to: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = _time()
    due_by: datetime = _time()
    closed_at: datetime | None = _time(nullable=True)
    closed_by: int | None = Field(default=None, foreign_key="staff_user.id")
    outcome: str | None = None
    onward_referrals: str = "[]"  # JSON list of service ids
    # When the duty contact was told nobody had taken this urgent case in time (at most once).
    duty_alerted_at: datetime | None = _time(nullable=True)


class CaseEventRow(SQLModel, table=True):
    """A case's history: its opening, each change of its reason or priority, and each request
    it did not take because it was already more urgent (a crisis is never relabelled)."""

    __tablename__ = "case_event"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    at: datetime = _time()
    reason: str = Field(max_length=40)
    priority: str = Field(max_length=10)
    taken: bool = True  # False: asked for while the case was more urgent, which it stayed


class ReferralRow(SQLModel, table=True):
    """A referral to the service: by the person themselves, a friend's suggestion, or a
    professional. Self and friend referrals start as ``incomplete`` until the person confirms."""

    __tablename__ = "referral"
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, max_length=12)
    client_id: int = Field(foreign_key="client.id", index=True)
    source: str = Field(max_length=12)  # self, friend, professional
    pathway: str | None = Field(default=None, max_length=12)  # professional referrals only
    # invited (a friend not yet asked), declined, incomplete, submitted
    status: str = Field(max_length=12)
    practice_id: int | None = Field(default=None, foreign_key="practice.id", index=True)
    practice_text: str | None = Field(default=None, max_length=200)  # when none matched
    needs: str = "[]"  # JSON list of need codes
    needs_text: str | None = None  # their own words
    notes: str | None = None
    contact_method: str | None = Field(default=None, max_length=10)
    contact_times: str | None = Field(default=None, max_length=100)
    referrer_name: str | None = Field(default=None, max_length=200)
    referrer_role: str | None = Field(default=None, max_length=200)
    referrer_organisation: str | None = Field(default=None, max_length=200)
    referrer_phone: str | None = Field(default=None, max_length=40)
    referrer_email: str | None = Field(default=None, max_length=320)
    referred_by_client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    relationship: str | None = Field(default=None, max_length=100)
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    created_at: datetime = _time(index=True)
    submitted_at: datetime | None = _time(nullable=True)
    picked_up_at: datetime | None = _time(nullable=True)
    first_contact_at: datetime | None = _time(nullable=True)
    closed_at: datetime | None = _time(nullable=True)
    # What the referrer gave, kept here: a referral never overwrites an existing client.
    date_of_birth: str | None = Field(default=None, max_length=10)  # ISO date, as given
    # Where the referral disagrees with the client already held (another practice, another date
    # of birth), in words for the person who resolves it; None when nothing differs.
    mismatch: str | None = None
    # True when no update can reach the referrer (e-mail only, and this service sends none).
    referrer_unreachable: bool = Field(
        default=False, sa_column_kwargs={"server_default": sa.false()}
    )


class AppointmentRow(SQLModel, table=True):
    """A session with a link worker. Status: booked, confirmed, rearrange, cancelled,
    attended or dna."""

    __tablename__ = "appointment"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    starts_at: datetime = _time(index=True)
    duration_minutes: int
    location: str = Field(max_length=200)
    worker: str = Field(max_length=100)
    # The link worker as a staff user, when known: what clashes and availability go by.
    worker_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    status: str = Field(max_length=12)
    # The reminder wording this session was given at random, when wordings are tested.
    reminder_variant: str | None = Field(default=None, max_length=40)
    asked_again: bool = False  # an unclear answer was asked about once already
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = _time()
    answered_at: datetime | None = _time(nullable=True)
    confirmed_at: datetime | None = _time(nullable=True)  # the client said yes
    outcome_at: datetime | None = _time(nullable=True)


class WorkPatternRow(SQLModel, table=True):
    """When a link worker sees clients, in slots: every week on ``weekday`` (0 is Monday),
    between ``valid_from`` and ``valid_until`` when set, or once, on ``on_date``. Times are
    local wall-clock times in the service's time zone."""

    __tablename__ = "work_pattern"
    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(foreign_key="staff_user.id", index=True)
    weekday: int | None = None
    on_date: date | None = None
    starts: time
    ends: time
    slot_minutes: int
    location: str = Field(max_length=200)
    valid_from: date | None = None
    valid_until: date | None = None
    created_at: datetime = _time()


class LeaveRow(SQLModel, table=True):
    """A time a link worker is away (leave, training, a clinic cancelled): no slots in it."""

    __tablename__ = "leave"
    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(foreign_key="staff_user.id", index=True)
    starts_at: datetime = _time()
    ends_at: datetime = _time()
    note: str = Field(default="", max_length=200)
    created_at: datetime = _time()


class SlotOfferRow(SQLModel, table=True):
    """A free slot offered to a client by message, choice ``choice`` of its ``batch`` (the
    id of the batch's first offer). Status: offered, taken (booked by the reply), gone (taken
    by someone else, or the batch answered another way) or lapsed. An offered slot is held for
    the client until ``expires_at``; a freed slot (``freed_slot_id``) goes to whoever of the
    waiting list answers first."""

    __tablename__ = "slot_offer"
    __table_args__ = (sa.Index("ix_slot_offer_live", "status", "expires_at"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    batch: int | None = None
    choice: int
    worker_id: int | None = Field(default=None, foreign_key="staff_user.id")
    worker: str = Field(max_length=100)
    starts_at: datetime = _time()
    duration_minutes: int
    location: str = Field(max_length=200)
    reason: str = Field(max_length=20)  # first_session, rearrange, freed
    freed_slot_id: int | None = Field(default=None, foreign_key="freed_slot.id", index=True)
    status: str = Field(max_length=10)
    created_at: datetime = _time()
    expires_at: datetime = _time()
    answered_at: datetime | None = _time(nullable=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")


class FreedSlotRow(SQLModel, table=True):
    """A session given up far enough ahead (cancelled, or a NO to its reminder) for someone
    on the waiting list to use: offered to them (``offered_at``) and perhaps taken by one
    (``taken_by``, the client; their booking is the taken offer's appointment)."""

    __tablename__ = "freed_slot"
    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", unique=True)
    practice_id: int | None = Field(default=None, foreign_key="practice.id")
    worker_id: int | None = Field(default=None, foreign_key="staff_user.id")
    worker: str = Field(max_length=100)
    starts_at: datetime = _time()
    duration_minutes: int
    location: str = Field(max_length=200)
    freed_at: datetime = _time(index=True)
    offered_at: datetime | None = _time(nullable=True)
    taken_by: int | None = Field(default=None, foreign_key="client.id")


class WaitingListRow(SQLModel, table=True):
    """A client waiting for a first session who would take a sooner one if it came up. Ended
    (``ended_at``, ``ended_why``: booked or removed) rather than deleted."""

    __tablename__ = "waiting_list"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    added_at: datetime = _time()
    added_by: int | None = Field(default=None, foreign_key="staff_user.id")
    ended_at: datetime | None = _time(nullable=True, index=True)
    ended_why: str | None = Field(default=None, max_length=20)


class TimerRow(SQLModel, table=True):
    """Something to do for a client at a time: a nudge, a reminder, a check-in.

    Timers are rows so that a restart or another instance picks them up; the scheduler only
    ticks. At most one pending timer of a kind per client: setting it again moves it.
    """

    __tablename__ = "timer"
    __table_args__ = (
        sa.Index("ix_timer_due", "status", "due_at"),
        sa.Index(
            "ux_timer_pending",
            "client_id",
            "kind",
            "subject",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    kind: str = Field(max_length=30)
    # What the timer is about, when a client can have several of a kind: "<appointment>:48h".
    subject: str = Field(default="", max_length=40, sa_column_kwargs={"server_default": ""})
    due_at: datetime = _time()
    # pending, done, cancelled, failed, or dropped (could not go in time; kept as the record)
    status: str = Field(default="pending", max_length=10)
    created_at: datetime = _time()
    # Tries that met a passing database fault (a lock, a deadlock): the timer is due again a
    # little later. ``error`` says why the last try failed, and why a failed timer failed.
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    error: str | None = Field(default=None, max_length=200)


class MessageRow(SQLModel, table=True):
    """Every message in and out. Outgoing rows are the outbox: written first, sent later."""

    __tablename__ = "message"
    __table_args__ = (
        sa.Index("ix_message_outbox", "status", "not_before"),
        sa.Index("ix_message_client_time", "client_id", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # A message to or from a client; an update to a professional referrer has a referral and
    # no client.
    client_id: int | None = Field(default=None, foreign_key="client.id")
    referral_id: int | None = Field(default=None, foreign_key="referral.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    direction: str = Field(max_length=3)  # in / out
    channel: str = Field(max_length=10)
    address: str = Field(max_length=100)
    text: str
    kind: str = Field(default="message", max_length=30)
    priority: int = 1
    # in: received. out: pending, sending, queued, sent, delivered, undelivered, failed,
    # suppressed (not sent: the client opted out) or expired.
    status: str = Field(max_length=12)
    provider_id: str | None = Field(default=None, max_length=64, index=True)
    allowed_when_opted_out: bool = False
    buttons: str | None = None  # JSON [[label, value], ...] for chat apps; SMS ignores them
    sent_by: int | None = Field(default=None, foreign_key="staff_user.id")
    not_before: datetime | None = _time(nullable=True)
    # The deadline: past it an unsent message is no use (a reminder after its session). With
    # none, DELIVERY_DEADLINE after it was written. Unsent by then: failed, and a case opened.
    expires_at: datetime | None = _time(nullable=True)
    claimed_until: datetime | None = _time(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=40)  # whose claim (one pass)
    # The provider the last try went to (``twilio``, ``vonage``, ``telegram``, ...).
    provider: str | None = Field(default=None, max_length=20)
    attempts: int = 0
    error_code: str | None = Field(default=None, max_length=20)
    error_message: str | None = Field(default=None, max_length=500)
    created_at: datetime = _time()
    sent_at: datetime | None = _time(nullable=True)
    delivered_at: datetime | None = _time(nullable=True)


class DeliveryEventRow(SQLModel, table=True):
    """Each delivery state a provider reported, in the order they arrived.

    A callback that arrives before the send was recorded waits here with no ``message_id``
    and is applied when the send is recorded.
    """

    __tablename__ = "delivery_event"
    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    provider_id: str | None = Field(default=None, max_length=64, index=True)
    status: str = Field(max_length=12)
    error_code: str | None = Field(default=None, max_length=20)
    # The provider says the person has unsubscribed (for Twilio, error 21610).
    opted_out: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    at: datetime = _time()


class ProcessedUpdateRow(SQLModel, table=True):
    """Provider ids already handled (Twilio MessageSid, Telegram update_id)."""

    __tablename__ = "processed_update"
    key: str = Field(primary_key=True, max_length=100)
    at: datetime = _time()


class ProviderHealthRow(SQLModel, table=True):
    """Whether a provider is answering, shared by all instances: after several passing
    failures in a row it is marked down until ``down_until``, and only one message at a time
    tries it (a probe) until it answers again."""

    __tablename__ = "provider_health"
    name: str = Field(primary_key=True, max_length=20)
    failures: int = 0  # passing failures in a row
    down_until: datetime | None = _time(nullable=True)
    changed_at: datetime = _time()


class InboundSpoolRow(SQLModel, table=True):
    """A message from a person that could not be handled when it came (the database was in
    trouble): kept as it came, and handled again until it is done. A webhook answers 200 only
    once the message is either handled or kept here."""

    __tablename__ = "inbound_spool"
    __table_args__ = (sa.Index("ix_inbound_spool_due", "status", "next_at"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)
    provider_id: str | None = Field(default=None, max_length=64)
    payload: str  # the Inbound as JSON
    status: str = Field(default="pending", max_length=10)  # pending, done, failed
    attempts: int = 0
    next_at: datetime = _time()
    error: str | None = Field(default=None, max_length=200)
    received_at: datetime = _time()


class RateSlotRow(SQLModel, table=True):
    """The next free sending slot of a rate-limited channel, shared by all instances."""

    __tablename__ = "rate_slot"
    name: str = Field(primary_key=True, max_length=40)
    next_at: datetime = _time()


class CampaignRow(SQLModel, table=True):
    """A follow-up campaign: a cohort chosen by staff, sent one message or check-in each.

    The cohort is fixed when the campaign is scheduled: one pending timer per client, which
    checks again at send time that the client may still be contacted. ``status`` is
    ``scheduled``, ``paused`` or ``cancelled``; whether it has started or finished is read
    from its timers."""

    __tablename__ = "campaign"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    cohort: str = "{}"  # JSON, as given
    message: str | None = None  # a message of the staff's own, or ...
    flow: str | None = Field(default=None, max_length=30)  # ... a conversation: "check_in"
    send_on: str = Field(max_length=10)  # local date, ISO
    send_at: datetime = _time()  # when the first sends are due: the window's opening that day
    status: str = Field(default="scheduled", max_length=10)
    eligible: int = 0  # clients in the cohort when it was scheduled
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = _time()
    paused_at: datetime | None = _time(nullable=True)
    cancelled_at: datetime | None = _time(nullable=True)


class FollowUpRow(SQLModel, table=True):
    """One check-in or campaign message to one client, and what came of it."""

    __tablename__ = "follow_up"
    __table_args__ = (
        sa.Index("ux_follow_up_campaign_client", "campaign_id", "client_id", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    kind: str = Field(max_length=12)  # check_in (better, same or worse) or message
    message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: datetime = _time(index=True)  # when it was written to the outbox
    nudged_at: datetime | None = _time(nullable=True)
    # better, same, worse, unclear, talk, replied (to a campaign's own message)
    answer: str | None = Field(default=None, max_length=10)
    words: str | None = None  # what they told us in their own words
    answered_at: datetime | None = _time(nullable=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id")  # opened because of it
    ended_at: datetime | None = _time(nullable=True)


class ScoreRow(SQLModel, table=True):
    """A wellbeing questionnaire: taken on paper in a session and recorded by staff, or
    answered by message. A half-finished one is kept as ``incomplete`` and never scored."""

    __tablename__ = "score"
    __table_args__ = (sa.Index("ix_score_client_taken", "client_id", "instrument", "taken_at"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    instrument: str = Field(max_length=30)
    answers: str = "[]"  # JSON list of integers, in item order
    raw: int | None = None
    metric: float | None = None
    status: str = Field(default="complete", max_length=10)  # complete or incomplete
    via: str = Field(max_length=10)  # session (recorded by staff) or message
    recorded_by: int | None = Field(default=None, foreign_key="staff_user.id")
    follow_up_id: int | None = Field(default=None, foreign_key="follow_up.id", index=True)
    taken_at: datetime = _time()
    created_at: datetime = _time()


class StaffSessionRow(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its hash is stored here."""

    __tablename__ = "staff_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    csrf_token: str = Field(max_length=64)  # every form posts it back
    created_at: datetime = _time()
    last_seen_at: datetime = _time()


class AuditRow(SQLModel, table=True):
    """Who did what, when: sign-ins, views of client records, exports and every change."""

    __tablename__ = "audit"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    action: str = Field(max_length=40)  # login, login_failed, logout, view_client, ...
    subject: str | None = Field(default=None, max_length=60)  # "client:12", "case:3"
    at: datetime = _time(index=True)


class CaseNoteRow(SQLModel, table=True):
    """A link worker's internal note on a client's case: staff read it, the client never does."""

    __tablename__ = "case_note"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    author_id: int = Field(foreign_key="staff_user.id")
    text: str
    created_at: datetime = _time()


class ReplyTemplateRow(SQLModel, table=True):
    """A saved reply link workers can start from; admins keep the list."""

    __tablename__ = "reply_template"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(unique=True, max_length=80)
    text: str
    created_at: datetime = _time()


class ServiceRow(SQLModel, table=True):
    """A service in the directory, kept whole as its Open Referral UK 3.0 JSON (``data``), with
    the few columns the database itself needs. Services that vanish from a re-import are kept
    but no longer ``active``: onward referrals made to them still name them."""

    __tablename__ = "service"
    id: str = Field(primary_key=True, max_length=200)  # the directory's own id
    name: str = Field(max_length=500)
    active: bool = Field(default=True, index=True)
    source: str = Field(default="directory", max_length=100, index=True)
    data: str  # JSON: one Open Referral UK 3.0 service object
    imported_at: datetime = _time()
    updated_at: datetime = _time()
