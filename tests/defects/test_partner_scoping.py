"""Partner engineers (乙方) see only their partner's defects and requirements (docs/domain.md
§partners.scope): through the API and the portal, anything else is a 404."""

import pytest

from defects.models import Defect, Requirement
from servicedesk.core.choices import Role
from tests.defects.factories import record_defect, record_requirement
from tests.fieldservice.factories import make_engineer, make_partner, new_dispatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    manager = make_user(Role.SERVICE_MANAGER, username="sm_zheng")
    ours = make_engineer(make_user)
    xinda = make_engineer(make_user, partner=make_partner(name="苏州信达"))
    other = make_engineer(make_user, partner=make_partner(name="无锡华信"))
    xinda_visit = new_dispatch(manager)
    xinda_visit.engineer = xinda
    xinda_visit.save(update_fields=["engineer"])
    from_xinda = record_defect(manager, dispatch=xinda_visit, customer=xinda_visit.customer)
    elsewhere = record_defect(manager, title="库存报表取数错误")
    by_other = record_defect(other.user, title="合作伙伴自己登记的缺陷")
    requirement = record_requirement(manager, xinda_visit.customer)
    return {
        "manager": manager,
        "ours": ours,
        "xinda": xinda,
        "other": other,
        "from_xinda": from_xinda,
        "elsewhere": elsewhere,
        "by_other": by_other,
        "requirement": requirement,
    }


def test_restrict_scopes_partner_engineers_only(world):
    def seen(engineer):
        return set(Defect.objects.restrict(engineer.user).values_list("pk", flat=True))

    everything = {world[k].pk for k in ("from_xinda", "elsewhere", "by_other")}
    assert seen(world["ours"]) == everything
    assert set(Defect.objects.restrict(world["manager"]).values_list("pk", flat=True)) == (
        everything
    )
    assert seen(world["xinda"]) == {world["from_xinda"].pk}
    assert seen(world["other"]) == {world["by_other"].pk}
    assert not Requirement.objects.restrict(world["xinda"].user).exists()
    assert Requirement.objects.restrict(world["ours"].user).count() == 1


def test_partner_engineer_gets_404_on_other_work(client, world):
    client.force_login(world["xinda"].user)
    mine, theirs = world["from_xinda"], world["elsewhere"]
    assert client.get(f"/api/v1/defects/{mine.pk}/").status_code == 200
    assert client.get(f"/api/v1/defects/{theirs.pk}/").status_code == 404
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404
    listed = [d["id"] for d in client.get("/api/v1/defects/").json()["results"]]
    assert listed == [mine.pk]
    board = client.get("/defects/").content.decode()
    assert mine.number in board and theirs.number not in board
    req = world["requirement"]
    assert client.get(f"/api/v1/requirements/{req.pk}/").status_code == 404
