"""What waits for whom with defects and requirement requests (the work queue,
core.workqueue; issue 10 §12)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from servicedesk.core.choices import Role
from servicedesk.core.workqueue import (
    ANY_TIMER,
    WaitingStep,
    sales_manager_of,
    waiting_steps_register,
)

from .choices import DefectState, RequirementState
from .models import SOLUTION_FORM


def _state(*states: str):
    def waiting(qs: QuerySet) -> QuerySet:
        return qs.filter(state__in=states)

    return waiting


def _signed_as(role: str) -> Exists:
    """The requirement's solution confirmation (方案确定书) carries a signature as ``role``."""
    from servicedesk.core.models import Signature

    from .models import Requirement

    return Exists(
        Signature.objects.filter(
            target_type=ContentType.objects.get_for_model(Requirement),
            target_id=OuterRef("pk"),
            form=SOLUTION_FORM,
            signer_role__iexact=role,
        )
    )


def _to_sign_as(role: str):
    def waiting(qs: QuerySet) -> QuerySet:
        return qs.filter(state=RequirementState.ACCEPTED).exclude(_signed_as(role))

    return waiting


def _to_confirm(qs: QuerySet) -> QuerySet:
    return qs.filter(state=RequirementState.ACCEPTED).filter(
        _signed_as("sales_manager"), _signed_as("director")
    )


def register() -> None:
    waiting_steps_register(
        # -- defects ----------------------------------------------------------------------
        WaitingStep(
            "defects.report",
            _("Verify on site and report the defect"),
            "defects.Defect",
            _state(DefectState.RECORDED),
            mine=lambda user: Q(assignee=user),
            deadline=ANY_TIMER,
            order=30,
        ),
        WaitingStep(
            "defects.verify",
            _("Verify the reported defect"),
            "defects.Defect",
            _state(DefectState.REPORTED),
            roles=(Role.TESTER,),
            deadline=ANY_TIMER,
            notifications=("defect_reported",),
            order=31,
        ),
        WaitingStep(
            "defects.fix",
            _("Fix the defect"),
            "defects.Defect",
            _state(DefectState.VERIFIED, DefectState.REOPENED, DefectState.IN_FIX),
            roles=(Role.DEVELOPER,),
            mine=lambda user: Q(developer=user) | Q(developer__isnull=True),
            deadline=ANY_TIMER,
            notifications=("defect_verified", "defect_reopened"),
            order=32,
        ),
        WaitingStep(
            "defects.confirm",
            _("Have the customer confirm the fix"),
            "defects.Defect",
            _state(DefectState.FIXED),
            mine=lambda user: Q(assignee=user),
            deadline=ANY_TIMER,
            notifications=("defect_fixed",),
            order=33,
        ),
        # -- requirement requests -----------------------------------------------------------
        WaitingStep(
            "defects.evaluate",
            _("Evaluate the requirement"),
            "defects.Requirement",
            _state(RequirementState.RECORDED, RequirementState.EVALUATING),
            roles=(Role.TECH_MANAGER,),
            deadline=("evaluation",),
            notifications=("requirement_recorded",),
            order=34,
        ),
        WaitingStep(
            "defects.negotiate",
            _("Negotiate the quoted requirement with the customer"),
            "defects.Requirement",
            _state(RequirementState.QUOTED),
            roles=(Role.SALES_MANAGER,),
            mine=sales_manager_of(),
            notifications=("requirement_quoted",),
            order=35,
        ),
        WaitingStep(
            "defects.sign_sales",
            _("Sign the solution confirmation"),
            "defects.Requirement",
            _to_sign_as("sales_manager"),
            roles=(Role.SALES_MANAGER,),
            mine=sales_manager_of(),
            order=36,
        ),
        WaitingStep(
            "defects.sign_director",
            _("Sign the solution confirmation"),
            "defects.Requirement",
            _to_sign_as("director"),
            roles=(Role.DIRECTOR,),
            order=37,
        ),
        WaitingStep(
            "defects.confirm_solution",
            _("Confirm the signed solution"),
            "defects.Requirement",
            _to_confirm,
            roles=(Role.SALES_MANAGER, Role.DIRECTOR),
            order=38,
        ),
        WaitingStep(
            "defects.accepted",
            _("Solution confirmation to sign"),
            "defects.Requirement",
            _state(RequirementState.ACCEPTED),
            notifications=("requirement_accepted",),
            listed=False,  # listed per signer above
        ),
        WaitingStep(
            "defects.schedule",
            _("Schedule the development"),
            "defects.Requirement",
            _state(RequirementState.SOLUTION_CONFIRMED),
            roles=(Role.DEVELOPER, Role.TECH_MANAGER),
            notifications=("requirement_confirmed",),
            order=39,
        ),
        WaitingStep(
            "defects.develop",
            _("Develop and deliver the requirement"),
            "defects.Requirement",
            _state(RequirementState.SCHEDULED, RequirementState.IN_DEVELOPMENT),
            mine=lambda user: Q(developer=user),
            order=40,
        ),
        WaitingStep(
            "defects.customer_accept",
            _("Have the customer accept the delivery"),
            "defects.Requirement",
            _state(RequirementState.DELIVERED),
            mine=lambda user: Q(recorded_by=user),
            notifications=("requirement_delivered",),
            order=41,
        ),
    )
