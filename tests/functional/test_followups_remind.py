"""`flask --app app followups remind` against a real SMTP server (aiosmtpd) started by the test: departments get
their yellow/red items, the secretariat a digest; a second run the same day sends nothing new."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditLog
from models.followup import FollowUp, FollowUpReminder
from tests import followups_fixtures as ff
from tests.factories import create_user

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

fu_world = ff.fu_world


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this hook by name
        msg = message_from_bytes(envelope.content)
        self.messages.append((sorted(envelope.rcpt_tos), msg))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    port = _free_port()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "zhengqi@zhuzhou.gov.cn")
    try:
        yield inbox
    finally:
        controller.stop()


def _subject(msg) -> str:
    return str(make_header(decode_header(msg["Subject"])))


def _body(msg) -> str:
    return msg.get_payload(decode=True).decode(msg.get_content_charset() or "utf-8")


def test_reminders_go_to_departments_and_the_secretariat_once_a_day(client, runner, fu_world, smtp):
    w = fu_world
    red = w.create(client, title="逾期用地", assigned_on="2026-11-10")["id"]
    yellow = w.create(client, title="临期融资", assigned_on="2026-11-16", lead_department=w.other.code,
                      assist_departments=[])["id"]
    w.create(client, title="无预警", level="joint")
    second_lead = create_user("department", department=w.lead, email="nr2@zz.gov.cn")

    result = runner.invoke(args=["followups", "remind"])
    assert result.exit_code == 0, result.output
    assert "sent: 4" in result.output  # zz-nr, zz-hr (assists the red one), zz-fin, digest
    by_to = {tuple(to): msg for to, msg in smtp.messages}
    nr = by_to[tuple(sorted([w.lead_user.email, second_lead.email]))]
    assert "株洲市自然资源和规划局" in _subject(nr)
    assert f"#{red} 逾期用地" in _body(nr) and "红" in _body(nr) and "临期融资" not in _body(nr)
    hr = by_to[(w.assist_user.email,)]
    assert f"#{red}" in _body(hr)
    fin = by_to[(w.other_user.email,)]
    assert f"#{yellow} 临期融资" in _body(fin) and "逾期用地" not in _body(fin)
    digest = by_to[(w.secretariat.email,)]
    assert "2026-11-19" in _subject(digest)
    assert "逾期用地" in _body(digest) and "临期融资" in _body(digest) and "无预警" not in _body(digest)
    assert "无预警" not in "".join(_body(m) for _, m in smtp.messages)

    again = runner.invoke(args=["followups", "remind"])
    assert again.exit_code == 0, again.output
    assert "sent: 0" in again.output and "already sent today: 4" in again.output
    assert len(smtp.messages) == 4
    assert db.session.scalar(select(func.count()).select_from(FollowUpReminder)) == 4
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "remind")) == 4

    w.set_today(ff.TODAY.replace(day=20))  # the next day sends again
    assert runner.invoke(args=["followups", "remind"]).exit_code == 0
    assert len(smtp.messages) == 8


def test_without_smtp_nothing_is_sent_but_unrated_items_close(client, runner, fu_world):
    w = fu_world
    iid = w.create(client, assigned_on="2026-10-09")["id"]
    client.post(f"/api/v1/follow-ups/{iid}/resolve", json={"resolution": "办结"}, headers=w.headers(w.lead_user))
    db.session.execute(FollowUp.__table__.update().values(resolved_on=ff.TODAY.replace(day=2)))
    db.session.commit()
    result = runner.invoke(args=["followups", "remind"])
    assert result.exit_code == 0, result.output
    assert "closed unrated: 1" in result.output and "MAIL_SERVER is not set" in result.output
    db.session.expire_all()
    assert db.session.get(FollowUp, iid).status == "closed"
    assert db.session.scalar(select(func.count()).select_from(FollowUpReminder)) == 0


def test_a_failed_send_is_retried_by_the_next_run(client, runner, fu_world, app, monkeypatch):
    w = fu_world
    w.create(client, assigned_on="2026-11-10")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nobody listens there
    result = runner.invoke(args=["followups", "remind"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(FollowUpReminder)) == 0
