"""Registry of printable forms: which records print which forms, and who signs them.

An app registers a builder per form::

    @register_form(Dispatch, "service_request", _("Service request form"),
                   slots=[SignatureSlot("customer", _("Customer"), customer=True),
                          SignatureSlot("engineer", _("Engineer"), holders=...)], seal=True)
    def build(dispatch) -> FormDocument: ...

A staff box is signed only by the logged-in user who holds its role for the record
(docs/domain.md §signatures.who): the people its ``holders`` names for that record, or, when it
names nobody, the members of its ``group``. A customer box is signed by the customer, whose
name is typed; the user recording it is the witness.

The builder returns the unsigned document; this module adds the company header, the
signature boxes with any recorded signatures, the fingerprint and the verification QR.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from . import printing


@dataclass(frozen=True)
class SignatureSlot:
    role: str  # matched against Signature.signer_role (code or label)
    label: Any  # printed label, e.g. "客户签字"
    customer: bool = False  # signed by the customer (name typed, a witness records it)
    # The users who hold this role for a record (the deal's sales manager, the engineer
    # of the visit); empty or absent: any member of ``group``; neither: nobody.
    holders: Callable[[Any], Iterable[Any]] | None = None
    group: str = ""


@dataclass(frozen=True)
class SlotRight:
    """May a user sign ``slot`` on a record, and if not, why (in words)."""

    slot: SignatureSlot
    allowed: bool
    reason: str = ""
    holders: tuple[Any, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    model: type[models.Model]
    code: str
    title: Any
    build: Callable[[models.Model], printing.FormDocument]
    slots: tuple[SignatureSlot, ...] = field(default_factory=tuple)
    seal: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.model._meta.label_lower, self.code)


_registry: dict[tuple[str, str], FormSpec] = {}


def register_form(
    model: type[models.Model],
    code: str,
    title: Any,
    *,
    slots: list[SignatureSlot] | tuple[SignatureSlot, ...] = (),
    seal: bool = False,
) -> Callable:
    def decorator(build: Callable[[models.Model], printing.FormDocument]) -> Callable:
        spec = FormSpec(model, code, title, build, tuple(slots), seal)
        _registry[spec.key] = spec
        return build

    return decorator


def forms_for(model: type[models.Model]) -> list[FormSpec]:
    label = model._meta.label_lower
    return [spec for key, spec in _registry.items() if key[0] == label]


def form_get(model: type[models.Model], code: str) -> FormSpec:
    try:
        return _registry[(model._meta.label_lower, code)]
    except KeyError:
        raise LookupError(code) from None


def slot_holders(slot: SignatureSlot, obj: models.Model) -> list[Any]:
    """The users the record names for a staff box (none for a customer box)."""
    if slot.customer or slot.holders is None:
        return []
    people: dict[int, Any] = {}
    for user in slot.holders(obj) or ():
        if user is not None and user.is_active:
            people.setdefault(user.pk, user)
    return list(people.values())


def _in_group(user: Any, group: str) -> bool:
    return any(g.name == group for g in user.groups.all())


def slot_right(slot: SignatureSlot, obj: models.Model, user: Any) -> SlotRight:
    """Whether ``user`` may sign ``slot`` on ``obj`` (docs/domain.md §signatures.who)."""
    from django.utils.translation import gettext as _

    from .choices import Role
    from .conditions import words_list
    from .people import display_name

    if slot.customer:
        return SlotRight(slot, True)
    label = str(slot.label)
    people = slot_holders(slot, obj)
    if people:
        if any(p.pk == user.pk for p in people):
            return SlotRight(slot, True, holders=tuple(people))
        names = words_list(display_name(p) for p in people)
        reason = _("On this record only %(names)s may sign as “%(slot)s”.") % {
            "names": names,
            "slot": label,
        }
        return SlotRight(slot, False, reason, tuple(people))
    if slot.group:
        if _in_group(user, slot.group):
            return SlotRight(slot, True)
        role = Role(slot.group).label if slot.group in Role.values else slot.group
        reason = _("Only a %(role)s may sign as “%(slot)s”.") % {"role": role, "slot": label}
        return SlotRight(slot, False, reason)
    reason = _("Nobody holds “%(slot)s” on this record yet, so it cannot be signed.") % {
        "slot": label
    }
    return SlotRight(slot, False, reason)


def slot_rights(spec: FormSpec, obj: models.Model, user: Any) -> list[SlotRight]:
    return [slot_right(slot, obj, user) for slot in spec.slots]


def slot_find(spec: FormSpec, role: str) -> SignatureSlot | None:
    """The box a role names, by its code or its printed label."""
    wanted = (role or "").strip().lower()
    for slot in spec.slots:
        if wanted in (slot.role.lower(), str(slot.label).lower()):
            return slot
    return None


def unsigned_boxes(obj: models.Model, user: Any, code: str) -> list[dict[str, Any]]:
    """The staff boxes of form ``code`` that ``user`` holds on ``obj`` and that nobody has
    signed yet, each with the link to sign it (the box preselected, back to the record):
    what an action waiting for signatures offers next to its disabled button."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils.http import urlencode

    from .selectors import signatures_for

    try:
        spec = form_get(type(obj), code)
    except LookupError:
        return []
    if not user.has_perm("core.add_signature"):
        return []
    signed = {
        r.strip().lower() for r in signatures_for(obj, code).values_list("signer_role", flat=True)
    }
    ct = ContentType.objects.get_for_model(obj)
    back = getattr(obj, "get_absolute_url", lambda: "")()
    boxes = []
    for right in slot_rights(spec, obj, user):
        slot = right.slot
        if slot.customer or not right.allowed or slot.role.lower() in signed:
            continue
        query = urlencode({"role": slot.role, **({"next": back} if back else {})})
        url = reverse("core:form-sign", args=[ct.pk, obj.pk, code])
        boxes.append({"role": slot.role, "label": slot.label, "url": f"{url}?{query}"})
    return boxes


