"""Demo meetings (runs after demo.reference and demo.quietdays): Zhuzhou's 政企"早餐会" series as the news told
it (株洲日报: the 1st session on 2022-02-19 with six entrepreneurs, 市委书记曹慧泉 and 市长陈恢清 at the table;
联诚集团 raised six problems, all solved within half a year; upgraded to the "制造名城"早餐会 at the end of May
2022), with past held sessions (guests, topics, minutes, issues raised), upcoming sessions relative to today, and
a few visits, one of them on the visited enterprise's quiet day.

Everything goes through the same operations as the UI (validated, conflict-checked, audited). Idempotent: when
the series exists, nothing is created again. Without the reference data nothing is created.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from demo.reference import ENTERPRISES, PASSWORD, enterprise_uscc
from extensions import db
from models.meeting import MeetingSeries
from models.user import User
from operations import audit, bookings, checks, invitations, meetings, minutes, reference

SERIES_NAME = "株洲市政企“早餐会”"
MINGCHENG_NAME = "“制造名城”早餐会"
VENUE = "株洲市委机关第一会议室"
OFFICIALS = (
    ("official-cao@zhengqi.demo", "曹慧泉（市委书记）"),
    ("official-chen@zhengqi.demo", "陈恢清（市长）"),
)


def _uscc(name: str) -> str:
    return enterprise_uscc(next(i for i, e in enumerate(ENTERPRISES) if e[0] == name))


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _at(d: date, hh: int, mm: int = 0) -> str:
    return datetime.combine(d, time(hh, mm)).isoformat()  # naive = Asia/Shanghai (API.md)


def _next_weekday(today: date, iso_weekday: int, min_days: int = 1) -> date:
    d = today + timedelta(days=min_days)
    while d.isoweekday() != iso_weekday:
        d += timedelta(days=1)
    return d


# Past sessions of the first series: date, theme, guests [(enterprise, representative, topics)], minutes, issues.
PAST = [
    (date(2022, 2, 19), "民营企业发展面对面", [
        ("湖南联诚轨道装备有限公司", "肖勇民（董事长）", "新基地联合验收受阻；改制上市；产能释放"),
        ("株洲时代工程塑料科技有限责任公司", "李娜（总经理）", "扩产用地指标；高层次人才引进"),
        ("湖南华旦新材料有限公司", "刘铁华（董事长）", "技改项目融资；电价"),
        ("株洲金韦硬质合金有限公司", "邹怡敏（总经理）", "出口退税进度"),
        ("株洲天元精密机械有限公司", "杨帆（董事长）", "厂区道路配套"),
        ("株洲高新动力电池科技有限公司", "周涛（总经理）", "环评审批时限"),
    ], "一、联诚集团新基地联合验收问题：市长现场调度，成立工作专班。\n"
       "二、时代工塑扩产用地：市自然资源和规划局牵头研究。\n三、华旦新材料技改融资：市工信局对接银行。",
     [("湖南联诚轨道装备有限公司", "新基地建设项目联合验收受阻", "approval"),
      ("湖南联诚轨道装备有限公司", "改制上市辅导", "listing"),
      ("株洲时代工程塑料科技有限责任公司", "扩产用地指标", "land"),
      ("湖南华旦新材料有限公司", "技改项目贷款贴息", "finance")]),
    (date(2022, 3, 19), "轨道交通产业链配套", [
        ("湖南九方轨道装备有限公司", "吴敏（总经理）", "配套企业招引；物流成本"),
        ("株洲石峰轨道电气有限公司", "程亮（董事长）", "检测认证周期"),
        ("株洲荷塘钻石刀具有限公司", "彭亮（总经理）", "技能人才招聘"),
    ], "一、轨道交通配套企业招引：产业链办牵头。\n二、技能人才：市人社局组织专场招聘。",
     [("株洲荷塘钻石刀具有限公司", "技能人才招聘难", "labour")]),
    (date(2022, 4, 16), "新材料企业融资", [
        ("株洲渌口南洲新材料有限公司", "王建军（董事长）", "流动资金贷款"),
        ("株洲天元生物医药有限公司", "曾伟（总经理）", "药品注册审批"),
    ], "一、新材料企业融资需求：组织银企对接会。", []),
]


def _ensure_officials() -> list[User]:
    out = []
    for email, name in OFFICIALS:
        user = _user(email)
        if user is None:
            user = reference.create_user({"email": email, "name": name, "role": "official", "password": PASSWORD})
        out.append(user)
    return out


def _held_session(sec: User, series: MeetingSeries, hosts: list[int], day: date, theme: str,
                  guests: list[tuple[str, str, str]], text: str, issues: list[tuple[str, str, str]]) -> None:
    m = bookings.book(sec, {"series_id": series.id, "title": theme, "starts_at": _at(day, 7, 30),
                            "host_ids": hosts, "department_codes": ["zz-miit", "zz-nr", "zz-approval"]})
    for name, representative, topics in guests:
        inv = invitations.invite(sec, m.id, {"uscc": _uscc(name), "representative": representative})
        # Answered on paper back then (no enterprise logins in 2022): the secretariat records the answer, audited.
        before = meetings.invitation_json(inv)
        inv.status, inv.topics = "accepted", topics
        audit.record("respond", "invitation", inv.id, before=before, after=meetings.invitation_json(inv), actor=sec)
        db.session.commit()
    bookings.mark_held(sec, m.id)
    minutes.save(sec, m.id, {"text": text.split("\n")[0]})
    minutes.save(sec, m.id, {"text": text})  # a second revision, so the diff has something to show
    for name, title, category in issues:
        minutes.add_issue(sec, m.id, {"uscc": _uscc(name), "title": title, "category": category})


def _upcoming(sec: User, series: MeetingSeries, hosts: list[int], today: date) -> int:
    day = _next_weekday(today, 6, 3)  # a Saturday morning, like the first sessions
    m = bookings.book(sec, {"series_id": series.id, "title": "先进制造业人才与创新", "starts_at": _at(day, 7, 30),
                            "host_ids": hosts, "department_codes": ["zz-hrss", "zz-miit"]})
    guests = [("株洲时代工程塑料科技有限责任公司", "李娜（总经理）"), ("株洲中德汽车零部件有限公司", "郑磊（总经理）"),
              ("株洲芦淞航空零部件有限公司", "唐勇（董事长）"), ("株洲天元软件科技有限公司", "朱琳（创始人）")]
    for name, representative in guests:
        invitations.invite(sec, m.id, {"uscc": _uscc(name), "representative": representative})
    later = bookings.book(sec, {"series_id": series.id, "title": "专精特新企业座谈",
                                "starts_at": _at(day + timedelta(days=14), 7, 30), "host_ids": hosts[:1]})
    invitations.invite(sec, later.id, {"uscc": _uscc("株洲荷塘硬质合金工具有限公司")})
    return 2


def _cancelled(sec: User, series: MeetingSeries, hosts: list[int], today: date) -> None:
    """A cancelled session keeps its number: the next one is not renumbered (SPEC §4)."""
    m = bookings.book(sec, {"series_id": series.id, "title": "（因防汛工作取消）", "starts_at":
                            _at(date(2022, 6, 18), 7, 30), "host_ids": hosts})
    bookings.cancel(sec, m.id, {"reason": "市领导参加防汛调度，改期举行"})


def _visits(sec: User, host_ids: list[int], today: date) -> int:
    monday = _next_weekday(today, 1, 3)  # Mon–Wed is 时代工塑's quiet day: the visit stays proposed
    bookings.book(sec, {"kind": "visit", "title": "走访时代工塑：扩产项目进展", "starts_at": _at(monday, 15),
                        "ends_at": _at(monday, 16, 30), "host_ids": host_ids[:1],
                        "uscc": _uscc("株洲时代工程塑料科技有限责任公司"), "department_codes": ["zz-nr"]})
    thursday = _next_weekday(today, 4, 3)
    bookings.book(sec, {"kind": "visit", "title": "走访联诚集团：新基地投产", "starts_at": _at(thursday, 9),
                        "ends_at": _at(thursday, 10, 30), "host_ids": host_ids[1:2],
                        "uscc": _uscc("湖南联诚轨道装备有限公司")})
    past = bookings.book(sec, {"kind": "visit", "title": "走访华旦新材料：技改项目", "starts_at":
                               _at(date(2022, 9, 15), 9), "ends_at": _at(date(2022, 9, 15), 11),
                               "host_ids": host_ids[1:2], "uscc": _uscc("湖南华旦新材料有限公司")})
    if past.status == "scheduled":  # a Thursday, not a quiet day
        bookings.mark_held(sec, past.id)
    return 3


def load() -> list[str]:
    sec = _user("secretariat@zhengqi.demo")
    if sec is None or _user("official@zhengqi.demo") is None or db.session.scalar(
            select(func.count()).select_from(MeetingSeries).where(MeetingSeries.name == SERIES_NAME)):
        return []
    today = checks.local_today()
    cao, chen = _ensure_officials()
    wang = _user("official@zhengqi.demo")
    assert wang is not None
    hosts = [cao.id, chen.id]
    series = meetings.create_series(sec, {"name": SERIES_NAME, "jurisdiction_code": "430200", "kind": "breakfast",
                                          "default_venue": VENUE, "default_capacity": 6, "default_start_time": "07:30",
                                          "default_duration_minutes": 90})
    for day, theme, guests, text, issues in PAST:
        _held_session(sec, series, hosts, day, theme, guests, text, issues)
    _cancelled(sec, series, hosts, today)
    mingcheng = meetings.create_series(sec, {"name": MINGCHENG_NAME, "jurisdiction_code": "430200",
                                             "kind": "breakfast", "default_venue": VENUE, "default_capacity": 6,
                                             "default_start_time": "07:30", "default_duration_minutes": 90})
    upcoming = _upcoming(sec, mingcheng, [chen.id, wang.id], today)
    made_visits = _visits(sec, [wang.id, chen.id], today)
    return ["", f"Meetings: 2 series, {len(PAST)} held sessions with guests, topics and minutes, 1 cancelled, "
            f"{upcoming} upcoming, {made_visits} visits",
            *(f"{email:<30} {PASSWORD:<14} official · {name}" for email, name in OFFICIALS)]


def summary() -> dict[str, Any]:
    """Counts the demo test checks."""
    return {"series": db.session.scalar(select(func.count()).select_from(MeetingSeries))}
