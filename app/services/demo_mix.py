"""How often each turn of a demo dossier's life happens (``motcua demo populate``), and the texts it writes.

The shares are what a supervisor of a provincial one-stop centre expects to see: most results on
the due day, some early, a few late (most of those with an apology and a new appointment, some
late even after it), a few supplements and refusals, mostly satisfied citizens. They are
probabilities drawn from the simulation's seeded ``random.Random``; the figures of a run vary
around them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DemoMix:
    """Shares (0–1) of the turns a demo dossier takes; each is of the group its comment names."""

    refused: float = 0.02  # of applicants served at the counter
    supplement_at_reception: float = 0.04  # of applicants served at the counter
    supplement_once: float = 0.04  # of received dossiers: the department asks once …
    supplement_twice: float = 0.01  # … or twice
    supplement_never_brought: float = 0.06  # of supplement requests: the citizen has not come back
    early: float = 0.20  # of received dossiers: the department aims before the due day
    late: float = 0.04  # of received dossiers: the department will not make the due date
    apology: float = 0.65  # of the late ones: the counter issues form 04 and a new appointment
    apology_late_notice: float = 0.2  # of the apologies: issued less than one working day before the due date
    late_after_apology: float = 0.25  # of the apologies: the new appointment is missed too
    never_collected: float = 0.06  # of results at the counter: waiting for pick-up for good
    collected_same_day: float = 0.4  # of collected results
    representative: float = 0.12  # of returns: collected by an authorised person
    rated: float = 0.85  # of returns: the citizen answers the satisfaction question
    very_satisfied: float = 0.7  # of ratings (the rest satisfied, but for the dissatisfied below)
    dissatisfied: float = 0.02  # of ratings of a result on time
    dissatisfied_when_late: float = 0.3  # of ratings of a late result
    rated_on_screen: float = 0.6  # of ratings: on the citizen's screen (the rest entered by the officer)
    by_post: float = 0.05  # of receptions: result sent by post
    two_copies: float = 0.05  # of receptions: two copies of the result
    stop_request: float = 0.01  # of received dossiers: the citizen asks to stop or withdraw before the decision
    withdraw: float = 0.4  # of those requests: a withdrawal (status 7); the rest stop processing (status 8)
    online: float = 0.15  # of receptions: submitted online (channel 2; the papers come as files, none to scan)
    postal: float = 0.05  # of receptions: by post, an item of the morning's postal batch record (channel 3)
    postal_back_by_post: float = 0.6  # of dossiers come by post: the result goes back by post too
    fee_exemption: float = 0.06  # of received dossiers of a procedure with exemptions: exempt, with its ground
    fee_by_transfer: float = 0.25  # of fees paid at the counter: by bank transfer (the rest in cash)
    scanned: float = 0.8  # of dossiers received on paper (at the counter or by post): scanned at reception (4.2)


MIX = DemoMix()
"""The shares ``motcua demo populate`` uses."""

REFUSAL_REASONS = (
    "Yêu cầu không thuộc thẩm quyền giải quyết của đơn vị; đề nghị liên hệ cơ quan có thẩm quyền.",
    "Người nộp không có văn bản ủy quyền hợp lệ để thực hiện thủ tục thay người khác.",
    "Hồ sơ đã được giải quyết trước đây; không đủ điều kiện giải quyết lại.",
)
SUPPLEMENT_REASONS = (
    "Giấy tờ nộp là bản chụp, chưa được chứng thực.",
    "Thông tin trên tờ khai không khớp với giấy tờ tùy thân.",
    "Giấy tờ đã hết hiệu lực.",
    "Thiếu chữ ký của người yêu cầu trên tờ khai.",
)
DEPARTMENT_SUPPLEMENT_ITEMS = ("Giấy tờ chứng minh bổ sung theo hướng dẫn của cơ quan giải quyết",)
APOLOGY_REASONS = (
    "Cần xác minh thêm thông tin với cơ quan, đơn vị liên quan.",
    "Phải lấy ý kiến của cơ quan phối hợp; cơ quan phối hợp chưa trả lời đúng hạn.",
    "Cán bộ thụ lý nghỉ ốm đột xuất; hồ sơ đã được giao cho cán bộ khác giải quyết.",
    "Hệ thống phần mềm chuyên ngành gặp sự cố, không cập nhật được kết quả.",
    "Cần kiểm tra thực địa trước khi giải quyết.",
)
EXEMPTION_PROOFS = (
    "Giấy chứng nhận số {n}/GCN-UBND do UBND xã cấp ngày {day:%d/%m/%Y}",
    "Thẻ số {n} do Sở Lao động cấp, còn hiệu lực (bản chính đã xuất trình)",
    "Quyết định số {n}/QĐ-UBND ngày {day:%d/%m/%Y} của UBND xã",
)
"""Grounds of a fee exemption, after the exemption's name (``{n}``: a number, ``{day}``: a date)."""
POSTAL_UNITS = ("Bưu điện tỉnh Quảng Ninh – Bưu cục Hạ Long", "Bưu điện xã Hạ Long", "Bưu cục Bãi Cháy")
POSTAL_WORKERS = (("Nguyễn Văn Bình", "0912345678"), ("Trần Thị Hạnh", "0987654321"), ("Lê Văn Cường", "0904112233"))
STOP_REASONS = (
    "Công dân không còn nhu cầu giải quyết thủ tục.",
    "Công dân đã nộp hồ sơ tại cơ quan khác.",
    "Công dân cần bổ sung thêm giấy tờ và sẽ nộp lại hồ sơ mới.",
    "Thông tin kê khai trong hồ sơ có sai sót, công dân xin rút để làm lại.",
)
APOLOGY_FORM_TITLE = "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
"""``form_title`` of the form 04 print, as the apology dialog's preview records it (ui.screens.custody_print)."""
# The counter officers' desks: the seeded officer keeps the device's counter, the others sit at these.
DEMO_COUNTERS = ("Quầy số 02", "Quầy số 03", "Quầy số 04", "Quầy số 05", "Quầy số 06")
