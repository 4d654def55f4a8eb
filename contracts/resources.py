"""Excel and CSV import/export of customers, contacts and contracts (docs/domain.md §roles.admin).

Used by the admin (``contracts/admin.py``) through django-import-export, and usable on their
own: ``CustomerResource().import_data(dataset, dry_run=True, user=user)``.

Policy: all or nothing
----------------------
An import with any bad row imports nothing. Every row is validated (field widgets, the
model's ``full_clean`` including choices and constraints, and the checks below); each
problem is reported with the spreadsheet row number (the header is row 1, so the first
data row is row 2), the column and the message. The manager fixes the file and imports
it again. The admin does this in two steps — a dry run inside a rolled-back transaction
that shows the report (or a preview), then "Confirm import" — and the confirmed run
itself is one transaction that is rolled back if any row fails after all
(``use_transactions`` and ``rollback_on_validation_errors`` are forced on in
``import_data``), so a file that changed between the two steps cannot half-import.
Partial imports were rejected: a half-imported customer list leaves the manager to work
out which rows went in, and contacts or contracts imported next would point at customers
that are missing.

Identity and updates
--------------------
- Customers are matched by full legal name (``name``): a known name updates that customer,
  a new one creates it. The same name twice in one file is an error on the later rows.
- Contacts are matched by customer (full legal name) and contact name.
- Contracts are matched by contract number. They import as drafts only: signing is a
  transition, so there is no state column on import (the exported ``state`` column is
  for information and is ignored). A row for a contract that is no longer a draft is
  skipped when nothing in it changed (so an exported file can be imported again) and is
  an error when it would change the contract.
- Rows whose cells are all empty are skipped (Excel often keeps formatted blank rows).

Columns
-------
Customers: name, short_name, industry, region, category (A/B/C), phone, website, address,
sales_manager (username), in_use_since, notes.
Contacts: customer (full legal name), name, title, phone, mobile, email, is_primary,
may_receive_passwords, authorised_by, authorised_on.
Contracts: number, customer (full legal name), title, sales_manager (username), signed_on,
amount, service_level (5x8 / 7x24), includes_implementation, free_data_import, scope,
free_starts_on, free_ends_on, notes, and ``state`` on export only. ``scope`` is compact
text: service types separated by ``;``, each optionally with a quota and its period,
e.g. ``repair:4/year;phone_support;routine_inspection:2/quarter`` (periods: year,
quarter, month, period; the default is year). The free service period is the two date
columns. Dates are Excel dates or text as 2026-01-31 or 2026/1/31. Column names are the
stable English keys above, whatever the interface language, so files keep working.

Writes
------
Customers are saved through ``customer_save`` and contracts through ``contract_save_draft``
(scope and free period included), with the importing user as the history user. Contacts
have no service of their own (the API saves them the same way): the resource validates
them with ``full_clean`` and saves them with ``_history_user`` set; in the admin the
simple-history request middleware records the user as well.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import RowResult

from servicedesk.core.exceptions import ApplicationError

from .choices import ContractState, PeriodKind, QuotaPeriod, ServiceType
from .models import Contact, Contract, Customer, ServicePeriod
from .services import contract_save_draft, customer_save

# -- widgets ---------------------------------------------------------------------------


class TextWidget(widgets.CharWidget):
    """Text with surrounding blanks removed (Excel cells often carry them); numbers typed
    into a cell (a phone number) come back as text without a trailing ``.0``."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super().clean(value, row, **kwargs).strip()


class DateWidget(widgets.DateWidget):
    """Excel dates (read as datetimes) or text: 2026-01-31, 2026/1/31, 2026.1.31, with or
    without a time of day after the date."""

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        day = text.split()[0]  # "2026-01-31 00:00:00" from a CSV saved by a spreadsheet
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(day, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date; write it as 2026-01-31.") % {"value": text})


class BooleanWidget(widgets.BooleanWidget):
    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "是", "yes", "Yes", "YES", "Y", "y"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "否", "no", "No", "NO", "N", "n"]

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        if value in self.NULL_VALUES:
            return False
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES:
            return False
        raise ValueError(_("“%(value)s” is not yes/no; write 1 or 0.") % {"value": value})


class DecimalWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (ArithmeticError, ValueError, TypeError):
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value}) from None


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key by a natural key; an unknown value is a row error, not a crash."""

    def __init__(self, model, field: str, message: str, queryset=None) -> None:
        super().__init__(model, field=field)
        self.message = message
        self._queryset = queryset

    def get_queryset(self, value, row, *args, **kwargs):
        return self._queryset() if self._queryset else self.model._default_manager.all()

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            return None
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(self.message % {"value": value}) from None


def customer_widget() -> LookupWidget:
    return LookupWidget(Customer, "name", _("No customer has the full legal name “%(value)s”."))


def user_widget() -> LookupWidget:
    return LookupWidget(
        get_user_model(),
        "username",
        _("No active user has the username “%(value)s”."),
        queryset=lambda: get_user_model().objects.filter(is_active=True),
    )


# -- service scope as text --------------------------------------------------------------

_SCOPE_SEPARATORS = re.compile(r"[;；,，\n]+")
_SCOPE_ITEM = re.compile(
    r"^(?P<type>[^:：/]+?)\s*(?:[:：]\s*(?P<quota>[^/]*?)\s*(?:/\s*(?P<period>.+))?)?$"
)


def scope_to_text(items: list[Any]) -> str:
    """``repair:4/year;phone_support`` from scope items (or dicts of their fields)."""
    parts = []
    for item in items:
        get = item.get if isinstance(item, dict) else lambda name, i=item: getattr(i, name)
        text = get("service_type")
        if get("quota"):
            text += f":{get('quota')}/{get('quota_period') or QuotaPeriod.YEAR}"
        parts.append(text)
    return ";".join(parts)


def scope_from_text(text: Any) -> list[dict[str, Any]]:
    """Parse the compact scope text; raises ``ValueError`` with a message for the user."""
    if text is None:
        return []
    labels = {str(label).lower(): value for value, label in ServiceType.choices}
    items: list[dict[str, Any]] = []
    for raw in _SCOPE_SEPARATORS.split(str(text)):
        part = raw.strip()
        if not part:
            continue
        match = _SCOPE_ITEM.match(part)
        if match is None:
            raise ValueError(
                _("“%(part)s” is not a scope item; write e.g. repair:4/year.") % {"part": part}
            )
        name = match["type"].strip()
        service_type = name.lower() if name.lower() in ServiceType.values else None
        service_type = service_type or labels.get(name.lower())
        if service_type is None:
            raise ValueError(
                _("Unknown service type “%(name)s”; use one of: %(types)s.")
                % {"name": name, "types": ", ".join(ServiceType.values)}
            )
        quota = None
        if match["quota"] not in (None, ""):
            if not match["quota"].isdigit() or int(match["quota"]) < 1:
                raise ValueError(
                    _("“%(part)s”: the quota must be a whole number, e.g. repair:4/year.")
                    % {"part": part}
                )
            quota = int(match["quota"])
        period = (match["period"] or QuotaPeriod.YEAR).strip().lower()
        if period not in QuotaPeriod.values:
            raise ValueError(
                _("“%(part)s”: the quota period must be one of %(periods)s.")
                % {"part": part, "periods": ", ".join(QuotaPeriod.values)}
            )
        if any(i["service_type"] == service_type for i in items):
            raise ValueError(_("“%(name)s” is listed twice.") % {"name": service_type})
        items.append({"service_type": service_type, "quota": quota, "quota_period": period})
    return items


# -- the shared behaviour ------------------------------------------------------------------


def file_row(row_number: int) -> int:
    """import-export counts data rows from 1; the spreadsheet's header is row 1."""
    return row_number + 1


