"""Why an action could not be done. Adapters show these: the API as its error body, the staff
pages as the problem on the page, the command line as one line."""

from __future__ import annotations


class ActionError(Exception):
    """``code`` is for programs (``invalid``, ``not_found``, ``case_closed`` ...); ``message`` is
    for people, and names the field first when one field is at fault (``text: ...``)."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def field(self) -> str | None:
        """The field the message names, if it names one."""
        head, sep, _ = self.message.partition(": ")
        return head if sep and " " not in head else None


class Invalid(ActionError):
    """What was asked cannot be done as given."""


class NotFound(ActionError):
    """There is no such thing, or the user may not see it: the same answer either way."""

    code = "not_found"
    status = 404


class Forbidden(ActionError):
    """The user's role does not allow it."""

    code = "forbidden"
    status = 403
