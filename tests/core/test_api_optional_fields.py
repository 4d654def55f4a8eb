"""API ergonomics (docs/api.md §inputs: "Optional fields are optional: a field that may be blank has
a default and need not be sent; the schema marks what is required"). A client sends what it
knows; what it leaves out comes from the record it names; required means required, not
blank, and the OpenAPI schema says so."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from contracts.models import InstalledProduct
from servicedesk.core.choices import Role
from tests.fieldservice.factories import new_dispatch
from tests.tickets.factories import make_contract, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def request_bodies(schema) -> dict[str, dict]:
    components = schema["components"]["schemas"]
    names = set()
    for operations in schema["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content.get("schema", {}).get("$ref", "")
                if ref:
                    names.add(ref.rsplit("/", 1)[-1])
    return {name: components[name] for name in sorted(names)}


def test_no_field_must_be_sent_blank(schema):
    """A text field that accepts blank has a default; one that is required is not blank."""
    offenders = []
    for name, body in request_bodies(schema).items():
        required = set(body.get("required", []))
        for field, spec in body.get("properties", {}).items():
            plain_text = spec.get("type") == "string" and not {"enum", "format"} & set(spec)
            if spec.get("readOnly") or not plain_text:
                continue
            if field in required and not spec.get("minLength"):
                offenders.append(f"{name}.{field}")
    assert offenders == [], offenders


@pytest.mark.parametrize(
    "body, required",
    [
        ("DefectInputRequest", {"severity", "title", "steps"}),
        ("RequirementInputRequest", {"customer", "title", "description", "intent"}),
        ("TicketIntakeInputRequest", {"caller_name", "caller_phone", "description"}),
        ("AnswerInputRequest", {"problem", "cause", "solution", "steps", "precautions"}),
        ("ShelveInputRequest", {"reason"}),
    ],
)
def test_the_schema_marks_what_is_required(schema, body, required):
    assert set(schema["components"]["schemas"][body].get("required", [])) == required


@pytest.fixture
def world(make_user):
    sales = make_user(Role.SALES_MANAGER)
    manager = make_user(Role.SERVICE_MANAGER)
    engineer = make_user(Role.HOTLINE_ENGINEER, Role.FIELD_ENGINEER)
    customer = make_customer(sales, name="苏州精工机械制造有限公司", address="星湖街 328 号")
    make_contract(sales, customer)
    InstalledProduct.objects.create(
        customer=customer, software="U8", version="V16.0", modules="存货", licence_number="DG-1"
    )
    dispatch = new_dispatch(
        manager, customer, site_address="苏州工业园区星湖街 328 号 财务部", product=""
    )
    client = APIClient()
    client.force_authenticate(engineer)
    return {"client": client, "customer": customer, "dispatch": dispatch}


def test_a_defect_takes_what_the_client_knows(world):
    dispatch = world["dispatch"]
    response = world["client"].post(
        "/api/v1/defects/",
        {
            "severity": "serious",
            "title": "月末结账提示存在未记账凭证",
            "steps": "存货核算→月末处理→报错",
            "dispatch": dispatch.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    defect = response.json()
    assert defect["customer"] == world["customer"].pk
    assert defect["product"] == "U8"
    assert defect["version"] == "V16.0"
    assert defect["module"] == "存货"
    assert defect["site"] == dispatch.site_address
    assert defect["customer_sees"] == dispatch.problem


def test_a_requirement_and_a_ticket_take_what_the_client_knows(world):
    client, customer = world["client"], world["customer"]
    requirement = client.post(
        "/api/v1/requirements/",
        {
            "customer": customer.pk,
            "title": "应收账龄表按业务员汇总",
            "description": "应收账龄表增加按业务员汇总",
            "intent": "考核业务员回款",
        },
        format="json",
    )
    assert requirement.status_code == 201, requirement.content
    assert requirement.json()["product"] == "U8"
    ticket = client.post(
        "/api/v1/tickets/",
        {
            "customer": customer.pk,
            "caller_name": "李会计",
            "caller_phone": "0512-66668888",
            "description": "凭证无法保存",
        },
        format="json",
    )
    assert ticket.status_code == 201, ticket.content
    assert ticket.json()["product"] == "U8"
    assert ticket.json()["caller_company"] == customer.name


def test_required_means_required_with_the_reason(world):
    client = world["client"]
    response = client.post("/api/v1/requirements/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"customer", "title", "description", "intent"}
    response = client.post("/api/v1/defects/", {"severity": "general", "title": " "}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"title", "steps"}
    assert response.json()["title"] == ["Give the defect a short title."]