class AllOrNothingResource(resources.ModelResource):
    """Validation everywhere, errors by column, and nothing saved when any row is bad."""

    required_columns: tuple[str, ...] = ()
    #: attributes that keep their value (or the model default) when the cell is empty
    keep_when_blank: tuple[str, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = None

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user")
        if dataset.headers:
            dataset.headers = [str(h).strip() if h is not None else "" for h in dataset.headers]
        missing = [c for c in self.required_columns if c not in (dataset.headers or [])]
        if missing:
            raise ValidationError(
                _("The file has no column %(columns)s (the first row must hold the headers).")
                % {"columns": ", ".join(missing)}
            )

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None  # a bad key: import_instance() reports it on its column

    def import_row(self, row, instance_loader, **kwargs):
        if all(value is None or str(value).strip() == "" for value in row.values()):
            result = self.get_row_result_class()()
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        result = super().import_row(row, instance_loader, **kwargs)
        if result.validation_error is not None:
            result.validation_error = self._by_column(result.validation_error)
        return result

    def _by_column(self, error: ValidationError) -> ValidationError:
        """Key errors by the file's column names rather than model attributes."""
        if not hasattr(error, "error_dict"):
            return error
        columns = {f.attribute: f.column_name for f in self.fields.values() if f.attribute}
        return ValidationError(
            {columns.get(key, key): value for key, value in error.error_dict.items()}
        )

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute in self.keep_when_blank:
            value = row.get(field.column_name)
            if value is None or str(value).strip() == "":
                return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        instance._history_user = self.user

    @staticmethod
    def _collect(exc: ValidationError, errors: dict[str, list]) -> None:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)


# -- customers ----------------------------------------------------------------------------


class CustomerResource(AllOrNothingResource):
    name = fields.Field(attribute="name", column_name="name", widget=TextWidget())
    short_name = fields.Field(attribute="short_name", column_name="short_name", widget=TextWidget())
    industry = fields.Field(attribute="industry", column_name="industry", widget=TextWidget())
    region = fields.Field(attribute="region", column_name="region", widget=TextWidget())
    category = fields.Field(attribute="category", column_name="category", widget=TextWidget())
    phone = fields.Field(attribute="phone", column_name="phone", widget=TextWidget())
    website = fields.Field(attribute="website", column_name="website", widget=TextWidget())
    address = fields.Field(attribute="address", column_name="address", widget=TextWidget())
    sales_manager = fields.Field(
        attribute="sales_manager", column_name="sales_manager", widget=user_widget()
    )
    in_use_since = fields.Field(
        attribute="in_use_since", column_name="in_use_since", widget=DateWidget()
    )
    notes = fields.Field(attribute="notes", column_name="notes", widget=TextWidget())

    required_columns = ("name",)
    keep_when_blank = ("category",)

    class Meta:
        model = Customer
        name = "customers"
        fields = (
            "name",
            "short_name",
            "industry",
            "region",
            "category",
            "phone",
            "website",
            "address",
            "sales_manager",
            "in_use_since",
            "notes",
        )
        import_id_fields = ("name",)
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows_by_name: dict[str, int] = {}

    def before_import(self, dataset, **kwargs):
        self._rows_by_name = {}
        super().before_import(dataset, **kwargs)

    def get_queryset(self):
        return Customer.objects.select_related("sales_manager")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("sales_manager")

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            self._collect(exc, errors)
        if instance.name:
            here = file_row(kwargs.get("row_number", 0))
            first = self._rows_by_name.setdefault(instance.name, here)
            if first != here:
                errors.setdefault("name", []).append(
                    _("The same full legal name is already in row %(row)s of this file.")
                    % {"row": first}
                )
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        try:
            customer_save(customer=instance, by=self.user)
        except ApplicationError as exc:  # pragma: no cover - validated before saving
            raise ValidationError(exc.extra or exc.message) from exc


# -- contacts ------------------------------------------------------------------------------


