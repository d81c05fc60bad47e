"""The providers the applicants' notices (:mod:`ops.notices`) can go to straight, without an adapter of the
operator's: eSMS.vn (ViHAT), by its public API for customer-care brandname SMS (developers.esms.vn, "Gửi tin Chăm
sóc khách hàng (TypeSMS 2) dạng POST"), and Zalo's notification service (ZNS), by the official account's API for
template messages (zalo.cloud, "Gửi ZNS").

Each notice of a batch is one request. To eSMS, ``SendMultipleMessage_V4_post_json``: the operator's keys, the
applicant's phone, the text, the registered brandname, ``SmsType`` 2 (customer care), ``IsUnicode`` 1 for a text
with diacritics, and the notice's ``ref`` as ``RequestId``, which eSMS keeps once (code 124, a RequestId already
taken, counts as sent). Customer-care texts must match templates the brandname has registered with the carriers
(code 146 otherwise): the operator registers the texts of the catalogues' ``notice`` section (``api/i18n``). To
ZNS, ``message/template``: the official account's access token, the phone in international form, the template the
operator had approved for the notice's kind and the notice's values as its parameters (``code``, ``agency``,
``date``, ``start``, ``end``, ``expected``, those the kind has), the ``ref`` as ``tracking_id``.

Both: a notice taken is kept at once (:class:`ops.notices.Ledger`), with the channel it went by and the provider's
id of the message (eSMS's ``SMSID``, ZNS's ``msg_id``), so that a batch sent again after a failure halfway sends none
twice and the provider's delivery receipt finds it (:mod:`ops.receipts`; to eSMS, the ``CallbackUrl`` it calls is
given with each message, to ZNS the webhook is the official account's); one the provider will never deliver to its
phone is passed over with its words; a synthetic dossier's notice is sent only to the provider's test mode
(``sandbox``), never to a real phone.

Hand-written: a request is one JSON POST over ``httpx``, as to the other receivers; a client library would add
nothing to it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol
from urllib.parse import urlencode

import httpx

from ops.push import refused, unanswered

ESMS_URL = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
"""eSMS's address for customer-care messages as JSON."""

ESMS_SENT = {"100": "sent", "124": "sent before: its RequestId was taken"}
"""The ``CodeResult`` of a message eSMS took."""

ESMS_PHONE = {
    "99": "the phone number is blocked",
    "108": "not a phone number eSMS takes",
    "177": "the brandname is not registered with the phone's carrier",
}
"""The ``CodeResult`` of a message eSMS will never deliver to its phone, the same whenever it is sent again: passed
over (:attr:`Esms.passed`), so that one applicant's number does not hold back the others' notices. Any other (101
wrong keys, 103 balance too low, 104 unknown brandname, 140 address not allowed, 146 text not of a registered
template ...) stops the push until the operator mends it: the notices wait, none is skipped."""


ZNS_URL = "https://business.openapi.zalo.me/message/template"
"""Zalo's address for the template messages of the notification service."""

ZNS_PHONE = {
    -108: "not a phone number Zalo takes",
    -110: "the applicant's Zalo is too old for ZNS",
    -118: "no Zalo account with this number, or one disabled",
    -119: "the account cannot receive ZNS",
    -139: "the applicant refused ZNS",
}
"""The ``error`` of a message ZNS will never deliver to its phone (zalo.cloud, "Cách xử lý mã lỗi"): passed over.
Any other (an access token expired, an unknown template, its parameters wrong, the quota spent ...) stops the push
until the operator mends it."""

SMS, ZALO = "sms", "zalo"
"""The channels a notice goes by (``sent_notices.channel``)."""

Failure = tuple[str, bool]
"""What failed, and whether to try again later (:data:`ops.push.Post`)."""


@dataclass(frozen=True)
class Taken:
    """A notice the provider took: the ``channel`` it goes by, and the provider's ``id`` of the message (None when it
    gave none: eSMS's answer to a RequestId taken before)."""

    channel: str
    id: str | None


