"""What citizens type for the procedures they bring to an agency, in Vietnamese and in English (private to
:mod:`geo._text`).

A query such as "đổi bằng lái xe", "làm căn cước gần hồ gươm" or "passport renewal" asks where a procedure is
taken, not for a place of that name: :func:`geo._text.split_procedure` reads it with these words, and the search
lists the agencies that accept the procedure. Each phrase is matched without its diacritics, as typed with or
without them; the words around it only as written, or in a query typed without any marks.
"""

from __future__ import annotations

PROCEDURE_WORDS: dict[str, tuple[str, ...]] = {
    "social_insurance": (
        "bảo hiểm xã hội",
        "BHXH",
        "bảo hiểm y tế",
        "BHYT",
        "bảo hiểm thất nghiệp",
        "trợ cấp thất nghiệp",
        "lương hưu",
        "social insurance",
        "health insurance",
        "pension",
    ),
    "police_papers": (
        "giấy tờ công an",
        "căn cước",
        "căn cước công dân",
        "CCCD",
        "chứng minh nhân dân",
        "chứng minh thư",
        "CMND",
        "hộ chiếu",
        "tạm trú",
        "thường trú",
        "cư trú",
        "hộ khẩu",
        "định danh điện tử",
        "VNeID",
        "đăng ký xe",
        "đăng ký xe máy",
        "đăng ký ô tô",
        "sang tên xe",
        "sang tên xe máy",
        "sang tên ô tô",
        "biển số xe",
        "passport",
        "identity card",
        "ID card",
        "residence registration",
        "vehicle registration",
    ),
    "driving_licence": (
        "giấy phép lái xe",
        "bằng lái",
        "bằng lái xe",
        "GPLX",
        "driving licence",
        "driving license",
        "driver licence",
        "driver license",
        "driver's licence",
        "driver's license",
        "drivers licence",
        "drivers license",
    ),
    "judicial_record": (
        "lý lịch tư pháp",
        "LLTP",
        "criminal record",
        "judicial record",
        "police clearance",
    ),
    "land": (
        "đất đai",
        "sổ đỏ",
        "sổ hồng",
        "quyền sử dụng đất",
        "nhà đất",
        "land use",
        "land title",
        "land certificate",
        "land registration",
    ),
    "civil_status": (
        "hộ tịch",
        "khai sinh",
        "kết hôn",
        "khai tử",
        "tình trạng hôn nhân",
        "birth certificate",
        "birth registration",
        "marriage certificate",
        "marriage registration",
        "death certificate",
        "civil status",
    ),
    "business_registration": (
        "đăng ký kinh doanh",
        "ĐKKD",
        "giấy phép kinh doanh",
        "hộ kinh doanh",
        "thành lập doanh nghiệp",
        "thành lập công ty",
        "business registration",
        "business licence",
        "business license",
    ),
}
"""What a citizen types for each procedure of :data:`geo.agencies.PROCEDURES` but "other" (which has no words):
its name, the papers it gives ("sổ đỏ", the land-use certificate; "giấy khai sinh" says "khai sinh") and their
abbreviations, in Vietnamese as on the National Public Service Portal and as people say them, and in English. A
procedure's words alone, without the words around them: "Cầu Đất" (a street) is no land procedure, "đất đai" is."""

SERVICE_WORDS: tuple[str, ...] = (
    "nộp hồ sơ",
    "gửi hồ sơ",
    "hồ sơ",
    "thủ tục hành chính",
    "thủ tục",
    "dịch vụ công",
    "hành chính công",
    "bộ phận một cửa",
    "một cửa",
    "điểm phục vụ",
    "điểm tiếp nhận",
    "public service",
    "public services",
    "public administration",
    "dossier",
)
"""What a citizen types for the service itself, any procedure: hand in or send a dossier, administrative
procedures, public services, the "one-stop" desk (bộ phận một cửa), a service point. Matched as written (unmarked
only in a query typed without marks: "Hồ Sở" is no "hồ sơ"), and only with a kind of agency and a place asked
near: "Trung tâm phục vụ hành chính công" is a name."""

SAID_BEFORE: tuple[str, ...] = (
    "chỗ",
    "nơi",
    "địa điểm",
    "làm",
    "đổi",
    "cấp",
    "cấp lại",
    "cấp đổi",
    "gia hạn",
    "xin",
    "đóng",
    "mua",
    "tham gia",
    "rút",
    "sang tên",
    "nộp",
    "nhận",
    "trả",
    "hồ sơ",
    "thủ tục",
    "đăng ký",
    "đăng kí",
    "trích lục",
    "xác nhận",
    "bản sao",
    "giấy",
    "phiếu",
    "thẻ",
    "sổ",
    "renew",
    "apply for",
    "get",
    "submit",
    "register",
    "a",
    "my",
    "new",
)
"""Words said before a procedure's that ask for it: the place to (chỗ, nơi, địa điểm), do, change, issue (again),
renew, apply for, pay, buy, join or draw (insurance), transfer, hand in, receive, the dossier, the procedure of,
register (either spelling), confirm, a copy of, the paper, card or book of ("chỗ nộp hồ sơ đất đai", "làm căn
cước", "cấp lại bằng lái", "đóng bảo hiểm y tế", "sang tên sổ đỏ", "xác nhận cư trú", "thẻ bảo hiểm y tế").
They are part of the request, not of the place asked near."""

SAID_AFTER: tuple[str, ...] = (
    *("xe máy", "ô tô", "số 1", "số 2", "gắn chip", "lần đầu", "bị mất", "mới", "trực tuyến", "qua mạng", "online"),
    *("một lần", "tự nguyện", "bắt buộc", "hộ gia đình", "hộ cá thể"),
    *("hạng a", "hạng a1", "hạng a2", "hạng b", "hạng b1", "hạng b2", "hạng c", "hạng d", "hạng e", "hạng f"),
    *("cho con", "cho trẻ em", "cho người nước ngoài", "renewal", "application", "office", "type 1", "type 2"),
)
"""Words said after a procedure's that belong to the request: the vehicle or class of a driving licence, the form
of a judicial record (số 1, số 2), a chip ID card, the first time, lost, new, online, insurance drawn at once,
voluntary, compulsory or of a household, a household business, for a child or a foreigner, "renewal", "office"
("bằng lái xe hạng A1", "lý lịch tư pháp số 2", "rút bảo hiểm xã hội một lần", "ĐKKD hộ cá thể", "passport
renewal"): not a place ("số 2" is no house number 2)."""

SAID_WHERE: tuple[str, ...] = ("ở đâu", "tại đâu", "ở", "tại", "where", "in", "at")
"""Words said after a procedure's, or after the service's, that ask where: where, at, in ("làm căn cước ở đâu",
"nộp hồ sơ ở Hoàn Kiếm")."""