class ContactResource(AllOrNothingResource):
    customer = fields.Field(attribute="customer", column_name="customer", widget=customer_widget())
    name = fields.Field(attribute="name", column_name="name", widget=TextWidget())
    title = fields.Field(attribute="title", column_name="title", widget=TextWidget())
    phone = fields.Field(attribute="phone", column_name="phone", widget=TextWidget())
    mobile = fields.Field(attribute="mobile", column_name="mobile", widget=TextWidget())
    email = fields.Field(attribute="email", column_name="email", widget=TextWidget())
    is_primary = fields.Field(
        attribute="is_primary", column_name="is_primary", widget=BooleanWidget()
    )
    may_receive_passwords = fields.Field(
        attribute="may_receive_passwords",
        column_name="may_receive_passwords",
        widget=BooleanWidget(),
    )
    authorised_by = fields.Field(
        attribute="authorised_by", column_name="authorised_by", widget=TextWidget()
    )
    authorised_on = fields.Field(
        attribute="authorised_on", column_name="authorised_on", widget=DateWidget()
    )

    required_columns = ("customer", "name")

    class Meta:
        model = Contact
        name = "contacts"
        fields = (
            "customer",
            "name",
            "title",
            "phone",
            "mobile",
            "email",
            "is_primary",
            "may_receive_passwords",
            "authorised_by",
            "authorised_on",
        )
        import_id_fields = ("customer", "name")
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True

    def get_queryset(self):
        return Contact.objects.select_related("customer")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("customer")

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            self._collect(exc, errors)
        if "customer" not in errors and instance.customer_id is None:
            errors["customer"] = [_("Give the customer's full legal name.")]
        if errors:
            raise ValidationError(errors)


# -- contracts -----------------------------------------------------------------------------


