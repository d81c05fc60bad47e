"""The paper a citizen takes home when a dossier is received: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" (form 01 of
Circular 01/2018/TT-VPCP, under Decree 61/2018/NĐ-CP), printed at the agency's counter (or by the postman carrying
the dossier). It says the dossier's code, who handed it in, the procedure, the authority deciding it, when it was
received, the appointment date and where the result comes back, and carries a QR code that opens the citizens' page
with the code filled in: the phone's last digits, the check of ``GET /track/{code}``, are asked there and are never
in the code, as they are never in a link.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import segno

from api import i18n, templates
from geo.hours import HANOI
from ops import dossiers, tracking


def track_link(base_url: str, code: str) -> str:
    """The citizens' page with ``code`` filled in its tracking box (``/?code=``), on the service at ``base_url``."""
    return f"{base_url.rstrip('/')}/?{urlencode({'code': code})}"


def qr_svg(link: str, title: str) -> str:
    """``link`` as a QR code (ISO/IEC 18004, segno; error correction M or better), an inline SVG titled ``title``,
    large enough to be read from paper by a phone's camera (4 px a module, the quiet zone of 2 modules that a
    white page completes)."""
    return segno.make(link, error="m").svg_inline(scale=4, border=2, title=title, svgclass="qr")


def render(
    lang: str,
    row: dict,
    *,
    agency: str,
    agency_address: str | None,
    authority: str | None,
    link: str,
    receiver: str,
    taken_at: datetime | None = None,
) -> str:
    """The receipt of a dossier as an HTML page to print, in ``lang``.

    Parameters
    ----------
    lang
        The language of the page.
    row
        The dossier's row (:func:`ops.dossiers.current`), its applicant included.
    agency, agency_address
        The agency that received it, by name (its id when the map does not name it), and its address if known.
    authority
        The authority deciding it, by name (its code when the store does not name it).
    link
        Where the QR code and the printed link lead (:func:`track_link`).
    receiver
        Who received the dossier and prints the paper, by name.
    taken_at
        When the postman took a home pickup's paper dossier at the applicant's address
        (:func:`ops.dossiers.taken_at_home`): the paper says that moment as its reception, not the request's.
    """
    texts = i18n.catalogue(lang)
    words = texts["receipt"]
    received = dossiers.utc(taken_at or row["received_at"]).astimezone(HANOI)
    due = row["due_date"]
    if row["return_mode"] == "agency":
        returned = words["return_agency"].format(agency=", ".join(filter(None, (agency, agency_address))))
    else:
        expected = tracking.result_expected(due, row["return_mode"])
        returned = words["return_address"].format(date=expected.strftime(i18n.DAY_FORMAT))
    fields = [
        (words["applicant"], row["applicant_name"]),
        (words["phone"], row["applicant_phone"]),
        (words["address"], row["applicant_address"]),
        (words["procedure"], texts["procedure"].get(row["procedure"], row["procedure"])),
        (words["authority"], authority or row["authority_code"]),
        (words["channel"], words["channels"][row["channel"]]),
        (words["taken" if taken_at else "received"], _when(words, received)),
        (words["due"], due.strftime(i18n.DAY_FORMAT)),
        (words["return"], returned),
    ]
    if row["priority_group"] != "none":
        fields.insert(3, (words["group"], texts["desk"]["group"][row["priority_group"]]))
    return templates.PAGES.get_template("receipt.html").render(
        lang=lang,
        t=texts,
        r=words,
        code=row["code"],
        synthetic=row["synthetic"],
        agency=agency,
        agency_address=agency_address,
        fields=fields,
        dated=words["dated"].format(day=received.day, month=received.month, year=received.year),
        link=link,
        qr=qr_svg(link, words["qr"].format(code=row["code"])),
        receiver=receiver,
    )


def _when(words: dict, at: datetime) -> str:
    """A moment as the receipt writes it: "09 giờ 15 phút, ngày 03/02/2026"."""
    return words["received_at"].format(hour=f"{at:%H}", minute=f"{at:%M}", date=at.strftime(i18n.DAY_FORMAT))
