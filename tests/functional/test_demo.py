"""Demo data: idempotent, valid, and its logins work."""

from __future__ import annotations

from sqlalchemy import func, select

from demo import reference as demo_reference
from extensions import db
from models import AuditLog, Department, Enterprise, Jurisdiction, User
from rules.uscc import is_valid_uscc

MODELS = (Jurisdiction, Department, Enterprise, User, AuditLog)


def counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_demo_reference_is_idempotent_and_valid(client):
    lines = demo_reference.load()
    first = counts()
    assert first["Jurisdiction"] == 7 and first["Department"] == 12 and first["User"] == 7
    assert 35 <= first["Enterprise"] <= 50
    assert demo_reference.load()[0].startswith("Reference data: 0 jurisdictions")
    assert counts() == first  # nothing new, not even an audit row
    enterprises = db.session.scalars(select(Enterprise)).all()
    assert all(is_valid_uscc(e.uscc) for e in enterprises)
    # each USCC is registered in the enterprise's own district
    assert all(e.uscc[2:8] == e.jurisdiction.code for e in enterprises)
    assert {e.jurisdiction.code for e in enterprises} == {"430202", "430203", "430204", "430211", "430212"}
    assert {e.ownership for e in enterprises} == {"private", "state", "foreign", "collective", "individual"}
    first_enterprise = db.session.scalar(
        select(Enterprise).where(Enterprise.uscc == demo_reference.enterprise_uscc(0))
    )
    assert first_enterprise.name == "株洲时代工程塑料科技有限责任公司"
    assert first_enterprise.ownership == "private" and first_enterprise.size == "above_scale"
    assert first_enterprise.jurisdiction.code == "430212"
    city = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "430200"))
    assert city.annual_inspection_cap == 2 and city.parent.code == "430000"
    amr = db.session.scalar(select(Department).where(Department.code == "zz-amr"))
    assert amr.inspects and amr.handles and amr.annual_inspection_cap == 2
    assert (
        db.session.scalar(select(Department).where(Department.code == "lk-amr")).jurisdiction.code == "430212"
    )
    assert (
        db.session.scalar(select(Department).where(Department.code == "hn-amr")).jurisdiction.code == "430000"
    )
    users = {u.email: u for u in db.session.scalars(select(User))}
    assert users["enterprise@zhengqi.demo"].enterprise_id == first_enterprise.id
    assert (
        users["inspector-head@zhengqi.demo"].is_head
        and users["inspector-head@zhengqi.demo"].department.code == "zz-amr"
    )
    assert users["department@zhengqi.demo"].department.code == "zz-nr"
    text = "\n".join(lines)
    for email in users:
        assert email in text
    assert "zhengqi-demo" in text


def test_demo_logins_work(client):
    demo_reference.load()
    for email in (
        "admin@zhengqi.demo",
        "secretariat@zhengqi.demo",
        "official@zhengqi.demo",
        "department@zhengqi.demo",
        "inspector@zhengqi.demo",
        "inspector-head@zhengqi.demo",
        "enterprise@zhengqi.demo",
    ):
        resp = client.post("/api/v1/auth/token", json={"email": email, "password": "zhengqi-demo"})
        assert resp.status_code == 201, email


def test_demo_cli_prints_logins(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@zhengqi.demo" in result.output and "zhengqi-demo" in result.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "0 enterprises created" in again.output
