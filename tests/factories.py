"""Factory helpers in Indico's create_x style: each makes a valid row with overridable fields."""

from __future__ import annotations

import itertools
from typing import Any

from extensions import db
from models import Department, Enterprise, Jurisdiction, User
from operations.auth import issue_token
from rules.uscc import make_uscc

_seq = itertools.count(1)


def create_jurisdiction(code: str = "430200", name: str = "株洲市", parent: Jurisdiction | None = None,
                        cap: int | None = None) -> Jurisdiction:
    row = Jurisdiction(code=code, name=name, parent=parent, annual_inspection_cap=cap)
    db.session.add(row)
    db.session.commit()
    return row


def get_or_create_jurisdiction(code: str = "430200", name: str = "株洲市") -> Jurisdiction:
    row = db.session.query(Jurisdiction).filter_by(code=code).one_or_none()
    return row or create_jurisdiction(code, name)


def create_department(code: str | None = None, name: str | None = None, jurisdiction: Jurisdiction | None = None,
                      inspects: bool = True, handles: bool = True, cap: int | None = None) -> Department:
    n = next(_seq)
    row = Department(
        code=code or f"dept-{n}",
        name=name or f"测试部门{n}",
        jurisdiction=jurisdiction or get_or_create_jurisdiction(),
        inspects=inspects,
        handles=handles,
        annual_inspection_cap=cap,
    )
    db.session.add(row)
    db.session.commit()
    return row


def dummy_uscc(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    return make_uscc("9", "1", "430200", f"MA{n:07d}")


def create_enterprise(uscc: str | None = None, name: str | None = None, jurisdiction: Jurisdiction | None = None,
                      ownership: str = "private", size: str | None = None, **extra: Any) -> Enterprise:
    n = next(_seq)
    row = Enterprise(
        uscc=uscc or dummy_uscc(n),
        name=name or f"测试企业{n}有限公司",
        jurisdiction=jurisdiction or get_or_create_jurisdiction(),
        ownership=ownership,
        size=size,
        **extra,
    )
    db.session.add(row)
    db.session.commit()
    return row


def create_user(role: str = "admin", email: str | None = None, password: str = "correct horse battery",
                name: str | None = None, department: Department | None = None,
                enterprise: Enterprise | None = None, is_head: bool = False, active: bool = True) -> User:
    n = next(_seq)
    if role in ("department", "inspector") and department is None:
        department = create_department()
    if role == "enterprise" and enterprise is None:
        enterprise = create_enterprise()
    user = User(email=email or f"{role}{n}@example.gov.cn", name=name or f"{role}-{n}", role=role,
                department=department, enterprise=enterprise, is_head=is_head, active=active)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def login(client, user: User, password: str = "correct horse battery"):
    resp = client.post("/login", data={"email": user.email, "password": password})
    assert resp.status_code == 302, resp.data
    return resp


def auth_headers(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user, 'test')}"}
