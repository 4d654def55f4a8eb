"""The SMTP listener for the support address (docs/architecture.md §mail-in).

An aiosmtpd handler: it accepts mail only for ``SUPPORT_MAIL_ADDRESSES`` (not an open
relay), and answers ``250`` only after ``mail_receive`` committed the mail, so a mail is
never lost: on any failure it answers ``451`` and the sending server tries again later
(SMTP's own retry), and the unique Message-ID makes the retry harmless.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


class SupportMailHandler:
    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        from .services.mail import support_addresses

        if address.strip().lower() not in support_addresses():
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, receive_now, raw, envelope.mail_from)
        except Exception:
            logger.exception("mail from %s not kept; the sender will retry", envelope.mail_from)
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 OK"


def receive_now(raw: bytes, envelope_sender: str | None) -> Any:
    from .services.mail import mail_receive

    close_old_connections()
    try:
        return mail_receive(raw, envelope_sender=envelope_sender)
    finally:
        close_old_connections()


class SupportListener(Controller):
    """aiosmtpd's controller, also on port 0 (the system picks a free port; tests)."""

    def _trigger_server(self) -> None:
        if not self.port and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        super()._trigger_server()


def support_listener(host: str | None = None, port: int | None = None) -> SupportListener:
    """A controller to ``.start()`` and ``.stop()``; its ``port`` is the one bound."""
    return SupportListener(
        SupportMailHandler(),
        hostname=host or settings.SUPPORT_SMTP_HOST,
        port=settings.SUPPORT_SMTP_PORT if port is None else port,
        data_size_limit=settings.SUPPORT_MAIL_MAX_BYTES,
        decode_data=False,
        server_hostname="servicedesk",
        ident="servicedesk mail-in",
    )
