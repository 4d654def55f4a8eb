"""Writes of implementation projects (docs/domain.md §project). Import from here."""

from .handover import (  # noqa: F401
    credential_reveal,
    credential_save,
    credentials_rotate,
    handover_give,
    handover_receive,
    handover_write,
    open_problems,
)
from .import_template import import_template_hand  # noqa: F401
from .progress import progress_refresh  # noqa: F401
from .projects import *  # noqa: F403
from .projects import LOG_CONFIRMATION, STAGE_REVIEW  # noqa: F401
