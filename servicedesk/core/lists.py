"""Declarative lists: every list page of the portal is one ``ListSpec`` (docs/architecture.md
§lists).

A spec names the django-filter ``FilterSet`` the API uses for the same records (so the
page and ``/api/v1/…?state=…`` filter alike), the restricted queryset, the columns (each
sortable, each exported to Excel with the same heading and value), the filters shown on
the page and the bulk actions (declared actions of the app's ``ActionSet``, run record by
record through their services). Apps register their specs in ``AppConfig.ready``
(``list_register``); the views in ``core/list_views.py`` serve them all: the page with
filters, sorting and paging, the htmx table, the Excel export, saved filters and bulk
actions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import F, Model, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext

from servicedesk.core.text import clean_text

from .types import User

PAGE_SIZE = 50
#: a list counts its rows up to this many ("1000+" beyond): counting 200,000 rows would
#: make the page slower as the table grows (docs/architecture.md §lists)
COUNT_CAP = 1_000
#: at most this many rows go into one Excel file
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class Column:
    """One column: heading, value (a dotted attribute path or a callable) and the ORM
    path it sorts by (``""``: not sortable)."""

    key: str
    label: Any
    value: str | Callable[[Any], Any] = ""
    order: str = ""
    link: bool = False  # the cell links to the record
    classes: str = ""
    #: shown (on the page and in the export) and sorted by only for holders of this
    #: permission (a contract's amount: ``contracts.view_full_copy``)
    permission: str = ""
    #: for a column whose ``order`` names a costly annotation (a correlated subquery, run
    #: for every row when the list is sorted by it): an expression of the same value that
    #: the database computes for all rows at once (an aggregate over one grouped join).
    #: The page then ranks the keys by it in a narrow query and loads its own rows with
    #: the queryset's annotations, computed for those rows only (``RankedRows``).
    rank: Any = None

    def shown_to(self, user: Any) -> bool:
        return not self.permission or (user is not None and user.has_perm(self.permission))

    def raw(self, obj: Any) -> Any:
        if callable(self.value):
            return self.value(obj)
        if self.value.startswith("get_") and self.value.endswith("_display"):
            return _choice_label(obj, self.value[4:-8])
        target: Any = obj
        for part in (self.value or self.key).split("."):
            target = getattr(target, part, None)
            if target is None:
                return None
            if callable(target) and not hasattr(target, "all"):
                target = target()
        return target

    def text(self, obj: Any) -> str:
        return display(self.raw(obj))


_labels: dict[tuple, str] = {}


def _choice_label(obj: Any, name: str) -> str:
    """``get_<name>_display()`` with the translated label kept per language: an export of
    10,000 rows would otherwise translate every cell."""
    value = getattr(obj, name)
    key = (type(obj), name, value, get_language())
    label = _labels.get(key)
    if label is None:
        label = _labels[key] = str(getattr(obj, f"get_{name}_display")())
    return label


def display(value: Any) -> str:
    """A cell as people read it: local times to the minute, 是/否, — for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def excel_value(value: Any) -> Any:
    """A cell for openpyxl: numbers and dates stay typed (naive local times)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return display(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date | int | float | Decimal):
        return value
    # openpyxl refuses the whole workbook for one control character (core/text.py).
    return clean_text(str(value))


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows; ``capped`` says there are more."""

    capped = False

    @cached_property
    def count(self) -> int:
        found = counted(self.object_list)[: COUNT_CAP + 1].count()
        self.capped = found > COUNT_CAP
        return min(found, COUNT_CAP)


def counted(rows: QuerySet | RankedRows) -> QuerySet:
    """The rows to count: the keys alone, unordered. How many rows there are does not
    depend on their order, and an order by an annotation (a list sorted by the last day
    of service) made the count compute that annotation for every row and sort them."""
    if isinstance(rows, RankedRows):
        rows = rows.rows
    return rows.order_by().values("pk")


class RankedRows:
    """The page's rows of a list sorted by a column with ``rank``, as the paginator slices
    them: a slice is one query, the rows of ``rows`` (ordered by the column's annotation)
    whose keys rank in that slice by ``rank`` in a narrow query (the key and the rank:
    no joined tables, no correlated subquery per row). The rank equals the annotation and
    both end with the key, so the order is the same as ``rows``' own."""

    ordered = True

    def __init__(self, rows: QuerySet, column: Column, descending: bool) -> None:
        self.rows = rows
        key = "-_rank" if descending else "_rank"
        self.ranking = (
            rows.annotate(_rank=column.rank)
            .order_by(key, "-pk" if descending else "pk")
            .values("pk")
        )

    def count(self) -> int:
        return counted(self).count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> QuerySet:
        if not isinstance(index, slice):
            raise TypeError("RankedRows are sliced, not indexed")
        return self.rows.filter(pk__in=self.ranking[index])


def paged(spec: ListSpec, qs: QuerySet, sort: str) -> QuerySet | RankedRows:
    """What the page's paginator slices: ``qs`` (filtered and sorted by ``sort``), or its
    ``RankedRows`` when the column sorted by has a ``rank``."""
    column = spec.column(sort.lstrip("-")) if sort else None
    if column is None or column.rank is None or qs.query.distinct:
        return qs
    return RankedRows(qs, column, sort.startswith("-"))


@dataclass(frozen=True)
class BulkAction:
    """A declared action (``ActionSet[name]``) offered on the selected rows."""

    name: str
    action_set: Any


