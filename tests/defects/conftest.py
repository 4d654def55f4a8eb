import pytest

from servicedesk.core.choices import Role


@pytest.fixture
def engineer(make_user):
    return make_user(Role.FIELD_ENGINEER, username="fe_wang")


@pytest.fixture
def tester(make_user):
    return make_user(Role.TESTER, username="qa_li")


@pytest.fixture
def developer(make_user):
    return make_user(Role.DEVELOPER, username="dev_zhou")


@pytest.fixture
def region_lead(make_user):
    return make_user(Role.REGION_LEAD, username="lead_sun")


@pytest.fixture
def tech_manager(make_user):
    return make_user(Role.TECH_MANAGER, username="tm_qian")


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="sales_zhao")


@pytest.fixture
def director(make_user):
    return make_user(Role.DIRECTOR, username="dir_jin")


@pytest.fixture
def evaluator(make_user):
    return make_user(Role.TECH_MANAGER, username="eval_hou")


@pytest.fixture
def customer(sales):
    from tests.tickets.factories import make_contract

    return make_contract(sales, scope=("phone_support", "repair", "development")).customer
