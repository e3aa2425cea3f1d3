"""In-app notices (站内通知) and, when SMTP is configured (MAIL_SERVER), e-mail.

Notices are written in the same transaction as the change they announce; mail goes out only after that
commit (a refused or rolled-back change must never have mailed anyone), and a mail failure is logged, never
undoing the change: the notice in the app is the record, mail is a courtesy.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.meeting import Notice
from models.user import User


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def enterprise_users(enterprise_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.enterprise_id == enterprise_id, User.role == "enterprise",
                                                      User.active.is_(True)).order_by(User.id)))


def notify(users: Iterable[User], kind: str, text: str, meeting_id: int | None = None,
           link: str | None = None) -> list[Mail]:
    """Add one notice per user (deduplicated, inactive users skipped); returns the mails to send after commit."""
    mails: list[Mail] = []
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.active:
            continue
        seen.add(user.id)
        db.session.add(Notice(user_id=user.id, meeting_id=meeting_id, kind=kind, text=text))
        if user.email:
            body = text if not link else f"{text}\n\n{link}"
            mails.append(Mail(user.email, f"[政企] {text[:60]}", body))
    return mails


def send_mail(mails: Iterable[Mail]) -> int:
    """Send after commit; returns how many went out. Without MAIL_SERVER nothing is sent."""
    mails = list(mails)
    config = current_app.config
    server = config.get("MAIL_SERVER")
    if not server or not mails:
        return 0
    sender = config.get("MAIL_DEFAULT_SENDER") or "zhengqi@localhost"
    sent = 0
    try:
        with smtplib.SMTP(server, int(config.get("MAIL_PORT") or 25), timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for mail in mails:
                msg = EmailMessage()
                msg["From"] = sender
                msg["To"] = mail.to
                msg["Subject"] = mail.subject
                msg.set_content(mail.body)
                smtp.send_message(msg)
                sent += 1
    except (OSError, smtplib.SMTPException) as err:
        current_app.logger.warning("mail not sent (%s of %s sent): %s", sent, len(mails), err)
    return sent


def for_user(user: User, limit: int = 50) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.user_id == user.id)
                                   .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)))


def unread_count(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(Notice)
                             .where(Notice.user_id == user.id, Notice.read_at.is_(None))) or 0


def mark_read(user: User) -> int:
    result = db.session.execute(update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
                                .values(read_at=utcnow()))
    if result.rowcount:
        from operations import audit

        audit.record("mark_read", "notices", user.id, after={"count": result.rowcount})
    db.session.commit()
    return result.rowcount
