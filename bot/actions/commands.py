"""What staff ask for, as validated models: the JSON API's bodies, and the staff pages' forms
turned into the same bodies. Each field says what it wants (the API documents it from these);
``parse`` turns a body into a model or an ``Invalid`` naming the field.

The models check shape (types, lengths, choices). What needs the database, the clock or the
settings (a client one may see, a date still to come, a practice by name) the actions check.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from bot.actions.errors import ActionError, Invalid
from flows.referrals import Pathway

MAX_TEXT = 1600  # Twilio's longest message body
MAX_MINUTES = 24 * 60
MAX_NEEDS = 20
MAX_MESSAGE = 612  # a campaign's own message: four SMS segments at most
TEXT_PROBLEM = "text"  # a text field's own problem: the message names the field itself
M = TypeVar("M", bound="Body")


class Unparsable(ActionError):
    """The body is not JSON at all."""

    code = "invalid_json"
    status = 400


class _TextField:
    """Marks a text field: its own problems (missing, blank, too long, not text) name the field
    itself, as the API has always answered; other problems name the whole path."""


TEXT = _TextField()


def _text(limit: int, *, strip: bool) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise PydanticCustomError(TEXT_PROBLEM, "give some text.")
        if len(value) > limit:
            raise PydanticCustomError(TEXT_PROBLEM, f"at most {limit} characters.")
        return value.strip() if strip else value

    return AfterValidator(check)


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _iso_time(value: object) -> datetime:
    """ISO 8601 with an offset, read as Python reads it."""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if isinstance(value, datetime):  # from a staff form, already read
        parsed = value
    if parsed is None or parsed.tzinfo is None:
        raise PydanticCustomError("time", "an ISO 8601 time with an offset, e.g. +00:00 or Z.")
    return parsed


def _iso_date(value: object) -> date:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _no_date()
    except ValueError:
        return _no_date()


def _no_date() -> date:
    raise PydanticCustomError("date", "a date like 2026-12-01.")


def _record_id(value: object) -> int:
    """An id given as a number or a string of digits."""
    if isinstance(value, int | str) and not isinstance(value, bool) and str(value).isdigit():
        return int(str(value))
    raise PydanticCustomError("id", "the id of a client.")


Text = Annotated[StrictStr, _text(MAX_TEXT, strip=False), TEXT]
Outcome2000 = Annotated[StrictStr, _text(2000, strip=False), TEXT]
Short40 = Annotated[StrictStr, _text(40, strip=True), TEXT]
Short100 = Annotated[StrictStr, _text(100, strip=True), TEXT]
Short200 = Annotated[StrictStr, _text(200, strip=True), TEXT]
Message612 = Annotated[StrictStr | None, _text(MAX_MESSAGE, strip=True), TEXT]
# Optional text: blank is the same as not given.
_BLANK = BeforeValidator(_blank_is_none)
Maybe40 = Annotated[StrictStr | None, _BLANK, _text(40, strip=True), TEXT]
Maybe200 = Annotated[StrictStr | None, _BLANK, _text(200, strip=True), TEXT]
Maybe320 = Annotated[StrictStr | None, _BLANK, _text(320, strip=True), TEXT]
Maybe2000 = Annotated[StrictStr | None, _BLANK, _text(2000, strip=True), TEXT]
Time = Annotated[datetime, BeforeValidator(_iso_time)]
Minutes = Annotated[StrictInt, Field(ge=1, le=MAX_MINUTES)]
Outcome = Literal["attended", "dna"]


class Body(BaseModel):
    """A body of the API; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Reply(Body):
    text: Text = Field(description=f"the message, at most {MAX_TEXT} characters")


class Close(Body):
    outcome: Outcome2000 = Field(description="what came of the case, at most 2000 characters")
    onward_referrals: list[StrictStr | StrictInt] = Field(
        default_factory=list, description="a list of service ids"
    )

    @property
    def services(self) -> list[str]:
        return [str(s) for s in self.onward_referrals]


class Book(Body):
    starts_at: Time = Field(description="an ISO 8601 time with an offset")
    duration_minutes: Minutes = Field(description=f"a whole number from 1 to {MAX_MINUTES}")
    location: Short200 = Field(description="where, at most 200 characters")
    worker: Short100 = Field(description="who, at most 100 characters")
    outcome: Outcome | None = Field(
        default=None, description="attended or dna, for a session that has already happened"
    )
    client_id: Annotated[int, BeforeValidator(_record_id)] = Field(description="the id of a client")


class Move(Body):
    starts_at: Time = Field(description="an ISO 8601 time with an offset, still to come")
    duration_minutes: Minutes | None = Field(
        default=None, description=f"a whole number from 1 to {MAX_MINUTES}"
    )
    location: Annotated[StrictStr | None, _text(200, strip=True), TEXT] = Field(
        default=None, description="where, at most 200 characters"
    )


class Attendance(Body):
    outcome: Outcome = Field(description="attended or dna")


def _clock_time(value: object) -> time:
    try:
        return time.fromisoformat(value) if isinstance(value, str) else _no_clock_time()
    except ValueError:
        return _no_clock_time()


def _no_clock_time() -> time:
    raise PydanticCustomError("time", "a time of day like 09:30.")


