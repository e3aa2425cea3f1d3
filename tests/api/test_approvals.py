"""The agency head's approval queue (issue #6): approve or reject (with a reason) an exempt inspection on a
quiet day; never one's own booking (403 four_eyes); of parallel decisions exactly one wins (409 invalid_state);
per role on the API and the pages."""

from __future__ import annotations

import re
import threading

from extensions import db
from models import AuditLog, Inspection
from tests import quietdays_fixtures as qf
from tests.factories import create_user, login
from tests.quietdays_fixtures import counts

world, today = qf.world, qf.today
URL = "/api/v1/inspections"


def pending(client, world, booker=None, date="2026-11-23") -> int:
    resp = client.post(URL, headers=world.headers(booker or world.inspector), json={
        "uscc": world.ent.uscc, "date": date, "kind": "complaint", "subject": "投诉核查",
        "justification": "12345热线投诉：夜间噪声", "reference": "12345-2026-0042"})
    assert resp.status_code == 201 and resp.get_json()["status"] == "pending_approval", resp.get_json()
    return resp.get_json()["id"]


def act(client, world, user, iid, action, **body):
    return client.post(f"{URL}/{iid}/{action}", json=body, headers=world.headers(user))


def test_head_approves_a_colleagues_booking(client, world):
    iid = pending(client, world)
    resp = act(client, world, world.head, iid, "approve")
    assert resp.status_code == 200 and resp.get_json()["status"] == "planned"
    row = db.session.get(Inspection, iid)
    assert row.approved_by_id == world.head.id
    assert db.session.query(AuditLog).filter_by(entity="inspection", action="approve").count() == 1


def test_head_rejects_with_a_reason_and_the_place_is_free_again(client, world):
    iid = pending(client, world)
    before = counts()
    resp = act(client, world, world.head, iid, "reject")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "reason"
    assert "理由" in resp.get_json()["error"]["message"]
    assert counts() == before and db.session.get(Inspection, iid).status == "pending_approval"
    resp = act(client, world, world.head, iid, "reject", reason="投诉已电话核实，无需入企")
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["status"] == "rejected" and data["rejection_reason"] == "投诉已电话核实，无需入企"
    assert data["rejected_at"]
    row = db.session.get(Inspection, iid)
    assert row.rejected_by_id == world.head.id
    audit = db.session.query(AuditLog).filter_by(entity="inspection", action="reject").one()
    assert audit.after["status"] == "rejected"
    # A rejected inspection never takes place: no approve, no check-in, and the day is free again.
    assert act(client, world, world.head, iid, "approve").get_json()["error"]["code"] == "invalid_state"
    assert pending(client, world)


def test_four_eyes_the_booker_never_decides(client, world):
    iid = pending(client, world, booker=world.head)
    before = counts()
    for action, body in (("approve", {}), ("reject", {"reason": "自己驳回"})):
        resp = act(client, world, world.head, iid, action, **body)
        assert resp.status_code == 403, resp.get_json()
        err = resp.get_json()["error"]
        assert err["code"] == "four_eyes" and "本人" in err["message"]
    assert counts() == before and db.session.get(Inspection, iid).status == "pending_approval"
    second_head = create_user("inspector", department=world.amr, is_head=True)
    assert act(client, world, second_head, iid, "approve").status_code == 200


def test_only_the_head_of_the_booking_agency_decides(client, world):
    iid = pending(client, world)
    em_head = create_user("inspector", department=world.em, is_head=True)
    world.headers(em_head)  # issuing a token is audited: before the "nothing changed" count
    before = counts()
    for user in (world.inspector, world.em_inspector, em_head, world.admin, world.secretariat,
                 world.enterprise_user):
        for action, body in (("approve", {}), ("reject", {"reason": "不同意"})):
            resp = act(client, world, user, iid, action, **body)
            assert resp.status_code == 403, (user.role, action, resp.get_json())
    assert counts() == before
    assert act(client, world, world.head, 999999, "reject", reason="x").status_code == 404


def test_parallel_decisions_have_exactly_one_winner(app, world, client):
    iid = pending(client, world)
    heads = [world.head, create_user("inspector", department=world.amr, is_head=True)]
    headers = [world.headers(h) for h in heads]
    n = 10
    barrier = threading.Barrier(n)
    results: list[tuple[int, dict] | None] = [None] * n

    def run(i: int) -> None:
        c = app.test_client()
        action, body = (("approve", None) if i % 2 else ("reject", {"reason": f"理由{i}"}))
        barrier.wait()
        resp = c.post(f"{URL}/{iid}/{action}", json=body, headers=headers[i % 2])
        results[i] = (resp.status_code, resp.get_json())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results)
    statuses = sorted(r[0] for r in results)  # type: ignore[index]
    assert statuses == [200] + [409] * (n - 1), results
    refused = [r[1]["error"] for r in results if r and r[0] == 409]
    assert {e["code"] for e in refused} == {"invalid_state"}
    db.session.expire_all()
    final = db.session.get(Inspection, iid).status
    assert final in ("planned", "rejected")
    assert {e["details"]["status"] for e in refused} == {final}
    assert db.session.query(AuditLog).filter(AuditLog.entity == "inspection",
                                             AuditLog.action.in_(("approve", "reject"))).count() == 1


