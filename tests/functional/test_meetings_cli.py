"""`flask meetings book / upcoming / cancel` call the same operations as the API (and refuse alike)."""

from __future__ import annotations

import json

from extensions import db
from models import Meeting
from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf

world, today, mworld = qf.world, qf.today, mf.mworld


def test_cli_book_upcoming_cancel(runner, mworld):
    body = {"series_id": mworld.series.id, "title": "早餐会", "starts_at": "2026-11-26T07:30",
            "host_ids": [mworld.mayor.id]}
    result = runner.invoke(args=["meetings", "book", "--as", mworld.sec.email, json.dumps(body)])
    assert result.exit_code == 0 and "第1期" in result.output, result.output
    clash = runner.invoke(args=["meetings", "book", "--as", mworld.sec.email, json.dumps(body)])
    assert clash.exit_code != 0 and "host_conflict" in clash.output
    listed = runner.invoke(args=["meetings", "upcoming", "--as", mworld.mayor.email])
    assert "2026-11-26 07:30–09:00" in listed.output
    m = db.session.query(Meeting).one()
    refused = runner.invoke(args=["meetings", "cancel", "--as", mworld.mayor.email, "--reason", "x", str(m.id)])
    assert refused.exit_code != 0 and "forbidden" in refused.output
    done = runner.invoke(args=["meetings", "cancel", "--as", mworld.sec.email, "--reason", "改期", str(m.id)])
    assert done.exit_code == 0
    db.session.expire_all()
    assert db.session.get(Meeting, m.id).status == "cancelled"
