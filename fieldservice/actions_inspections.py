"""The routine inspection's actions, declared once (docs/architecture.md §action-layer):
the checklist page's panel, the admin's buttons and the API's
``inspections/<id>/transitions/<name>/`` come from :data:`INSPECTION_ACTIONS`.

The customer signs the inspection report on the shared signing page; the ``form.signed``
subscriber then runs ``sign`` (docs/domain.md §inspection.report)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core.actions import Action, ActionSet

from .forms_inspections import FinishForm
from .models.inspections import Inspection
from .services.inspections import (
    INSPECTION_REPORT,
    inspection_finish,
    inspection_reopen,
    inspection_sign,
)

INSPECTION_ACTIONS = ActionSet(
    Inspection,
    [
        Action(
            "finish",
            _("Finish the checklist"),
            inspection_finish,
            form=FinishForm,
            initial=lambda i, user: {"summary": i.summary},
            icon="clipboard-check",
            primary=True,
            summary="Checklist finished: the report is ready to sign",
        ),
        Action(
            "sign",
            _("Signed by the customer"),
            inspection_sign,
            sign_form=INSPECTION_REPORT,
            icon="pen",
            primary=True,
            summary="The customer signed the inspection report",
        ),
        Action(
            "reopen",
            _("Reopen the checklist"),
            inspection_reopen,
            icon="arrow-counterclockwise",
            summary="Back to the checklist before signing",
        ),
    ],
)


# -- installations (docs/domain.md §installation) ----------------------------------------

from .forms_inspections import AcceptForm  # noqa: E402
from .models.installations import Installation  # noqa: E402
from .services.installations import INSTALLATION_REPORT, installation_accept  # noqa: E402

INSTALLATION_ACTIONS = ActionSet(
    Installation,
    [
        Action(
            "accept",
            _("Accepted by the customer"),
            installation_accept,
            form=AcceptForm,
            sign_form=INSTALLATION_REPORT,
            icon="patch-check",
            primary=True,
            summary="The customer signed the installation report",
        ),
    ],
)
