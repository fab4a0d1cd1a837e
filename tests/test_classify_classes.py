"""The weak spots of issue 23, each as a class: one written example per rule, in the
forms real ministries and newspapers use (the real items themselves stay in ../shared).

Each case would fail without its rule; the wording is ours, so no case keys on one
published item."""

from __future__ import annotations

import pytest

from watcher.classify import classify_item


def _dates(title: str, text: str = "", published: str | None = None) -> list[tuple[str, str]]:
    return [(d["date"], d["kind"]) for d in classify_item(title, text, published=published).dates]


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        # European, Vietnamese and Thai written forms
        ("Bundestag: Gesetz zur KI-Verordnung", "Das Gesetz tritt am 1. Juli 2027 in Kraft.", [("2027-07-01", "effective")]),
        ("Ley de inteligencia artificial", "La ley de IA entrará en vigor el 2 de agosto de 2026.", [("2026-08-02", "effective")]),
        ("Legge sull'intelligenza artificiale", "La legge sull'IA entra in vigore dal 1° gennaio 2027.", [("2027-01-01", "effective")]),
        ("Luật Trí tuệ nhân tạo", "Luật Trí tuệ nhân tạo có hiệu lực thi hành từ ngày 1/7/2026.", [("2026-07-01", "effective")]),
        ("Luật Trí tuệ nhân tạo", "Luật trí tuệ nhân tạo có hiệu lực từ ngày 1 tháng 3 năm 2026.", [("2026-03-01", "effective")]),
        # plain English forms
        ("State AI rules", "The new AI rules are set to go into effect on October 1, 2027.", [("2027-10-01", "effective")]),
        ("AI transparency duties", "The AI disclosure obligations commence 10 December 2026.", [("2026-12-10", "effective")]),
        ("AI Act obligations", "Providers must comply with the AI Act, with most provisions applying by August 2, 2027.", [("2027-08-02", "effective")]),
        ("Lawmakers delay the AI act", "Legislators delayed the AI act to 2028.", [("2028", "effective")]),
        # what is not an effective date
        ("New executive order on AI", "The order rescinds the AI executive order from October 2023.", []),
        ("AI rules: a busy week", "The week starting May 13, 2024 brought new AI rules into the legislature.", []),
        ("Ministry opens consultation on AI guidelines",
         "The ministry will open a call for public comments on the draft AI guidelines from March 2, 2027 to April 1, 2027.",
         [("2027-04-01", "deadline")]),
        # the day news was announced, a past starting point, a plan's span of years
        ("AI 기본법 시행령 입법예고", "과기정통부는 시행령 제정안을 내달 22일까지 입법예고한다고 12일 밝혔다.", [("2025-12-22", "deadline")]),
        ("网络安全法完成修改", "修订后的人工智能条款将自2026年1月1日起施行,这是自2016年网络安全法制定以来的首次修改。",
         [("2026-01-01", "effective")]),
        ("关于人工智能条例(草案)公开征求意见", "为落实《实施方案(2020-2025年)》,现公开征求意见。", []),
        ("Luật Trí tuệ nhân tạo", "Luật được Quốc hội thông qua ngày 10/12/2025, có hiệu lực thi hành từ ngày 01/3/2026.",
         [("2026-03-01", "effective")]),
        # a date in a sentence reporting that rules took effect
        ("鳥取県の条例", "2026年8月4日、鳥取県は生成AIで作成した画像を規制する条例を施行した。", [("2026-08-04", "effective")]),
    ],
)
def test_date_forms(title: str, text: str, expected: list[tuple[str, str]]) -> None:
    assert _dates(title, text, published="2025-11-12") == expected


def test_american_numeric_dates_read_month_first_only_in_plain_ascii_text() -> None:
    assert _dates("State AI law", "The AI law takes effect on 7/1/2027.") == [("2027-07-01", "effective")]
    assert _dates("Loi sur l'IA", "La loi sur l'intelligence artificielle entre en vigueur le 7/1/2027 à Genève.") == [
        ("2027-01-07", "effective")
    ]


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("上海整治AI滥用，3家生成式AI服务网站被立案处罚", "", ["CN-SH"]),
        ("深圳经济特区人工智能产业促进条例今起实施", "", ["CN-GD"]),
        ("上海市网信办对一款AI应用作出行政处罚", "上海市网信办依据《生成式人工智能服务管理暂行办法》责令其整改。", ["CN"]),
        ("中國訂定打擊深度偽造的新法令", "國家網信辦發布新規定，要求AI生成內容加註標識。", ["CN"]),
        ("鳥取県 生成AIの性的画像を規制する条例を施行", "", ["JP-31"]),
        ("浙江省人民政府办公厅关于加快人工智能产业发展的指导意见", "为贯彻落实国务院《新一代人工智能发展规划》,制定本意见。", ["CN-ZJ"]),
        ("Bill of law on artificial intelligence proposed in the Brazilian Federal Senate", "The bill would regulate AI.", ["BR"]),
        ("Ley de IA: el Gobierno aprueba el anteproyecto", "Mas el texto sobre la inteligencia artificial llega a un pleno.", []),
    ],
)
def test_jurisdictions_by_authority_and_subdivision(title: str, text: str, expected: list[str]) -> None:
    assert classify_item(title, text).jurisdictions == expected