@dataclass(frozen=True)
class Refusal:
    """A notice the provider did not take, in its ``words``; ``phone`` when it concerns that phone only."""

    words: str
    phone: bool = False


class Ledger(Protocol):
    """Where the notices a provider took are kept as they go (:class:`ops.notices.Ledger`)."""

    def has(self, message: dict) -> bool:
        """Whether ``message`` was taken before."""
        ...

    def took(self, message: dict, taken: Taken) -> None:
        """Keep that ``message`` was ``taken``."""
        ...


@dataclass(frozen=True, kw_only=True)
class Provider(ABC):
    """An account with a provider: whether messages go only to its test mode (``sandbox``: it answers as for real,
    sends nothing and charges nothing), who keeps the messages it will never deliver to their phone (``passed``,
    called with the message and the provider's words: the batch goes on; without it, such a refusal stops the push
    as any other), where the messages taken are kept as they go (``ledger``), and the provider a message goes to
    when this one will never deliver it to its phone (``fallback``: SMS for an applicant without Zalo, as
    multichannel services send it; it is sent to the fallback's own ``url``, the first provider's being the push's
    address)."""

    sandbox: bool = False
    passed: Callable[[dict, str], None] | None = None
    ledger: Ledger | None = None
    fallback: Provider | None = None
    url: str = ""
    name: ClassVar[str]
    channel: ClassVar[str]

    def post(self, client: httpx.Client, url: str, body: dict, delivery: str) -> Failure | None:
        """Send each message of a batch of notices (:class:`api.notify.Texts`) to the provider at ``url``, one
        request each (``delivery`` is agencynet's name of the batch; the provider has no use for it).

        Returns
        -------
        tuple or None
            None once every message is taken or passed over, else what failed and whether to try again later (the
            provider did not answer, or answered a 5xx); the messages taken before it stay taken.
        """
        for message in body["messages"]:
            if self.ledger is not None and self.ledger.has(message):
                continue  # taken before a failure halfway through the batch: not twice
            answer = self._tried(client, url, message)
            if isinstance(answer, tuple):
                return answer
            if isinstance(answer, Taken):
                if self.ledger is not None:
                    self.ledger.took(message, answer)
            elif answer.phone and self.passed is not None:
                self.passed(message, f"{self.name}: {answer.words}")
            else:
                return f"{self.name} did not take notice {message['ref']}: {answer.words}", False
        return None

    def _tried(self, client: httpx.Client, url: str, message: dict) -> Taken | Refusal | Failure:
        """Send one message to this provider at ``url``, and to its ``fallback`` at its own address if this one will
        never deliver it to its phone; a synthetic dossier's only in the test mode."""
        if message["synthetic"] and not self.sandbox:
            return Refusal("a synthetic dossier's notice, not for a real phone", True)
        answer = self._send(client, url, message)
        if not (isinstance(answer, Refusal) and answer.phone and self.fallback is not None):
            return answer
        then = self.fallback._tried(client, self.fallback.url, message)
        if isinstance(then, Refusal):
            return Refusal(f"{answer.words}; {self.fallback.name}: {then.words}", then.phone)
        return then

    @abstractmethod
    def _send(self, client: httpx.Client, url: str, message: dict) -> Taken | Refusal | Failure:
        """Send one message: :class:`Taken`, a :class:`Refusal`, or a :data:`Failure` of the transport."""


def _asked(client: httpx.Client, url: str, request: dict, headers: dict | None = None) -> dict | Failure:
    """The provider's JSON answer to ``request`` POSTed to ``url`` (``{"text": ...}`` when it is no JSON object), or
    what failed."""
    try:
        answer = client.post(url, json=request, headers=headers)
    except httpx.HTTPError as exc:
        return unanswered(url, exc)
    failed = refused(url, answer)
    if failed is not None:
        return failed
    try:
        said = answer.json()
    except ValueError:
        return {"text": answer.text}
    return said if isinstance(said, dict) else {"text": answer.text}


