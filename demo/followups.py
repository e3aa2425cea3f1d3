"""Demo follow-up items (runs after demo.reference): one per state of the loop, so every page and warning has
something to show — on time, yellow, red, supervised, resolved waiting for a rating, closed, sent back, an
extension waiting for the secretariat.

Idempotent: items are found by their title. They go through the same operations as the pages, so the history,
the audit log and the due dates are what real use produces. Items raised at meetings and visits name the
demo meeting when the meetings feature provides one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from extensions import db
from models.followup import FollowUp
from models.user import User
from operations import checks, followups
from operations import followup_loop as loop
from operations.calendar import load_calendar
from operations.errors import DomainError

PREFIX = "【演示】"
USERS_NEEDED = ("secretariat@zhengqi.demo", "department@zhengqi.demo", "enterprise@zhengqi.demo")


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _specs(ent_uscc: str, other_uscc: str, back: Any) -> list[dict[str, Any]]:
    # (payload, steps): steps run in order with the demo users; dates are working days back from today so the
    # warnings come out the same whatever day the demo is loaded.
    return [
        ({"source": "meeting", "uscc": ent_uscc, "title": "二期厂房用地指标落实", "category": "land",
          "lead_department": "zz-nr", "assist_departments": ["zz-housing"], "level": "leader",
          "assigned_on": back(8), "description": "早餐会上企业反映二期厂房用地指标尚未落实，影响开工。"},
         [("progress", {"note": "已与企业现场对接，正在办理用地预审。"})]),
        ({"source": "visit", "uscc": ent_uscc, "title": "技改项目贷款贴息申报", "category": "finance",
          "lead_department": "zz-nr", "level": "joint", "assigned_on": back(6)},
         [("progress", {"note": "已指导企业准备申报材料。"}),
          ("resolve", {"resolution": "贴息资金已拨付到位。"})]),
        ({"source": "meeting", "uscc": ent_uscc, "title": "高技能人才公寓申请", "category": "labour",
          "lead_department": "zz-nr", "assist_departments": ["zz-hrss"], "level": "immediate",
          "assigned_on": back(4)},
         [("resolve", {"resolution": "已安排 20 套人才公寓。"}), ("rate", {"rating": 5, "comment": "非常及时"})]),
        ({"source": "meeting", "uscc": ent_uscc, "title": "上市辅导政策奖补兑现", "category": "listing",
          "lead_department": "zz-nr", "level": "immediate", "assigned_on": back(2)},
         [("resolve", {"resolution": "已答复企业奖补政策口径。"}),
          ("rate", {"rating": 2, "comment": "只答复了口径，奖补资金仍未兑现。"})]),
        ({"source": "request", "uscc": ent_uscc, "title": "用电增容报装", "category": "utilities",
          "lead_department": "zz-approval", "level": "immediate", "assigned_on": back(9)}, []),
        ({"source": "hotline", "uscc": other_uscc, "title": "环评审批进度", "category": "approval",
          "lead_department": "zz-approval", "assist_departments": ["zz-nr"], "level": "joint",
          "assigned_on": back(20)}, [("supervise", {"note": "逾期未办结，挂号督办。"})]),
        ({"source": "visit", "uscc": other_uscc, "title": "厂区道路与供水管网改造", "category": "utilities",
          "lead_department": "zz-nr", "level": "immediate", "assigned_on": back(3)},
         [("extend", {"due_date": None, "reason": "需市政管网规划调整，申请延期。"})]),
    ]


def load() -> list[str]:
    users = {email: _user(email) for email in USERS_NEEDED}
    if not all(users.values()):
        return []
    secretariat, department, enterprise = (users[e] for e in USERS_NEEDED)
    other = db.session.scalar(select(User.enterprise_id).where(User.role == "enterprise",
                                                               User.enterprise_id != enterprise.enterprise_id))
    from models.enterprise import Enterprise

    ent_uscc = enterprise.enterprise.uscc
    other_uscc = (db.session.scalar(select(Enterprise.uscc).where(Enterprise.id == other)) if other else
                  db.session.scalar(select(Enterprise.uscc).where(Enterprise.id != enterprise.enterprise_id)
                                    .order_by(Enterprise.id)))
    calendar = load_calendar()
    today = checks.local_today()

    def back(n: int) -> str:
        d = today
        for _ in range(n):
            d -= timedelta(days=1)
            while not calendar.is_workday(d):
                d -= timedelta(days=1)
        return d.isoformat()

    created = 0
    for payload, steps in _specs(ent_uscc, other_uscc or ent_uscc, back):
        title = PREFIX + payload["title"]
        if db.session.scalar(select(FollowUp.id).where(FollowUp.title == title)) is not None:
            continue
        try:
            item = followups.create(secretariat, {**payload, "title": title})
            for action, data in steps:
                if action == "progress":
                    loop.progress(department, item.id, data)
                elif action == "resolve":
                    loop.resolve(department, item.id, data)
                elif action == "rate":
                    loop.rate(enterprise, item.id, data)
                elif action == "supervise":
                    loop.supervise(secretariat, item.id, data)
                elif action == "extend":
                    due = calendar.add_workdays(item.due_on, 5).isoformat()
                    loop.request_extension(department, item.id, {**data, "due_date": due})
        except DomainError as err:  # a demo must never stop the rest of the demo
            db.session.rollback()
            return [f"follow-ups: demo item “{title}” refused: {err.message}"]
        created += 1
    created += _from_minutes(secretariat, department, back)
    total = db.session.scalar(select(func.count()).select_from(FollowUp))
    return [f"follow-ups: {created} demo items added ({total} in all)"]


def _from_minutes(secretariat: User, department: User, back: Any) -> int:
    """Every issue recorded in the demo meetings' minutes becomes an item (the 闭环 the series reports);
    the older half resolved, so the series figures show raised and resolved."""
    from models.meeting import Meeting, MinutesIssue

    issues = db.session.execute(
        select(MinutesIssue.id, Meeting.starts_at).join(Meeting, Meeting.id == MinutesIssue.meeting_id)
        .where(~select(FollowUp.id).where(FollowUp.minutes_issue_id == MinutesIssue.id).exists())
        .order_by(MinutesIssue.id)).all()
    leads = ("zz-nr", "zz-hrss", "zz-miit", "zz-approval")
    created = 0
    for n, (issue_id, _starts) in enumerate(issues):
        lead = leads[n % len(leads)]
        try:
            item = followups.create(secretariat, {"minutes_issue_id": issue_id, "lead_department": lead,
                                                  "level": "joint", "assigned_on": back(12 - n % 6)})
            if lead == "zz-nr" and n % 2 == 0:
                loop.resolve(department, item.id, {"resolution": "已协调解决，并向企业反馈。"})
        except DomainError:
            db.session.rollback()
            continue
        created += 1
    return created
