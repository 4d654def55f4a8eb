from __future__ import annotations

import django_filters
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from servicedesk.core.api.apis import OverdueFilterMixin
from servicedesk.core.api.mixins import FormsMixin, FSMViewSetMixin, HistoryMixin
from servicedesk.core.api.permissions import ReadModelPermissions

from .. import selectors
from ..actions import CONTRACT_ACTIONS
from ..entitlement import entitlement_check
from ..models import Asset, Contact, Contract, Customer, InstalledProduct
from ..services import (
    contract_document_upload,
    contract_save_draft,
    customer_save,
)
from .serializers import (
    AssetSerializer,
    ContactSerializer,
    ContractSerializer,
    ContractWriteSerializer,
    CustomerSerializer,
    DocumentSerializer,
    DocumentUploadInput,
    EntitlementOutput,
    EntitlementQuery,
    InstalledProductSerializer,
)


class CustomerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Customer
        fields = ["region", "category", "sales_manager", "industry"]

    def filter_search(self, queryset, name, value):
        return selectors.customers_list(user=self.request.user, search=value).filter(
            pk__in=queryset.values("pk")
        )


class CustomerViewSet(HistoryMixin, viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    queryset = Customer.objects.none()
    ordering_fields = ["name", "region", "category", "created_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.customers_list(user=self.request.user).order_by("name")

    def perform_create(self, serializer):
        serializer.instance = customer_save(
            customer=Customer(**serializer.validated_data), by=self.request.user
        )

    def perform_update(self, serializer):
        customer = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(customer, key, value)
        customer_save(customer=customer, by=self.request.user)


class _CustomerChildViewSet(HistoryMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["customer"]
    model = None

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user).select_related("customer")

    def perform_create(self, serializer):
        obj = self.model(**serializer.validated_data)
        obj._history_user = self.request.user
        obj.full_clean()
        obj.save()
        serializer.instance = obj

    def perform_update(self, serializer):
        obj = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(obj, key, value)
        obj._history_user = self.request.user
        obj.full_clean()
        obj.save()


class ContactViewSet(_CustomerChildViewSet):
    serializer_class = ContactSerializer
    queryset = Contact.objects.none()
    model = Contact


class AssetViewSet(_CustomerChildViewSet):
    serializer_class = AssetSerializer
    queryset = Asset.objects.none()
    model = Asset
    filterset_fields = ["customer", "contract", "serial_number"]


class InstalledProductViewSet(_CustomerChildViewSet):
    serializer_class = InstalledProductSerializer
    queryset = InstalledProduct.objects.none()
    model = InstalledProduct
    filterset_fields = ["customer", "contract", "licence_number"]


class ContractFilter(OverdueFilterMixin):
    class Meta:
        model = Contract
        fields = ["state", "customer", "sales_manager", "service_level"]


class ContractViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ModelViewSet):
    queryset = Contract.objects.none()
    filterset_class = ContractFilter
    ordering_fields = ["number", "signed_on", "state"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    action_set = CONTRACT_ACTIONS

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ContractWriteSerializer
        return ContractSerializer

    def get_queryset(self):
        return (
            selectors.contracts_list(user=self.request.user)
            .prefetch_related("renewal_decisions")
            .order_by("-signed_on", "-id")
        )

    def perform_create(self, serializer):
        serializer.instance = contract_save_draft(
            by=self.request.user, data=dict(serializer.validated_data)
        )
        self._created = serializer.instance

    def perform_update(self, serializer):
        serializer.instance = contract_save_draft(
            by=self.request.user,
            data=dict(serializer.validated_data),
            contract=serializer.instance,
        )

    def create(self, request, *args, **kwargs):
        super().create(request, *args, **kwargs)
        obj = self.refetch(self._created)
        data = ContractSerializer(obj, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        obj = self.refetch(self.get_object())
        return Response(ContractSerializer(obj, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("service_type", str, required=True),
            OpenApiParameter("on", str, required=False, description="date or date-time"),
        ],
        responses=EntitlementOutput,
        summary="Entitlement of a request under this contract's customer",
    )
    @action(detail=True, methods=["get"], url_path="entitlement")
    def entitlement(self, request, pk=None):
        contract = self.get_object()
        query = EntitlementQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = entitlement_check(
            customer=contract.customer_id,
            service_type=query.validated_data["service_type"],
            on=query.validated_data.get("on"),
        )
        return Response(result.as_dict())

    @extend_schema(
        request={"multipart/form-data": DocumentUploadInput}, responses={201: DocumentSerializer}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="documents",
        parser_classes=[MultiPartParser],
        permission_classes=[ReadModelPermissions],
    )
    def documents(self, request, pk=None):
        contract = self.get_object()
        if not request.user.has_perm("contracts.add_contractdocument"):
            raise PermissionDenied()
        data = DocumentUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = contract_document_upload(
            contract=contract,
            kind=data.validated_data["kind"],
            file=data.validated_data["file"],
            by=request.user,
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>\d+)")
    def document_download(self, request, pk=None, document_id=None):
        contract = self.get_object()
        document = contract.documents.filter(pk=document_id).first()
        if document is None:
            raise NotFound()
        if not selectors.document_may_download(user=request.user, document=document):
            raise PermissionDenied()
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.file.name.rsplit("/", 1)[-1],
        )
