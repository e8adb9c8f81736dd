"""What `motcua demo populate` made, as plain data and as the Vietnamese summary it prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


def vi_number(value: int) -> str:
    """1234567 → "1.234.567" (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True, slots=True)
class PopulateSummary:
    """Counts of one demo run (dossiers, not events, unless said otherwise)."""

    office_name: str
    first_day: date
    last_day: date
    working_days: int
    seed: int
    until: datetime
    receipts: int  # applicants served at the counter: received + refused + supplement at reception
    received: int  # given a code and a due date
    refused: int
    supplement_at_reception: int
    handovers: int  # handover batches (both ways)
    results_early: int
    results_on_time: int
    results_late: int
    one_supplement: int  # dossiers the department asked to supplement once …
    two_supplements: int  # … and twice
    apologies: int  # dossiers given form 04 and a new appointment (moves the due date once)
    apologies_late_notice: int  # … issued less than a working day before the due date
    late_after_apology: int  # results later than the new appointment too
    returned: int
    returned_to_representative: int
    rated: int
    very_satisfied: int
    satisfied: int
    dissatisfied: int
    officers: int  # counter officers of the demo office (each step is done by one of them at random)
    counters: int  # counters they sit at
    waiting_pickup: int  # result at the counter, not collected
    result_coming_back: int  # result recorded, paper not back at the counter yet
    in_progress: int  # received, no result yet (at the counter waiting for handover, or at the department)
    in_progress_overdue: int
    waiting_supplement: int
    seconds: float
    stopped: int = 0  # the citizen asked to stop processing (status 8) …
    withdrawn: int = 0  # … or withdrew the dossier (status 7), before any decision
    online: int = 0  # applicants whose dossier came online (channel 2) …
    postal: int = 0  # … or by post, an item of a postal batch record (channel 3); the rest at the counter
    postal_batches: int = 0  # postal batch records signed (one a morning with items)
    fees_at_reception: int = 0  # dossiers whose "before" fees were paid at reception …
    fees_by_transfer: int = 0  # … of which by bank transfer
    fees_online: int = 0  # … or online (online dossiers)
    fee_exemptions: int = 0  # dossiers exempt from some fee lines, on a written ground
    fees_after: int = 0  # "after" fees paid before the return
    returned_by_post: int = 0  # results sent by post with a tracking number (in ``returned``)
    scanned: int = 0  # dossiers received on paper and scanned at reception (a file attached: 4.2)

    @property
    def results(self) -> int:
        return self.results_early + self.results_on_time + self.results_late

    @property
    def dossiers_per_second(self) -> float:
        return self.receipts / self.seconds if self.seconds > 0 else 0.0

    def text(self) -> str:
        """The summary printed at the end of the command."""
        rating = (
            f"; được đánh giá mức độ hài lòng: {vi_number(self.rated)} – rất hài lòng {vi_number(self.very_satisfied)},"
            f" hài lòng {vi_number(self.satisfied)}, không hài lòng {vi_number(self.dissatisfied)}"
            if self.rated
            else "; chưa có đánh giá mức độ hài lòng"
        )
        lines = [
            f"Đã tạo dữ liệu minh hoạ cho {self.office_name}: {vi_number(self.working_days)} ngày làm việc, từ"
            f" {self.first_day:%d/%m/%Y} đến {self.until:%H:%M %d/%m/%Y} (hạt giống {self.seed}).",
            f"  Lượt tiếp nhận tại quầy:        {vi_number(self.receipts)}",
            f"  Được tiếp nhận (có mã hồ sơ):   {vi_number(self.received)}",
            f"  Từ chối tiếp nhận:              {vi_number(self.refused)}",
            f"  Yêu cầu bổ sung khi tiếp nhận:  {vi_number(self.supplement_at_reception)}",
            f"  Đã có kết quả:                  {vi_number(self.results)} (trước hạn"
            f" {vi_number(self.results_early)}, đúng hạn {vi_number(self.results_on_time)}, quá hạn"
            f" {vi_number(self.results_late)})",
            f"  Cơ quan yêu cầu bổ sung:        một lần {vi_number(self.one_supplement)} hồ sơ, hai lần"
            f" {vi_number(self.two_supplements)} hồ sơ",
            f"  Xin lỗi, hẹn lại ngày trả:     {vi_number(self.apologies)} hồ sơ (lập phiếu muộn"
            f" {vi_number(self.apologies_late_notice)}, vẫn trễ hẹn mới {vi_number(self.late_after_apology)})",
            f"  Đã trả kết quả:                 {vi_number(self.returned)} (cho người được ủy quyền"
            f" {vi_number(self.returned_to_representative)}{rating})",
            f"  Kết quả chờ công dân đến nhận:  {vi_number(self.waiting_pickup)} (đang chuyển về quầy"
            f" {vi_number(self.result_coming_back)})",
            f"  Đang giải quyết:                {vi_number(self.in_progress)} (quá hạn"
            f" {vi_number(self.in_progress_overdue)})",
            f"  Đang chờ công dân bổ sung:      {vi_number(self.waiting_supplement)}",
            f"  Phiếu bàn giao hồ sơ giấy:      {vi_number(self.handovers)}",
            f"  Cán bộ tiếp nhận:               {vi_number(self.officers)} người tại {vi_number(self.counters)} quầy",
            f"  Hình thức nộp:                  trực tiếp {vi_number(self.receipts - self.online - self.postal)},"
            f" trực tuyến {vi_number(self.online)}, qua bưu chính {vi_number(self.postal)} (biên bản giao nhận"
            f" {vi_number(self.postal_batches)})",
            f"  Phí, lệ phí nộp khi tiếp nhận:  {vi_number(self.fees_at_reception)} hồ sơ (tiền mặt"
            f" {vi_number(self.fees_at_reception - self.fees_by_transfer - self.fees_online)}, chuyển khoản"
            f" {vi_number(self.fees_by_transfer)}, trực tuyến {vi_number(self.fees_online)}); miễn"
            f" {vi_number(self.fee_exemptions)} hồ sơ; nộp khi nhận kết quả {vi_number(self.fees_after)}",
            f"  Trả kết quả qua bưu chính:      {vi_number(self.returned_by_post)} hồ sơ (có số hiệu bưu gửi)",
            f"  Số hoá khi tiếp nhận:           {vi_number(self.scanned)} hồ sơ có tệp bản quét",
            f"  Dừng xử lý, rút hồ sơ:          {vi_number(self.stopped + self.withdrawn)} (dừng giải quyết"
            f" {vi_number(self.stopped)}, công dân rút hồ sơ {vi_number(self.withdrawn)})",
            f"Thời gian: {self.seconds:.1f} giây ({self.dossiers_per_second:.1f} hồ sơ/giây).",
        ]
        return "\n".join(lines)
