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
                                     "refused": 0, "protected_with_justification": 1}]
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


def _naive(items, w, depts, area_ents=None, start=None, end=None) -> dict:
    """The figures computed the slow, obvious way in Python: the reference the grouped queries must match."""
    rows = [i for i in items if (area_ents is None or i["enterprise_id"] in area_ents)
            and (start is None or i["assigned_on"] >= start) and (end is None or i["assigned_on"] <= end)]

    def pct(part, whole):
        return round(100.0 * part / whole, 1) if whole else None

    out = []
    for dept in sorted(depts, key=lambda d: d.code):
        mine = [i for i in rows if i["lead_department_id"] == dept.id]
        if not mine:
            continue
        res = [i for i in mine if i["resolved_on"] is not None]
        ontime = [i for i in res if i["resolved_on"] <= i["due_on"]]
        rated = [i["rating"] for i in mine if i["rating"] is not None]
        out.append({"code": dept.code, "name": dept.name, "assigned": len(mine), "resolved": len(res),
                    "on_time": len(ontime), "on_time_rate": pct(len(ontime), len(res)),
                    "overdue": sum(1 for i in mine if i["status"] in ("assigned", "in_progress")
                                   and i["due_on"] < ff.TODAY),
                    "rated": len(rated), "average_rating": round(sum(rated) / len(rated), 2) if rated else None,
                    "satisfaction_rate": pct(sum(1 for r in rated if r >= 3), len(rated))})
    res_all = [i for i in rows if i["resolved_on"] is not None]
    ontime_all = sum(1 for i in res_all if i["resolved_on"] <= i["due_on"])
    in_series = [i for i in rows if i["meeting_id"] == w.meeting.id]
    series_res = [i for i in in_series if i["resolved_on"] is not None]
    series_ontime = sum(1 for i in series_res if i["resolved_on"] <= i["due_on"])
    return {
        "totals": {"raised": len(rows), "resolved": len(res_all), "closed": sum(i["status"] == "closed" for i in rows),
                   "on_time_rate": pct(ontime_all, len(res_all)),
                   "overdue": sum(d["overdue"] for d in out)},
        "departments": out,
        "series": [{"id": w.series.id, "name": w.series.name, "sessions_held": 1, "guests": 1,
                    "items_raised": len(in_series), "items_resolved": len(series_res),
                    "on_time_rate": pct(series_ontime, len(series_res))}],
    }


def test_figures_match_a_naive_computation_over_the_items(client, fu_world):
    """300 items in every state (reopened ones keep their rating, resolved on the due day counts as on time),
    over three departments, two meetings and none, two jurisdictions: every figure, with and without filters,
    equals the one computed item by item in Python."""
    import random
    from datetime import timedelta

    from sqlalchemy import insert

    from models.followup import FollowUp

    w = fu_world
    rng = random.Random(20261119)
    city_ent = create_enterprise(jurisdiction=w.zhuzhou)
    ents = [w.ent.id, w.other_ent.id, city_ent.id]
    depts = [w.lead, w.assist, w.other]
    items = []
    for n in range(300):
        assigned = ff.TODAY - timedelta(days=rng.randint(0, 120))
        due = assigned + timedelta(days=rng.choice((5, 15, 30)))
        status = rng.choice(("assigned", "in_progress", "resolved", "closed"))
        resolved = None
        if status in ("resolved", "closed"):
            early, late = due - timedelta(days=rng.randint(1, 4)), due + timedelta(days=rng.randint(1, 9))
            resolved = rng.choice((due, early, late))
        rating = rng.randint(1, 5) if status == "closed" or (status == "in_progress" and n % 7 == 0) else None
        items.append({"source": "meeting", "meeting_id": rng.choice((w.meeting.id, w.other_meeting.id, None)),
                      "enterprise_id": rng.choice(ents), "title": f"问题{n}", "category": "land",
                      "lead_department_id": rng.choice(depts).id, "level": "joint", "workdays": 15,
                      "assigned_on": assigned, "due_on": due, "status": status, "last_progress_on": assigned,
                      "resolved_on": resolved, "closed_on": resolved if status == "closed" else None,
                      "rating": rating, "reopen_count": 0})
    db.session.execute(insert(FollowUp), items)
    db.session.commit()
    h = w.headers(w.secretariat)
    lukou_ents = {w.ent.id, w.other_ent.id}
    start, end = ff.TODAY - timedelta(days=60), ff.TODAY - timedelta(days=10)
    answers = {}
    for query, expected in (
        ("", _naive(items, w, depts)),
        ("?jurisdiction=430212", _naive(items, w, depts, area_ents=lukou_ents)),
        (f"?from={start}&to={end}", _naive(items, w, depts, start=start, end=end)),
        (f"?jurisdiction=430212&from={start}", _naive(items, w, depts, area_ents=lukou_ents, start=start)),
    ):
        out = client.get("/api/v1/stats" + query, headers=h).get_json()
        answers[query] = out
        assert out["departments"] == expected["departments"], query
        assert out["totals"] == expected["totals"], query
        if "jurisdiction" not in query:  # the series belongs to 株洲市, outside the 渌口区 filter
            assert out["series"] == expected["series"], query
    login(client, w.secretariat)  # the dashboard's stats.json answers the same figures to the session
    for query, out in answers.items():
        assert client.get("/follow-ups/stats.json" + query).get_json() == out, query
