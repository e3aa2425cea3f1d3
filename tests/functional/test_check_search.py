"""The check page's enterprise search says when it cut the list (issue 6): "显示前 20 家，共 34 家，请输入更多字"."""

from __future__ import annotations

import re

import pytest

from tests import quietdays_fixtures as qf
from tests.factories import create_enterprise, login

world = qf.world
today = qf.today


def _search(client, q: str) -> tuple[str, int]:
    html = client.get(f"/check?q={q}").get_data(as_text=True)
    items = re.findall(r'<li><a href="/check\?uscc=', html)
    return html, len(items)


@pytest.mark.parametrize("who", ["inspector", "admin", "secretariat"])
def test_cut_list_says_how_many_there_are(client, world, who):
    for n in range(34):
        create_enterprise(name=f"检索测试{n:02d}有限公司", jurisdiction=world.lukou)
    login(client, getattr(world, who))
    html, shown = _search(client, "检索测试")
    assert shown == 20
    assert "显示前 20 家，共 34 家，请输入更多字。" in html
    html, shown = _search(client, "检索测试0")  # narrower: 10 matches, nothing cut, nothing said
    assert shown == 10 and 'id="search-cut"' not in html


@pytest.mark.parametrize(("count", "cut"), [(20, False), (21, True)])
def test_boundary_at_the_limit(client, world, count, cut):
    for n in range(count):
        create_enterprise(name=f"边界企业{n:02d}有限公司", jurisdiction=world.lukou)
    login(client, world.inspector)
    html, shown = _search(client, "边界企业")
    assert shown == 20
    assert ('id="search-cut"' in html) is cut
    if cut:
        assert "共 21 家" in html
