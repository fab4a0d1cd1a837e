"""Synthetic sources for bench/run.py: N feeds and N listing pages, deterministic.

Feed k is RSS 2.0 when k is even, Atom when odd; 30-100 entries; 20-200 KB
(log-uniform). Listing page k is an HTML board (`table.board tbody tr`, one row
per item with number, linked title, department, summary, date, views) of 30-100
rows and 20-200 KB. One source in ten is EUC-KR (Korean text; feeds declare it in
the XML declaration, pages in a meta tag), one in ten Shift_JIS (Japanese text),
the rest UTF-8 in English, Korean, Japanese or Chinese.

`version` is how often a source has changed: version v holds the same number of
entries as version 0, shifted by v (v new entries at the top, the v oldest gone),
so a changed source has new items and the rest as before.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

MIN_BYTES, MAX_BYTES = 20_000, 200_000
MIN_ENTRIES, MAX_ENTRIES = 30, 100
BASE_DATE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

TEXT = {
    "en": [
        "The Commission published draft implementing rules for general-purpose AI models.",
        "The regulation on artificial intelligence enters into force twenty days after publication.",
        "Providers of high-risk AI systems must register them in the EU database before placing them on the market.",
        "The consultation on the code of practice closes at the end of the month.",
        "The agency fined a company for deploying an emotion recognition system in the workplace.",
        "Guidance on transparency obligations for deepfakes was adopted by the board.",
        "The committee discussed the budget for regional broadband and road maintenance.",
        "Members of the public may submit comments through the online portal.",
        "The minister announced a delay of the application date for obligations on high-risk systems.",
        "A sandbox programme for AI start-ups will open applications in the autumn.",
        "The annual report on fisheries and agriculture was presented to parliament.",
        "Enforcement of the prohibited practices begins six months after entry into force.",
    ],
    "ko": [
        "과학기술정보통신부는 인공지능 기본법 시행령 제정안을 입법예고했다.",
        "고영향 인공지능 사업자는 위험관리 방안을 수립하고 이행하여야 한다.",
        "이 법은 공포 후 1년이 경과한 날부터 시행한다.",
        "생성형 인공지능 결과물임을 표시하는 의무에 관한 가이드라인을 발표했다.",
        "의견이 있는 기관 단체 또는 개인은 기한까지 의견서를 제출하여 주시기 바랍니다.",
        "개인정보보호위원회는 인공지능 서비스 사업자에게 과징금을 부과했다.",
        "지역 농산물 판로 확대를 위한 박람회가 다음 달 개최된다.",
        "정부는 인공지능 데이터센터 구축을 위한 예산을 확정했다.",
        "방송통신위원회는 딥페이크 성범죄 대응 방안을 논의했다.",
        "과태료 부과 계도기간을 1년 이상 운영하기로 했다.",
    ],
    "ja": [
        "内閣府は人工知能関連技術の研究開発及び活用の推進に関する法律の施行令案を公表した。",
        "個人情報保護委員会は生成AIサービスの利用に関する注意喚起を行った。",
        "本法律は公布の日から起算して三月を経過した日から施行する。",
        "意見募集の期間は令和八年四月三十日までとする。",
        "総務省はAI事業者ガイドラインの改定案について意見を募集した。",
        "経済産業省は地域の中小企業の設備投資を支援する補助金を発表した。",
        "AI戦略本部は人工知能基本計画の骨子を決定した。",
        "公正取引委員会は生成AI市場に関する報告書を公表した。",
        "文化庁はAIと著作権に関する考え方を取りまとめた。",
        "気象庁は週末の天気の見通しを発表した。",
    ],
    "zh": [
        "国家互联网信息办公室发布生成式人工智能服务管理暂行办法。",
        "本办法自公布之日起三十日后施行。",
        "人工智能生成合成内容标识办法公开征求意见。",
        "市场监管总局对一家企业的算法推荐违法行为作出行政处罚。",
        "工业和信息化部发布人工智能产业发展行动计划。",
        "农业农村部部署春季农业生产工作。",
        "国务院常务会议研究部署推动人工智能加快发展的政策措施。",
        "网信办开展清朗系列专项行动整治人工智能技术滥用。",
    ],
}
TITLES = {
    "en": ["AI Act: {n}th implementing act on general-purpose AI models", "Consultation on AI transparency code #{n}",
           "Agency fines operator of biometric AI system (case {n})", "Delay of high-risk AI obligations: update {n}",
           "Regional road maintenance programme, lot {n}", "Guidance on AI literacy obligations, part {n}"],
    "ko": ["인공지능 기본법 시행령 제{n}차 개정안 입법예고", "고영향 인공지능 판단 가이드라인 제{n}호 발표",
           "생성형 AI 사업자 과징금 부과 ({n}건)", "지역 농산물 박람회 개최 안내 제{n}회", "AI 데이터센터 지원사업 {n}차 공고"],
    "ja": ["AI推進法施行令案（第{n}号）に関する意見募集", "AI事業者ガイドライン第{n}版の公表",
           "生成AIに関する注意喚起（第{n}報）", "中小企業設備投資補助金 第{n}次公募", "AI基本計画骨子案 第{n}回会合"],
    "zh": ["生成式人工智能服务管理办法（第{n}号）", "人工智能生成合成内容标识办法征求意见 {n}",
           "算法推荐违法行为行政处罚决定书第{n}号", "春季农业生产工作部署 第{n}期"],
}
DEPTS = {"en": ["AI Office", "Legal Service", "Press"], "ko": ["인공지능정책과", "디지털포용정책팀", "대변인실"],
         "ja": ["AI戦略室", "情報通信政策課", "広報室"], "zh": ["网络管理司", "政策法规局", "新闻办"]}
JURISDICTION = {"en": ["EU", "US", "GB", "SG"], "ko": ["KR"], "ja": ["JP"], "zh": ["CN"]}


def profile(k: int) -> tuple[str, str]:
    """(language, encoding) of source k (the same for its feed and its page)."""
    if k % 10 == 3:
        return "ko", "euc-kr"
    if k % 10 == 7:
        return "ja", "shift_jis"
    return ["en", "en", "ko", "ja", "zh", "en", "en", "en"][k % 8], "utf-8"


def jurisdiction(k: int) -> str:
    lang, _ = profile(k)
    codes = JURISDICTION[lang]
    return codes[k % len(codes)]


def _shape(kind: str, k: int) -> tuple[int, int]:
    rng = random.Random(f"{kind}-{k}")
    size = int(math.exp(rng.uniform(math.log(MIN_BYTES), math.log(MAX_BYTES))))
    return size, rng.randint(MIN_ENTRIES, MAX_ENTRIES)


_POOL: dict[str, str] = {}


def _pool(lang: str) -> str:
    if lang not in _POOL:
        rng = random.Random(lang)
        _POOL[lang] = " ".join(rng.choice(TEXT[lang]) for _ in range(4000))
    return _POOL[lang]


def _text(lang: str, enc: str, rng: random.Random, nbytes: int) -> str:
    """About `nbytes` of prose, in bytes once encoded in `enc`."""
    pool = _pool(lang)
    chars = max(40, nbytes if lang == "en" else nbytes // (3 if enc == "utf-8" else 2))
    start = rng.randrange(0, len(pool) - chars - 1)
    return pool[start:start + chars]


def _title(lang: str, rng: random.Random, n: int) -> str:
    return rng.choice(TITLES[lang]).format(n=n)


def _entries(kind: str, k: int, version: int) -> list[int]:
    _size, count = _shape(kind, k)
    return list(range(version + count, version, -1))  # newest first


def feed(k: int, version: int = 0) -> bytes:
    lang, enc = profile(k)
    size, count = _shape("feed", k)
    per_entry = max(200, size // count - 330)
    atom = k % 2 == 1
    parts = []
    for i in _entries("feed", k, version):
        rng = random.Random(f"feed-{k}-{i}")
        title = _title(lang, rng, i)
        text = _text(lang, enc, rng, per_entry)
        when = BASE_DATE + timedelta(hours=i * 7)
        link = f"https://gov.example/{lang}/feed{k}/news/{i}"
        if atom:
            parts.append(f"<entry><id>tag:gov.example,2026:feed{k}:{i}</id><title>{title}</title>"
                         f'<link rel="alternate" href="{link}"/><updated>{when:%Y-%m-%dT%H:%M:%SZ}</updated>'
                         f"<published>{when:%Y-%m-%dT%H:%M:%SZ}</published><summary>{text}</summary></entry>\n")
        else:
            parts.append(f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
                         f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
                         f"<description>{text}</description></item>\n")
    decl = f'<?xml version="1.0" encoding="{enc.upper()}"?>\n'
    if atom:
        doc = (decl + '<feed xmlns="http://www.w3.org/2005/Atom">'
               f"<title>Ministry {k} news</title><id>tag:gov.example,2026:feed{k}</id>"
               f'<link rel="alternate" href="https://gov.example/{lang}/feed{k}/"/>'
               f"<updated>{BASE_DATE:%Y-%m-%dT%H:%M:%SZ}</updated>\n" + "".join(parts) + "</feed>\n")
    else:
        doc = (decl + '<rss version="2.0"><channel>'
               f"<title>Ministry {k} news</title><link>https://gov.example/{lang}/feed{k}/</link>"
               f"<description>Press releases</description><language>{lang}</language>\n"
               + "".join(parts) + "</channel></rss>\n")
    return doc.encode(enc, errors="xmlcharrefreplace")


CHROME_NAV = "".join(f'<li><a href="/menu/{i}.do">Menu {i}</a></li>' for i in range(60))
CHROME_SCRIPT = "var gnb = {" + ",".join(f'"m{i}": "/menu/{i}.do"' for i in range(120)) + "};"


def page(k: int, version: int = 0) -> bytes:
    lang, enc = profile(k)
    size, count = _shape("page", k)
    per_row = max(120, (size - 9000) // count - 420)
    rows = []
    for i in _entries("page", k, version):
        rng = random.Random(f"page-{k}-{i}")
        title = _title(lang, rng, i)
        when = BASE_DATE + timedelta(hours=i * 7)
        rows.append(f'<tr><td class="num">{i}</td>'
                    f'<td class="subject"><a href="view.do?nttSeqNo={k * 100000 + i}&amp;pageIndex=1" '
                    f'title="{title}">{title}</a></td><td class="dept">{rng.choice(DEPTS[lang])}</td>'
                    f'<td class="summary">{_text(lang, enc, rng, per_row)}</td>'
                    f'<td class="date">{when:%Y.%m.%d}</td><td class="hit">{(i * 37) % 5000}</td></tr>\n')
    charset = enc.upper()
    doc = (f'<!DOCTYPE html>\n<html lang="{lang}"><head>'
           f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
           f"<title>Board {k}</title><style>.board td{{padding:4px}} .summary{{color:#555}}</style>"
           f"<script>{CHROME_SCRIPT}</script></head><body>"
           f'<div id="header"><ul class="gnb">{CHROME_NAV}</ul></div><div id="contents">'
           f'<h2>Press releases {k}</h2><table class="board"><thead><tr><th>No</th><th>Title</th><th>Dept</th>'
           f"<th>Summary</th><th>Date</th><th>Views</th></tr></thead><tbody>\n"
           + "".join(rows)
           + '</tbody></table><div class="paging"><a href="?pageIndex=1">1</a><a href="?pageIndex=2">2</a></div>'
           f'</div><div id="footer">Government of example {k}</div></body></html>\n')
    return doc.encode(enc, errors="xmlcharrefreplace")


def feed_path(root: Path, k: int) -> Path:
    return root / "feeds" / f"f{k}.xml"


def page_path(root: Path, k: int) -> Path:
    return root / "pages" / f"p{k}.html"


def write(root: Path, kind: str, k: int, version: int) -> int:
    """Write source k's feed or page at `version`; its size in bytes."""
    path = feed_path(root, k) if kind == "feed" else page_path(root, k)
    body = feed(k, version) if kind == "feed" else page(k, version)
    if len(body) < MIN_BYTES:  # the size estimate runs a little short on the smallest documents
        body += b"<!-- " + b"padding " * ((MIN_BYTES - len(body)) // 8) + b"-->\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(body)
    tmp.replace(path)  # atomic: nginx never serves half a file
    return len(body)


def generate(root: Path, n: int) -> int:
    """Write sources 0..n-1 (both kinds) under root; total bytes."""
    (root / "feeds").mkdir(parents=True, exist_ok=True)
    (root / "pages").mkdir(parents=True, exist_ok=True)
    return sum(write(root, kind, k, 0) for k in range(n) for kind in ("feed", "page"))
