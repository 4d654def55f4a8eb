"""django-axes (login throttling) under a Chinese name in the admin (issue 10 §17).

In its own module: a second AppConfig in ``apps.py`` would stop Django from picking the
core's own config automatically.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login throttling")
