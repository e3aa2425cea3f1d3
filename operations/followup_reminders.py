"""Daily reminders (`flask --app app followups remind`, run by cron): each department gets its yellow and red
items, the secretariat a digest. Each message is recorded (follow_up_reminders, unique per day, kind and
recipient) *before* it is sent, so a second run the same day — or two runs at once — sends nothing new; a send
that fails releases its record so the next run retries it. (That is why sending is done here and not with
`operations.notices.send_mail`, which logs a failure and carries on; both read the same MAIL_* settings.)
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from extensions import db
from models.department import Department
from models.followup import FollowUp, FollowUpReminder, follow_up_assists
from models.user import User
from operations import audit, checks
from operations.followup_ledger import red_clause, yellow_clause
from operations.followup_loop import close_unrated
from operations.followups import thresholds
from rules import followups as fr


@dataclass
class RemindResult:
    closed: list[int] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # recipients keys (dept:<code>, digest)
    skipped: list[str] = field(default_factory=list)  # already sent today
    smtp: bool = True


def smtp_settings(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The app's one mail configuration (MAIL_*, shared with the meeting notices); None when unset."""
    host = config.get("MAIL_SERVER")
    if not host:
        return None
    return {"host": host, "port": int(config.get("MAIL_PORT") or 25), "user": config.get("MAIL_USERNAME"),
            "password": config.get("MAIL_PASSWORD"), "starttls": bool(config.get("MAIL_USE_TLS")),
            "sender": config.get("MAIL_DEFAULT_SENDER") or "zhengqi@localhost"}


def _send(settings: Mapping[str, Any], to: list[str], subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = formataddr((str(_("Zhengqi")), settings["sender"]))
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings["sender"].split("@")[-1])
    msg.set_content(body)
    with smtplib.SMTP(settings["host"], settings["port"], timeout=30) as smtp:
        if settings["starttls"]:
            smtp.starttls()
        if settings["user"]:
            smtp.login(settings["user"], settings["password"] or "")
        smtp.send_message(msg)


def _claim(today: date, kind: str, recipient: str, department_id: int | None, count: int) -> bool:
    """Record the send; False when it was already recorded today (by an earlier or a parallel run)."""
    db.session.add(FollowUpReminder(sent_on=today, kind=kind, recipient=recipient, department_id=department_id,
                                    item_count=count))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _release(today: date, kind: str, recipient: str) -> None:
    db.session.execute(delete(FollowUpReminder).where(FollowUpReminder.sent_on == today,
                                                      FollowUpReminder.kind == kind,
                                                      FollowUpReminder.recipient == recipient))
    db.session.commit()


def _line(item: FollowUp, warning: str | None) -> str:
    colour = _("RED") if warning == "red" else _("YELLOW")
    return _("[%(colour)s] #%(id)s %(title)s — %(enterprise)s, due %(date)s",
             colour=colour, id=item.id, title=item.title, enterprise=item.enterprise.name,
             date=item.due_on.isoformat())


def remind(today: date | None = None) -> RemindResult:
    today = today or checks.local_today()
    result = RemindResult()
    result.closed = close_unrated(today)
    settings = smtp_settings(current_app.config)
    if settings is None:
        result.smtp = False
        return result
    th = thresholds(today)
    warned = list(db.session.scalars(
        select(FollowUp).where(or_(red_clause(th), yellow_clause(th)))
        .options(joinedload(FollowUp.enterprise), joinedload(FollowUp.lead_department))
        .order_by(FollowUp.due_on, FollowUp.id)))
    assists: dict[int, list[int]] = defaultdict(list)
    if warned:
        for fid, did in db.session.execute(select(follow_up_assists.c.follow_up_id, follow_up_assists.c.department_id)
                                           .where(follow_up_assists.c.follow_up_id.in_([i.id for i in warned]))):
            assists[did].append(fid)
    by_dept: dict[int, list[FollowUp]] = defaultdict(list)
    by_id = {i.id: i for i in warned}
    for item in warned:
        by_dept[item.lead_department_id].append(item)
    for did, ids in assists.items():
        by_dept[did].extend(by_id[i] for i in ids)
    staff: dict[int, list[str]] = defaultdict(list)
    for email, did in db.session.execute(select(User.email, User.department_id).where(
            User.role == "department", User.active, User.department_id.in_(list(by_dept) or [-1]))):
        staff[did].append(email)
    departments = {d.id: d for d in db.session.scalars(select(Department).where(
        Department.id.in_(list(by_dept) or [-1])))}
    # Mails are read by Chinese offices: written in the default locale, whatever the CLI's environment.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")):
        for did, items in sorted(by_dept.items()):
            to = sorted(staff.get(did, []))
            dept = departments[did]
            key = f"dept:{dept.code}"
            if not to:
                continue
            if not _claim(today, "department", key, did, len(items)):
                result.skipped.append(key)
                continue
            lines = [_line(i, fr.warning(i.status, i.due_on, i.last_progress_on, th)) for i in items]
            subject = _("Follow-up warnings for %(dept)s on %(date)s: %(n)s items", dept=dept.name,
                        date=today.isoformat(), n=len(items))
            try:
                _send(settings, to, subject, "\n".join(lines))
            except (OSError, smtplib.SMTPException):
                _release(today, "department", key)
                raise
            audit.record("remind", "follow_up_reminder", key, after={"to": to, "items": [i.id for i in items]})
            db.session.commit()
            result.sent.append(key)
        secretariat = sorted(db.session.scalars(select(User.email).where(User.role == "secretariat", User.active)))
        if secretariat:
            if not _claim(today, "digest", "digest", None, len(warned)):
                result.skipped.append("digest")
                return result
            red = [i for i in warned if i.due_on < th.today]
            yellow = [i for i in warned if i.due_on >= th.today]
            supervised = [i for i in warned if i.supervised_on is not None]
            body = [_("Red: %(n)s · Yellow: %(m)s · Under supervision among them: %(s)s",
                      n=len(red), m=len(yellow), s=len(supervised)), ""]
            body += [_line(i, "red") for i in red] + [_line(i, "yellow") for i in yellow]
            subject = _("Follow-up digest for %(date)s", date=today.isoformat())
            try:
                _send(settings, secretariat, subject, "\n".join(body))
            except (OSError, smtplib.SMTPException):
                _release(today, "digest", "digest")
                raise
            audit.record("remind", "follow_up_reminder", "digest",
                         after={"to": secretariat, "red": len(red), "yellow": len(yellow)})
            db.session.commit()
            result.sent.append("digest")
    return result
