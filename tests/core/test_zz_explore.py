import os
import pytest
from tests.core.fuzzing import fuzz, load_schema


@pytest.mark.django_db
def test_explore(client, make_user):
    from rest_framework.authtoken.models import Token

    admin = make_user(is_superuser=True, is_staff=True)
    low = make_user("field_engineer")
    client.force_login(admin)
    schema = load_schema(client)
    n = int(os.environ.get("N", "3"))
    rep = fuzz(
        schema,
        token=Token.objects.create(user=admin).key,
        max_examples=n,
        only=tuple(filter(None, os.environ.get("ONLY", "").split(","))),
    )
    print("ADMIN", rep.summary())
    rep2 = fuzz(
        schema,
        token=Token.objects.create(user=low).key,
        max_examples=n,
        only=tuple(filter(None, os.environ.get("ONLY", "").split(","))),
    )
    print("LOW", rep2.summary())
