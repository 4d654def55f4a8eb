"""Load the working calendars: the 5×8 one with every public holiday and make-up working
day the installed chinesecalendar package knows, and the 7×24 one (idempotent; run it
again after upgrading chinesecalendar to get a new year)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.services.calendar import calendar_ensure_defaults


class Command(BaseCommand):
    help = "Load the default working calendars and China's public holidays (idempotent)."
    leave_locale_alone = True

    def handle(self, *args, **options) -> None:
        standard, _round_the_clock = calendar_ensure_defaults()
        years = [day.year for day in standard.exceptions.dates("date", "year")]
        if years:
            self.stdout.write(
                _("%(calendar)s: public holidays and make-up days %(first)s–%(last)s loaded.")
                % {"calendar": standard.name, "first": years[0], "last": years[-1]}
            )
        next_year = timezone.localdate().year + 1
        if next_year not in years:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "No holidays for %(year)s yet: enter them in the admin or import a "
                        "CSV once they are published."
                    )
                    % {"year": next_year}
                )
            )
