"""SMS through Vonage (its SMS API, once Nexmo's), the second SMS provider: the official
``vonage`` SDK for sending and for checking the signatures on delivery receipts, which read as
delivery reports in linkbot's own words."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import re
import ssl
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from vonage import Auth, Vonage
from vonage_http_client import HttpClientOptions, HttpRequestError
from vonage_sms import PartialFailureError, SmsError, SmsMessage

from bot.channels import SEND_TIMEOUT_SECONDS, DeliveryReport, SendError, Sent
from flows import phones
from flows.delivery import Delivery
from flows.gsm import is_gsm7
from flows.messages import Address, Button, Channel, Inbound, clean_text

# The SDK logs every request's fields (the number, the text) and headers (the credentials) at
# DEBUG: never let them through, whatever the log level.
logging.getLogger("vonage").setLevel(logging.WARNING)
log = logging.getLogger(__name__)

THROTTLED, INTERNAL_ERROR, BARRED = "1", "5", "7"  # Vonage's send statuses worth a name
TRANSIENT_STATUSES = frozenset({THROTTLED, INTERNAL_ERROR})  # try again later
TTL_MS = (20_000, 604_800_000)  # Vonage's limits on a message's time to live
CALLBACK_LIMIT = 100  # characters in a callback URL, as Vonage (and the SDK) allow
# A delivery receipt's status, and what it means here. "unknown" (Vonage cannot say) is not
# here: a report of it changes nothing.
STATES = {
    "accepted": Delivery.SENT,  # the network has taken it
    "buffered": Delivery.IN_TRANSIT,  # the network is still trying
    "delivered": Delivery.DELIVERED,
    "expired": Delivery.UNDELIVERED,  # not delivered within its time to live
    "failed": Delivery.FAILED,
    "rejected": Delivery.FAILED,
}
HMAC_METHODS = frozenset({"md5", "sha1", "sha256", "sha512"})
_MESSAGE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")  # as the message table holds a provider id
_ERROR_CODE = re.compile(r"[A-Za-z0-9]{1,20}")
_SIGNATURE = re.compile(r"[0-9A-Fa-f]{32,128}")
_STATUS_IN_ERROR = re.compile(r"error code (\d+)")  # how the SDK words a refused message


def is_signed(params: Mapping[str, str], signature_secret: str, method: str) -> bool:
    """Whether ``sig`` is Vonage's signature over the other parameters, made with the
    account's signature secret by its method: ``md5hash`` or the HMACs ``md5``, ``sha1``,
    ``sha256``, ``sha512``. Parameters without a ``sig`` or a ``timestamp`` are not signed."""
    signature = params.get("sig", "")
    if not signature_secret or not _SIGNATURE.fullmatch(signature) or not params.get("timestamp"):
        return False
    try:
        if method == "md5hash":
            return _md5hash_matches(params, signature_secret)
        if method not in HMAC_METHODS:
            return False
        # Auth wants an API key beside a signature secret; checking a signature never uses it.
        auth = Auth(api_key="unused", signature_secret=signature_secret, signature_method=method)
        return bool(auth.check_signature(dict(params)))  # it pops "sig" from what it is given
    except UnicodeEncodeError:  # a lone surrogate: nothing Vonage could have signed
        return False


def _md5hash_matches(params: Mapping[str, str], secret: str) -> bool:
    """Vonage's oldest method, "MD5 hash" (the dashboard's default), which the v4 SDK no
    longer offers: the MD5 of the sorted ``&key=value`` pairs with the secret after them,
    ``&`` and ``=`` in values read as ``_``, as the SDK does for the HMAC methods."""
    joined = "".join(
        f"&{key}={value.replace('&', '_').replace('=', '_')}"
        for key, value in sorted(params.items())
        if key != "sig"
    )
    digest = hashlib.md5((joined + secret).encode())  # noqa: S324 - Vonage's method, not ours
    return hmac.compare_digest(params["sig"].lower(), digest.hexdigest())


def delivery_report(params: Mapping[str, str]) -> DeliveryReport | None:
    """A delivery receipt as a delivery report; None when it has nothing we can use."""
    message_id = params.get("messageId", "").strip()
    state = STATES.get(params.get("status", "").strip().lower())
    if state is None or not _MESSAGE_ID.fullmatch(message_id):
        return None
    code = params.get("err-code", "").strip()
    error = code if _ERROR_CODE.fullmatch(code) and code != "0" else None
    return DeliveryReport(message_id, state, error, False)


def to_inbound(params: Mapping[str, str], received_at: datetime) -> Inbound | None:
    """An inbound SMS (Vonage's ``msisdn``, ``text``, ``messageId``) as an ``Inbound``, its
    words cleaned; None when it has no sender we could answer. The parts of a long text come
    as separate messages, and are handled one by one."""
    number = params.get("msisdn", "").strip()
    message_id = params.get("messageId", "").strip()
    if not number.isdigit() or len(number) > 15 or not _MESSAGE_ID.fullmatch(message_id):
        return None
    sender = phones.normalise("+" + number)
    return Inbound(
        address=Address.of(Channel.SMS, sender),
        text=clean_text(params.get("text", "")),
        provider_id=message_id,
        received_at=received_at,
        phone=sender if sender.startswith("+") else None,
    )


class _TrustingAdapter(HTTPAdapter):
    """Connections that verify the server with a given ``ssl.SSLContext``.

    The SDK's requests session verifies against the system's CAs and takes no context of its
    own; tests hand one that trusts their fake's self-signed certificate, mounted for that
    one host only. Production passes none and the SDK's own adapter is left as it is."""

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        pool_kwargs["ssl_context"] = self._context
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


class VonageSms:
    """Sends SMS with the vonage SDK against ``api_base_url`` (an ``https://`` URL)."""

    name = "vonage"

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        sender: str,
        api_base_url: str,
        status_callback: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout_seconds: float = SEND_TIMEOUT_SECONDS,
    ) -> None:
        url = urlsplit(api_base_url)
        if url.scheme != "https" or not url.netloc:
            raise ValueError("VONAGE_API_BASE_URL must be an https:// URL: the SDK speaks only TLS")
        host = url.netloc + url.path.rstrip("/")  # the SDK calls https://{rest_host}/sms/json
        options = HttpClientOptions(
            rest_host=host,
            timeout=math.ceil(timeout_seconds),
            # linkbot's outbox does the retrying. The SDK would also resend a request whose
            # connection dropped as many times as its pool is large: one connection, one try.
            max_retries=0,
            pool_connections=1,
            pool_maxsize=1,
        )
        self._client = Vonage(Auth(api_key=api_key, api_secret=api_secret), options)
        if ssl_context is not None:
            adapter = _TrustingAdapter(ssl_context, pool_connections=1, pool_maxsize=1)
            self._client.http_client._session.mount(f"https://{url.netloc}/", adapter)
        self._sender = sender.removeprefix("+")
        self._timeout = timeout_seconds
        self._callback: str | None = status_callback
        if len(status_callback) > CALLBACK_LIMIT:
            log.warning(
                "the delivery receipt URL is over %d characters, too long to send with each "
                "message: Vonage will use the one set on its dashboard",
                CALLBACK_LIMIT,
            )
            self._callback = None

    async def send(
        self,
        to: Address,
        text: str,
        *,
        validity_seconds: int | None,
        buttons: tuple[Button, ...] = (),
    ) -> Sent:
        ttl = None
        if validity_seconds is not None:
            ttl = max(TTL_MS[0], min(TTL_MS[1], validity_seconds * 1000))
        message = SmsMessage(
            to=to.handle.removeprefix("+"),
            from_=self._sender,
            text=text,
            type="text" if is_gsm7(text) else "unicode",
            ttl=ttl,
            callback=self._callback,
        )
        try:
            # The SDK blocks (requests), so it runs in a thread. A thread cannot be stopped: at
            # the timeout we stop waiting, and its request ends by the SDK's own timeout.
            async with asyncio.timeout(self._timeout):
                response = await asyncio.to_thread(self._client.sms.send, message)
        except PartialFailureError as exc:  # a long text, and Vonage refused a part of it;
            # the parts before it have gone, and a retry sends them again
            refused = [m for m in exc.response["messages"] if m.get("status") != "0"]
            raise _refused(str(refused[0].get("status")) if refused else None) from None
        except SmsError as exc:  # the SDK keeps Vonage's status only in its words
            found = _STATUS_IN_ERROR.search(str(exc))
            raise _refused(found.group(1) if found else None) from None
        except HttpRequestError as exc:
            status = exc.response.status_code
            raise SendError(
                f"Vonage answered {status}",
                code=str(status),
                transient=status == 429 or status >= 500,
                retry_after=_retry_after(exc.response.headers.get("Retry-After")),
            ) from None
        except (TimeoutError, requests.RequestException, OSError) as exc:
            raise SendError(f"network: {type(exc).__name__}", transient=True) from None
        except (KeyError, TypeError, ValueError):  # a 2xx answer that is not Vonage's JSON
            raise SendError("Vonage's answer could not be read", transient=True) from None
        # A long text goes as several parts, each with an id and a receipt of its own; the
        # first part's id stands for the message.
        return Sent(response.messages[0].message_id, Delivery.ACCEPTED)

    async def close(self) -> None:
        self._client.http_client._session.close()


def _refused(status: str | None) -> SendError:
    return SendError(
        f"Vonage refused the message with status {status}",
        code=status,
        transient=status in TRANSIENT_STATUSES,
        opted_out=status == BARRED,  # the number is on the account's block list
    )


def _retry_after(header: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header, when it gives them as a number."""
    return float(header) if header and header.isascii() and header.isdigit() else None
