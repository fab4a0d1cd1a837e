"""The Vietnamese, Indonesian (with Malay) and Thai cue lexicons: one behaviour per test,
on sentences written for these tests."""

from __future__ import annotations

from watcher.classify import Classification, classify_item


def dates(c: Classification) -> list[tuple[str, str]]:
    return [(d["date"], d["kind"]) for d in c.dates]


# --- Vietnamese ----------------------------------------------------------------------------


def test_vi_ai_governance_is_relevant_and_a_product_launch_is_not() -> None:
    assert classify_item("Bộ Công an đề nghị siết quản lý nội dung deepfake",
                         "Cơ quan quản lý yêu cầu nền tảng gỡ video giả mạo bằng AI.").relevant
    assert not classify_item("Doanh nghiệp ra mắt trợ lý ảo mới",
                             "Sản phẩm dùng mô hình ngôn ngữ lớn, doanh thu dự kiến tăng.").relevant


def test_vi_foreign_parliament_is_not_viet_nam() -> None:
    c = classify_item("Quốc hội Mỹ thảo luận dự luật về trí tuệ nhân tạo", "")
    assert c.jurisdictions == ["US"]


def test_vi_new_law_passed_by_the_national_assembly() -> None:
    c = classify_item("Quốc hội thông qua Luật Trí tuệ nhân tạo", "Đa số đại biểu biểu quyết tán thành.")
    assert c.jurisdictions == ["VN"]
    assert "new-law" in c.tags


def test_vi_decree_issued_with_effective_date() -> None:
    c = classify_item("Chính phủ ban hành Nghị định quy định chi tiết Luật Trí tuệ nhân tạo",
                      "Nghị định có hiệu lực thi hành từ ngày 15 tháng 3 năm 2026.", published="2026-02-01")
    assert {"new-decree", "enforcement-date"} <= set(c.tags)
    assert dates(c) == [("2026-03-15", "effective")]


def test_vi_draft_out_for_comment_with_deadline() -> None:
    c = classify_item("Bộ Khoa học và Công nghệ lấy ý kiến dự thảo Thông tư về hệ thống AI rủi ro cao",
                      "Ý kiến góp ý gửi về Bộ trước ngày 30 tháng 4 năm 2026.", published="2026-03-01")
    assert {"draft", "consultation"} <= set(c.tags)
    assert ("2026-04-30", "deadline") in dates(c)


def test_vi_a_workshop_on_a_draft_is_no_consultation() -> None:
    c = classify_item("Hội thảo góp ý hoàn thiện dự thảo Luật về trí tuệ nhân tạo", "")
    assert "consultation" not in c.tags


def test_vi_implementing_decree_is_not_guidance_but_a_rulebook_is() -> None:
    c = classify_item("Nghị định hướng dẫn Luật Trí tuệ nhân tạo sẽ tạo thuận lợi cho doanh nghiệp", "")
    assert "guidance" not in c.tags
    c = classify_item("Cục An toàn thông tin ban hành bộ nguyên tắc sử dụng AI tạo sinh an toàn", "")
    assert "guidance" in c.tags


def test_vi_amendment_and_delay() -> None:
    c = classify_item("Đề xuất lùi thời điểm áp dụng quy định gắn nhãn nội dung do AI tạo ra",
                      "Dự thảo Nghị định sửa đổi đề xuất lùi thời hạn áp dụng.")
    assert {"amendment", "delay", "draft"} <= set(c.tags)


def test_vi_fine_imposed_is_enforcement_but_a_fine_provided_for_is_not() -> None:
    c = classify_item("Công ty bị xử phạt 50 triệu đồng vì dùng deepfake quảng cáo", "")
    assert "enforcement-action" in c.tags
    c = classify_item("Dự thảo Luật AI: tổ chức vi phạm có thể bị phạt tiền tối đa 2 tỷ đồng", "")
    assert "enforcement-action" not in c.tags


# --- Indonesian and Malay ----------------------------------------------------------------------


def test_id_relevance_and_investment_news() -> None:
    assert classify_item("Komdigi atur penggunaan kecerdasan artifisial di sektor publik", "").relevant
    assert not classify_item("Startup AI lokal raih pendanaan Rp 100 miliar",
                             "Investasi akan dipakai membangun pusat data.").relevant


def test_id_jurisdiction_from_the_ministry_and_comparison_in_passing() -> None:
    c = classify_item("Komdigi siapkan aturan kecerdasan artifisial, mencontoh Uni Eropa", "")
    assert c.jurisdictions == ["ID"]


def test_id_ministerial_regulation_issued_with_effective_date() -> None:
    c = classify_item("Komdigi terbitkan Peraturan Menteri tentang tata kelola kecerdasan artifisial",
                      "Peraturan ini mulai berlaku pada 1 Januari 2027.")
    assert {"new-decree", "enforcement-date"} <= set(c.tags)
    assert dates(c) == [("2027-01-01", "effective")]


def test_id_public_consultation_on_a_draft_with_deadline() -> None:
    c = classify_item("Komdigi buka konsultasi publik rancangan Perpres kecerdasan artifisial",
                      "Masukan dapat disampaikan hingga 15 April 2026.")
    assert {"consultation", "draft"} <= set(c.tags)
    assert dates(c) == [("2026-04-15", "deadline")]


