"""Calendar feeds over HTTP: validators and 304s, content per role, tokens, the subscribe panel."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditLog, FeedToken
from operations import feeds as of
from tests import quietdays_fixtures as qf
from tests.factories import create_department, create_enterprise, create_user, login
from tests.feed_checks import assert_feed_rules, events_by_uid, unfolded

world, today = qf.world, qf.today


@pytest.fixture(autouse=True)
def _forget_renders():
    # Every test starts from an emptied database whose ids start again at 1, so a cached rendering of an
    # earlier test could match by id and count; a server never sees its data vanish like that.
    of.rendered.clear()
PUBLIC = "/feeds/quiet-days/430212.ics"


def feed_token(client, world, user) -> str:
    resp = client.post("/api/v1/feed-token", headers=world.headers(user))
    assert resp.status_code == 201, resp.get_json()
    url = resp.get_json()["url"]
    assert url.startswith("https://") and url.endswith(".ics") and len(url) <= 256
    assert resp.get_json()["webcal"] == "webcal://" + url[len("https://"):]
    return "/" + url.split("/", 3)[3]


def no_render(monkeypatch):
    def refuse(self, host):
        raise AssertionError("a conditional request rendered the feed")

    monkeypatch.setattr(of.Feed, "render", refuse)


def book(client, world, user, uscc, day, kind="routine", **extra):
    payload = {"uscc": uscc, "date": day, "kind": kind, "subject": "食品安全检查", **extra}
    resp = client.post("/api/v1/inspections", json=payload, headers=world.headers(user))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


# ------------------------------------------------------------------------------------------ HTTP


def test_public_feed_headers_and_rules(client, world):
    resp = client.get(PUBLIC, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Encoding" not in resp.headers  # Outlook cannot read a gzipped feed
    assert "no-transform" in resp.headers["Cache-Control"]
    etag = resp.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)  # strong: no W/
    parsedate_to_datetime(resp.headers["Last-Modified"])
    assert_feed_rules(resp.data)


def test_unchanged_data_is_byte_identical_even_after_the_etag_cache_is_lost(client, world):
    first = client.get(PUBLIC)
    of.rendered.clear()
    second = client.get(PUBLIC)
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]


def test_if_none_match_is_answered_without_rendering(client, world, monkeypatch):
    etag = client.get(PUBLIC).headers["ETag"]
    no_render(monkeypatch)
    resp = client.get(PUBLIC, headers={"If-None-Match": etag})
    assert resp.status_code == 304 and resp.data == b""
    assert resp.headers["ETag"] == etag
    resp = client.get(PUBLIC, headers={"If-None-Match": f'"other", {etag}'})
    assert resp.status_code == 304


def test_if_modified_since_is_answered_without_rendering(client, world, monkeypatch):
    last = client.get(PUBLIC).headers["Last-Modified"]
    no_render(monkeypatch)
    resp = client.get(PUBLIC, headers={"If-Modified-Since": last})
    assert resp.status_code == 304 and resp.data == b""
    monkeypatch.undo()
    earlier = parsedate_to_datetime(last) - timedelta(seconds=1)
    resp = client.get(PUBLIC, headers={"If-Modified-Since": earlier.strftime("%a, %d %b %Y %H:%M:%S GMT")})
    assert resp.status_code == 200


def test_if_none_match_wins_over_if_modified_since(client, world):
    last = client.get(PUBLIC).headers["Last-Modified"]
    resp = client.get(PUBLIC, headers={"If-None-Match": '"stale"', "If-Modified-Since": last})
    assert resp.status_code == 200 and resp.data


def test_changes_change_the_etag_and_last_modified_never_goes_back(client, world):
    admin = world.headers(world.admin)
    seen = [client.get(PUBLIC)]
    pid = world.policy.id
    resp = client.post(f"/api/v1/quiet-day-policies/{pid}/exceptions", headers=admin,
                       json={"date": "2026-11-23", "effect": "lift", "reason": "全市安全生产大检查"})
    assert resp.status_code == 201, resp.get_json()
    exc_id = resp.get_json()["id"]
    seen.append(client.get(PUBLIC))
    assert "DTSTART;VALUE=DATE:20261123" not in unfolded(seen[-1].data)
    assert "DTSTART;VALUE=DATE:20261124" in unfolded(seen[-1].data)  # the run now starts a day later
    # Deleting the exception restores the old bytes, yet Last-Modified must not go back (Apple compares dates).
    assert client.delete(f"/api/v1/quiet-day-policies/{pid}/exceptions/{exc_id}", headers=admin).status_code == 204
    seen.append(client.get(PUBLIC))
    assert seen[-1].data == seen[0].data
    resp = client.delete(f"/api/v1/quiet-day-policies/{pid}", headers=admin, json={"reason": "废止"})
    assert resp.status_code in (200, 204), resp.data
    seen.append(client.get(PUBLIC))
    assert "BEGIN:VEVENT" not in unfolded(seen[-1].data)
    stamps = [parsedate_to_datetime(r.headers["Last-Modified"]) for r in seen]
    assert stamps == sorted(stamps)
    etags = [r.headers["ETag"] for r in seen]
    assert len({etags[0], etags[1], etags[3]}) == 3
    # An old validator no longer matches: the client gets the new calendar.
    assert client.get(PUBLIC, headers={"If-None-Match": etags[1]}).status_code == 200


def test_rolled_window_advances_last_modified(client, world, monkeypatch):
    # Data older than the pinned today, as it is in real life: then only the window's roll moves the date.
    world.policy.updated_at = datetime(2026, 11, 1)
    db.session.commit()
    before = client.get(PUBLIC)
    monkeypatch.setattr(qf.checks, "local_today", lambda: qf.TODAY + timedelta(days=1))
    after = client.get(PUBLIC, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert after.status_code == 200
    assert parsedate_to_datetime(after.headers["Last-Modified"]) > parsedate_to_datetime(
        before.headers["Last-Modified"])


def test_unknown_or_malformed_jurisdiction_is_404(client, world):
    for path in ("/feeds/quiet-days/999999.ics", "/feeds/quiet-days/43021x.ics", "/feeds/quiet-days/4302.ics"):
        assert client.get(path).status_code == 404


def test_guessing_tokens_is_rate_limited(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "FEED_RATE_LIMIT", "3 per minute")
    codes = [client.get(f"/feeds/zqf_{i:032d}.ics").status_code for i in range(4)]
    assert codes == [404, 404, 404, 429]
    # The limit is per address: the public feed from this address is refused too while it lasts.
    assert client.get(PUBLIC).status_code == 429


def test_renders_are_rate_limited_but_cached_polls_are_not(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "FEED_RATE_LIMIT", "3 per minute")
    admin = world.headers(world.admin)
    first = client.get(PUBLIC)
    etag = first.headers["ETag"]
    for _ in range(10):  # a polling client: validator answers, no render, not counted
        assert client.get(PUBLIC, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(PUBLIC).data == first.data  # unconditional, but answered from the render cache
    codes = []
    for i in range(3):  # each change forces a render, and renders are counted
        resp = client.post(f"/api/v1/quiet-day-policies/{world.policy.id}/exceptions", headers=admin,
                           json={"date": f"2026-12-0{i + 1}", "effect": "add", "reason": "加密"})
        assert resp.status_code == 201
        codes.append(client.get(PUBLIC).status_code)
    assert codes == [200, 200, 429]


# ------------------------------------------------------------------------------------------ public content


def test_public_feed_covers_own_and_higher_policies_and_names_no_enterprise(client, world):
    city_only = qf.add_policy(world.zhuzhou, {"type": "month_days", "from": 1, "to": 3}, title="月初宁静日",
                              ownership=[], sizes=["above_scale"])
    district = qf.add_policy(world.lukou, {"type": "weekdays", "weekdays": [4]}, title="渌口区周四宁静日")
    listed = qf.add_policy(world.zhuzhou, {"type": "date_range", "from": "2026-12-01", "to": "2026-12-10"},
                           title="白名单免检期", ownership=[])
    listed.enterprises = [world.ent, world.other_ent]
    db.session.commit()
    body = client.get(PUBLIC).data
    assert_feed_rules(body)
    uids = events_by_uid(body)
    for policy in (world.policy, city_only, district, listed):
        assert any(u.startswith(f"quiet-p{policy.id}-") for u in uids), policy.title
    text = "\n".join(unfolded(body))
    for ent in (world.ent, world.other_ent, world.state_ent):
        assert ent.name not in text and ent.uscc not in text
    white = [ev for u, ev in uids.items() if u.startswith(f"quiet-p{listed.id}-")]
    assert "（共 2 家）" in str(white[0]["DESCRIPTION"]) or "2" in str(white[0]["DESCRIPTION"])
    mon_wed = next(ev for u, ev in uids.items() if u.startswith(f"quiet-p{world.policy.id}-"))
    assert "民营" in str(mon_wed["DESCRIPTION"]) and "株洲市" in str(mon_wed["DESCRIPTION"])
    # The city's feed shows the city's policies but not the district's own.
    city = events_by_uid(client.get("/feeds/quiet-days/430200.ics").data)
    assert not any(u.startswith(f"quiet-p{district.id}-") for u in city)
    assert any(u.startswith(f"quiet-p{world.policy.id}-") for u in city)


def test_public_feed_merges_consecutive_days_and_keeps_stable_uids(client, world):
    body = client.get(PUBLIC).data
    lines = unfolded(body)
    # Mon 23 – Wed 25 November: one event, DTEND the Thursday.
    i = lines.index("DTSTART;VALUE=DATE:20261123")
    assert "DTEND;VALUE=DATE:20261126" in lines[i - 6: i + 6]
    assert f"UID:quiet-p{world.policy.id}-20261123@localhost" in lines
    window = of.Window.around(qf.TODAY)
    starts = sorted(ev["DTSTART"].dt for ev in events_by_uid(body).values())
    assert starts[0] >= window.start and starts[-1] <= window.end


def test_public_page_has_the_subscribe_panel(client, world):
    resp = client.get("/public/quiet-days/430212")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "https://localhost/feeds/quiet-days/430212.ics" in html
    assert 'href="webcal://localhost/feeds/quiet-days/430212.ics"' in html
    assert 'src="data:image/svg+xml' in html
    assert "Google" in html and "Outlook" in html and "Apple" in html and "Thunderbird" in html
    assert "12" in html and "24" in html
    assert "<script>" not in html and "<script " not in html.replace('<script src=', '')


# ------------------------------------------------------------------------------------------ tokens


def test_token_issue_revokes_the_old_one_and_unknown_is_404(client, world):
    old = feed_token(client, world, world.enterprise_user)
    assert client.get(old).status_code == 200
    new = feed_token(client, world, world.enterprise_user)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.get("/feeds/zqf_" + "A" * 32 + ".ics").status_code == 404
    assert client.get("/feeds/not-a-token.ics").status_code == 404
    rows = db.session.scalars(select(FeedToken).where(FeedToken.user_id == world.enterprise_user.id)).all()
    assert len(rows) == 2 and sum(r.revoked_at is None for r in rows) == 1
    # Stored hashed: neither plain token is in the table.
    assert all(new[7:-4] not in r.token_hash and old[7:-4] not in r.token_hash for r in rows)
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.entity == "feed_token")) == 2


def test_inactive_user_feed_is_404(client, world):
    path = feed_token(client, world, world.enterprise_user)
    world.enterprise_user.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_roles_without_a_feed_get_403_and_anonymous_401(client, world):
    resp = client.post("/api/v1/feed-token", headers=world.headers(world.admin))
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    assert client.post("/api/v1/feed-token").status_code == 401
    assert db.session.scalar(select(func.count()).select_from(FeedToken)) == 0


def test_parallel_issues_leave_exactly_one_live_token(app, world):
    user_id = world.enterprise_user.id
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def run() -> None:
        from models import User
        from operations import feed_tokens

        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                barrier.wait()
                feed_tokens.issue(user)
            except BaseException as err:  # the test reports what a thread got
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not errors
    rows = db.session.scalars(select(FeedToken).where(FeedToken.user_id == user_id)).all()
    assert len(rows) == 6 and sum(r.revoked_at is None for r in rows) == 1


def test_subscribe_page_issues_a_link_with_qr_and_revokes_the_old(client, world):
    old = feed_token(client, world, world.enterprise_user)
    login(client, world.enterprise_user)
    page = client.get("/feeds/subscribe").get_data(as_text=True)
    assert "zqf_" in page and old[7:-4] not in page  # only the prefix of the live link
    resp = client.post("/feeds/subscribe")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 201
    url = re.search(r'value="(https://localhost/feeds/zqf_[^"]+\.ics)"', html).group(1)
    assert 'href="webcal://localhost/feeds/' in html and 'src="data:image/svg+xml' in html
    assert client.get(old).status_code == 404
    assert client.get(url.replace("https://localhost", "")).status_code == 200


def test_calendar_pages_show_the_subscribe_panel(client, world):
    login(client, world.enterprise_user)
    for path in ("/my/calendar", "/profile"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="subscribe"' in html and 'action="/feeds/subscribe"' in html, path
    client.post("/logout")
    login(client, world.inspector)
    for path in ("/inspections", "/check", f"/policies/{world.policy.id}"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="subscribe"' in html, path
    # A policy's page offers its jurisdiction's public feed.
    assert "https://localhost/feeds/quiet-days/430200.ics" in html


# ------------------------------------------------------------------------------------------ personal content


def test_enterprise_feed_shows_its_inspections_and_never_another_enterprise(client, world):
    mine = book(client, world, world.inspector, world.ent.uscc, "2026-11-26")
    theirs = book(client, world, world.em_inspector, world.other_ent.uscc, "2026-11-27")
    cancelled = book(client, world, world.em_inspector, world.ent.uscc, "2026-11-27")
    resp = client.post(f"/api/v1/inspections/{cancelled}/cancel", json={"reason": "改期"},
                       headers=world.headers(world.em_inspector))
    assert resp.status_code == 200, resp.get_json()
    body = client.get(feed_token(client, world, world.enterprise_user)).data
    assert_feed_rules(body)
    events = events_by_uid(body)
    scope = f"e{world.ent.id}"
    assert f"inspection-{mine}-{scope}@localhost" in events
    assert f"inspection-{theirs}-{scope}@localhost" not in events
    gone = events[f"inspection-{cancelled}-{scope}@localhost"]
    assert str(gone["STATUS"]) == "CANCELLED" and int(gone["SEQUENCE"]) == 1
    assert "株洲市市场监督管理局" in str(events[f"inspection-{mine}-{scope}@localhost"]["SUMMARY"])
    text = body.decode()
    assert world.other_ent.name not in text and world.other_ent.uscc not in text
    assert any(u.startswith(f"quiet-e{world.ent.id}-") for u in events)
    # The other enterprise's feed holds none of ours.
    other = client.get(feed_token(client, world, world.other_enterprise_user)).data.decode()
    assert world.ent.name not in other and f"inspection-{mine}-" not in other


def test_enterprise_feed_changes_when_an_inspection_is_booked(client, world, monkeypatch):
    path = feed_token(client, world, world.enterprise_user)
    first = client.get(path)
    no_render(monkeypatch)
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    monkeypatch.undo()
    book(client, world, world.inspector, world.ent.uscc, "2026-11-26")
    second = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    assert parsedate_to_datetime(second.headers["Last-Modified"]) >= parsedate_to_datetime(
        first.headers["Last-Modified"])
    # Another enterprise's booking changes the quick key (it watches every inspection's audit trail) but not
    # the full validator, so the earlier rendering is found again: a 304, and no render.
    book(client, world, world.inspector, world.other_ent.uscc, "2026-11-26")
    no_render(monkeypatch)
    assert client.get(path, headers={"If-None-Match": second.headers["ETag"]}).status_code == 304


def test_inspector_feed_shows_only_its_agencys_inspections(client, world):
    ours = book(client, world, world.inspector, world.ent.uscc, "2026-11-26")
    theirs = book(client, world, world.em_inspector, world.state_ent.uscc, "2026-11-26")
    pending = book(client, world, world.inspector, world.state_ent.uscc, "2026-11-30")
    body = client.get(feed_token(client, world, world.inspector)).data
    assert_feed_rules(body)
    events = events_by_uid(body)
    scope = f"a{world.amr.id}"
    assert f"inspection-{ours}-{scope}@localhost" in events
    assert f"inspection-{pending}-{scope}@localhost" in events
    assert not any(f"inspection-{theirs}-" in u for u in events)
    assert world.ent.name in str(events[f"inspection-{ours}-{scope}@localhost"]["SUMMARY"])
    assert not any(u.startswith("quiet-") for u in events)  # an agency's feed is its plan


def test_department_official_and_secretariat_feeds_are_valid_calendars(client, world):
    dept_user = create_user("department", department=create_department("zz-fgw", "株洲市发展和改革委员会"))
    for user in (dept_user, create_user("official"), world.secretariat):
        body = client.get(feed_token(client, world, user)).data
        assert_feed_rules(body)


def test_feed_with_many_events_stays_under_one_megabyte(client, world):
    # A busy agency, then every day of the window protected by three policies (split runs every day).
    for i in range(40):
        ent = create_enterprise(name=f"株洲市第{i}号精密制造有限责任公司", jurisdiction=world.lukou,
                                ownership="state")
        book(client, world, world.em_inspector, ent.uscc, (date(2026, 12, 1) + timedelta(days=i)).isoformat())
    qf.add_policy(world.zhuzhou, {"type": "weekdays", "weekdays": [1, 2, 3, 4, 5, 6, 7]}, title="全年宁静日甲",
                  ownership=[])
    qf.add_policy(world.lukou, {"type": "month_days", "from": 1, "to": 31}, title="全年宁静日乙", ownership=[])
    for user in (world.enterprise_user, world.em_inspector):
        body = client.get(feed_token(client, world, user)).data
        assert len(body) < 1_000_000
        assert_feed_rules(body)


def test_personal_feed_time_zone_free_dates_and_utc_stamps(client, world):
    body = client.get(feed_token(client, world, world.enterprise_user)).data
    for line in unfolded(body):
        if line.startswith(("DTSTAMP", "LAST-MODIFIED")):
            stamp = datetime.strptime(line.split(":", 1)[1], "%Y%m%dT%H%M%SZ")
            assert stamp.year >= 2000


@pytest.mark.parametrize("path", ["/feeds/subscribe"])
def test_subscribe_page_needs_a_feed_role(client, world, path):
    assert client.get(path).status_code == 302  # to the login page
    login(client, world.admin)
    assert client.get(path).status_code == 403


def test_issuing_a_link_from_the_page_needs_the_csrf_token(app, world):
    from app import create_app

    strict = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "SECRET_KEY": "test-secret-key", "TESTING": True, "WTF_CSRF_ENABLED": True,
                         "SERVER_NAME": "localhost"}).test_client()
    html = strict.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    resp = strict.post("/login", data={"email": world.enterprise_user.email, "password": "correct horse battery",
                                       "csrf_token": token})
    assert resp.status_code == 302
    assert strict.post("/feeds/subscribe").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(FeedToken)) == 0
    page = strict.get("/feeds/subscribe").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert strict.post("/feeds/subscribe", data={"csrf_token": token}).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(FeedToken)) == 1


def test_head_answers_like_get_without_a_body(client, world):
    got = client.get(PUBLIC)
    head = client.head(PUBLIC)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == got.headers["ETag"]
    assert head.headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_dtstamp_is_the_rows_modification_time(client, world):
    iid = book(client, world, world.inspector, world.ent.uscc, "2026-11-26")
    from models import Inspection

    created = db.session.get(Inspection, iid).created_at
    body = client.get(feed_token(client, world, world.enterprise_user)).data
    ev = events_by_uid(body)[f"inspection-{iid}-e{world.ent.id}@localhost"]
    assert ev["DTSTAMP"].dt.replace(tzinfo=None) == created.replace(microsecond=0)
    assert ev["LAST-MODIFIED"].dt == ev["DTSTAMP"].dt
    policy_event = next(e for u, e in events_by_uid(body).items() if u.startswith("quiet-e"))
    assert policy_event["DTSTAMP"].dt.replace(tzinfo=None) == world.policy.updated_at.replace(microsecond=0)


def test_a_write_outside_the_operations_still_changes_the_feed(client, world):
    """The quick key rides on the quiet-day generation that a database trigger bumps on every write to the
    engine's inputs, so even a write that bypasses the operations (and the audit log) is seen."""
    from sqlalchemy import text

    first = client.get(PUBLIC)
    db.session.execute(text("UPDATE quiet_day_policies SET rule = :r WHERE id = :i"),
                       {"r": '{"type": "weekdays", "weekdays": [4]}', "i": world.policy.id})
    db.session.commit()
    second = client.get(PUBLIC, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert "DTSTART;VALUE=DATE:20261126" in unfolded(second.data)  # Thursdays now
    assert "DTSTART;VALUE=DATE:20261123" not in unfolded(second.data)
