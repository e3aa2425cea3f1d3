"""CLI: users create, tokens create, import-enterprises (good and bad input)."""

from __future__ import annotations

import csv

from sqlalchemy import func, select

from extensions import db
from models import ApiToken, Enterprise, User
from rules.uscc import make_uscc
from tests.factories import create_department, create_enterprise, create_jurisdiction


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_users_create(ctx, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Admin@Example.gov.cn",
            "--role",
            "admin",
            "--password",
            "long enough",
            "--name",
            "管理员",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (
        user.email == "admin@example.gov.cn" and user.name == "管理员" and user.check_password("long enough")
    )


def test_users_create_inspector_head_and_enterprise(ctx, runner):
    city = create_jurisdiction()
    create_department(code="zz-amr", jurisdiction=city)
    ent = create_enterprise(jurisdiction=city)
    result = runner.invoke(
        args=[
            "users",
            "create",
            "head@example.gov.cn",
            "--role",
            "inspector",
            "--password",
            "long enough",
            "--department",
            "zz-amr",
            "--head",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "ent@example.gov.cn",
            "--role",
            "enterprise",
            "--password",
            "long enough",
            "--enterprise",
            ent.uscc,
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    head = db.session.scalar(select(User).where(User.email == "head@example.gov.cn"))
    assert head.is_head and head.department.code == "zz-amr"
    assert db.session.scalar(select(User).where(User.email == "ent@example.gov.cn")).enterprise_id == ent.id


def test_users_create_refuses_bad_input(ctx, runner):
    cases = [
        ["bad-email", "--role", "admin", "--password", "long enough"],
        ["a@example.gov.cn", "--role", "king", "--password", "long enough"],
        ["a@example.gov.cn", "--role", "admin", "--password", "short"],
        ["a@example.gov.cn", "--role", "inspector", "--password", "long enough"],
        ["a@example.gov.cn", "--role", "enterprise", "--password", "long enough", "--enterprise", "nope"],
        ["a@example.gov.cn", "--role", "official", "--password", "long enough", "--head"],
    ]
    for args in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0, args
        assert "Error" in result.output, args
    assert user_count() == 0
    assert (
        runner.invoke(
            args=["users", "create", "a@example.gov.cn", "--role", "admin", "--password", "long enough"]
        ).exit_code
        == 0
    )
    dup = runner.invoke(
        args=["users", "create", "A@example.gov.cn", "--role", "admin", "--password", "long enough"]
    )
    assert dup.exit_code != 0 and "duplicate" in dup.output
    assert user_count() == 1


def test_tokens_create(ctx, runner, client):
    runner.invoke(
        args=["users", "create", "a@example.gov.cn", "--role", "admin", "--password", "long enough"]
    )
    result = runner.invoke(args=["tokens", "create", "a@example.gov.cn", "--name", "ci"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.startswith("zq_")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in db.session.scalar(select(ApiToken.token_hash))
    missing = runner.invoke(args=["tokens", "create", "nobody@example.gov.cn"])
    assert missing.exit_code != 0 and "no user" in missing.output


def _write(path, rows):
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["统一社会信用代码", "企业名称", "所属区划", "所有制", "规模"])
        writer.writerows(rows)
    return str(path)


def test_import_enterprises(ctx, runner, tmp_path):
    create_jurisdiction("430200", "株洲市")
    good = make_uscc("9", "1", "430200", "MA4L00077")
    path = _write(tmp_path / "ok.csv", [[good, "株洲导入测试有限公司", "430200", "民营", "规上"]])
    result = runner.invoke(args=["import-enterprises", path])
    assert result.exit_code == 0, result.output
    assert "created 1, updated 0" in result.output
    assert db.session.scalar(select(Enterprise.name)) == "株洲导入测试有限公司"


def test_import_enterprises_bad_rows(ctx, runner, tmp_path):
    create_jurisdiction("430200", "株洲市")
    good = make_uscc("9", "1", "430200", "MA4L00077")
    path = _write(
        tmp_path / "bad.csv",
        [
            [good, "好企业", "430200", "民营", ""],
            [good[:17] + ("1" if good[17] != "1" else "2"), "坏企业", "430200", "民营", ""],
        ],
    )
    result = runner.invoke(args=["import-enterprises", path])
    assert result.exit_code != 0
    assert "row 3, column 统一社会信用代码" in result.output
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 0
    assert runner.invoke(args=["import-enterprises", str(tmp_path / "missing.csv")]).exit_code != 0
