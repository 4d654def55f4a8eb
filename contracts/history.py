"""What the contracts app's events and history reasons are called (core.history)."""

from django.utils.translation import gettext_lazy as _

EVENTS = {
    "contract.sign": _("Contract signed"),
    "contract_signed": _("Contract signed"),
    "contract.start_service": _("Service period started"),
    "contract.expire": _("Contract expired"),
    "contract.renew": _("Contract renewed"),
    "contract.terminate": _("Contract terminated"),
    "firstvisit.start": _("First visit started"),
    "firstvisit.complete": _("First visit completed"),
    "firstvisit.verify": _("Customer data verified"),
    "firstvisit.need_added": _("Customer need recorded"),
    "firstvisit.needs_routed": _("Needs routed to departments"),
    "revisit.record": _("Revisit recorded"),
    "revisit.miss": _("Revisit missed"),
    "revisit.scheduled": _("Revisit scheduled"),
    "revisit.follow_up_requested": _("Follow-up requested"),
}
REASONS = {
    "verify": _("Customer data verified"),
    "first visit verification": _("Customer data verified"),
    "route": _("Customer need routed"),
    "generated": _("Revisit planned"),
    "missed": _("Revisit missed"),
    "record details": _("Revisit details recorded"),
    "scheduled": _("Revisit scheduled"),
    "survey answered": _("Satisfaction survey answered online"),
}

# The asset register (docs/domain.md §installation.assets).
EVENTS["asset.registered"] = _("Asset recorded by an installation")
REASONS.update({"installed": _("Installed"), "installed again": _("Installed again")})