def test_id_law_passed_by_the_dpr() -> None:
    c = classify_item("DPR sahkan RUU yang mengatur kecerdasan buatan",
                      "Rapat paripurna resmi mengesahkan RUU tersebut menjadi undang-undang.")
    assert "new-law" in c.tags
    assert "draft" not in c.tags


def test_id_planned_guidance_is_no_guidance() -> None:
    c = classify_item("Kominfo akan menerbitkan pedoman etika AI bulan depan",
                      "Pedoman tersebut sedang disusun bersama pemangku kepentingan.")
    assert "guidance" not in c.tags
    c = classify_item("Kominfo terbitkan surat edaran tentang etika kecerdasan artifisial", "")
    assert "guidance" in c.tags


def test_id_postponement_until_a_date() -> None:
    c = classify_item("Pemerintah tunda penerapan sanksi aturan label konten AI hingga 1 Juli 2027", "")
    assert "delay" in c.tags
    assert dates(c) == [("2027-07-01", "effective")]


def test_id_sanction_imposed_but_not_a_maximum_fine() -> None:
    c = classify_item("OJK jatuhkan sanksi kepada fintech pengguna algoritma kredit diskriminatif", "")
    assert "enforcement-action" in c.tags
    c = classify_item("Rancangan aturan AI atur denda maksimal Rp 5 miliar", "Pelanggar dapat dikenai sanksi.")
    assert "enforcement-action" not in c.tags


def test_ms_malaysian_authority_and_investigation() -> None:
    c = classify_item("MCMC siasat kandungan deepfake di platform media sosial",
                      "Suruhanjaya Komunikasi dan Multimedia sedang menjalankan siasatan terhadap video palsu AI.")
    assert c.jurisdictions == ["MY"]
    assert "enforcement-action" in c.tags


# --- Thai ------------------------------------------------------------------------------------


def test_th_relevance_and_a_product_launch() -> None:
    assert classify_item("สพธอ. เผยแพร่แนวปฏิบัติธรรมาภิบาลปัญญาประดิษฐ์", "").relevant
    assert not classify_item("บริษัทเทคโนโลยีเปิดตัวแชทบอทภาษาไทยรุ่นใหม่",
                             "บริษัทคาดว่ารายได้จะเพิ่มขึ้นจากการลงทุนในโมเดลภาษาขนาดใหญ่").relevant


def test_th_authorities_name_thailand_and_foreign_bodies_their_own() -> None:
    assert classify_item("ETDA เผยแพร่คู่มือการใช้ Generative AI สำหรับองค์กร", "").jurisdictions == ["TH"]
    c = classify_item("สหภาพยุโรปเผยแพร่แนวปฏิบัติสำหรับโมเดล AI อเนกประสงค์", "")
    assert c.jurisdictions == ["EU"]


def test_th_guidance_published_but_not_planned_or_sent_to_cabinet() -> None:
    assert "guidance" in classify_item("ดีอีเผยแพร่แนวทางการใช้ AI ในหน่วยงานรัฐ", "").tags
    assert "guidance" not in classify_item("กระทรวงดีอีเตรียมออกแนวทางการใช้ AI ในหน่วยงานรัฐ", "").tags
    c = classify_item("สพธอ. ชงแนวทางธรรมาภิบาล AI เข้า ครม.", "")
    assert "guidance" not in c.tags
    assert "draft" in c.tags


def test_th_consultation_on_a_draft_act() -> None:
    c = classify_item("ดีอีเปิดรับฟังความคิดเห็นร่าง พ.ร.บ. ปัญญาประดิษฐ์", "")
    assert {"consultation", "draft"} <= set(c.tags)


def test_th_act_published_in_the_royal_gazette() -> None:
    c = classify_item("พ.ร.บ. ส่งเสริมนวัตกรรมปัญญาประดิษฐ์ ประกาศในราชกิจจานุเบกษา",
                      "กฎหมายมีผลบังคับใช้เมื่อพ้นกำหนด 180 วันนับแต่วันประกาศในราชกิจจานุเบกษา")
    assert {"new-law", "enforcement-date"} <= set(c.tags)
    assert c.jurisdictions == ["TH"]


def test_th_fine_imposed_but_not_a_maximum() -> None:
    assert "enforcement-action" in classify_item("สคส. สั่งปรับบริษัทผู้ให้บริการแชทบอท 5 ล้านบาท", "").tags
    c = classify_item("ร่าง พ.ร.บ. AI กำหนดโทษปรับไม่เกิน 10 ล้านบาท", "ผู้ให้บริการอาจถูกปรับหากไม่ปฏิบัติตาม")
    assert "enforcement-action" not in c.tags


def test_th_postponement_and_amendment_tags() -> None:
    c = classify_item("ครม. เลื่อนการบังคับใช้ประกาศเรื่องการติดป้ายเนื้อหา AI", "")
    assert "delay" in c.tags
    c = classify_item("ร่างพระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล (ฉบับที่ 2) เพิ่มหลักเกณฑ์การตัดสินใจอัตโนมัติ", "")
    assert "amendment" in c.tags


def test_th_month_name_with_a_common_era_year() -> None:
    c = classify_item("ประกาศ สพธอ. ว่าด้วยการใช้ AI", "ประกาศนี้มีผลบังคับใช้ตั้งแต่วันที่ 1 มกราคม 2027")
    assert dates(c) == [("2027-01-01", "effective")]
