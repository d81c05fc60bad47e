"""The providers' delivery receipts of the applicants' notices (:mod:`ops.receipts`): eSMS calls back by GET with a key
of the service's (``AGENCYNET_ESMS_CALLBACK_KEY``), Zalo posts the official account's events signed under its secret
key (``AGENCYNET_ZNS_APP_ID``, ``AGENCYNET_ZNS_OA_SECRET_KEY``). Neither holds a token of the service's: each is
refused (403) without its key or signature, and answered 200 for anything else it sends, known or not, since a
provider calls again a receipt it sees refused (Zalo stops calling a webhook that keeps refusing)."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from api import errors, schemas
from api.contract import CALLBACKS_TAG
from api.deps import SettingsDep, StoreDep
from ops import receipts

router = APIRouter(
    tags=[CALLBACKS_TAG],
    responses={403: {"model": schemas.ErrorBody, "description": "A key or a signature that does not match"}},
)


@router.get("/receipts/esms", response_model=schemas.ReceiptKept, summary="A delivery receipt of eSMS")
def esms_receipt(
    store: StoreDep,
    settings: SettingsDep,
    key: Annotated[str, Query(max_length=200, description="the key the service gave eSMS in the address")],
    sms_id: Annotated[str, Query(alias="SMSID", max_length=100, description="eSMS's id of the message")],
    send_status: Annotated[
        str, Query(alias="SendStatus", max_length=8, description="5 sent, 4 refused; the others are no fate yet")
    ],
    request_id: Annotated[
        str | None, Query(alias="RequestId", max_length=100, description="the notice's ref, when eSMS gives it")
    ] = None,
) -> dict:
    """eSMS's word on a message it took: on the applicant's phone (``SendStatus`` 5) or refused (4), kept on the
    notice; the other statuses, and eSMS's other parameters, are answered and left."""
    expected = settings.esms_callback_key.encode()
    if not (expected and hmac.compare_digest(key.encode(), expected)):
        raise errors.Forbidden("key", code="receipt_unsigned", provider="eSMS")
    params = {"SMSID": sms_id, "SendStatus": send_status, "RequestId": request_id or ""}
    receipt = receipts.of_esms(params, datetime.now(UTC))
    return {"kept": 0 if receipt is None else receipts.keep(store.engine, receipt)}


@router.post("/receipts/zns", response_model=schemas.ReceiptKept, summary="An event of Zalo's webhook")
async def zns_receipt(
    event: schemas.ZnsEvent,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    signature: Annotated[
        str | None,
        Header(alias="X-ZEvent-Signature", max_length=200, description="mac=, the SHA-256 Zalo signs the event with"),
    ] = None,
) -> dict:
    """Zalo's word that a ZNS message is on the applicant's phone (``user_received_message``), kept on the notice;
    the official account's other events are answered and left."""
    app_id, secret = settings.zns_app_id, settings.zns_oa_secret_key
    if not receipts.zns_signed(await request.body(), signature, app_id=app_id, secret=secret):
        raise errors.Forbidden("X-ZEvent-Signature", code="receipt_unsigned", provider="Zalo")
    receipt = receipts.of_zns(event.model_dump())
    return {"kept": 0 if receipt is None else await run_in_threadpool(receipts.keep, store.engine, receipt)}
