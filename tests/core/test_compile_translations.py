"""compile_translations compiles our catalogues only, never those of installed packages
(a virtualenv inside the checkout holds hundreds)."""

from servicedesk.core.management.commands.compile_translations import locale_dirs


def test_only_our_own_catalogues(settings, tmp_path, monkeypatch):
    dirs = locale_dirs()
    assert dirs, "the project's own locale folders are found"
    assert not [d for d in dirs if "site-packages" in d.parts]
