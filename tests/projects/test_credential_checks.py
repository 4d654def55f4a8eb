"""The credential keys are checked at start (docs/architecture.md §credentials)."""

from projects.checks import credential_keys_set, credential_keys_valid


def test_a_malformed_key_is_an_error_at_start(settings):
    settings.CREDENTIAL_KEYS = ["eEwR-1yao3N7NvFrKeD_MAFePaYlhfSCUnzH1iB2GF0=", "change-me"]
    (error,) = credential_keys_valid()
    assert error.id == "projects.E001" and "key 2" in error.msg


def test_production_without_keys_is_warned(settings):
    settings.CREDENTIAL_KEYS = []
    (warning,) = credential_keys_set()
    assert warning.id == "projects.W001"
    settings.CREDENTIAL_KEYS = ["eEwR-1yao3N7NvFrKeD_MAFePaYlhfSCUnzH1iB2GF0="]
    assert credential_keys_set() == [] and credential_keys_valid() == []
