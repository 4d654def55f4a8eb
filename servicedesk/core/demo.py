"""Demo staff of a believable small service company (used by ``manage.py demo``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction

from .choices import Role
from .models import StaffProfile
from .roles import STAFF_ROLES

DEMO_PASSWORD = "demo1234"  # noqa: S105 - printed for the demo on purpose

# username, family name, given name, role, region, team, phone, manager username
STAFF = [
    ("zhaomin", "赵", "敏", Role.DIRECTOR, "华东", "管理层", "13801000001", ""),
    ("qianjun", "钱", "军", Role.SALES_MANAGER, "华东", "销售部", "13801000002", "zhaomin"),
    ("sunli", "孙", "丽", Role.IMPLEMENTATION_MANAGER, "华东", "实施部", "13801000003", "zhaomin"),
    ("lihua", "李", "华", Role.PROJECT_MANAGER, "华东", "实施部", "13801000004", "sunli"),
    ("zhouqiang", "周", "强", Role.CONSULTANT, "华东", "实施部", "13801000005", "lihua"),
    ("wufang", "吴", "芳", Role.FIRST_VISIT_AGENT, "华东", "客服部", "13801000006", "zhengwei"),
    ("zhengwei", "郑", "伟", Role.SERVICE_MANAGER, "华东", "服务部", "13801000007", "zhaomin"),
    (
        "wangjing",
        "王",
        "静",
        Role.HOTLINE_ENGINEER,
        "华东",
        "服务部·热线",
        "13801000008",
        "zhengwei",
    ),
    (
        "fenglei",
        "冯",
        "磊",
        Role.HOTLINE_ENGINEER,
        "华东",
        "服务部·热线",
        "13801000009",
        "zhengwei",
    ),
    ("chengang", "陈", "刚", Role.FIELD_ENGINEER, "华东", "服务部·现场", "13801000010", "zhengwei"),
    (
        "chuyang",
        "褚",
        "阳",
        Role.FIELD_ENGINEER,
        "苏南",
        "合作伙伴·苏州信达",
        "13801000011",
        "zhengwei",
    ),
    ("weidong", "卫", "东", Role.TECH_MANAGER, "华东", "技术部", "13801000012", "zhaomin"),
    ("jiangtao", "蒋", "涛", Role.REGION_LEAD, "苏南", "片区", "13801000013", "weidong"),
    ("shenyu", "沈", "雨", Role.TESTER, "总部", "测试组", "13801000014", "weidong"),
    ("hanbo", "韩", "博", Role.DEVELOPER, "总部", "研发组", "13801000015", "weidong"),
    ("yangqing", "杨", "青", Role.AUDITOR, "总部", "审计", "13801000016", ""),
]


@transaction.atomic
def load_staff() -> list[tuple[str, str, str]]:
    """Create or update the demo staff; returns (username, name, role) rows."""
    user_model = get_user_model()
    rows = []
    users = {}
    for username, family, given, role, *_rest in STAFF:
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={"last_name": family, "first_name": given, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = role in STAFF_ROLES
        user.save()
        user.groups.add(Group.objects.get(name=str(role)))
        users[username] = user
        rows.append((username, f"{family}{given}", str(role.label)))
    for username, *_rest, region, team, phone, manager in STAFF:
        StaffProfile.objects.update_or_create(
            user=users[username],
            defaults={
                "region": region,
                "team": team,
                "phone": phone,
                "manager": users.get(manager),
            },
        )
    admin, created = user_model.objects.get_or_create(
        username="admin",
        defaults={"last_name": "系统", "first_name": "管理员", "email": "admin@example.com"},
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    rows.insert(0, ("admin", "系统管理员", "superuser"))
    return rows


def demo_pdf(title: str, name: str) -> ContentFile:
    """A small, real PDF for the demo's uploads (a deliverable, a document): one page with
    its title, rendered by the printed-forms framework, so it passes the upload gate
    (docs/architecture.md §uploads) and opens in a viewer."""
    from .printing.document import CompanyHeader, FormDocument, Paragraph, render_pdf

    doc = FormDocument(
        title=title,
        number="",
        company=CompanyHeader(name="演示资料"),
        record_url="",
        blocks=[Paragraph(text=f"{title}（演示数据）")],
    )
    return ContentFile(render_pdf(doc), name=name)
