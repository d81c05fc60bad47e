"""The SMS providers the applicants' notices (:mod:`ops.notices`) can go to straight, without an adapter of the
operator's: eSMS.vn (ViHAT), by its public API for customer-care brandname messages (developers.esms.vn, "Gửi tin
Chăm sóc khách hàng (TypeSMS 2) dạng POST").

Each notice of a batch is one request, ``SendMultipleMessage_V4_post_json``: the operator's keys, the applicant's
phone, the text, the registered brandname, ``SmsType`` 2 (customer care), ``IsUnicode`` 1 for a text with
diacritics, and the notice's ``ref`` as ``RequestId``, which eSMS keeps once: a batch sent again after a failure
halfway sends each notice once (code 124, a RequestId already taken, counts as sent). Customer-care texts must match
templates the brandname has registered with the carriers (code 146 otherwise): the operator registers the texts of
the catalogues' ``notice`` section (``api/i18n``).

Hand-written: a request is one JSON POST over ``httpx``, as to the other receivers; a client library would add
nothing to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Esms:
    """The operator's eSMS account: its keys, its registered brandname, whether messages are only checked
    (``sandbox``: eSMS answers as for real, sends nothing and charges nothing), and who keeps the messages it will
    never deliver to their phone (``passed``, called with the message and eSMS's words, :data:`ESMS_PHONE`: the
    batch goes on; without it, such a refusal stops the push as any other)."""

    api_key: str
    secret_key: str
    brandname: str
    sandbox: bool = False
    passed: Callable[[dict, str], None] | None = None

    def post(self, client: httpx.Client, url: str, body: dict, delivery: str) -> tuple[str, bool] | None:
        """Send each message of a batch of notices (:class:`api.notify.Texts`) to eSMS at ``url``, one request
        each (``delivery`` is agencynet's name of the batch; eSMS has no use for it).

        Returns
        -------
        tuple or None
            None once every message is taken or passed over, else what failed and whether to try again later (eSMS
            did not answer, or answered a 5xx); the messages taken before it stay taken.
        """
        for message in body["messages"]:
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
            }
            try:
                answer = client.post(url, json=request)
            except httpx.HTTPError as exc:
                return unanswered(url, exc)
            failed = refused(url, answer)
            if failed is not None:
                return failed
            try:
                said = answer.json()
            except ValueError:
                said = {}
            code = str(said.get("CodeResult", "")) if isinstance(said, dict) else ""
            if code in ESMS_SENT:
                continue
            why = (said.get("ErrorMessage") if isinstance(said, dict) else None) or ESMS_PHONE.get(code, answer.text)
            words = f"CodeResult {code or '?'}" + (f" ({' '.join(str(why).split())[:200]})" if why else "")
            if code in ESMS_PHONE and self.passed is not None:
                self.passed(message, f"eSMS: {words}")
                continue
            return f"eSMS did not take notice {message['ref']}: {words}", False
        return None
