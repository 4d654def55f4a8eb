"""Writes of the contracts app. Import from here."""

from .contracts import (
    contract_add_period,
    contract_document_upload,
    contract_not_renewed,
    contract_renew,
    contract_save_draft,
    contract_sign,
    contract_start_free_period,
    contract_terminate,
    contracts_update_service_states,
    customer_register_caller,
    customer_save,
    renewal_reminders_send,
    service_usage_record,
)

__all__ = [
    "contract_add_period",
    "contract_document_upload",
    "contract_not_renewed",
    "contract_renew",
    "contract_save_draft",
    "contract_sign",
    "contract_start_free_period",
    "contract_terminate",
    "contracts_update_service_states",
    "customer_register_caller",
    "customer_save",
    "renewal_reminders_send",
    "service_usage_record",
]

# The asset register (docs/domain.md §installation.assets), in its own module.
from .assets import asset_register

__all__ += ["asset_register"]
