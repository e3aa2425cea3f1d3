"""One product voice (issue 6): one word for revoking (撤销), the brand 政企通 in every page title, one month-heading
style, the QR page with a print button, and a link to the API documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from operations import inspections
from tests import quietdays_fixtures as qf
from tests.factories import auth_headers, login

world = qf.world
today = qf.today

ROOT = Path(__file__).resolve().parents[2]
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _title(html: str) -> str:
    return re.sub(r"\s+", " ", TITLE.search(html).group(1)).strip()


def test_one_word_for_revoking_in_the_chinese_catalog():
    with (ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    others = {m.id: m.string for m in catalog if m.id and isinstance(m.string, str)
              and ("吊销" in m.string or "废止" in m.string)}
    assert others == {}, "use 撤销 for every revoke"
    revoke = [m.string for m in catalog if isinstance(m.id, str) and re.search(r"\brevok", m.id, re.I)]
    assert revoke and all("撤销" in s for s in revoke), revoke
    for folder in ("templates", "blueprints", "operations"):
        for path in (ROOT / folder).rglob("*.*"):
            if path.suffix in (".html", ".py"):
                text = path.read_text(encoding="utf-8")
                assert "吊销" not in text and "废止" not in text, path


def test_revoke_reads_the_same_on_tokens_and_policies(client, world):
    auth_headers(world.admin)  # a token to revoke
    login(client, world.admin)
    profile = client.get("/profile").get_data(as_text=True)
    assert "撤销" in profile and "吊销" not in profile
    detail = client.get(f"/policies/{world.policy.id}").get_data(as_text=True)
    assert "撤销" in detail and "废止" not in detail


PAGES = {
    "admin": ["/", "/profile", "/admin/jurisdictions", "/admin/departments", "/admin/enterprises",
              "/admin/enterprises/new", "/admin/enterprises/import", "/admin/users", "/admin/calendar",
              "/admin/audit", "/policies/", "/policies/new", "/policies/{policy}", "/check",
              "/check?uscc={uscc}&department=zz-amr", "/inspections", "/inspections/code/{uscc}", "/api/v1/docs"],
    "inspector": ["/", "/check?uscc={uscc}&date=2026-11-23", "/inspections", "/inspections/new",
                  "/inspections/{inspection}", "/checkin/{uscc}"],
    "enterprise_user": ["/", "/my/calendar", "/inspections", "/inspections/code/{uscc}"],
    "": ["/login", "/public/quiet-days/430212", "/api/v1/docs"],
}


@pytest.mark.parametrize("who", sorted(PAGES))
def test_every_page_title_ends_with_the_brand(client, world, who):
    insp, _extra = inspections.book(world.inspector, {"uscc": world.ent.uscc, "date": "2026-11-26",
                                                      "kind": "routine", "subject": "日常检查"})
    if who:
        login(client, getattr(world, who))
    for url in PAGES[who]:
        url = url.format(policy=world.policy.id, uscc=world.ent.uscc, inspection=insp.id)
        resp = client.get(url)
        assert resp.status_code == 200, url
        title = _title(resp.get_data(as_text=True))
        assert title.endswith(" · 政企通"), (url, title)
        assert "政企服务" not in title and not title.startswith("·"), (url, title)


def test_error_pages_carry_the_brand_too(client, world):
    login(client, world.inspector)
    assert _title(client.get("/inspections/999999").get_data(as_text=True)).endswith("政企通")
    assert _title(client.get("/admin/audit").get_data(as_text=True)).endswith("政企通")  # 403


MONTH = re.compile(r"\d{4}年\d{2}月")
OTHER_STYLES = [re.compile(p) for p in (r"‹ \d{4}-\d{2}\b", r"\b\d{4}-\d{2} ›", r"<h3>\d{1,2}/\d{4}</h3>")]


@pytest.mark.parametrize("page", ["check", "enterprise", "public", "admin_calendar", "policy"])
def test_one_month_heading_style(client, world, page):
    user, url = {
        "check": (world.inspector, f"/check?uscc={world.ent.uscc}&date=2026-11-23"),
        "enterprise": (world.enterprise_user, "/my/calendar?month=2026-11"),
        "public": (None, "/public/quiet-days/430212?month=2026-11"),
        "admin_calendar": (world.admin, "/admin/calendar?year=2026"),
        "policy": (world.admin, f"/policies/{world.policy.id}?year=2026"),
    }[page]
    if user:
        login(client, user)
    html = client.get(url).get_data(as_text=True)
    headings = re.findall(r"<h3>(.*?)</h3>", html, re.S)
    assert headings and all(MONTH.match(h.strip()) for h in headings), headings
    for style in OTHER_STYLES:
        assert not style.search(html), style.pattern
    if page in ("check", "enterprise", "public"):
        pager = html.split('class="pager"', 1)[1].split("</nav>", 1)[0]
        assert "‹ 2026年10月" in pager and "2026年12月 ›" in pager


@pytest.mark.parametrize("who", ["enterprise_user", "admin", "secretariat"])
def test_qr_page_has_a_print_button_from_a_script_file(client, world, who):
    login(client, getattr(world, who))
    html = client.get(f"/inspections/code/{world.ent.uscc}").get_data(as_text=True)
    button = re.search(r"<button[^>]*id=\"print-button\"[^>]*>(.*?)</button>", html)
    assert button and button.group(1) == "打印" and "data-print" in button.group(0)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert [attrs for attrs, body in scripts if not body.strip()] and all(not body.strip() for _a, body in scripts)
    assert any('src="/static/js/print.js"' in attrs for attrs, _b in scripts)
    assert "onclick" not in html


@pytest.mark.parametrize("who", ["admin", "inspector", "enterprise_user", ""])
def test_footer_links_to_the_api_documentation(client, world, who):
    if who:
        login(client, getattr(world, who))
    html = client.get("/" if who else "/login").get_data(as_text=True)
    footer = html.split("<footer", 1)[1]
    assert '<a href="/api/v1/docs">API 文档</a>' in footer


def test_api_documentation_page_lists_the_endpoints(client, world):
    resp = client.get("/api/v1/docs")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert 'href="/api/v1/openapi.json"' in html
    for path in ("/api/v1/inspections", "/api/v1/enterprises/{uscc}/days", "/api/v1/quiet-day-policies"):
        assert f"<code>{path}</code>" in html, path
    assert "<code>POST</code>" in html and "<code>GET</code>" in html
