"""Inspection pages: the check page in plain words with a month calendar, booking, detail actions, the
enterprise's QR code page and the 扫码入企 check-in page."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote

from extensions import db
from models import Inspection
from tests import quietdays_fixtures as qf
from tests.factories import login
from tests.quietdays_fixtures import TODAY, counts

world, today = qf.world, qf.today


def as_user(client, user) -> None:
    client.post("/logout")
    login(client, user)


def zh(client, url, **kw):
    return client.get(url + ("&" if "?" in url else "?") + "lang=zh_CN", **kw)


def test_check_page_refuses_monday_in_chinese_with_next_date_and_calendar(client, world):
    login(client, world.inspector)
    resp = zh(client, f"/check?uscc={world.ent.uscc}&date=2026-11-23&kind=routine")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'id="verdict" data-allowed="false"' in html
    assert "民营企业宁静日" in html
    assert re.search(r'id="cap">[^<]*0\D+2', html)  # cap used / limit
    assert f"/inspections/new?uscc={world.ent.uscc}&amp;date=2026-11-26&amp;kind=routine" in html
    classes = {d: c for c, d in re.findall(r'class="day (allowed|refused)[^"]*" data-date="([\d-]+)"', html)}
    assert classes["2026-11-23"] == "refused" and classes["2026-11-26"] == "allowed"
    assert len(classes) == 30
    assert re.search(r'id="cap">[^<]*株洲市市场监督管理局', html)  # the cap's owner by name, not by code
    past = set(re.findall(r'class="day [a-z]+ past[^"]*" data-date="([\d-]+)"', html))
    assert past == {f"2026-11-{d:02d}" for d in range(1, TODAY.day)}
    nxt = zh(client, f"/check?uscc={world.ent.uscc}&date=2026-11-23&kind=routine&month=2026-12")
    assert 'data-date="2026-12-01"' in nxt.get_data(as_text=True)


def test_check_page_finds_enterprises_by_name(client, world):
    login(client, world.inspector)
    html = client.get("/check?q=株洲").get_data(as_text=True)
    assert world.ent.name in html and world.state_ent.name in html
    html = client.get("/check?q=时代工程").get_data(as_text=True)  # one match: answered directly
    assert 'id="verdict"' in html
    assert world.state_ent.name not in html


def test_check_page_errors_are_4xx(client, world):
    login(client, world.inspector)
    assert client.get(f"/check?uscc={world.ent.uscc}&date=bad").status_code == 422
    assert client.get("/check?uscc=91430200MA00000000&date=2026-11-23").status_code == 404
    assert client.get(f"/check?uscc={world.ent.uscc}&date=2026-11-23&month=2026-13").status_code == 422
    as_user(client, world.enterprise_user)
    assert client.get(f"/check?uscc={world.ent.uscc}&date=2026-11-23").status_code == 403


def test_booking_form_refusal_shows_next_date_then_books_it(client, world):
    login(client, world.inspector)
    data = {"uscc": world.ent.uscc, "date": "2026-11-23", "kind": "routine", "subject": "日常检查"}
    before = counts()
    resp = client.post("/inspections/new", data=data)
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert 'id="refusal"' in html and "2026-11-26" in html
    assert counts() == before
    resp = client.post("/inspections/new", data={**data, "date": "2026-11-26"})
    assert resp.status_code == 302
    insp = db.session.query(Inspection).one()
    assert resp.headers["Location"].endswith(f"/inspections/{insp.id}")
    assert insp.date == date(2026, 11, 26) and insp.status == "planned"


def test_booking_form_field_errors(client, world):
    login(client, world.inspector)
    before = counts()
    resp = client.post(
        "/inspections/new",
        data={"uscc": world.ent.uscc, "date": "2026-11-23", "kind": "complaint", "subject": "投诉核查"},
    )
    assert resp.status_code == 422
    assert 'class="error"' in resp.get_data(as_text=True)
    resp = client.post("/inspections/new", data={"uscc": "", "date": "", "kind": "routine", "subject": ""})
    assert resp.status_code == 422
    assert counts() == before


def test_detail_actions_for_head_and_enterprise(client, world, monkeypatch):
    insp = Inspection(
        enterprise=world.ent,
        department=world.amr,
        date=date(2026, 11, 23),
        kind="complaint",
        subject="投诉核查",
        justification="群众投诉",
        reference="12345-1",
        status="pending_approval",
        on_protected_day=True,
    )
    db.session.add(insp)
    db.session.commit()
    login(client, world.head)
    html = client.get(f"/inspections/{insp.id}").get_data(as_text=True)
    assert f"/inspections/{insp.id}/approve" in html
    assert client.post(f"/inspections/{insp.id}/approve").status_code == 302
    db.session.refresh(insp)
    assert insp.status == "planned"
    as_user(client, world.em_inspector)
    assert client.get(f"/inspections/{insp.id}").status_code == 403
    assert client.post(f"/inspections/{insp.id}/cancel", data={"reason": "x"}).status_code == 403
    as_user(client, world.inspector)
    resp = client.post(f"/inspections/{insp.id}/cancel", data={"reason": ""})
    assert resp.status_code == 422
    as_user(client, world.enterprise_user)
    html = client.get(f"/inspections/{insp.id}").get_data(as_text=True)
    # A complaint's grounds point to the complainant: the enterprise sees the kind and the date only.
    assert "群众投诉" not in html and "12345-1" not in html and "投诉举报核查" in html
    as_user(client, world.other_enterprise_user)
    assert client.get(f"/inspections/{insp.id}").status_code == 403


def test_rating_page_flow(client, world):
    insp = Inspection(
        enterprise=world.ent,
        department=world.amr,
        date=date(2026, 11, 12),
        kind="routine",
        subject="检查",
        status="completed",
    )
    db.session.add(insp)
    db.session.commit()
    login(client, world.enterprise_user)
    assert f"/inspections/{insp.id}/rate" in client.get(f"/inspections/{insp.id}").get_data(as_text=True)
    assert client.post(f"/inspections/{insp.id}/rate", data={"rating": "9"}).status_code == 422
    assert (
        client.post(f"/inspections/{insp.id}/rate", data={"rating": "5", "comment": "好"}).status_code == 302
    )
    assert client.post(f"/inspections/{insp.id}/rate", data={"rating": "4"}).status_code == 409
    db.session.refresh(insp)
    assert insp.rating == 5


def test_list_page_filters_and_scopes(client, world):
    for dept, ent in ((world.amr, world.ent), (world.em, world.other_ent)):
        db.session.add(
            Inspection(
                enterprise=ent,
                department=dept,
                date=date(2026, 11, 26),
                kind="routine",
                subject=f"检查-{dept.code}",
                status="planned",
            )
        )
    db.session.commit()
    login(client, world.inspector)
    html = client.get("/inspections").get_data(as_text=True)
    assert world.ent.name in html
    assert world.other_ent.name not in html
    as_user(client, world.admin)
    html = client.get("/inspections?department=zz-em").get_data(as_text=True)
    assert world.other_ent.name in html and world.ent.name not in html
    assert client.get("/inspections?from=bad").status_code == 422


def test_code_page_has_a_qr_code_to_the_checkin_page(client, world):
    login(client, world.enterprise_user)
    resp = client.get(f"/inspections/code/{world.ent.uscc}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    match = re.search(r'<img class="qr" src="data:image/svg\+xml[^,]*,([^"]+)"', html)
    assert match, "QR code as an inline data URI (CSP allows img data:)"
    svg = unquote(match.group(1))
    assert "<svg" in svg and "<path" in svg
    assert f"/checkin/{world.ent.uscc}" in html
    assert client.get(f"/inspections/code/{world.other_ent.uscc}").status_code == 403
    as_user(client, world.inspector)
    assert client.get(f"/inspections/code/{world.ent.uscc}").status_code == 403
    as_user(client, world.secretariat)
    assert client.get(f"/inspections/code/{world.other_ent.uscc}").status_code == 200


def test_checkin_page_checks_in_todays_plan_or_says_why_not(client, world):
    login(client, world.inspector)
    url = f"/checkin/{world.ent.uscc}"
    assert client.get(url).status_code == 200
    resp = client.post(url)
    assert resp.status_code == 409 and 'id="refusal"' in resp.get_data(as_text=True)
    pending = Inspection(
        enterprise=world.ent,
        department=world.amr,
        date=qf.TODAY,
        kind="complaint",
        subject="p",
        status="pending_approval",
    )
    db.session.add(pending)
    db.session.commit()
    assert client.post(url).status_code == 409
    planned = Inspection(
        enterprise=world.ent,
        department=world.amr,
        date=qf.TODAY,
        kind="routine",
        subject="q",
        status="planned",
    )
    db.session.add(planned)
    db.session.commit()
    resp = client.post(url)
    assert resp.status_code == 302
    db.session.refresh(planned)
    assert planned.status == "checked_in" and planned.checked_in_by_id == world.inspector.id
    db.session.delete(pending)
    db.session.commit()
    resp = client.post(url)
    assert resp.status_code == 409  # already checked in
    as_user(client, world.em_inspector)  # another agency has nothing planned here today
    assert client.post(url).status_code == 409
    as_user(client, world.enterprise_user)
    assert client.get(url).status_code == 403


def test_emergency_checkin_without_plan(client, world):
    login(client, world.inspector)
    url = f"/checkin/{world.ent.uscc}/emergency"
    before = counts()
    resp = client.post(url, data={"kind": "accident", "subject": "险情处置", "justification": ""})
    assert resp.status_code == 422 and counts() == before
    resp = client.post(url, data={"kind": "accident", "subject": "险情处置", "justification": "企业报告泄漏"})
    assert resp.status_code == 302
    insp = db.session.query(Inspection).one()
    assert insp.emergency and insp.status == "checked_in" and insp.date == qf.TODAY


def test_check_page_finds_an_enterprise_by_its_short_name(client, world):
    world.ent.short_name = "时代工塑"
    db.session.commit()
    login(client, world.inspector)
    html = client.get("/check?q=时代工塑&date=2026-11-23").get_data(as_text=True)
    assert 'id="verdict"' in html and world.ent.uscc in html