class ContractResource(AllOrNothingResource):
    number = fields.Field(attribute="number", column_name="number", widget=TextWidget())
    customer = fields.Field(attribute="customer", column_name="customer", widget=customer_widget())
    title = fields.Field(attribute="title", column_name="title", widget=TextWidget())
    sales_manager = fields.Field(
        attribute="sales_manager", column_name="sales_manager", widget=user_widget()
    )
    signed_on = fields.Field(attribute="signed_on", column_name="signed_on", widget=DateWidget())
    amount = fields.Field(attribute="amount", column_name="amount", widget=DecimalWidget())
    service_level = fields.Field(
        attribute="service_level", column_name="service_level", widget=TextWidget()
    )
    includes_implementation = fields.Field(
        attribute="includes_implementation",
        column_name="includes_implementation",
        widget=BooleanWidget(),
    )
    free_data_import = fields.Field(
        attribute="free_data_import", column_name="free_data_import", widget=BooleanWidget()
    )
    # Not model attributes: parsed in import_instance(), written by contract_save_draft().
    scope = fields.Field(column_name="scope", dehydrate_method="dehydrate_scope")
    free_starts_on = fields.Field(
        column_name="free_starts_on",
        widget=DateWidget(),
        dehydrate_method="dehydrate_free_starts_on",
    )
    free_ends_on = fields.Field(
        column_name="free_ends_on", widget=DateWidget(), dehydrate_method="dehydrate_free_ends_on"
    )
    notes = fields.Field(attribute="notes", column_name="notes", widget=TextWidget())
    # Exported for information; never imported (signing is a transition).
    state = fields.Field(attribute="state", column_name="state", readonly=True)

    required_columns = ("number", "customer")
    keep_when_blank = ("service_level",)

    class Meta:
        model = Contract
        name = "contracts"
        fields = (
            "number",
            "customer",
            "title",
            "sales_manager",
            "signed_on",
            "amount",
            "service_level",
            "includes_implementation",
            "free_data_import",
            "scope",
            "free_starts_on",
            "free_ends_on",
            "notes",
            "state",
        )
        import_id_fields = ("number",)
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True

    def get_queryset(self):
        return Contract.objects.select_related("customer", "sales_manager")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("customer", "sales_manager").prefetch_related(
            "scope_items",
            Prefetch(
                "periods",
                queryset=ServicePeriod.objects.filter(kind=PeriodKind.FREE),
                to_attr="free_periods",
            ),
        )

    # -- export --

    @staticmethod
    def _free_period(contract: Contract) -> ServicePeriod | None:
        periods = getattr(contract, "free_periods", None)
        if periods is None:
            periods = list(contract.periods.filter(kind=PeriodKind.FREE)) if contract.pk else []
        return periods[0] if periods else None

    def dehydrate_scope(self, contract: Contract) -> str:
        if not contract.pk:
            return ""
        return scope_to_text(list(contract.scope_items.all()))

    def dehydrate_free_starts_on(self, contract: Contract) -> dt.date | None:
        period = self._free_period(contract)
        return period.starts_on if period else None

    def dehydrate_free_ends_on(self, contract: Contract) -> dt.date | None:
        period = self._free_period(contract)
        return period.ends_on if period else None

    # -- import --

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            self._collect(exc, errors)
        if "customer" not in errors and instance.customer_id is None:
            errors["customer"] = [_("Give the customer's full legal name.")]

        instance._import_scope = None
        if "scope" in row:
            try:
                instance._import_scope = scope_from_text(row["scope"])
            except ValueError as exc:
                errors["scope"] = [str(exc)]

        instance._import_free = None
        starts = ends = None
        for column in ("free_starts_on", "free_ends_on"):
            if column not in row:
                continue
            try:
                value = self.fields[column].widget.clean(row[column])
            except ValueError as exc:
                errors[column] = [str(exc)]
                continue
            if column == "free_starts_on":
                starts = value
            else:
                ends = value
        if not ({"free_starts_on", "free_ends_on"} & errors.keys()):
            if starts and ends:
                if ends < starts:
                    errors["free_ends_on"] = [_("The period must end on or after its start.")]
                else:
                    instance._import_free = {"starts_on": starts, "ends_on": ends}
            elif starts or ends:
                missing = "free_ends_on" if starts else "free_starts_on"
                errors[missing] = [_("Give both dates of the free service period, or neither.")]
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        if original is None or original.pk is None:
            return False
        # The scope and the free period are not attributes: compare them too.
        if instance._import_scope is not None:
            current = {
                (i.service_type, i.quota, i.quota_period if i.quota else None)
                for i in original.scope_items.all()
            }
            wanted = {
                (i["service_type"], i["quota"], i["quota_period"] if i["quota"] else None)
                for i in instance._import_scope
            }
            if current != wanted:
                return False
        if instance._import_free is not None:
            period = self._free_period(original)
            if period is None or (period.starts_on, period.ends_on) != (
                instance._import_free["starts_on"],
                instance._import_free["ends_on"],
            ):
                return False
        return True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.pk and instance.state != ContractState.DRAFT:
            errors.setdefault("number", []).append(
                _(
                    "Contract %(number)s is “%(state)s”: only draft contracts can be "
                    "changed by an import."
                )
                % {"number": instance.number, "state": instance.get_state_display()}
            )
        try:
            # The protected FSM field refuses the re-assignment clean_fields() makes.
            instance.full_clean(exclude=[*errors, "state"], validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        data: dict[str, Any] = {}
        if instance._import_scope is not None:
            data["scope_items"] = instance._import_scope
        if instance._import_free is not None:
            data["free_period"] = dict(instance._import_free)
        try:
            contract_save_draft(by=self.user, data=data, contract=instance)
        except ApplicationError as exc:
            columns = {
                "starts_on": "free_starts_on",
                "ends_on": "free_ends_on",
                "non_field_errors": NON_FIELD_ERRORS,
            }
            extra = {columns.get(k, k): v for k, v in (exc.extra or {}).items()}
            raise ValidationError(extra or exc.message) from exc
