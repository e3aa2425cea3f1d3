"""Dashboard figures (GET /api/v1/stats, /follow-ups/stats.json) and the dashboard panel."""

from __future__ import annotations

from datetime import date

from extensions import db
from models.inspection import Inspection
from tests import followups_fixtures as ff
from tests.factories import create_enterprise, login

fu_world = ff.fu_world


def _loop(client, w, iid, rating=None, resolver=None):
    client.post(f"/api/v1/follow-ups/{iid}/resolve", json={"resolution": "办结"},
                headers=w.headers(resolver or w.lead_user))
    if rating:
        client.post(f"/api/v1/follow-ups/{iid}/rate", json={"rating": rating, "comment": "意见"},
                    headers=w.headers(w.enterprise_user))


def test_per_department_figures(client, fu_world):
    w = fu_world
    on_time = w.create(client)["id"]
    _loop(client, w, on_time, rating=5)
    late = w.create(client, assigned_on="2026-11-10")["id"]  # due Nov 17, resolved Nov 19: late
    _loop(client, w, late, rating=3)
    w.create(client, assigned_on="2026-11-10")  # overdue, open
    fin = w.create(client, lead_department=w.other.code, assist_departments=[])["id"]
    _loop(client, w, fin, rating=1, resolver=w.other_user)  # reopened: not resolved any more
    out = client.get("/api/v1/stats", headers=w.headers(w.secretariat)).get_json()
    depts = {d["code"]: d for d in out["departments"]}
    nr = depts["zz-nr"]
    assert (nr["assigned"], nr["resolved"], nr["on_time"], nr["overdue"]) == (3, 2, 1, 1)
    assert nr["on_time_rate"] == 50.0 and nr["rated"] == 2 and nr["average_rating"] == 4.0
    assert nr["satisfaction_rate"] == 100.0
    fin_row = depts["zz-fin"]
    assert (fin_row["assigned"], fin_row["resolved"], fin_row["rated"], fin_row["satisfaction_rate"]) == (1, 0, 1, 0.0)
    assert out["totals"] == {"raised": 4, "resolved": 2, "closed": 2, "on_time_rate": 50.0, "overdue": 1}
    assert out["as_of"] == "2026-11-19"


def test_per_jurisdiction_inspection_figures(client, fu_world):
    w = fu_world
    amr = w.inspector.department
    ent2 = create_enterprise(jurisdiction=w.zhuzhou)
    rows = [
        Inspection(enterprise_id=w.ent.id, department_id=amr.id, date=date(2026, 11, 3), kind="routine",
                   subject="例行", status="completed"),
        Inspection(enterprise_id=w.ent.id, department_id=amr.id, date=date(2026, 11, 4), kind="complaint",
                   subject="投诉", status="completed", on_protected_day=True, justification="投诉核查"),
        Inspection(enterprise_id=w.ent.id, department_id=amr.id, date=date(2026, 11, 5), kind="routine",
                   subject="取消", status="cancelled"),
        Inspection(enterprise_id=ent2.id, department_id=amr.id, date=date(2026, 11, 5), kind="routine",
                   subject="市本级", status="planned"),
    ]
    db.session.add_all(rows)
    db.session.commit()
    out = client.get("/api/v1/stats?jurisdiction=430212", headers=w.headers(w.secretariat)).get_json()
    assert out["jurisdictions"] == [{"code": "430212", "name": "渌口区", "allowed": 2, "cancelled": 1,
                                     "refused": None, "protected_with_justification": 1}]
    whole = client.get("/api/v1/stats?jurisdiction=430200", headers=w.headers(w.secretariat)).get_json()
    assert {j["code"]: j["allowed"] for j in whole["jurisdictions"]} == {"430200": 1, "430212": 2}


def test_stats_refuses_bad_input_and_other_roles(client, fu_world):
    w = fu_world
    h = w.headers(w.secretariat)
    assert client.get("/api/v1/stats?jurisdiction=999999", headers=h).status_code == 422
    assert client.get("/api/v1/stats?from=2026-12-01&to=2026-01-01", headers=h).status_code == 422
    assert client.get("/api/v1/stats?colour=red", headers=h).status_code == 422
    for user in (w.lead_user, w.enterprise_user, w.inspector):
        assert client.get("/api/v1/stats", headers=w.headers(user)).status_code == 403
    assert client.get("/api/v1/stats", headers=w.headers(w.official)).status_code == 200


def test_dashboard_panel_loads_charts_from_static_files_only(client, fu_world):
    w = fu_world
    login(client, w.secretariat)
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    assert 'id="followups-charts"' in html and 'data-src="/follow-ups/stats.json"' in html
    assert '/static/vendor/echarts.min.js' in html and '/static/followups-dashboard.js' in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    data = client.get("/follow-ups/stats.json").get_json()
    assert set(data) == {"as_of", "totals", "series", "departments", "jurisdictions"}
    assert client.get("/static/followups-dashboard.js").status_code == 200


def test_department_dashboard_links_its_queue(client, fu_world):
    login(client, fu_world.lead_user)
    html = client.get("/").get_data(as_text=True)
    assert "本单位待办问题" in html and "followups-charts" not in html
    assert client.get("/follow-ups/stats.json").status_code == 403
