"""What the hotline's events and history reasons are called (core.history)."""

from django.utils.translation import gettext_lazy as _

from .selectors import EVENT_TITLES

EVENTS = {
    **EVENT_TITLES,
    "ticket.dispatch_requested": _("On-site visit requested"),
    "ticket.password_disclosure_refused": _("Password disclosure refused"),
    "call.attached": _("Call linked"),
    "dutyshift.planned": _("Shift planned"),
    "dutyshift.removed": _("Shift removed"),
    "dutyshift.handover_acknowledged": _("Shift hand-over acknowledged"),
    "knowledgearticle.published": _("Article published"),
    "knowledgearticle.deleted": _("Article deleted"),
    "knowledgearticle.solved": _("Article solved a call"),
    "ticket.mail_received": _("Mail received"),
    "knowledgearticle.drafted": _("Article drafted from a record"),
    "knowledgearticle.rated": _("Article rated"),
    "knowledgearticle.submit": _("Article submitted for review"),
    "knowledgearticle.publish": _("Article published"),
    "knowledgearticle.send_back": _("Article sent back to the author"),
    "knowledgearticle.archive": _("Article archived"),
    "knowledgearticle.revise": _("Article taken back to draft"),
}
REASONS = {
    "transfer": _("Transferred"),
    "hand-over acknowledged": _("Shift hand-over acknowledged"),
    "published from ticket": _("Article published"),
    "edit": _("Article edited"),
    "create": _("Article written"),
    "draft from source": _("Article drafted from a record"),
    "attach": _("Call linked"),
}
