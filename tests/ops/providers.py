"""The SMS and Zalo providers as the tests stand for them (a real HTTP server on loopback answers as they do): an
eSMS account in its test mode, a Zalo official account's templates, and what each answers a message."""

from __future__ import annotations

import hashlib
import json

import orjson

from ops import gateways, notices

ACCOUNT = gateways.Esms(api_key="the-api-key", secret_key="the-secret-key", brandname="BUUDIENHN", sandbox=True)
"""An eSMS account in its test mode."""

TEMPLATES = {kind: f"tpl-{k}" for k, kind in enumerate(notices.EVERY_KIND)}
"""A Zalo official account's approved templates, one for each kind of notice."""


def esms(code: str, error: str | None = None, *, sms_id: str | None = None) -> bytes:
    """What eSMS answers a request: its result code (and error message), and its id of the message."""
    said = {"CodeResult": code, "CountRegenerate": 0, "SMSID": sms_id or f"sms-{code}"}
    return json.dumps(said | ({"ErrorMessage": error} if error else {}), ensure_ascii=False).encode()


def zns(error: int, message: str = "Success", *, msg_id: str = "m-1") -> bytes:
    """What ZNS answers a request: its error (0 for taken) and its words, and its id of a message taken."""
    data = {"msg_id": msg_id, "sent_time": "1714529559833"} if error == 0 else None
    return json.dumps({"error": error, "message": message, "data": data}).encode()


APP_ID, OA_SECRET = "1234567890", "the official account's secret"
"""A Zalo app's id and its official account's secret key, which sign the webhook's events."""


def received(msg_id: str) -> dict:
    """Zalo's webhook event of a ZNS message ``msg_id`` on the applicant's phone, at 10:02 on 5 February 2026."""
    return {
        "app_id": APP_ID,
        "event_name": "user_received_message",
        "sender": {"id": "oa-1"},
        "recipient": {"id": "user-1"},
        "message": {"msg_id": msg_id, "delivery_time": "1770260520000"},
        "timestamp": "1770260521000",
    }


def signed(event: dict) -> tuple[bytes, str]:
    """An event of Zalo's webhook as Zalo sends it: the body, and its ``X-ZEvent-Signature``."""
    body = orjson.dumps(event)
    mac = hashlib.sha256(APP_ID.encode() + body + str(event["timestamp"]).encode() + OA_SECRET.encode()).hexdigest()
    return body, f"mac={mac}"