# ------------------------------------------------------------------------------------------ pages


def zh(client, url):
    return client.get(url + ("&" if "?" in url else "?") + "lang=zh_CN")


def test_dashboard_queue_and_navigation_count(client, world):
    first = pending(client, world)
    own = pending(client, world, booker=world.head, date="2026-11-24")
    login(client, world.head)
    html = zh(client, "/").get_data(as_text=True)
    assert 'id="approvals"' in html and 'id="approvals-count">2<' in html
    assert "待审批（2）" in html  # the navigation
    items = dict(re.findall(r'<li class="approval" data-id="(\d+)">(.*?)</li>', html, re.S))
    assert set(items) == {str(first), str(own)}
    assert "12345热线投诉：夜间噪声" in items[str(first)] and 'class="primary approve"' in items[str(first)]
    assert 'class="primary approve"' not in items[str(own)] and "本人" in items[str(own)]
    # Approve from the queue: back to the dashboard (303, no resubmission on refresh), one fewer waiting.
    resp = client.post(f"/inspections/{first}/approve", data={"next": "dashboard"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/#approvals")
    assert db.session.get(Inspection, first).status == "planned"
    html = zh(client, "/").get_data(as_text=True)
    assert "待审批（1）" in html and 'id="approvals-count">1<' in html


def test_reject_from_the_queue_needs_a_reason(client, world):
    iid = pending(client, world)
    login(client, world.head)
    before = counts()
    resp = client.post(f"/inspections/{iid}/reject", data={"next": "dashboard", "reason": ""})
    assert resp.status_code == 303
    assert counts() == before and db.session.get(Inspection, iid).status == "pending_approval"
    html = zh(client, "/").get_data(as_text=True)
    assert "理由为必填项" in html
    resp = client.post(f"/inspections/{iid}/reject", data={"next": "dashboard", "reason": "材料不全"})
    assert resp.status_code == 303
    row = db.session.get(Inspection, iid)
    assert row.status == "rejected" and row.rejection_reason == "材料不全"
    html = zh(client, f"/inspections/{iid}").get_data(as_text=True)
    assert 'id="rejection"' in html and "材料不全" in html and "已驳回" in html


def test_detail_page_reject_and_four_eyes(client, world):
    iid = pending(client, world, booker=world.head)
    login(client, world.head)
    html = zh(client, f"/inspections/{iid}").get_data(as_text=True)
    assert 'id="four-eyes"' in html and 'id="reject-form"' not in html
    resp = client.post(f"/inspections/{iid}/approve")
    assert resp.status_code == 403
    assert db.session.get(Inspection, iid).status == "pending_approval"
    client.post("/logout")
    other = create_user("inspector", department=world.amr, is_head=True)
    login(client, other)
    html = zh(client, f"/inspections/{iid}").get_data(as_text=True)
    assert 'id="reject-form"' in html
    resp = client.post(f"/inspections/{iid}/reject", data={"reason": "另行安排"})
    assert resp.status_code == 302 and db.session.get(Inspection, iid).status == "rejected"


def test_no_queue_for_other_users(client, world):
    pending(client, world)
    for user in (world.inspector, world.admin, world.enterprise_user):
        client.post("/logout")
        login(client, user)
        html = zh(client, "/").get_data(as_text=True)
        assert 'id="approvals"' not in html and "待审批" not in html


def test_a_rejected_inspection_never_takes_place(client, world, monkeypatch):
    iid = pending(client, world)
    assert act(client, world, world.head, iid, "reject", reason="材料不全").status_code == 200
    monkeypatch.setattr(qf.checks, "local_today", lambda: qf.MONDAY)  # the inspection's date
    resp = act(client, world, world.inspector, iid, "check-in")
    assert resp.status_code == 409 and "材料不全" in resp.get_json()["error"]["message"]
    resp = act(client, world, world.inspector, iid, "cancel", reason="x")
    assert resp.status_code == 409
    login(client, world.inspector)
    resp = client.post(f"/checkin/{world.ent.uscc}")
    assert resp.status_code == 409  # nothing planned today: the rejected one does not count
    client.post("/logout")
    login(client, world.enterprise_user)
    html = zh(client, "/my/calendar?month=2026-11").get_data(as_text=True)
    cell = re.search(r'data-date="2026-11-23".*?</div>', html, re.S)
    assert cell and "投诉举报核查" not in cell.group(0)  # the calendar cell lists only visits that take place