def company_header() -> printing.CompanyHeader:
    return printing.CompanyHeader(
        name=settings.COMPANY_NAME,
        address=settings.COMPANY_ADDRESS,
        phone=settings.COMPANY_PHONE,
        website=settings.COMPANY_WEBSITE,
    )


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def record_url(obj: models.Model) -> str:
    getter = getattr(obj, "get_absolute_url", None)
    return absolute(getter()) if getter else settings.SITE_URL


def unsigned_document(spec: FormSpec, obj: models.Model) -> printing.FormDocument:
    doc = spec.build(obj)
    doc.company = company_header()
    doc.record_url = doc.record_url or record_url(obj)
    doc.signatures = []
    doc.fingerprint = None
    doc.verify_url = None
    return doc


def signed_document(
    spec: FormSpec, obj: models.Model, signatures: list[Any]
) -> printing.FormDocument:
    """The form with its signature boxes filled from ``signatures`` (Signature rows)."""
    doc = unsigned_document(spec, obj)
    remaining = list(signatures)
    boxes: list[printing.SignatureBox] = []
    for slot in spec.slots:
        match = _take_signature(remaining, slot)
        boxes.append(_box(slot.label, match, role_label=str(slot.label)))
    for extra in remaining:  # signers beyond the planned slots still appear
        boxes.append(_box(extra.signer_role, extra, role_label=extra.signer_role))
    if spec.seal:
        boxes.append(printing.SignatureBox(label=str(_seal_label()), is_seal_box=True))
    doc.signatures = boxes
    if signatures:
        latest = signatures[-1]
        doc.fingerprint = latest.content_sha256
        doc.verify_url = absolute(reverse("core:verify", args=[latest.verify_token]))
    return doc


def _seal_label() -> Any:
    from django.utils.translation import gettext

    return gettext("Company seal")


def _take_signature(remaining: list[Any], slot: SignatureSlot) -> Any:
    wanted = {slot.role.lower(), str(slot.label).lower()}
    for sig in remaining:
        if sig.signer_role.strip().lower() in wanted:
            remaining.remove(sig)
            return sig
    return None


def signer_role_label(sig: Any) -> str:
    """The printed name of a signer's role: a slot's label when the role is a slot code."""
    return role_label(sig.target_type.model_class(), sig.form, sig.signer_role)


def role_label(model: type[models.Model] | None, form: str, role: str) -> str:
    """A signer role in words: the form's slot label, else the role's (``engineer`` →
    工程师, ``customer`` → 客户), else the role as it was typed."""
    from django.utils.translation import gettext

    from .choices import Role

    try:
        spec = form_get(model, form) if model is not None else None
    except LookupError:
        spec = None
    code = (role or "").strip().lower()
    for slot in spec.slots if spec else ():
        if code == slot.role.lower():
            return str(slot.label)
    if code in Role.values:
        return str(Role(code).label)
    generic = {"customer": gettext("Customer"), "engineer": gettext("Engineer")}
    return generic.get(code, role)


def _box(label: Any, sig: Any, role_label: str = "") -> printing.SignatureBox:
    if sig is None:
        return printing.SignatureBox(label=str(label))
    image = None
    if sig.image:
        with sig.image.open("rb") as fh:
            image = fh.read()
    return printing.SignatureBox(
        label=str(label),
        signer_name=sig.signer_name,
        signer_role=role_label or sig.signer_role,
        signed_at=timezone.localtime(sig.signed_at),
        image_png=image,
    )


def render(spec: FormSpec, obj: models.Model) -> bytes:
    """The PDF as it stands now, with every signature recorded so far."""
    from .selectors import signatures_for

    signatures = list(signatures_for(obj, spec.code).order_by("signed_at", "id"))
    return printing.render_pdf(signed_document(spec, obj, signatures))
