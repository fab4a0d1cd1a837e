"""Targeted behaviours of the classifier (watcher.classify), one rule per test."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from watcher.classify import Classification, classify_item
from watcher.classify.lexicon import LexiconError, load_lexicon


def dates(c: Classification) -> list[tuple[str, str]]:
    return [(d["date"], d["kind"]) for d in c.dates]


# --- dates: CJK calendars --------------------------------------------------------


def test_korean_full_date_is_effective() -> None:
    c = classify_item("인공지능 기본법 공포", "법은 2026년 1월 22일부터 시행된다.")
    assert dates(c) == [("2026-01-22", "effective")]
    assert "enforcement-date" in c.tags


def test_reiwa_era_date() -> None:
    c = classify_item("AI法の一部を施行する政令を閣議決定", "施行期日を令和8年4月1日とする。")
    assert dates(c) == [("2026-04-01", "effective")]


def test_reiwa_gannen_is_2019() -> None:
    c = classify_item("AIガイドラインの適用について", "本指針は令和元年10月1日から適用する。")
    assert dates(c) == [("2019-10-01", "effective")]


def test_roc_year_date() -> None:
    c = classify_item("人工智慧基本法施行日期", "行政院令定自民國115年3月1日施行。")
    assert dates(c) == [("2026-03-01", "effective")]
    assert c.jurisdictions == ["TW"]


def test_japanese_deadline_in_era_year() -> None:
    c = classify_item("AIセキュリティガイドライン案の意見募集", "意見の提出期限は令和8年1月30日。")
    assert dates(c) == [("2026-01-30", "deadline")]
    assert {"consultation", "draft"} <= set(c.tags)


def test_chinese_feedback_deadline() -> None:
    c = classify_item(
        "《人工智能生成合成内容标识办法（征求意见稿）》公开征求意见", "意见反馈截止时间为2024年10月14日。"
    )
    assert dates(c) == [("2024-10-14", "deadline")]
    assert c.tags == ["consultation", "draft"]


def test_period_keeps_only_its_end_and_carries_the_year() -> None:
    c = classify_item("AI事業者ガイドライン改定案の意見募集", "意見募集期間は2025年2月19日から3月20日まで。")
    assert dates(c) == [("2025-03-20", "deadline")]


# --- dates: precision, relative dates, delays ----------------------------------------


def test_month_and_year_precision() -> None:
    c = classify_item(
        "Commission guidelines on general-purpose AI models",
        "Models already on the market have until August 2027 to comply.",
    )
    assert dates(c) == [("2027-08", "effective")]


def test_late_year_is_year_precision() -> None:
    c = classify_item("EU AI Act high-risk rules", "The obligations for high-risk AI systems apply from late 2027.")
    assert dates(c) == [("2027", "effective")]


def test_relative_month_next_year_uses_published() -> None:
    text = "The Division adopted rules on generative AI disclosures, which apply from August next year."
    c = classify_item("Utah adopts AI disclosure rules", text, published="2024-07-12")
    assert dates(c) == [("2025-08", "effective")]


def test_relative_date_accepts_date_and_datetime() -> None:
    text = "The Division adopted rules on generative AI disclosures, which apply from August next year."
    a = classify_item("Utah adopts AI disclosure rules", text, published=date(2024, 7, 12))
    b = classify_item("Utah adopts AI disclosure rules", text, published=datetime(2024, 7, 12, 9, 0))
    assert dates(a) == dates(b) == [("2025-08", "effective")]


def test_relative_date_without_dateline_is_not_guessed() -> None:
    text = "The Division adopted rules on generative AI disclosures, which apply from August next year."
    assert classify_item("Utah adopts AI disclosure rules", text).dates == []


def test_korean_next_year_and_yearless_dates() -> None:
    c = classify_item(
        "AI 기본법 시행령 국무회의 통과…내년 1월 22일부터 시행",
        "시행령은 고영향 인공지능의 판단 기준을 구체화했다.",
        published="2025-12-30",
    )
    assert dates(c) == [("2026-01-22", "effective")]
    d = classify_item(
        "과기정통부, 인공지능 기본법 시행령 제정안 입법예고",
        "12월 22일까지 국민 의견을 받는다.",
        published="2025-11-12",
    )
    assert dates(d) == [("2025-12-22", "deadline")]


def test_delay_lists_only_the_new_date() -> None:
    c = classify_item(
        "Colorado delays its AI Act",
        "Governor Polis signed a bill that delays the effective date of the Colorado AI Act "
        "from 1 February 2026 to 30 June 2026.",
    )
    assert dates(c) == [("2026-06-30", "effective")]
    assert {"delay", "amendment", "new-law", "enforcement-date"} <= set(c.tags)
    assert c.jurisdictions == ["US-CO"]


def test_old_date_after_instead_of_is_dropped() -> None:
    c = classify_item(
        "Commission proposes to delay high-risk AI obligations",
        "Under the proposal, the rules would apply from 2 December 2027, instead of August 2026.",
    )
    assert dates(c) == [("2027-12-02", "effective")]
    assert {"delay", "draft", "amendment"} <= set(c.tags)


def test_event_dates_are_not_listed() -> None:
    c = classify_item(
        "EU reaches deal on AI omnibus",
        "Parliament and Council reached a provisional agreement in May 2026 on the AI omnibus.",
    )
    assert c.dates == []


def test_comply_by_is_effective_and_file_by_is_deadline() -> None:
    c = classify_item(
        "Insurance regulator adopts AI governance regulation",
        "The Division adopted the regulation on algorithms. Insurers must comply by 1 July 2026. "
        "A first report is due by 1 December 2026.",
    )
    assert dates(c) == [("2026-07-01", "effective"), ("2026-12-01", "deadline")]


def test_relative_timing_tags_without_a_date() -> None:
    c = classify_item(
        "개인정보 보호법 개정안 국회 본회의 통과",
        "자동화된 결정 관련 규정은 공포 후 1년이 지난 날부터 시행된다.",
    )
    assert "enforcement-date" in c.tags
    assert c.dates == []


# --- jurisdictions ---------------------------------------------------------------------


def test_hint_is_used_when_text_names_none() -> None:
    c = classify_item(
        "Attorney General proposes rules to implement the state's AI act",
        "Comments on the artificial intelligence rules are due by 15 March 2026.",
        jurisdiction="US-CO",
    )
    assert c.jurisdictions == ["US-CO"]


def test_text_overrides_a_different_hint() -> None:
    c = classify_item("EU, AI법 고위험 규제 적용 연기 추진", "유럽연합 집행위원회가 개정안을 제안했다.", jurisdiction="KR")
    assert c.jurisdictions == ["EU"]


def test_hint_list_and_invalid_codes() -> None:
    c = classify_item("Regulator publishes AI guidance", "", jurisdiction=["sg", "NOT-A-CODE"])
    assert c.jurisdictions == ["SG"]


def test_script_decides_when_nothing_else_does() -> None:
    assert classify_item("文化庁、AIと著作権に関するガイダンスを公表").jurisdictions == ["JP"]
    assert classify_item("금융위원회, 금융분야 AI 가이드라인 발표").jurisdictions == ["KR"]
    assert classify_item("《人工智能安全治理框架》2.0版发布").jurisdictions == ["CN"]
    assert classify_item("行政院會通過人工智慧基本法草案").jurisdictions == ["TW"]


def test_comparison_and_company_home_are_not_jurisdictions() -> None:
    c = classify_item(
        "Texas lawmaker files AI bill",
        "HB 1709 would impose duties on deployers of high-risk AI systems, partly modelled on Colorado's law.",
    )
    assert c.jurisdictions == ["US-TX"]
    d = classify_item("US restricts exports of AI chips to China", "New BIS rules require licences for AI chips.")
    assert d.jurisdictions == ["US"]


def test_national_dpa_enforcing_gdpr_is_that_country() -> None:
    c = classify_item("Irish DPC investigates X over use of EU users' posts to train Grok")
    assert c.jurisdictions == ["IE"]
    assert c.tags == ["enforcement-action"]


def test_declaration_among_many_states_is_intl() -> None:
    c = classify_item("28 countries and the EU sign Bletchley Declaration on frontier AI risks")
    assert c.jurisdictions == ["INTL"]
    assert "new-law" not in c.tags


def test_state_law_is_the_state_not_the_country() -> None:
    c = classify_item("美 캘리포니아, AI 안전법 서명", "뉴섬 주지사가 법안에 서명했다. 법은 2026년 1월 1일부터 시행된다.")
    assert c.jurisdictions == ["US-CA"]
    assert "new-law" in c.tags


# --- relevance ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "title,text",
    [
        ("Microsoft unveils Copilot+ PCs with on-device AI features", "The laptops include a neural processing unit."),
        ("네이버, 초대규모 AI '하이퍼클로바X' 공개", ""),
        ("NTT、大規模言語モデル「tsuzumi」の商用提供を開始", "企業向けにカスタマイズして提供する。"),
        ("DeepSeek发布推理模型R1", "深度求索发布开源推理模型。"),
        ("Nvidia posts record revenue as AI chip demand surges", "Data-center revenue rose."),
        ("개인정보위, 민감정보 무단 수집한 메타에 과징금", "맞춤형 광고에 활용했다며 과징금을 부과했다."),
        ("Meta hit with record GDPR fine over data transfers", "The regulator ordered the company to suspend transfers."),
    ],
)
def test_hard_negatives_are_not_relevant(title: str, text: str) -> None:
    c = classify_item(title, text)
    assert c == Classification(relevant=False)


@pytest.mark.parametrize(
    "title",
    [
        "Garante fines chatbot developer over how its model was trained",
        "개인정보위, 생성형 AI 개발·활용을 위한 개인정보 처리 안내서 공개",
        "個人情報保護委員会、OpenAIに注意喚起",
        "市场监管总局约谈外卖平台 责令整改算法规则",
    ],
)
def test_ai_angle_makes_a_privacy_or_competition_item_relevant(title: str) -> None:
    assert classify_item(title).relevant


# --- tags ----------------------------------------------------------------------------


def test_grace_period_on_fines_is_delay_not_enforcement_action() -> None:
    c = classify_item(
        "Korea's AI Basic Act takes effect with a grace period on fines",
        "The ministry will not impose administrative fines for at least a year.",
    )
    assert "delay" in c.tags
    assert "enforcement-action" not in c.tags


def test_consultation_to_inform_future_guidelines_is_not_guidance() -> None:
    c = classify_item(
        "AI Office opens consultation on prohibited practices",
        "Stakeholders can send examples to feed into Commission guidelines until 11 December 2024.",
    )
    assert c.tags == ["consultation"]
    assert dates(c) == [("2024-12-11", "deadline")]


def test_draft_decree_is_not_a_decree() -> None:
    c = classify_item("《人工智能拟人化互动服务管理暂行办法（征求意见稿）》公开征求意见")
    assert "new-decree" not in c.tags
    assert {"draft", "consultation"} <= set(c.tags)


def test_cabinet_approval_of_a_bill_is_a_draft() -> None:
    c = classify_item("政府、AI推進法案を閣議決定　国会に提出へ", "成立すれば、公布の日から施行される。")
    assert "draft" in c.tags
    assert "new-law" not in c.tags


def test_passed_amendment_is_a_law_not_a_draft() -> None:
    c = classify_item("개인정보 보호법 개정안 국회 본회의 통과", "인공지능 등 자동화된 결정에 대한 거부권을 도입했다.")
    assert {"amendment", "new-law"} <= set(c.tags)
    assert "draft" not in c.tags


def test_one_chamber_vote_is_not_a_new_law() -> None:
    c = classify_item("Connecticut Senate passes artificial intelligence bill", "The bill now heads to the House.")
    assert "new-law" not in c.tags


def test_denied_delay_is_not_a_delay() -> None:
    c = classify_item("EU、AI法の汎用AI規則の適用延期を否定", "欧州委員会は2025年8月2日からの適用開始に変更はないと表明した。")
    assert "delay" not in c.tags


# --- contract ----------------------------------------------------------------------


def test_output_is_sorted_and_typed() -> None:
    c = classify_item(
        "Treasury Board issues Directive on Automated Decision-Making",
        "It takes effect on 1 April 2020, and departments must comply by 1 April 2019.",
    )
    d = c.as_dict()
    assert set(d) == {"relevant", "jurisdictions", "tags", "dates"}
    assert d["tags"] == sorted(d["tags"])
    assert d["jurisdictions"] == sorted(d["jurisdictions"])
    assert [x["date"] for x in d["dates"]] == ["2019-04-01", "2020-04-01"]


def test_same_result_regardless_of_call_order_and_threads() -> None:
    items = [
        ("인공지능 기본법 공포…2026년 1월 22일 시행", "", None, None),
        ("Utah adopts AI rules", "They apply from March next year.", "US-UT", "2025-10-15"),
        ("DeepSeek发布推理模型R1", "", None, None),
    ]
    first = [classify_item(*i).as_dict() for i in items]
    results: list[list[dict]] = []

    def run() -> None:
        results.append([classify_item(*i).as_dict() for i in reversed(items)][::-1])

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == first for r in results)


def test_empty_input() -> None:
    assert classify_item("") == Classification(relevant=False)


def test_bad_lexicon_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "xx.yaml").write_text("tags:\n  new-rule: ['x']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"xx\.yaml: tags\.new-rule"):
        load_lexicon(tmp_path)
    (tmp_path / "xx.yaml").write_text("tags:\n  draft: ['(']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="bad pattern"):
        load_lexicon(tmp_path)


@pytest.mark.parametrize(
    ("cues", "named"),
    [
        # Each is wrong alone but would compile beside its neighbour in the union of
        # the family's cues (a class the next cue closes, a neighbour's group), so
        # only checking the cue alone can name it.
        (["a[b", "c]d"], "a[b"),
        (["(x)y", "\\1z"], "\\1z"),
        (["(?P<n>x)", "(?P=n)y"], "(?P=n)y"),
        (["foo(", ")bar"], "foo("),
        (["ok\\"], "ok\\"),
        (["fine", "(?P<n>a)|(?P<n>b)"], "(?P<n>a)|(?P<n>b)"),
    ],
)
def test_bad_cue_is_named_even_where_the_union_would_accept_it(tmp_path: Path, cues: list[str], named: str) -> None:
    (tmp_path / "xx.yaml").write_text(yaml.safe_dump({"tags": {"draft": cues}}), encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"tags\.draft: bad pattern {re.escape(repr(named))}"):
        load_lexicon(tmp_path)


def test_cues_that_compile_alone_but_not_together_are_a_lexicon_error(tmp_path: Path) -> None:
    # A global flag is allowed at the start of a cue, not in the middle of the union.
    (tmp_path / "xx.yaml").write_text(yaml.safe_dump({"tags": {"draft": ["(?i)a|b"]}}), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"tags\.draft: the cues compile alone but not together"):
        load_lexicon(tmp_path)


# --- jurisdictions: names in passing, foreign countries in CJK scripts -------------


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        # Japanese-language items about foreign rules: the script default must not win
        ("スペイン、AI監督庁が罰則の運用指針を公表", "スペイン政府は生成AIの表示義務に関する指針を公表した。", ["ES"]),
        ("インドネシア国会、AI法案の審議を開始", "国会はAIの利用に関する法案の審議を始めた。", ["ID"]),
        ("멕시코 의회, 인공지능 규제 법안 발의", "멕시코 상원은 인공지능 시스템 위험 분류 법안을 발의했다.", ["MX"]),
        ("波兰数据保护机构就人工智能训练发布指南", "该指南说明了人工智能模型训练中个人数据处理的要求。", ["PL"]),
        ("Thailand publishes draft AI law for comment", "The draft sets risk tiers for AI systems.", ["TH"]),
    ],
)
def test_foreign_country_names_in_every_language(title: str, text: str, expected: list[str]) -> None:
    assert classify_item(title, text).jurisdictions == expected


@pytest.mark.parametrize(
    ("title", "text", "hint", "expected"),
    [
        # comparison with another country's law
        ("호주, 인공지능 위험관리 지침 발표", "호주 정부는 영국에 이어 인공지능 안전 지침을 내놓았다.", None, ["AU"]),
        ("カナダ、AI規制法案を再提出", "カナダ政府は、EUに続いてAIのリスク規制を目指す法案を提出した。", None, ["CA"]),
        # countries consulted / listed beside one another
        ("Singapore regulator issues AI testing guidance",
         "The guidance was drafted with input from officials from the United States, Japan and Germany.", "SG", ["SG"]),
        # a product's home country
        ("개인정보위, 러시아 AI 챗봇 서비스 점검 착수", "개인정보보호위원회는 러시아 생성형 AI 서비스 앱의 개인정보 처리 실태를 점검한다.", "KR", ["KR"]),
        # export destinations and allies in a rule of one country
        ("米商務省、AI半導体の輸出規則を改正", "ロシアへの輸出を禁じ、日本やオランダなど同盟国は対象外とする。", None, ["US"]),
        # the Korean word for "parliament" is no evidence for Korea
        ("베트남 국회, 디지털기술산업법 통과", "베트남 국회는 인공지능 관리 규정을 담은 법률을 가결했다.", None, ["VN"]),
        # a date's 日 followed by a comma is no mention of Japan
        ("国家网信办发布算法备案信息", "截至2025年6月30日，共有100款算法完成备案。", None, ["CN"]),
    ],
)
def test_mentions_in_passing_are_dropped(title: str, text: str, hint: str | None, expected: list[str]) -> None:
    assert classify_item(title, text, hint).jurisdictions == expected


# --- dates resolved against the dateline -------------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "published", "expected"),
    [
        ("개정 저작권법 20일부터 시행", "생성형 인공지능 학습 데이터 공개 의무가 담겼다.", "2025-06-18", [("2025-06-20", "effective")]),
        ("AI 워터마크 표시 의무 오늘부터 시행", "생성형 인공지능 결과물에 표시를 해야 한다.", "2025-03-03", [("2025-03-03", "effective")]),
        ("AI 영향평가 제도 내후년 3월 시행", "인공지능 영향평가 의무가 도입된다.", "2025-05-10", [("2027-03", "effective")]),
        ("생성형 AI 표시 고시 다음 달부터 적용", "인공지능 생성물 표시 방법을 정한 고시다.", "2025-11-20", [("2025-12", "effective")]),
        ("AI事業者ガイドラインの改定版、5日から適用", "総務省と経済産業省が改定した。", "2025-04-28", [("2025-05-05", "effective")]),
        ("生成AIの表示ルール、本日から施行", "人工知能の生成物に表示を義務付ける。", "2025-10-01", [("2025-10-01", "effective")]),
        ("人脸识别技术应用安全管理办法今日起施行", "该办法规范人脸识别技术应用。", "2025-06-01", [("2025-06-01", "effective")]),
        ("算法推荐标识要求明年3月起实施", "人工智能生成内容须添加标识。", "2025-09-15", [("2026-03", "effective")]),
        ("Agency adopts AI hiring rules", "The rules apply from next month.", "2025-05-20", [("2025-06", "effective")]),
    ],
)
def test_relative_dates_resolve_against_published(title: str, text: str, published: str, expected: list) -> None:
    assert dates(classify_item(title, text, published=published)) == expected


def test_news_day_before_a_future_date_is_not_effective() -> None:
    # "on the 3rd, ... ahead of the rules taking effect next April": the 3rd is the news day
    c = classify_item("韓国、AI基本法の施行規則案を公表", "科学技術情報通信部は3日、来年4月の施行を控える規則案を公表した。", published="2025-10-04")
    assert dates(c) == [("2026-04", "effective")]


def test_bare_day_without_dateline_is_not_guessed() -> None:
    assert dates(classify_item("AI 표시 의무 15일부터 시행", "생성형 인공지능 결과물 표시 의무다.")) == []


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        # must comply by D / 까지 갖춰야 / までに対応: effective, not a filing deadline
        ("EUのAI法、既存モデルの経過措置", "既存の汎用AIモデルは2026年12月31日までに対応すればよい。", [("2026-12-31", "effective")]),
        ("고영향 AI 사업자 의무", "사업자는 2026년 6월 30일까지 위험관리 체계를 갖춰야 한다.", [("2026-06-30", "effective")]),
        ("Agency issues final AI rule", "Compliance is not required until 1 March 2026.", [("2026-03-01", "effective")]),
        # the same date serves twice
        ("Agency issues interim final AI rule",
         "Firms need not comply until 1 June 2026; comments must be submitted by the same date.",
         [("2026-06-01", "deadline"), ("2026-06-01", "effective")]),
        # a vetoed bill's date and a repeal date are not effective dates
        ("Governor vetoes AI bill", "The bill would have taken effect on 1 January 2027.", []),
        ("State extends AI pilot law", "The signed bill moves the law's sunset from 1 May 2026 to 1 May 2028.", []),
    ],
)
def test_date_kinds(title: str, text: str, expected: list) -> None:
    assert dates(classify_item(title, text)) == expected


# --- tags: guidance, chamber votes, instruments, enforcement, consultation ----------


def _tags(title: str, text: str = "", hint: str | None = None) -> list[str]:
    return classify_item(title, text, hint).tags


@pytest.mark.parametrize(
    ("title", "text"),
    [
        # a duty to publish a framework, a framework criticised, and guidance still to be written
        ("Governor signs AI safety act", "The act requires developers to publish a safety framework and report incidents."),
        ("Governor vetoes AI bill", "He said its burdensome framework would hurt startups."),
        ("개인정보위, AI 개인정보 처리 고시 개정 추진", "개인정보위는 가이드라인 마련에 착수할 계획이다."),
        # a draft guidance is a draft
        ("Agency releases draft guidance on AI in medical devices", "The draft of the premarket guidance is open for comment until 1 May 2026."),
        ("标准委就《人工智能生成内容标识方法》征求意见", "该标准征求意见稿规定了标识的基本要求和原则。"),
    ],
)
def test_no_guidance_published(title: str, text: str) -> None:
    assert "guidance" not in _tags(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("OECD 이사회, 인공지능 권고 개정안 채택", "OECD는 생성형 AI를 반영해 ‘AI 원칙’을 새로 채택했다."),
        ("방통위, 생성형 AI 이용자 보호 자가진단 도구 배포", "인공지능 서비스 사업자가 스스로 위험을 점검할 수 있다."),
        ("금융위, 「금융분야 AI 데이터 활용 기준」 마련", "인공지능 학습 데이터 처리 시 지켜야 할 사항을 담았다."),
        ("Regulator launches AI assurance framework for insurers", "The voluntary framework sets out testing steps."),
        ("工信部发布《人工智能安全评估指南》", "指南提出大模型安全评估的方法。"),
    ],
)
def test_guidance_published(title: str, text: str) -> None:
    assert "guidance" in _tags(title, text)


@pytest.mark.parametrize(
    ("title", "text", "absent"),
    [
        ("Texas House passes AI disclosure bill; Senate vote next", "HB 77 would require chatbots to disclose they are AI.", {"new-law", "draft"}),
        ("AI利用規制法案、参院本会議で可決　衆院へ", "生成AIの表示を義務付ける法案が可決され、衆院に送られた。", {"new-law", "draft"}),
        ("立法院經濟委員會初審通過人工智慧產業發展條例草案", "部分條文保留協商。", {"new-law", "draft"}),
        ("과방위, 인공지능 산업법 개정안 의결", "개정안은 법사위를 거쳐 본회의에 상정된다.", {"new-law"}),
    ],
)
def test_one_chamber_or_committee_vote(title: str, text: str, absent: set[str]) -> None:
    assert not absent & set(_tags(title, text))


@pytest.mark.parametrize(
    ("title", "text", "tag"),
    [
        ("Online Safety (AI) Act receives Royal Assent", "The Act sets duties for chatbot providers.", "new-law"),
        ("State AI disclosure law", "SB 9, signed by Governor Lamont, requires notices for AI chatbots.", "new-law"),
        ("立法院三讀通過人工智慧產業發展條例", "條例明定主管機關。", "new-law"),
        ("AI表示法が成立", "生成AIの表示を義務付ける法律が参院本会議で可決、成立した。", "new-law"),
        ("大統領、AI輸出促進の大統領令に署名", "米国製AIの輸出を支援する。", "new-decree"),
        ("网信办等部门发布《人工智能拟人化互动服务管理暂行办法》", "办法自2026年1月1日起施行。", "new-decree"),
        ("CPPA's automated decision rules approved", "The regulations apply to businesses using ADMT.", "new-decree"),
        ("Agency issues interim final rule on AI chip exports", "Comments are due by 1 March 2026.", "new-decree"),
    ],
)
def test_law_and_decree_instruments(title: str, text: str, tag: str) -> None:
    assert tag in _tags(title, text)


def test_code_of_practice_signed_by_providers_is_no_law() -> None:
    tags = _tags("AI Office publishes code of practice", "Providers that sign it can show compliance with the AI Act.")
    assert "new-law" not in tags and "guidance" in tags


def test_executive_order_signed_is_a_decree_not_a_law() -> None:
    tags = _tags("大統領、AIの安全基準に関する大統領令に署名", "連邦政府機関に新たな基準を求める。")
    assert "new-decree" in tags and "new-law" not in tags


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Data authority orders chatbot maker to stop training on user posts", "The ANPD is ordering Acme to stop processing personal data for AI training."),
        ("개인정보위, 생성형 AI 3개사에 개선권고", "개인정보위는 AI 서비스 실태점검 결과 미흡한 점을 확인했다."),
        ("仏当局、AI企業に制裁金", "データ保護当局はAcme社に200万ユーロの制裁金を科した。"),
        ("政府、AI企業に対策を要請", "政府はAcme社に対し、偽情報の生成防止策を講じるよう要請した。"),
    ],
)
def test_enforcement_on_a_named_party(title: str, text: str) -> None:
    assert "enforcement-action" in _tags(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("立法院三讀通過深偽防制條例", "平臺業者未揭露人工智慧生成影像者，違者由主管機關處以罰鍰。"),
        ("數位部：AI廣告揭露義務明年起裁罰", "業者未依規定揭露者，將處以罰鍰。"),
    ],
)
def test_penalty_clause_is_no_enforcement_action(title: str, text: str) -> None:
    assert "enforcement-action" not in _tags(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("AI基本計画の素案を公表", "内閣府は素案を公表した。意見は2026年2月10日まで受け付ける。"),
        ("數位部預告「生成式AI標示規範」草案", "各界如有意見，請於115年5月1日前陳述。"),
        ("國科會預告人工智慧評測辦法草案", "對於草案內容有任何意見或修正建議者，請於公告之日起30日內陳述意見。"),
    ],
)
def test_consultation_cues(title: str, text: str) -> None:
    tags = _tags(title, text)
    assert "consultation" in tags and "amendment" not in tags


def test_past_consultation_is_not_a_consultation() -> None:
    assert "consultation" not in _tags("Regulator publishes AI governance framework", "It was finalised after consultation with industry.")


def test_extended_comment_period_is_not_a_delay() -> None:
    c = classify_item(
        "數位部預告AI標示辦法草案，意見徵詢期限延長至2026年5月1日",
        "為使各界充分表達意見，徵詢期限由2026年4月1日延長至2026年5月1日。",
    )
    assert c.tags == ["consultation", "draft"]
    assert dates(c) == [("2026-05-01", "deadline")]


@pytest.mark.parametrize(
    "title",
    ["关于延长人工智能生成内容标识过渡期的通知", "Regulator extends the transition period for AI labelling rules"],
)
def test_extended_transition_period_is_a_delay(title: str) -> None:
    assert "delay" in _tags(title)


def test_relative_timing_from_enactment() -> None:
    c = classify_item("Deepfake act signed into law", "Platforms have one year from enactment to set up removal processes.")
    assert "enforcement-date" in c.tags and c.dates == []


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Commerce finalises $2 billion award for AI chip plant", "The grant funding will be disbursed as milestones are met under the CHIPS Act."),
        ("経産省、生成AI向け計算資源の整備に最大300億円助成", "国内の計算基盤を強化する。"),
    ],
)
def test_subsidies_are_not_relevant(title: str, text: str) -> None:
    assert not classify_item(title, text).relevant


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("AI 표시법 공포", "이 법은 공포 후 30일부터 시행한다."),
        ("AI表示法を公布", "公布の日から起算して20日を経過した日から施行する。"),
        ("人工智能标识办法发布", "本办法自公布后30日起施行。"),
        ("정부, AI 기본법 시행령 의결", "정부는 3일 국무회의에서 인공지능 기본법 시행령을 의결하고 공포 즉시 시행한다고 밝혔다."),
    ],
)
def test_counted_days_and_news_days_are_not_dates(title: str, text: str) -> None:
    c = classify_item(title, text, published="2025-06-02")
    assert dates(c) == []
    assert "enforcement-date" in c.tags


def test_news_day_on_which_rules_took_effect_is_effective() -> None:
    c = classify_item("台湾でAI基本法が施行", "台湾で5日、「人工知能基本法」が正式に施行された。", published="2026-03-05")
    assert dates(c) == [("2026-03-05", "effective")]


def test_pushed_effective_date_lists_only_the_new_date() -> None:
    c = classify_item("State delays AI act", "The signed bill pushes the effective date of the AI act from 1 March 2026 to 1 October 2026.")
    assert dates(c) == [("2026-10-01", "effective")] and "delay" in c.tags


def test_chinese_investigation_opened() -> None:
    assert "enforcement-action" in _tags("监管部门对人工智能陪伴应用展开调查", "监管部门向5家公司发出调查令。")


# --- General faults found on an unseen set (final.jsonl); sentences written anew. ---


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("City council pilots AI assistant for answering parking questions", "Residents can ask about permits and rules."),
        ("구청, 민원 안내 'AI 상담 챗봇' 도입", "주민들은 각종 서류 발급 방법을 안내받을 수 있다."),
        ("県庁、職員向け生成AI利用環境を全庁に展開", "議事録の要約などに使える。"),
        ("市政务平台接入DeepSeek　提升办事效率", "市民可通过智能问答了解政策。"),
        ("Standards body finalizes post-quantum encryption algorithms", "The standards replace older encryption schemes vulnerable to quantum computers."),
        ("과기정통부, AI 컴퓨팅센터 구축 사업자 공모", "정부는 GPU 확보를 위해 사업자를 모집한다."),
        ("経産省、生成AI開発支援の採択事業者を決定", "計算資源の確保を支援する。"),
    ],
)
def test_ai_put_to_use_or_funded_is_not_governance(title: str, text: str) -> None:
    assert not classify_item(title, text).relevant


def test_adoption_title_stays_relevant_with_a_strong_cue() -> None:
    c = classify_item("Agency rolls out chatbot to explain the AI Act to small firms")
    assert c.relevant


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("개인정보위, 챗GPT 운영사에 개선 권고", "이용자 입력 정보를 국외로 이전한 사실이 확인됐다."),
        ("AI 안전 정상회의 개막…공동 선언 채택 예정", ""),
        ("AI安全サミットが開幕　首脳宣言の採択めざす", ""),
    ],
)
def test_ai_firms_and_summits_in_cjk_are_relevant(title: str, text: str) -> None:
    assert classify_item(title, text).relevant


def test_province_replaces_its_country() -> None:
    c = classify_item("Ontario tables rules for AI use in provincial hospitals", "The Canadian province's bill sets disclosure duties.")
    assert c.jurisdictions == ["CA-ON"]
    c = classify_item("東京都、生成AI利用ガイドラインを公表", "都の職員が業務で生成AIを使う際の留意点をまとめた。")
    assert c.jurisdictions == ["JP-13"]


def test_instrument_named_after_another_country_is_that_countrys() -> None:
    c = classify_item("日本人工智慧基本法上路　業者須配合調查", "日本政府將依法要求業者提供資訊。")
    assert "TW" not in c.jurisdictions


def test_signatory_list_is_in_passing_even_with_unknown_names() -> None:
    c = classify_item(
        "UN-backed AI treaty opens for signature",
        "The treaty was signed in Geneva by Liechtenstein, Georgia, Monaco, the United Kingdom and the European Union.",
    )
    assert c.jurisdictions == ["INTL"]


def test_state_signing_a_treaty_in_the_title_keeps_its_code() -> None:
    c = classify_item("Japan signs Council of Europe framework convention on AI")
    assert c.jurisdictions == ["INTL", "JP"]


def test_us_abbreviated_in_chinese() -> None:
    c = classify_item("美商务部发布人工智能芯片出口新规", "新规将于60天后开始执行。")
    assert c.jurisdictions == ["US"]
    assert {"new-decree", "enforcement-date"} <= set(c.tags)


def test_export_tier_destination_is_in_passing() -> None:
    c = classify_item("美國AI晶片出口新規　新加坡列第二級", "美國商務部公布規則。", "SG")
    assert c.jurisdictions == ["US"]


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Regulator proposes pushing back AI transparency duties", "The proposal would move the start date to March 2028."),
        ("Governor signs bill moving the state AI law's start date back", "The law now applies from 1 October 2027."),
    ],
)
def test_pushing_back_a_start_date_is_a_delay(title: str, text: str) -> None:
    tags = classify_item(title, text).tags
    assert {"delay", "amendment"} <= set(tags)


def test_old_date_after_back_from_is_dropped() -> None:
    c = classify_item("Legislature moves AI act start back from March 1", "Companies now have until 1 September 2027 to comply.", published="2026-01-10")
    assert [d["date"] for d in c.dates] == ["2027-09-01"]


@pytest.mark.parametrize(
    ("title", "text", "tag"),
    [
        ("Agency's regulations on automated decision-making in hiring approved", "Employers must comply by 1 July 2027.", "new-decree"),
        ("「AI안전연구소의 운영에 관한 규정」 제정안 국무회의 의결", "규정은 공포한 날부터 시행된다.", "new-decree"),
        ("금융위, 보험업감독규정 개정…AI 심사 설명의무 신설", "개정 규정은 내년부터 시행된다.", "new-decree"),
        ("政府、AI研究開発基本計画を閣議決定", "各省庁の施策を定めた。", "new-decree"),
        ("Regulator adopts opinion on training AI models with personal data", "", "guidance"),
        ("監督当局、AI利用に関する当局の考え方を整理した文書を公表", "", "guidance"),
        ("Act receives Royal Assent with reforms to the data protection law", "It loosens limits on automated decision-making.", "amendment"),
        ("Consultation paper on mandatory AI guardrails released", "Submissions close on 3 March 2026.", "consultation"),
        ("Governor signs AI chatbot bill", "The act becomes enforceable on July 1, 2026.", "enforcement-date"),
        ("AI 기본법 시행령 국무회의 의결…30일 시행", "", "enforcement-date"),
        ("개인정보위, AI 앱 다운로드 중단하도록 권고", "해당 업체의 개인정보 처리 문제가 확인됐다.", "enforcement-action"),
        ("立法院三讀人工智慧產品責任條例", "條例規範演算法業者責任。", "new-law"),
        ("日 AI 규제법 참의원 가결·성립", "인공지능 관련 법률이 제정됐다.", "new-law"),
        ("Commission proposes simplifying AI Act reporting", "The package must still be approved by Parliament and the Council.", "draft"),
        ("総務省、「AI利用ガイドライン(案)」への意見募集", "意見の提出期限は3月1日。", "draft"),
    ],
)
def test_general_cues_found(title: str, text: str, tag: str) -> None:
    assert tag in classify_item(title, text, published="2026-01-05").tags


@pytest.mark.parametrize(
    ("title", "text", "tag"),
    [
        ("FTC finalizes order banning Acme from deceptive AI claims", "Acme will pay $50,000.", "new-decree"),
        ("Commerce unveils export control framework for AI chips", "The interim final rule applies from May 1, 2026.", "guidance"),
        ("Governor signs executive order on AI in state agencies", "The order sets principles for agencies' use of AI.", "guidance"),
        ("금융위, 금융분야 AI 안내서 전면 개정", "개정 안내서는 생성형 AI 위험관리 원칙을 담았다.", "amendment"),
        ("市、AI利用ガイドラインを改定", "生成AIの利用ルールを追加した。", "amendment"),
        ("「AI開発ガイドライン(第2.0版)(案)」に関する意見募集", "ガイドラインの改訂案について意見を募集します。", "guidance"),
        ("Governor vetoes high-risk AI bill", "The bill would have required impact assessments.", "draft"),
        ("《生成式人工智能服务管理办法》今起施行", "用户可选择关闭个性化推荐选项。", "enforcement-action"),
        ("日本AI法今天上路", "業者另享一年罰鍰寬限期。", "enforcement-action"),
        ("首脳会合、AI宣言に署名　米国は見送り", "", "delay"),
    ],
)
def test_general_false_cues_voided(title: str, text: str, tag: str) -> None:
    c = classify_item(title, text, published="2026-01-05")
    assert tag not in c.tags, c


@pytest.mark.parametrize(
    ("title", "text", "published", "date"),
    [
        ("AI法の一部規定がきょう施行", "", "2026-04-01", "2026-04-01"),
        ("《人工智能生成内容标识办法》今起施行", "", "2026-09-01", "2026-09-01"),
        ("AI 기본법 시행령 국무회의 통과…22일 시행", "", "2026-01-13", "2026-01-22"),
    ],
)
def test_today_and_headline_clause_dates(title: str, text: str, published: str, date: str) -> None:
    c = classify_item(title, text, published=published)
    assert {"date": date, "kind": "effective"} in c.dates


# --- notice genres, AI cues, penalty clauses, revised guidelines, dates -----------


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Job posting: Senior AI Policy Analyst — national data regulator", "Help implement the AI Act. Applications close 3 May 2026."),
        ("Webinar: What the Colorado AI Act means for insurers", "Register by 10 March; the law applies from 30 June 2026."),
        ("AI規制に関するシンポジウム開催のご案内", "AI法の施行状況について講演します。申込締切：3月5日。"),
        ("[채용] AI 정책연구 전문가 채용 공고", "인공지능 기본법 하위법령 연구를 지원할 연구원을 모집합니다."),
        ("某市数据局人工智能平台采购项目中标结果公告", "中标金额：人民币980,000元。"),
        ("「生成式AI法制」座談會即日起開放報名", "議程包括人工智慧基本法草案評析。"),
    ],
)
def test_notice_genres_are_not_governance(title: str, text: str) -> None:
    assert not classify_item(title, text).relevant


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Regulator finalises rules for high-frequency trading systems", "Firms running algorithmic trading must register their strategies."),
        ("City adopts rules on automated hiring decision tools", "Employers must audit the tools every year."),
        ("交易所发布程序化交易监管细则", "细则自2026年3月1日起施行。"),
        ("Ministry proposes labelling duty for synthetically generated images", "Platforms would have to mark such content."),
    ],
)
def test_algorithmic_trading_and_synthetic_content_are_ai(title: str, text: str) -> None:
    assert classify_item(title, text).relevant


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("人工智能安全法草案公布", "违规企业最高可被处以营业额5%的罚款。"),
        ("AI 표시 의무 도입 법안 발의", "위반 시 최대 3천만원의 과태료와 과징금이 부과될 수 있다."),
        ("Senate bill sets duties for chatbot operators", "Operators could face fines of up to $10,000 per violation."),
        ("AI事業者向けに注意喚起", "事業者及び利用者等に対して注意喚起を行った。"),
    ],
)
def test_penalty_clauses_are_no_enforcement_action(title: str, text: str) -> None:
    assert "enforcement-action" not in classify_item(title, text).tags


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("과기정통부, 'AI 윤리 원칙' 3년 만에 개정", "개정 원칙은 생성형 AI 위험을 반영했다."),
        ("金管會公告「金融業運用AI指引」修訂版", "新增生成式AI的風險管理重點。"),
    ],
)
def test_revised_principles_are_guidance_not_amendment(title: str, text: str) -> None:
    c = classify_item(title, text)
    assert "amendment" not in c.tags


def test_cabinet_approved_draft_law_is_a_draft() -> None:
    c = classify_item("Cabinet approves draft law on AI oversight authority", "The bill now goes to parliament.")
    assert "new-law" not in c.tags


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("人工知能基本計画に関する規定の施行期日を令和八年四月一日とする政令を閣議決定した。", "2026-02-01", [("2026-04-01", "effective")]),
        ("人工智能生成内容标识办法自二〇二六年一月起施行。", "2025-10-01", [("2026-01", "effective")]),
        ("人工智慧產品責任條例自民國一百十五年七月一日施行。", "2026-01-01", [("2026-07-01", "effective")]),
        ("AI 저작권 고시는 10월부터 시행된다.", "2026-05-20", [("2026-10", "effective")]),
        ("The AI transparency rules apply from November, the ministry said.", "2026-05-20", [("2026-11", "effective")]),
        ("AI Act obligations for these systems apply from the second half of 2027.", "2026-05-20", [("2027", "effective")]),
    ],
)
def test_chinese_numerals_months_and_halves(text: str, published: str, expected: list[tuple[str, str]]) -> None:
    assert dates(classify_item("AI rules", text, published=published)) == expected


@pytest.mark.parametrize(
    ("title", "text", "published", "expected"),
    [
        # the old dates of a move, listed
        ("Council proposes later AI Act dates", "High-risk duties would apply from 1 March 2028 and 1 March 2029, instead of August 2026 and August 2027.", "2025-12-01", [("2028-03-01", "effective"), ("2029-03-01", "effective")]),
        # a past schedule
        ("Agency drops AI chip rule", "The rule's requirements were set to take effect on June 1.", "2025-05-20", []),
        # a counted consultation period's start, and 내달
        ("AI 고시 제정안 행정예고", "15일부터 20일간 행정예고하며 의견은 내달 4일까지 받는다.", "2026-03-10", [("2026-04-04", "deadline")]),
        # a range with weekdays, then a duty to publish
        ("AIガイドライン案の意見募集", "意見募集期間：2026年2月2日(月)から2026年3月3日(火)まで。", "2026-02-01", [("2026-03-03", "deadline")]),
        ("Policy for agencies' use of AI", "Agencies must publish an AI use statement by 30 June 2026.", "2026-01-15", [("2026-06-30", "deadline")]),
        # grace period until D
        ("AI法の義務が適用開始", "既存モデルには2028年1月1日までの猶予がある。", "2026-08-03", [("2028-01-01", "effective")]),
    ],
)
def test_spurious_and_grace_dates(title: str, text: str, published: str, expected: list[tuple[str, str]]) -> None:
    assert dates(classify_item(title, text, published=published)) == expected


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("부산시, 'AI 행정서비스 운영 지침' 시행", "부산시는 생성형 AI를 행정에 활용할 때의 원칙을 담은 지침을 시행했다.", ["KR-26"]),
        ("《北京市人工智能伦理治理条例》表决通过", "北京市人民代表大会常务委员会表决通过该条例。", ["CN-BJ"]),
        ("北京市网信办对一款AI应用作出行政处罚", "北京市网信办依据《生成式人工智能服务管理暂行办法》责令其整改。", ["CN"]),
        ("伊利諾州通過AI面試法修正案", "伊利諾州州長簽署法案，要求雇主揭露AI使用。", ["US-IL"]),
        ("Parliament passes national AI law implementing the EU AI Act", "Poland's new act designates the market surveillance authority.", ["PL"]),
    ],
)
def test_subdivisions_and_implemented_eu_law(title: str, text: str, expected: list[str]) -> None:
    assert classify_item(title, text).jurisdictions == expected


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("立法院三讀通過人工智慧產品標示法", "業者應標示AI生成內容。本法施行日期由行政院定之。"),
        ("AI事業者向けの安全対策ガイドを公表", "各組織が自主的に適用することを想定した文書である。"),
    ],
)
def test_no_enforcement_date_when_none_is_stated(title: str, text: str) -> None:
    assert "enforcement-date" not in classify_item(title, text).tags