@dataclass(frozen=True)
class ListSpec:
    """One list page (docs/architecture.md §lists)."""

    code: str
    title: Any
    filterset: type
    queryset: Callable[[User], QuerySet]
    columns: tuple[Column, ...]
    permission: str
    filters: tuple[str, ...] = ()  # the FilterSet's filters shown on the page, in order
    default_sort: str = ""
    bulk: tuple[BulkAction, ...] = ()
    page_size: int = PAGE_SIZE
    url_name: str = ""  # the page's URL name (the menu entry); default core:list
    export_name: str = ""  # the Excel file's name, without extension
    descending_nulls_last: bool = True
    #: labels of the shown filters where the FilterSet's are not for people
    labels: dict = field(default_factory=dict)
    #: the fields the columns read (``customer__region`` …): the export loads only these
    #: (``QuerySet.only``), not every column of the record and its related records
    export_only: tuple[str, ...] = ()
    #: a "new record" button: its URL name, label and the permission it needs
    create_url: str = ""
    create_label: Any = ""
    create_permission: str = ""

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def columns_for(self, user: Any) -> tuple[Column, ...]:
        """The columns ``user`` sees (``Column.permission``)."""
        return tuple(c for c in self.columns if c.shown_to(user))

    def sort_of(self, sort: str, user: Any = None) -> tuple[str, list[Any]]:
        """The sort asked for (``-key`` descending) when the column sorts (and ``user``
        sees it), else the default; and the ``order_by`` terms, the primary key last so
        pages are stable."""
        key = sort.lstrip("-")
        column = self.column(key)
        if column is not None and not column.shown_to(user):
            column = None  # its order would tell what the column hides
        if column is None or not column.order:
            sort = self.default_sort
            column = self.column(sort.lstrip("-"))
        if column is None or not column.order:
            return "", ["-pk"]
        descending = sort.startswith("-")
        path = column.order
        if not self.nullable(path):
            # plain terms, so an index on (column, id) serves the order (docs/architecture.md
            # §lists): NULLS LAST on a column without nulls would still force a sort
            return sort, [f"-{path}", "-pk"] if descending else [path, "pk"]
        term = F(path).desc(nulls_last=True) if descending else F(path).asc(nulls_first=True)
        return sort, [term, "-pk" if descending else "pk"]

    def nullable(self, path: str) -> bool:
        """Whether any field along ``path`` (``customer__name``) may be null."""
        model = self.queryset_model
        for name in path.split("__"):
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                return False  # an annotation the spec's queryset adds: a count, never null
            if field.null:
                return True
            if not field.is_relation:
                break
            model = field.related_model
        return False

    @property
    def queryset_model(self) -> Any:
        return self.filterset._meta.model


def common_labels(**more: Any) -> dict:
    """Labels of the filters most lists share."""
    from django.utils.translation import gettext_lazy as _

    return {"q": _("Search"), "overdue": _("Overdue"), "search": _("Search"), **more}


_specs: dict[str, ListSpec] = {}


def list_register(*specs: ListSpec) -> None:
    for spec in specs:
        _specs[spec.code] = spec


def list_get(code: str) -> ListSpec | None:
    return _specs.get(code)


def list_specs() -> list[ListSpec]:
    return list(_specs.values())


# -- filtering ------------------------------------------------------------------------------


#: query parameters that are not filters
RESERVED = ("sort", "page", "saved")


def filter_params(data: QueryDict) -> QueryDict:
    params = data.copy()
    for name in RESERVED:
        params.pop(name, None)
    return params


def filtered(spec: ListSpec, request: Any, data: QueryDict) -> tuple[Any, QuerySet, str]:
    """The bound FilterSet, its filtered and sorted queryset, and the sort used."""
    base = spec.queryset(request.user)
    filterset = spec.filterset(data=filter_params(data), queryset=base, request=request)
    qs = filterset.qs if filterset.is_valid() else base.none()
    sort, order = spec.sort_of(data.get("sort", "") or spec.default_sort, request.user)
    return filterset, qs.order_by(*order), sort


def query_string(data: QueryDict, **changes: Any) -> str:
    """The list's query string with ``changes`` (a value of ``None`` drops the key)."""
    params = {k: v for k, v in data.lists() if k not in changes and any(v)}
    for key, value in changes.items():
        if value not in (None, ""):
            params[key] = [value]
    return urlencode(params, doseq=True)


# -- export -------------------------------------------------------------------------------


def rows_for_export(
    spec: ListSpec, qs: QuerySet, columns: tuple[Column, ...]
) -> Iterator[list[Any]]:
    """The export's rows: the values of ``columns`` (those the user sees) as typed cells.
    A related record (a person, a customer) is named once per export, not once per row:
    10,000 rows name the same hundred engineers over and over."""
    if spec.export_only:
        qs = qs.only(*spec.export_only)
    names: dict[tuple[type, Any], str] = {}
    for obj in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
        row = []
        for column in columns:
            value = column.raw(obj)
            if isinstance(value, Model):
                key = (type(value), value.pk)
                name = names.get(key)
                if name is None:
                    name = names[key] = str(value)
                row.append(name)
            else:
                row.append(excel_value(value))
        yield row


def workbook_bytes(title: str, headings: Iterable[str], rows: Iterable[list[Any]]) -> bytes:
    """An .xlsx with one sheet: the headings in bold, frozen, then the rows (write-only
    mode: constant memory however many rows)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    heading_cells = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=str(heading))
        cell.font = Font(bold=True)
        heading_cells.append(cell)
    sheet.append(heading_cells)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