ClockTime = Annotated[time, BeforeValidator(_clock_time)]


class Pattern(Body):
    """When a link worker sees clients: every week on ``weekday``, or once on ``on_date``."""

    weekday: Annotated[Annotated[StrictInt, Field(ge=0, le=6)] | None, _BLANK] = Field(
        default=None, description="0 (Monday) to 6 (Sunday), for every week"
    )
    on_date: Annotated[date | None, _BLANK, BeforeValidator(lambda v: v and _iso_date(v))] = Field(
        default=None, description="a date like 2026-12-01, for that day only"
    )
    starts: ClockTime = Field(description="the first slot's start, like 09:00")
    ends: ClockTime = Field(description="when the last slot ends, like 12:30")
    slot_minutes: Annotated[StrictInt, Field(ge=5, le=480)] = Field(
        description="how long each slot is, 5 to 480 minutes"
    )
    location: Short200 = Field(description="where, at most 200 characters")


class Leave(Body):
    starts_at: Time = Field(description="an ISO 8601 time with an offset")
    ends_at: Time = Field(description="an ISO 8601 time with an offset, after starts_at")
    note: Maybe200 = Field(default=None, description="what it is, at most 200 characters")


class Score(Body):
    instrument: StrictStr = Field(description="the questionnaire, e.g. swemwbs")
    answers: list[Any] = Field(description="the answers, one number for each item")
    taken_at: Time | None = Field(default=None, description="when it was taken; not in the future")


class Campaign(Body):
    name: Short200 = Field(description="a name for it, at most 200 characters")
    message: Message612 = Field(
        default=None, description="the staff's own message, at most 612 characters (4 SMS)"
    )
    flow: StrictStr | None = Field(default=None, description="check_in: the follow-up check-in")
    send_on: Annotated[date, BeforeValidator(_iso_date)] = Field(
        description="a date like 2026-12-01: today or in the coming year"
    )
    dry_run: StrictBool = Field(default=False, description="true or false")
    cohort: Any = Field(default=None, description="who it is for")


def _consented(value: bool) -> bool:
    if value is not True:
        raise PydanticCustomError("consent", "must be true: the client agreed to it.")
    return value


class Referrer(Body):
    name: Short200 = Field(description="the referrer's name")
    role: Maybe200 = None
    organisation: Maybe200 = None
    pathway: Pathway = Field(description="one of " + ", ".join(p.value for p in Pathway))
    phone: Maybe40 = Field(default=None, description="a UK mobile, for text updates")
    email: Maybe320 = Field(default=None, description="an e-mail address, for updates")


class ReferredClient(Body):
    name: Short200 = Field(description="the client's name")
    phone: Short40 = Field(description="the client's UK phone number")
    date_of_birth: Maybe40 = Field(default=None, description="a real date in the past")
    practice: Maybe200 = Field(default=None, description="a practice's code or name")
    needs: list[Annotated[StrictStr, AfterValidator(lambda n: n[:200])]] = Field(
        default_factory=list,
        max_length=MAX_NEEDS,
        description=f"a list of at most {MAX_NEEDS} words",
    )
    notes: Maybe2000 = None


class Referral(Body):
    client_consent: Annotated[StrictBool, AfterValidator(_consented)] = Field(
        description="true: the client agreed to be referred"
    )
    referrer: Referrer = Field(description="an object: who is referring")
    client: ReferredClient = Field(description="an object: who is referred")


def parse(model: type[M], body: bytes | str) -> M:
    """The body as ``model``; ``Unparsable`` when it is not JSON, else ``Invalid`` naming the
    first field at fault."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise _problem(model, exc.errors()[0]) from None


def from_values(model: type[M], values: dict[str, Any]) -> M:
    """A model from a staff form's values, checked exactly as an API body is."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _problem(model, exc.errors()[0]) from None


def _problem(model: type[Body], error: Any) -> ActionError:
    kind, loc = error["type"], _path(error["loc"])
    if kind == "json_invalid":
        return Unparsable("The body is not valid JSON.")
    if not loc:
        return Invalid("The body must be a JSON object.")
    info = _field(model, loc)
    if info is not None and TEXT in info.metadata:
        problem = error["msg"] if kind == TEXT_PROBLEM else "required."
        if kind == "string_type" and error.get("input") is not None:
            problem = "give some text."
        return Invalid(f"{loc[-1]}: {problem}")
    own = kind in _OWN_WORDS
    wanted = error["msg"] if own else f"{info.description if info else 'not valid'}."
    return Invalid(f"{'.'.join(loc)}: {wanted}")


# Problems whose message is already ours, in plain words.
_OWN_WORDS = frozenset({"time", "date", "id", "consent"})


def _path(loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """The field names of an error's place, up to the first list index."""
    names: list[str] = []
    for part in loc:
        if not isinstance(part, str):
            break
        names.append(part)
    return tuple(names)


def _field(model: type[Body], loc: tuple[str, ...]) -> Any:
    """The field at ``loc``, following nested models."""
    info: Any = None
    current: Any = model
    for name in loc:
        fields = getattr(current, "model_fields", None)
        info = fields.get(name) if isinstance(fields, dict) else None
        if info is None:
            return None
        current = info.annotation
    return info
