"""Issue #6 on the pages: the check page works on the first try for admins and the secretariat (a default
agency, said out loud), calendars show non-working days, refusals name the cap and the first booking."""

from __future__ import annotations

import re

from extensions import db
from tests import quietdays_fixtures as qf
from tests.factories import login
from tests.quietdays_fixtures import counts

world, today = qf.world, qf.today


def zh(client, url: str):
    return client.get(url + ("&" if "?" in url else "?") + "lang=zh_CN")


def test_check_page_works_first_try_for_admin_and_secretariat(client, world):
    for user in (world.admin, world.secretariat):
        client.post("/logout")
        login(client, user)
        resp = zh(client, f"/check?uscc={world.ent.uscc}&date=2026-11-23&kind=routine")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, html[:2000]
        assert 'id="verdict" data-allowed="false"' in html
        assert "为必填项" not in html and "department" not in html.split('id="verdict"')[1][:400]
        # The agency nearest to the enterprise (Lukou < Zhuzhou: zz-amr first by code) is preselected and named.
        assert re.search(r'<option value="zz-amr" selected>', html)
        assert 'id="department-default"' in html and "株洲市市场监督管理局" in html


def test_check_page_remembers_the_agency_chosen_last(client, world):
    login(client, world.admin)
    html = zh(client, f"/check?uscc={world.ent.uscc}&date=2026-11-23&kind=routine&department=zz-em").get_data(
        as_text=True)
    assert '<option value="zz-em" selected>' in html and 'id="department-default"' not in html
    html = zh(client, f"/check?uscc={world.state_ent.uscc}&date=2026-11-23&kind=routine").get_data(as_text=True)
    assert '<option value="zz-em" selected>' in html and 'id="department-default"' in html


def test_inspector_check_page_unchanged_by_the_default(client, world):
    login(client, world.inspector)
    html = zh(client, f"/check?uscc={world.ent.uscc}&date=2026-11-23").get_data(as_text=True)
    assert 'id="department-default"' not in html and 'id="verdict"' in html


def test_calendars_show_non_working_days(client, world):
    login(client, world.inspector)
    html = zh(client, f"/check?uscc={world.ent.uscc}&date=2026-10-01&kind=routine").get_data(as_text=True)
    # Non-working days carry the class "offday" (weekends and holidays per the working-day calendar).
    flags = {d: "offday" in cls.split() for cls, d in
             re.findall(r'<div class="day ([^"]*)" data-date="(2026-10-\d\d)"', html)}
    assert len(flags) == 31
    # National Day week 1–7 October and the weekends are not working days; Saturday the 10th is a make-up day.
    off = {d for d, is_off in flags.items() if is_off}
    assert {f"2026-10-0{i}" for i in range(1, 8)} <= off
    assert "2026-10-10" not in off and "2026-10-11" in off and "2026-10-08" not in off
    assert html.count('class="offday-mark"') == len(off)
    # The verdict says the day is allowed by the rules but not a working day; the offer is the 8th.
    assert 'id="offday-note"' in html and "不是工作日" in html
    assert re.search(r'id="next-allowed">\s*2026-10-08', html)
    workday = zh(client, f"/check?uscc={world.ent.uscc}&date=2026-10-08&kind=routine").get_data(as_text=True)
    assert 'id="offday-note"' not in workday
    client.post("/logout")
    login(client, world.enterprise_user)
    html = zh(client, "/my/calendar?month=2026-10").get_data(as_text=True)
    assert re.search(r'<div class="day [^"]*\boffday\b[^"]*" data-date="2026-10-01"', html)


def test_check_page_names_the_cap_that_refuses(client, world):
    login(client, world.inspector)
    for d in ("2026-11-26", "2026-11-27"):
        resp = client.post("/inspections/new", data={"uscc": world.state_ent.uscc, "date": d, "kind": "routine",
                                                      "subject": "日常检查"})
        assert resp.status_code == 302
    html = zh(client, f"/check?uscc={world.state_ent.uscc}&date=2026-12-03&kind=routine").get_data(as_text=True)
    refusal = re.search(r'id="cap-refusal">([^<]*)<', html)
    assert refusal and "株洲市市场监督管理局" in refusal.group(1) and "2" in refusal.group(1)
    assert "上限" in refusal.group(1)


def test_booking_page_duplicate_names_and_links_the_first_booking(client, world):
    login(client, world.inspector)
    data = {"uscc": world.ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "日常检查"}
    first = client.post("/inspections/new", data=data)
    assert first.status_code == 302
    first_id = int(first.headers["Location"].rsplit("/", 1)[1])
    before = counts()
    resp = client.post("/inspections/new?lang=zh_CN", data={**data, "kind": "random"})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert 'id="refusal"' in html and f"/inspections/{first_id}\"" in html
    assert f"第 {first_id} 号检查" in html
    assert counts() == before
    db.session.expire_all()


def test_booking_page_refusal_names_the_cap(client, world):
    login(client, world.inspector)
    for d in ("2026-11-26", "2026-11-27"):
        assert client.post("/inspections/new", data={"uscc": world.state_ent.uscc, "date": d, "kind": "routine",
                                                     "subject": "日常检查"}).status_code == 302
    before = counts()
    resp = client.post("/inspections/new?lang=zh_CN", data={"uscc": world.state_ent.uscc, "date": "2026-12-03",
                                                            "kind": "random", "subject": "双随机抽查"})
    assert resp.status_code == 409
    refusal = re.search(r'id="refusal">(.*?)</div>', resp.get_data(as_text=True), re.S)
    assert refusal
    text = re.sub(r"<[^>]+>", " ", refusal.group(1))
    assert "株洲市市场监督管理局" in text and "上限" in text and "2026 年已预约 2 次" in text, text
    assert counts() == before
