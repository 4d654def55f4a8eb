"""Domain events the projects app reacts to (docs/architecture.md §apps.events)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.core.models import DomainEvent


def project_from_contract(event: DomainEvent) -> None:
    """``contract_signed`` with implementation: a project application opens once the signing
    commits (the contract's redacted copy is filed to it)."""
    if not (event.data or {}).get("includes_implementation"):
        return
    contract_id, actor = event.target_id, event.actor

    def _open() -> None:
        from contracts.models import Contract

        from .choices import ProjectSource
        from .models import Project
        from .services import project_apply

        contract = Contract.objects.select_related("customer").filter(pk=contract_id).first()
        if contract is None or Project.objects.filter(contract=contract).exists():
            return
        project_apply(
            by=actor,
            customer=contract.customer,
            contract=contract,
            source=ProjectSource.CONTRACT,
            title=_("Implementation of contract %(number)s") % {"number": contract.number},
            description=contract.title,
        )

    transaction.on_commit(_open)


def project_from_first_visit(event: DomainEvent) -> None:
    """``firstvisit.needs_routed``: a need routed to implementation opens an application."""
    from contracts.choices import Department
    from contracts.models import FirstVisit, FirstVisitNeed

    from .choices import ProjectSource
    from .models import Project
    from .services import project_apply

    needs = [
        n
        for n in (event.data or {}).get("needs", [])
        if n.get("department") == Department.IMPLEMENTATION
    ]
    if not needs:
        return
    visit = FirstVisit.objects.select_related("customer", "contract").get(pk=event.target_id)
    for item in needs:
        need = FirstVisitNeed.objects.filter(pk=item["id"]).first()
        if need is None or Project.objects.filter(first_visit_need=need).exists():
            continue
        project_apply(
            by=event.actor,
            customer=visit.customer,
            contract=visit.contract,
            source=ProjectSource.FIRST_VISIT,
            title=need.description[:60],
            description=need.description,
            first_visit_need=need,
        )


def project_signed(event: DomainEvent) -> None:
    """``form.signed`` by the customer on a project form: the step it completes runs
    (plan in force, readiness confirmed, stage signed off, daily log confirmed)."""
    from .models import (
        LOG_FORM,
        PLAN_FORM,
        READINESS_FORM,
        STAGE_FORM,
        DailyLog,
        PlanRevision,
        Project,
        Stage,
    )
    from .services import log_confirm, plan_sign, project_readiness_confirmed, stage_sign

    data = event.data or {}
    if data.get("role") != "customer":
        return
    form = data.get("form")
    handlers = {
        PLAN_FORM: (PlanRevision, plan_sign, "reviewed"),
        STAGE_FORM: (Stage, stage_sign, "reviewed"),
        LOG_FORM: (DailyLog, log_confirm, "submitted"),
        READINESS_FORM: (Project, project_readiness_confirmed, None),
    }
    if form not in handlers:
        return
    model, service, state = handlers[form]
    if event.target_type_id != ContentType.objects.get_for_model(model).pk:
        return
    obj = model.objects.get(pk=event.target_id)
    if state is not None and obj.state != state:
        return
    service(obj, by=event.actor)
