"""Excel import/export of customers, contacts and contracts (contracts/resources.py).

Policy under test: all or nothing — a file with any bad row imports nothing, and the
report names each bad row (spreadsheet row number, header = row 1), its column and the
problem."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.choices import ContractState, PeriodKind
from contracts.models import Contact, Contract, Customer, ServicePeriod, ServiceScopeItem
from contracts.resources import (
    ContactResource,
    ContractResource,
    CustomerResource,
    scope_from_text,
    scope_to_text,
)
from contracts.services import contract_sign
from servicedesk.core.choices import Role

pytestmark = pytest.mark.django_db

CUSTOMER_HEADERS = ["name", "short_name", "region", "category", "phone", "sales_manager"]
CONTRACT_HEADERS = [
    "number",
    "customer",
    "title",
    "sales_manager",
    "signed_on",
    "amount",
    "service_level",
    "includes_implementation",
    "scope",
    "free_starts_on",
    "free_ends_on",
]
XLSX, CSV = "0", "1"  # the admin's format choices, in ExcelImportExportMixin.formats order


@pytest.fixture
def manager(make_user):
    return make_user(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun", is_staff=True)


@pytest.fixture
def admin_client(client, manager):
    client.force_login(manager)
    return client


def xlsx(headers: list[str], rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def dataset(content: bytes) -> tablib.Dataset:
    from import_export.formats import base_formats

    return base_formats.XLSX().create_dataset(content)


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def report(result) -> dict[int, list[str]]:
    """{spreadsheet row: [columns with a problem]} of an import result."""
    return {
        row.number + 1: sorted(row.field_specific_errors)
        + (["—"] if row.non_field_specific_errors else [])
        for row in result.invalid_rows
    }


def upload(client, model: str, content: bytes, name: str, fmt: str = XLSX):
    return client.post(
        reverse(f"admin:contracts_{model}_import"),
        {
            "resource": "0",
            "format": fmt,
            "import_file": SimpleUploadedFile(name, content),
        },
    )


def confirm(client, model: str, response):
    form = response.context["confirm_form"]
    assert form is not None
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:contracts_{model}_process_import"), data)


# -- customers ---------------------------------------------------------------------------------


def test_good_customer_file_imports_through_the_admin(admin_client, manager, sales):
    content = xlsx(
        CUSTOMER_HEADERS,
        [
            ["上海示例制造有限公司", "示例制造", "华东", "A", "021-5555 0001", "qianjun"],
            ["苏州信达软件有限公司", "信达", "苏南", "B", 51266668888, ""],
            ["杭州云帆物流有限公司", "云帆", "华东", "", "0571-888", None],
            [None, None, None, None, None, None],  # a formatted blank row: skipped
        ],
    )
    preview = upload(admin_client, "customer", content, "customers.xlsx")
    assert preview.status_code == 200
    assert not preview.context["result"].has_validation_errors()
    assert Customer.objects.count() == 0  # the dry run left nothing behind

    done = confirm(admin_client, "customer", preview)
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:contracts_customer_changelist")
    assert Customer.objects.count() == 3
    first = Customer.objects.get(name="上海示例制造有限公司")
    assert (first.category, first.region, first.sales_manager) == ("A", "华东", sales)
    assert Customer.objects.get(short_name="信达").phone == "51266668888"
    assert Customer.objects.get(short_name="云帆").category == "B"  # the model default
    assert first.history.get().history_user == manager


def test_bad_customer_rows_are_reported_and_nothing_is_imported(admin_client):
    content = xlsx(
        CUSTOMER_HEADERS,
        [
            ["上海示例制造有限公司", "示例制造", "华东", "A", "021-1", ""],  # row 2: good
            [None, "无名", "华东", "B", "021-2", ""],  # row 3: no full legal name
            ["南京某某公司", "某某", "华东", "Z", "025-3", ""],  # row 4: unknown category
            ["上海示例制造有限公司", "重复", "华东", "B", "021-4", ""],  # row 5: same as row 2
            ["宁波海港贸易有限公司", "海港", "华东", "C", "0574-5", "nobody"],  # row 6: user
            ["杭州云帆物流有限公司", "云帆", "华东", "B", "0571-6", ""],  # row 7: good
        ],
    )
    response = upload(admin_client, "customer", content, "customers.xlsx")
    assert response.status_code == 200
    result = response.context["result"]
    assert report(result) == {
        3: ["name"],
        4: ["category"],
        5: ["name"],
        6: ["sales_manager"],
    }
    assert response.context.get("confirm_form") is None  # nothing to confirm
    assert Customer.objects.count() == 0

    body = response.content.decode()
    assert 'id="import-report"' in body
    for row, column in [(3, "name"), (4, "category"), (5, "name"), (6, "sales_manager")]:
        assert f'<td class="row-number">{row}</td><td class="column">{column}</td>' in body
    duplicate = next(r for r in result.invalid_rows if r.number + 1 == 5)
    assert "2" in duplicate.field_specific_errors["name"][0]  # points at the first row


def test_real_run_with_a_bad_row_rolls_everything_back(manager):
    content = xlsx(
        CUSTOMER_HEADERS,
        [["上海示例制造有限公司", "", "", "A", "", ""], ["南京某某公司", "", "", "Z", "", ""]],
    )
    result = CustomerResource().import_data(dataset(content), dry_run=False, user=manager)
    assert report(result) == {3: ["category"]}
    assert Customer.objects.count() == 0


def test_missing_column_is_reported(admin_client):
    content = xlsx(["short_name", "region"], [["示例", "华东"]])
    response = upload(admin_client, "customer", content, "customers.xlsx")
    result = response.context["result"]
    assert result.has_errors()
    assert "name" in str(result.base_errors[0].error)
    assert Customer.objects.count() == 0


def test_customer_reimport_updates_by_full_legal_name(manager):
    Customer.objects.create(name="上海示例制造有限公司", category="B", region="华东")
    content = xlsx(CUSTOMER_HEADERS, [["上海示例制造有限公司", "示例", "华东", "A", "021-1", ""]])
    result = CustomerResource().import_data(dataset(content), user=manager)
    assert not result.has_validation_errors()
    assert result.totals["update"] == 1
    customer = Customer.objects.get()
    assert (customer.category, customer.short_name) == ("A", "示例")
    assert customer.history.first().history_user == manager


# -- contacts ----------------------------------------------------------------------------------


def test_contacts_link_by_customer_name_and_unknown_customer_is_a_row_error(manager):
    customer = Customer.objects.create(name="上海示例制造有限公司")
    headers = ["customer", "name", "title", "mobile", "is_primary", "email"]
    bad = xlsx(
        headers,
        [
            ["上海示例制造有限公司", "张伟", "IT 主管", 13912345678, 1, "zw@example.com"],
            ["不存在的公司", "李娜", "", "", 0, ""],
            ["上海示例制造有限公司", "王芳", "", "", "maybe", "not-an-email"],
        ],
    )
    result = ContactResource().import_data(dataset(bad), dry_run=True, user=manager)
    assert report(result) == {3: ["customer"], 4: ["email", "is_primary"]}
    assert "不存在的公司" in result.invalid_rows[0].field_specific_errors["customer"][0]
    assert Contact.objects.count() == 0

    good = xlsx(
        headers,
        [
            ["上海示例制造有限公司", "张伟", "IT 主管", 13912345678, "是", "zw@example.com"],
            [" 上海示例制造有限公司 ", "王芳", "", "", "", ""],
        ],
    )
    result = ContactResource().import_data(dataset(good), user=manager)
    assert not result.has_validation_errors() and not result.has_errors()
    zhang = customer.contacts.get(name="张伟")
    assert (zhang.mobile, zhang.is_primary) == ("13912345678", True)
    assert customer.contacts.get(name="王芳").is_primary is False


def test_contact_password_authorisation_constraint_is_a_row_error(manager):
    Customer.objects.create(name="上海示例制造有限公司")
    content = xlsx(
        ["customer", "name", "may_receive_passwords"], [["上海示例制造有限公司", "张伟", 1]]
    )
    result = ContactResource().import_data(dataset(content), user=manager)
    assert report(result) == {2: ["—"]}
    assert Contact.objects.count() == 0


# -- contracts ---------------------------------------------------------------------------------


@pytest.fixture
def customers(db):
    return [
        Customer.objects.create(name="上海示例制造有限公司", short_name="示例"),
        Customer.objects.create(name="苏州信达软件有限公司", short_name="信达"),
    ]


def contract_rows() -> list[list]:
    return [
        [
            "HT-2026-001",
            "上海示例制造有限公司",
            "年度维保",
            "qianjun",
            dt.datetime(2026, 1, 5),
            12000,
            "7x24",
            1,
            "repair:4/year;phone_support",
            dt.datetime(2026, 2, 1),
            "2027/1/31",
        ],
        [
            "HT-2026-002",
            "苏州信达软件有限公司",
            "",
            "",
            None,
            None,
            None,
            0,
            "routine_inspection:2/quarter；remote_support",
            None,
            None,
        ],
    ]


def test_contracts_import_as_drafts_with_scope_and_free_period(
    admin_client, manager, sales, customers
):
    content = xlsx([*CONTRACT_HEADERS, "state"], [[*row, "signed"] for row in contract_rows()])
    preview = upload(admin_client, "contract", content, "contracts.xlsx")
    result = preview.context["result"]
    assert not result.has_validation_errors()
    assert not result.has_errors(), [e.error for e in result.base_errors] + [
        e.traceback for _n, errors in result.row_errors() for e in errors
    ]
    assert confirm(admin_client, "contract", preview).status_code == 302

    first = Contract.objects.get(number="HT-2026-001")
    assert first.state == ContractState.DRAFT  # the state column is never imported
    assert (first.customer, first.sales_manager) == (customers[0], sales)
    assert (first.signed_on, first.amount, first.service_level) == (
        dt.date(2026, 1, 5),
        Decimal("12000"),
        "7x24",
    )
    assert first.includes_implementation is True
    scope = {(i.service_type, i.quota, i.quota_period) for i in first.scope_items.all()}
    assert scope == {("repair", 4, "year"), ("phone_support", None, "year")}
    free = first.periods.get()
    assert (free.kind, free.starts_on, free.ends_on, free.created_by) == (
        PeriodKind.FREE,
        dt.date(2026, 2, 1),
        dt.date(2027, 1, 31),
        manager,
    )
    assert first.history.first().history_user == manager
    assert first.signing_problems() == []  # ready to sign with the button

    second = Contract.objects.get(number="HT-2026-002")
    assert second.service_level == "5x8"
    assert scope_to_text(list(second.scope_items.all())) == (
        "routine_inspection:2/quarter;remote_support"
    )
    assert not second.periods.exists()


@pytest.mark.parametrize(
    ("scope", "message_part"),
    [
        ("repair:x/year", "whole number"),
        ("repair;teleportation", "teleportation"),
        ("repair:4/decade", "decade"),
        ("repair;repair:2", "twice"),
    ],
)
def test_bad_scope_text_is_a_row_error(manager, sales, customers, scope, message_part):
    rows = contract_rows()
    rows[1][8] = scope
    result = ContractResource().import_data(
        dataset(xlsx(CONTRACT_HEADERS, rows)), dry_run=True, user=manager
    )
    assert report(result) == {3: ["scope"]}
    assert message_part in result.invalid_rows[0].field_specific_errors["scope"][0]
    assert Contract.objects.count() == 0


def test_contract_row_errors_by_column(manager, sales, customers):
    rows = contract_rows()
    rows[0][1] = "没有这家公司"  # customer
    rows[0][10] = "2025-01-01"  # free period ends before it starts
    rows[1][9] = "2026-03-01"  # only one date of the free period
    rows[1][6] = "9x9"  # service level
    rows[1][5] = "一万"  # amount
    result = ContractResource().import_data(dataset(xlsx(CONTRACT_HEADERS, rows)), user=manager)
    assert report(result) == {
        2: ["customer", "free_ends_on"],
        3: ["amount", "free_ends_on", "service_level"],
    }
    assert Contract.objects.count() == 0
    assert ServicePeriod.objects.count() == ServiceScopeItem.objects.count() == 0


def test_contract_csv_import_through_the_admin(admin_client, sales, customers):
    data = tablib.Dataset(headers=CONTRACT_HEADERS)
    for row in contract_rows():
        data.append(["" if v is None else v for v in row])
    content = data.export("csv").encode("utf-8-sig")
    preview = upload(admin_client, "contract", content, "contracts.csv", fmt=CSV)
    assert report(preview.context["result"]) == {}
    assert confirm(admin_client, "contract", preview).status_code == 302
    assert Contract.objects.filter(state=ContractState.DRAFT).count() == 2


# -- export and round trip ---------------------------------------------------------------------


def export_through_admin(client, model: str) -> bytes:
    url = reverse(f"admin:contracts_{model}_export")
    form = client.get(url).context["form"]
    data = {
        name: "on" for name in form.fields if name not in ("format", "resource", "export_items")
    }
    data.update({"format": XLSX, "resource": "0"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    return response.content


def test_customer_export_round_trips(admin_client, manager, sales):
    Customer.objects.create(name="上海示例制造有限公司", category="A", sales_manager=sales)
    Customer.objects.create(name="苏州信达软件有限公司", phone="0512-6666", region="苏南")
    content = export_through_admin(admin_client, "customer")
    rows = read_xlsx(content)
    assert rows[0][:3] == ["name", "short_name", "industry"]
    assert {r[0] for r in rows[1:]} == {"上海示例制造有限公司", "苏州信达软件有限公司"}

    result = CustomerResource().import_data(dataset(content), user=manager)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2  # unchanged rows are skipped, no history noise
    assert Customer.objects.count() == 2

    Customer.objects.all().delete()
    result = CustomerResource().import_data(dataset(content), user=manager)
    assert result.totals["new"] == 2
    assert Customer.objects.get(name="上海示例制造有限公司").sales_manager == sales


def test_contract_export_round_trips_and_signed_contracts_stay_put(
    admin_client, manager, sales, customers
):
    ContractResource().import_data(dataset(xlsx(CONTRACT_HEADERS, contract_rows())), user=manager)
    signed = contract_sign(Contract.objects.get(number="HT-2026-001"), by=manager)
    content = export_through_admin(admin_client, "contract")
    rows = read_xlsx(content)
    header = rows[0]
    by_number = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_number["HT-2026-001"]["scope"] == "repair:4/year;phone_support"
    assert by_number["HT-2026-001"]["free_ends_on"].date() == dt.date(2027, 1, 31)
    assert by_number["HT-2026-001"]["state"] == signed.state
    assert by_number["HT-2026-002"]["state"] == ContractState.DRAFT

    # The unchanged file imports again: every row is skipped.
    result = ContractResource().import_data(dataset(content), user=manager)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2

    # A changed draft is updated; a changed signed contract is refused (and nothing saved).
    scope_col = header.index("scope")
    changed = [list(r) for r in rows]
    for r in changed[1:]:
        r[scope_col] = "repair:6/year" if r[0] == "HT-2026-002" else r[scope_col]
    result = ContractResource().import_data(dataset(xlsx(changed[0], changed[1:])), user=manager)
    assert result.totals["update"] == 1
    draft = Contract.objects.get(number="HT-2026-002")
    assert scope_to_text(list(draft.scope_items.all())) == "repair:6/year"

    title_col = header.index("title")
    for r in changed[1:]:
        if r[0] == "HT-2026-001":
            r[title_col] = "改过的标题"
        else:
            r[scope_col] = "repair:8/year"
    result = ContractResource().import_data(dataset(xlsx(changed[0], changed[1:])), user=manager)
    bad_row = next(i for i, r in enumerate(changed) if r[0] == "HT-2026-001") + 1
    assert report(result) == {bad_row: ["number"]}
    assert Contract.objects.get(number="HT-2026-001").title == "年度维保"
    assert scope_to_text(list(draft.scope_items.all())) == "repair:6/year"  # rolled back


def test_scope_text_round_trip():
    items = scope_from_text(" repair : 4 / quarter ; phone_support,training:2")
    assert items == [
        {"service_type": "repair", "quota": 4, "quota_period": "quarter"},
        {"service_type": "phone_support", "quota": None, "quota_period": "year"},
        {"service_type": "training", "quota": 2, "quota_period": "year"},
    ]
    assert scope_to_text(items) == "repair:4/quarter;phone_support;training:2/year"
    assert scope_from_text(scope_to_text(items)) == items
    assert scope_from_text(None) == scope_from_text("") == []


def test_import_needs_add_and_change_permission(client, make_user):
    manager = make_user(Role.SERVICE_MANAGER, is_staff=True)  # customers yes, contracts no
    client.force_login(manager)
    assert client.get(reverse("admin:contracts_customer_import")).status_code == 200
    assert client.get(reverse("admin:contracts_contract_import")).status_code == 403
    assert client.get(reverse("admin:contracts_contract_export")).status_code == 200
