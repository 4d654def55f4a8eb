import contextlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "servicedesk.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_migrate
        from simple_history import register
        from simple_history.exceptions import MultipleRegistrationsError

        from . import fsm_migrations, hygiene, printables, roles  # noqa: F401 - registers forms

        # Migrations render historical models without django-fsm's receiver on each.
        fsm_migrations.install()
        # Control characters, length limits, number and date ranges at the edge (text.py).
        hygiene.install()
        from .navigation import NavItem, nav_register
        from .people import display_name

        # Every list, form choice and history row names people as colleagues say them.
        get_user_model().__str__ = display_name
        with contextlib.suppress(MultipleRegistrationsError):  # dev server reloads
            register(get_user_model(), app="servicedesk.core", table_name="core_historicaluser")
        # Every connection watches its writes for the page cache (page_cache.py).
        from django.db.backends.signals import connection_created

        from .page_cache import install_write_watch

        connection_created.connect(install_write_watch, dispatch_uid="core.page_cache")
        # Permissions only exist after post_migrate created them: sync groups then.
        post_migrate.connect(roles.sync_role_permissions_handler, dispatch_uid="core.roles")
        # A new password ends the user's API tokens (services/tokens.py).
        from django.db.models.signals import pre_save

        from .services.tokens import tokens_revoke_on_password_change

        pre_save.connect(
            tokens_revoke_on_password_change,
            sender=get_user_model(),
            dispatch_uid="core.tokens_password",
        )
        nav_register(
            NavItem(_("Dashboard"), "core:dashboard", "speedometer2", section="start", order=0),
            NavItem(_("Charts"), "core:charts", "bar-chart-line", section="start", order=1),
            NavItem(_("Notifications"), "core:notifications", "bell", order=90),
            NavItem(
                _("Deadlines"),
                "core:timers",
                "stopwatch",
                permission="core.view_slatimer",
                order=92,
            ),
            NavItem(
                _("Working calendar"),
                "core:calendars",
                "calendar3",
                permission="core.view_workcalendar",
                order=95,
            ),
        )
        # Timers carry their record's customer for the charts (services/timers.py).
        from .services.timers import timers_follow_customers

        timers_follow_customers()
        # The charts' cached six-month trends start again after any change of what they count.
        from django.db.models.signals import post_delete, post_save

        from .selectors_dashboard import TREND_MODELS, charts_data_changed

        for label in TREND_MODELS:
            model = self.apps.get_model(label)
            for signal in (post_save, post_delete):
                signal.connect(charts_data_changed, sender=model, dispatch_uid=f"charts.{label}")
        # Satisfaction surveys after the occasions that close a piece of work (issue 17).
        from .services.events import event_subscribe
        from .services.surveys import SURVEY_EVENTS, survey_from_event

        for kind in SURVEY_EVENTS:
            event_subscribe(kind, survey_from_event)
