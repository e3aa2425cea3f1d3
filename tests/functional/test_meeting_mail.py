"""Notices by e-mail against a real SMTP server (aiosmtpd) started by the test: an invitation mails the
enterprise's users; a refused invitation mails nobody; without MAIL_SERVER only the in-app notice is written;
an unreachable server never undoes the invitation."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from extensions import db
from models import Invitation, Notice
from operations import invitations
from operations.errors import DomainError
from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf

world = qf.world
today = qf.today
mworld = mf.mworld


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    old = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield inbox
    finally:
        app.config.update(old)
        controller.stop()


def test_invitation_mails_the_enterprise_users(mworld, smtp):
    m = mf.book(mworld.sec, title="第十六期早餐会", host_ids=[mworld.mayor.id])
    smtp.messages.clear()  # the host's booking notice
    invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[0].uscc})
    assert len(smtp.messages) == 1
    rcpts, msg = smtp.messages[0]
    assert rcpts == [mworld.guest_users[0].email]
    assert "第十六期早餐会" in msg["Subject"] or "第十六期早餐会" in msg.get_content()
    assert "2026-11-26 07:30–09:00" in msg.get_content()
    assert f"/meetings/{m.id}" in msg.get_content()


def test_booking_mails_the_hosts_and_a_refusal_mails_nobody(mworld, smtp):
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id], capacity=1)
    assert [r for r, _m in smtp.messages] == [[mworld.mayor.email]]
    invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[0].uscc})
    count = len(smtp.messages)
    with pytest.raises(DomainError):
        invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[1].uscc})
    assert len(smtp.messages) == count


def test_without_mail_server_only_the_notice(app, mworld):
    assert not app.config.get("MAIL_SERVER")
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id])
    invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[0].uscc})
    assert db.session.query(Notice).filter_by(user_id=mworld.guest_users[0].id).count() == 1


def test_unreachable_server_keeps_the_invitation(app, mworld, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nobody listens there
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id])
    invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[0].uscc})
    assert db.session.query(Invitation).count() == 1
