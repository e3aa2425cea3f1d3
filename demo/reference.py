"""Demo reference data: Hunan → Zhuzhou and its districts, Zhuzhou's agencies, ~40 enterprises and one login
per role. Idempotent: rows are looked up by their natural key and only missing ones are created (through the
same operations as the UI, so they are validated and audited)."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models.department import Department
from models.enterprise import Enterprise
from models.jurisdiction import Jurisdiction
from models.user import User
from operations import reference
from rules.uscc import make_uscc

PASSWORD = "zhengqi-demo"

JURISDICTIONS = (
    # code, name, parent, annual_inspection_cap
    ("430000", "湖南省", None, None),
    ("430200", "株洲市", "430000", 2),
    ("430202", "荷塘区", "430200", None),
    ("430203", "芦淞区", "430200", None),
    ("430204", "石峰区", "430200", None),
    ("430211", "天元区", "430200", None),
    ("430212", "渌口区", "430200", None),
)

DEPARTMENTS = (
    # code, name, jurisdiction, inspects, handles, cap
    ("zz-amr", "株洲市市场监督管理局", "430200", True, True, 2),
    ("zz-em", "株洲市应急管理局", "430200", True, False, None),
    ("zz-fire", "株洲市消防救援支队", "430200", True, False, None),
    ("zz-eco", "株洲市生态环境局", "430200", True, False, None),
    ("zz-tax", "国家税务总局株洲市税务局", "430200", True, True, None),
    ("zz-nr", "株洲市自然资源和规划局", "430200", False, True, None),
    ("zz-hrss", "株洲市人力资源和社会保障局", "430200", False, True, None),
    ("zz-housing", "株洲市住房和城乡建设局", "430200", True, True, None),
    ("zz-miit", "株洲市工业和信息化局", "430200", False, True, None),
    ("zz-approval", "株洲市行政审批服务局", "430200", False, True, None),
    ("lk-amr", "渌口区市场监督管理局", "430212", True, False, None),
    ("hn-amr", "湖南省市场监督管理局", "430000", True, False, None),
)

# name, district, ownership, size, industry, liaison cadre, phone.
# The first one is the demo enterprise user's.
ENTERPRISES = (
    (
        "株洲时代工程塑料科技有限责任公司",
        "430212",
        "private",
        "above_scale",
        "工程塑料",
        "刘晓欢",
        "0731-28511001",
    ),
    ("湖南华旦新材料有限公司", "430212", "private", "above_scale", "新材料", "刘铁华", "0731-28511002"),
    ("株洲金韦硬质合金有限公司", "430202", "private", "above_scale", "硬质合金", "邹怡敏", "0731-28511003"),
    ("湖南联诚轨道装备有限公司", "430204", "private", "large", "轨道交通装备", "谢慧", "0731-28511004"),
    ("株洲渌口南洲新材料有限公司", "430212", "private", "medium", "新材料", "王建军", "0731-28511005"),
    ("株洲湘江陶瓷有限公司", "430212", "collective", "small", "陶瓷", "李红", "0731-28511006"),
    ("渌口区南洲镇李记农机维修部", "430212", "individual", "micro", "农机维修", "张伟", "0731-28511007"),
    ("株洲渌湘服饰有限公司", "430212", "private", "small", "服装", "陈静", "0731-28511008"),
    ("株洲天元精密机械有限公司", "430211", "private", "above_scale", "机械加工", "杨帆", "0731-28511009"),
    ("株洲高新动力电池科技有限公司", "430211", "private", "above_scale", "动力电池", "周涛", "0731-28511010"),
    ("湖南九方轨道装备有限公司", "430211", "private", "large", "轨道交通装备", "吴敏", "0731-28511011"),
    ("株洲中德汽车零部件有限公司", "430211", "foreign", "medium", "汽车零部件", "郑磊", "0731-28511012"),
    ("株洲天元智能制造研究院有限公司", "430211", "state", "medium", "研发服务", "孙丽", "0731-28511013"),
    ("株洲湘台精工电子有限公司", "430211", "foreign", "above_scale", "电子元件", "马超", "0731-28511014"),
    ("天元区栗雨街道王氏五金店", "430211", "individual", "micro", "五金零售", "胡军", "0731-28511015"),
    ("株洲天元软件科技有限公司", "430211", "private", "small", "软件", "朱琳", "0731-28511016"),
    ("株洲荷塘硬质合金工具有限公司", "430202", "private", "medium", "硬质合金", "高峰", "0731-28511017"),
    ("株洲市荷塘区金山冶金有限公司", "430202", "state", "above_scale", "有色冶金", "林芳", "0731-28511018"),
    ("株洲荷塘食品有限公司", "430202", "collective", "small", "食品加工", "何平", "0731-28511019"),
    ("荷塘区月塘街道老刘粉店", "430202", "individual", "micro", "餐饮", "罗刚", "0731-28511020"),
    ("株洲新荷物流有限公司", "430202", "private", "small", "物流", "梁燕", "0731-28511021"),
    ("株洲芦淞服饰产业有限公司", "430203", "private", "above_scale", "服装", "宋杰", "0731-28511022"),
    ("株洲芦淞航空零部件有限公司", "430203", "state", "large", "航空零部件", "唐勇", "0731-28511023"),
    ("湖南芦淞中韩服装有限公司", "430203", "foreign", "medium", "服装", "韩梅", "0731-28511024"),
    ("株洲芦淞市场服务有限公司", "430203", "collective", "small", "商贸服务", "冯涛", "0731-28511025"),
    ("芦淞区建宁街道小陈布艺店", "430203", "individual", "micro", "布艺零售", "董娟", "0731-28511026"),
    ("株洲芦淞通用航空有限公司", "430203", "private", "medium", "通用航空", "萧然", "0731-28511027"),
    ("株洲石峰轨道电气有限公司", "430204", "private", "above_scale", "轨道交通电气", "程亮", "0731-28511028"),
    ("株洲清水塘化工有限公司", "430204", "state", "large", "化工", "曹洁", "0731-28511029"),
    ("株洲石峰德润机电有限公司", "430204", "foreign", "medium", "机电设备", "袁明", "0731-28511030"),
    ("株洲石峰建材有限公司", "430204", "collective", "small", "建材", "邓超", "0731-28511031"),
    ("石峰区田心街道赵记汽修店", "430204", "individual", "micro", "汽车维修", "许丹", "0731-28511032"),
    ("株洲石峰云龙电子有限公司", "430204", "private", "small", "电子", "傅强", "0731-28511033"),
    ("株洲渌口经开区机械铸造有限公司", "430212", "private", "medium", "铸造", "沈红", "0731-28511034"),
    ("株洲天元生物医药有限公司", "430211", "private", "above_scale", "生物医药", "曾伟", "0731-28511035"),
    ("株洲荷塘钻石刀具有限公司", "430202", "private", "above_scale", "切削刀具", "彭亮", "0731-28511036"),
    ("株洲芦淞电商产业园有限公司", "430203", "private", "small", "电子商务", "吕静", "0731-28511037"),
    ("株洲石峰轨交检测技术有限公司", "430204", "state", "medium", "检验检测", "苏敏", "0731-28511038"),
    ("株洲天元外资精密轴承有限公司", "430211", "foreign", "above_scale", "轴承", "卢涛", "0731-28511039"),
    ("株洲渌口农业开发有限公司", "430212", "collective", "medium", "农业", "蒋丽", "0731-28511040"),
)

# 简称 as the news reports use them; searching "时代工塑" must find 株洲时代工程塑料科技有限责任公司.
SHORT_NAMES = {
    "株洲时代工程塑料科技有限责任公司": "时代工塑",
    "湖南华旦新材料有限公司": "华旦新材料",
    "株洲金韦硬质合金有限公司": "金韦硬质合金",
    "湖南联诚轨道装备有限公司": "联诚集团",
}

DISTRICT_NAMES = {code: name for code, name, _parent, _cap in JURISDICTIONS}

USERS = (
    # email, name, role, department, enterprise index, is_head
    ("admin@zhengqi.demo", "系统管理员", "admin", None, None, False),
    ("secretariat@zhengqi.demo", "刘芳（市优化办）", "secretariat", None, None, False),
    ("official@zhengqi.demo", "王明市长", "official", None, None, False),
    ("department@zhengqi.demo", "陈立（市自然资源和规划局）", "department", "zz-nr", None, False),
    ("inspector@zhengqi.demo", "赵强（市市场监管局）", "inspector", "zz-amr", None, False),
    ("inspector-head@zhengqi.demo", "周敏（市市场监管局负责人）", "inspector", "zz-amr", None, True),
    ("enterprise@zhengqi.demo", "李娜（时代工塑）", "enterprise", None, 0, False),
)


def enterprise_uscc(index: int) -> str:
    """A stable, valid USCC for demo enterprise `index`, registered in its district; 个体工商户 use type 2."""
    _name, district, ownership, *_rest = ENTERPRISES[index]
    org_type = "2" if ownership == "individual" else "1"
    return make_uscc("9", org_type, district, f"MA4L{index + 1:04d}X")


def _exists(model: type, column: object, value: object) -> bool:
    return db.session.scalar(select(model.id).where(column == value)) is not None  # type: ignore[attr-defined]


def load() -> list[str]:
    created = {"jurisdictions": 0, "departments": 0, "enterprises": 0, "users": 0}
    for code, name, parent, cap in JURISDICTIONS:
        if not _exists(Jurisdiction, Jurisdiction.code, code):
            reference.create_jurisdiction(
                {"code": code, "name": name, "parent_code": parent, "annual_inspection_cap": cap}
            )
            created["jurisdictions"] += 1
    for code, name, jurisdiction, inspects, handles, cap in DEPARTMENTS:
        if not _exists(Department, Department.code, code):
            reference.create_department(
                {
                    "code": code,
                    "name": name,
                    "jurisdiction_code": jurisdiction,
                    "inspects": inspects,
                    "handles": handles,
                    "annual_inspection_cap": cap,
                }
            )
            created["departments"] += 1
    for i, (name, district, ownership, size, industry, liaison, phone) in enumerate(ENTERPRISES):
        uscc = enterprise_uscc(i)
        if not _exists(Enterprise, Enterprise.uscc, uscc):
            reference.create_enterprise(
                {
                    "uscc": uscc,
                    "name": name,
                    "short_name": SHORT_NAMES.get(name),
                    "jurisdiction_code": district,
                    "ownership": ownership,
                    "size": size,
                    "industry": industry,
                    "liaison_name": liaison,
                    "liaison_phone": phone,
                    "address": f"株洲市{DISTRICT_NAMES[district]}",
                }
            )
            created["enterprises"] += 1
    for email, name, role, department, enterprise, is_head in USERS:
        if not _exists(User, func.lower(User.email), email):
            reference.create_user(
                {
                    "email": email,
                    "name": name,
                    "role": role,
                    "password": PASSWORD,
                    "department_code": department,
                    "is_head": is_head,
                    "enterprise_uscc": enterprise_uscc(enterprise) if enterprise is not None else None,
                }
            )
            created["users"] += 1
    lines = [
        "Reference data: " + ", ".join(f"{n} {k} created" for k, n in created.items()),
        "",
        f"{'email':<30} {'password':<14} role",
        f"{'-' * 30} {'-' * 14} {'-' * 20}",
    ]
    for email, _name, role, department, enterprise, is_head in USERS:
        detail = role + (" (head)" if is_head else "")
        if department:
            detail += f" · {department}"
        if enterprise is not None:
            detail += f" · {ENTERPRISES[enterprise][0]}"
        lines.append(f"{email:<30} {PASSWORD:<14} {detail}")
    return lines