def _words(code: object, why: object) -> str:
    """A provider's code and words, on one line."""
    shown = " ".join(str(why or "").split())[:200]
    return f"{code}" + (f" ({shown})" if shown else "")


@dataclass(frozen=True, kw_only=True)
class Esms(Provider):
    """The operator's eSMS account: its keys and its registered brandname; where eSMS calls back with each message's
    delivery receipt (``callback``, agencynet's ``GET /receipts/esms`` and its key: :func:`callback_url`; none
    asked when empty)."""

    api_key: str
    secret_key: str
    brandname: str
    callback: str = ""
    url: str = ESMS_URL
    name: ClassVar[str] = "eSMS"
    channel: ClassVar[str] = SMS

    def _send(self, client: httpx.Client, url: str, message: dict) -> Taken | Refusal | Failure:
        request = {
            "ApiKey": self.api_key,
            "SecretKey": self.secret_key,
            "Phone": message["to"],
            "Content": message["text"],
            "Brandname": self.brandname,
            "SmsType": "2",
            "IsUnicode": "0" if message["text"].isascii() else "1",
            "Sandbox": "1" if self.sandbox else "0",
            "RequestId": message["ref"],
        } | ({"CallbackUrl": self.callback} if self.callback else {})
        said = _asked(client, url, request)
        if isinstance(said, tuple):
            return said
        code = str(said.get("CodeResult", ""))
        if code in ESMS_SENT:
            return Taken(self.channel, _id(said.get("SMSID")))
        why = said.get("ErrorMessage") or ESMS_PHONE.get(code) or said.get("text")
        return Refusal(_words(f"CodeResult {code or '?'}", why), code in ESMS_PHONE)


@dataclass(frozen=True, kw_only=True)
class Zns(Provider):
    """The operator's Zalo official account: its access token, and the template approved for each kind of notice
    (``templates``, kind to template id)."""

    access_token: str
    templates: Mapping[str, str]
    url: str = ZNS_URL
    name: ClassVar[str] = "ZNS"
    channel: ClassVar[str] = ZALO

    def _send(self, client: httpx.Client, url: str, message: dict) -> Taken | Refusal | Failure:
        request = {
            "phone": international(message["to"]),
            "template_id": self.templates[message["kind"]],
            "template_data": message["values"],
            "tracking_id": message["ref"],
        } | ({"mode": "development"} if self.sandbox else {})
        said = _asked(client, url, request, {"access_token": self.access_token})
        if isinstance(said, tuple):
            return said
        error = said.get("error")
        if error == 0:
            data = said.get("data")
            return Taken(self.channel, _id(data.get("msg_id")) if isinstance(data, dict) else None)
        phone = ZNS_PHONE.get(error) if isinstance(error, int) else None
        why = said.get("message") or phone or said.get("text")
        return Refusal(_words(f"error {error if error is not None else '?'}", why), phone is not None)


def _id(given: object) -> str | None:
    """A provider's id of a message as kept (``sent_notices.provider_id``), None when it gave none."""
    return str(given)[:100] if given not in (None, "") else None


def callback_url(service: str, key: str) -> str:
    """The address eSMS calls back with a message's delivery receipt: agencynet's ``GET /receipts/esms`` at its
    public address ``service``, with the ``key`` the service checks (``AGENCYNET_ESMS_CALLBACK_KEY``)."""
    return f"{service.rstrip('/')}/receipts/esms?" + urlencode({"key": key})


def international(phone: str) -> str:
    """A Vietnamese phone number as ZNS takes it: ``84`` and the number without its leading 0 or +84."""
    digits = phone.lstrip("+")
    return "84" + digits[1:] if digits.startswith("0") else digits