@pytest.mark.parametrize(
    ("title", "text", "present", "absent"),
    [
        # a draft guideline out for comment is draft + consultation
        ("Regulator releases draft AI guidelines for public consultation", "Comments are invited until 30 June.",
         {"draft", "consultation"}, {"guidance"}),
        # proposed or planned rules are not issued
        ("Agency proposes new rules on automated decision-making", "", {"draft"}, {"new-decree"}),
        ("Senate approves a bill for the regulation of artificial intelligence", "", set(), {"new-decree"}),
        # a delayed bill, a killed moratorium, a failed delay: no delay
        ("Government delays its AI regulation bill", "Ministers pushed back the AI bill to next year.", set(), {"delay"}),
        ("Senate kills AI moratorium", "The Senate voted to strip the AI moratorium from the bill.", set(), {"delay"}),
        ("Legislature fails to delay AI law", "Lawmakers failed to delay the AI act.", set(), {"delay"}),
        # enforcement in its other forms
        ("FTC issues orders to seven AI chatbot companies", "The agency seeks information on AI chatbots.", {"enforcement-action"}, set()),
        ("SEC settled charges against two advisers over AI claims", "", {"enforcement-action"}, set()),
        ("Regulator announces an immediate ban on accessing the AI chatbot", "", {"enforcement-action"}, set()),
        ("Police use of AI facial recognition for law enforcement", "The ministry issued guidelines on AI in law enforcement.", set(),
         {"enforcement-action"}),
        # guidance for a government's own staff binds them
        ("OMB issues guidance to federal agencies on AI use", "The guidance on artificial intelligence applies to all agencies.",
         {"new-decree"}, {"guidance"}),
        ("東京都が職員向けに生成AIの利活用ガイドライン公開", "", {"new-decree"}, {"guidance"}),
        # guidance only announced for later
        ("과기정통부, 내년 1월 AI 가이드라인 공개", "과기정통부는 AI 가이드라인을 공개할 예정이라고 밝혔다.", set(), {"guidance"}),
        # consultations in other words
        ("Ministry inviting feedback on draft AI rules", "Stakeholders are invited to send feedback on the draft AI rules.",
         {"consultation", "draft"}, set()),
        ("Interim final rule on AI exports; request for comments", "The interim final rule on AI chips adds controls.",
         {"consultation", "new-decree"}, set()),
        # laws made in other words
        ("Utah AI Policy Act", "The enactment of the AI Policy Act marks a milestone for generative AI rules.", {"new-law"}, set()),
        ("Council of Europe AI treaty opened for signature", "The AI convention was opened for signature on Thursday.", {"new-law"},
         set()),
        ("AI bill heads to governor", "The AI bill was passed by the Senate on Tuesday.", set(), {"new-law"}),
        ("日本初のAI法案が衆院通過 今国会で成立へ", "AI法案が衆院本会議で可決された。今国会での成立が見込まれている。", set(), {"new-law"}),
        # 法案 is a bill in Japanese, an act in Chinese
        ("欧盟拟推迟人工智能法案部分内容实施", "欧盟委员会提议推迟人工智能法案高风险条款的适用。", set(), {"draft"}),
        ("日本初のAI法案を閣議決定", "政府はAI法案を閣議決定し、国会に提出した。", {"draft"}, set()),
        # a headline that opens with a draft is a draft, whatever the body says was issued
        ("Dự thảo Danh mục hệ thống trí tuệ nhân tạo có rủi ro cao",
         "Bộ Khoa học và Công nghệ lấy ý kiến. Thủ tướng Chính phủ ban hành Quyết định về trí tuệ nhân tạo năm 2024.",
         {"draft"}, {"new-decree"}),
        # a penalty a rule provides for is no action; a request to delay refused is no delay
        ("平台大数据杀熟或最高处以年度销售总额5‰罚款", "市场监管总局就算法价格歧视规定公开征求意见。", set(), {"enforcement-action"}),
        ("EU, AI법 준수 지침 연기 요청 거부", "EU 집행위원회는 AI법 적용 연기 요청 거부 입장을 밝혔다.", set(), {"delay"}),
        # a later step of a proposal (a provisional agreement, a Council position) releases no draft
        ("EU lawmakers reach provisional agreement to delay AI Act obligations",
         "The Commission's proposal would push high-risk AI rules to December 2027.", {"delay"}, {"draft"}),
        # an omnibus simplifying rules amends them
        ("Council agrees to simplify the AI rules", "The omnibus streamlines the AI Act's rules.", {"amendment"}, set()),
    ],
)
def test_tag_classes(title: str, text: str, present: set[str], absent: set[str]) -> None:
    tags = set(classify_item(title, text).tags)
    assert present <= tags
    assert not (absent & tags)


@pytest.mark.parametrize(
    ("title", "text", "relevant"),
    [
        ("Why boards need an AI governance framework", "Boards will need frameworks for oversight of AI risk management.", False),
        ("Tech firm updates its AI safety framework", "The framework helps it track AI capabilities; it publishes principles.", False),
        ("Ministry publishes an AI governance framework", "The framework sets principles for AI.", True),
        ("Bank bans employee use of ChatGPT", "The company restricts staff use of generative AI tools.", False),
        ("经产省、生成AIの国内开发", "", False),
        ("経産省、生成AIの国内開発84億円で支援", "経済産業省は生成AIの開発に84億円を支援する。補助金の対象は企業と大学。", False),
        ("2026世界人工智能大会在上海隆重召开", "大会探讨人工智能治理与发展。", False),
        ("How to design an AI ethics board", "Regulators expect firms to govern AI; here is a checklist.", False),
        ("Telemarketing selvaggio: multa da 300mila euro, stop ai consensi", "Il Garante sanziona una società di telemarketing.", False),
    ],
)
def test_relevance_classes(title: str, text: str, relevant: bool) -> None:
    assert classify_item(title, text).relevant is relevant
