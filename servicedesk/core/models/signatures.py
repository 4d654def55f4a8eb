import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import SignatureMethod
from ..querysets import RestrictedManager


def signature_upload_to(instance: "Signature", filename: str) -> str:
    return f"signatures/{instance.signed_at:%Y/%m}/{instance.verify_token}-{filename}"


class Signature(models.Model):
    """A signature on one printed form of one record (docs/domain.md §signatures).

    Staff sign as themselves: ``signer`` is the logged-in user who holds the box's role
    for the record, and ``signer_name`` is their name, never typed. A customer's name is
    typed on the device and ``recorded_by`` is the witness.

    Tamper-evident in the spirit of the Electronic Signature Law: it keeps who signed, in
    which role, when, from which device/IP, and the SHA-256 of the exact content signed.
    After signing, the signed PDF is rendered once and its own SHA-256 kept, so the
    verification page can tell whether a PDF someone holds is the one that was signed.
    """

    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    form = models.CharField(_("form"), max_length=60)
    signer_name = models.CharField(_("signer"), max_length=100)
    signer_role = models.CharField(_("signer's role"), max_length=100)
    method = models.CharField(_("method"), max_length=10, choices=SignatureMethod.choices)
    image = models.FileField(_("drawn signature"), upload_to=signature_upload_to, blank=True)
    scan = models.FileField(_("signed scan"), upload_to=signature_upload_to, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    signed_pdf = models.FileField(_("signed PDF"), upload_to=signature_upload_to, blank=True)
    signed_pdf_sha256 = models.CharField(_("signed PDF SHA-256"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A staff signature is bound to the user who made it (docs/domain.md §signatures.who): set for
    # staff boxes, empty for a customer's (whose witness is ``recorded_by``).
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by (staff)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verify_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id", "form"])]

    def __str__(self) -> str:
        from ..printforms import signer_role_label

        return f"{self.signer_name}（{signer_role_label(self)}）"
