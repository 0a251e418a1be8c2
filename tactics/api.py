"""REST API of tactics: the configured tactics per crime type (analysts edit them), and counts of
the tactics officers reported, by crime type, district and shift."""

from datetime import date as Date

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from agency.models import CrimeType
from ingest.models import RiskLayer
from missions_site.access import RouteMatrix
from missions_site.query_params import DateRangeQuery, parse_query

from . import services
from .models import Tactic
from .selectors import tactic_counts


class TacticSerializer(serializers.ModelSerializer):
    crime_types = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=CrimeType.objects.all(),
        required=False,
        help_text="Crime type codes this tactic suits; empty = every mission.",
    )
    near_layer = serializers.SlugRelatedField(
        slug_field="name",
        queryset=RiskLayer.objects.all(),
        required=False,
        allow_null=True,
        help_text="Suggest only for boxes with a point of this risk layer within `near_metres`.",
    )
    recent_crime_type = serializers.SlugRelatedField(
        slug_field="code",
        queryset=CrimeType.objects.all(),
        required=False,
        allow_null=True,
        help_text="Suggest only for boxes with an incident of this type within `recent_days`.",
    )

    class Meta:
        model = Tactic
        fields = [
            "id",
            "name",
            "description",
            "crime_types",
            "enabled",
            "order",
            "near_layer",
            "near_metres",
            "recent_crime_type",
            "recent_days",
        ]

    def validate(self, attrs):
        tactic = Tactic(**{k: v for k, v in attrs.items() if k != "crime_types"})
        if self.instance is not None:  # a partial update keeps the other half of a condition
            for name in ("near_layer", "near_metres", "recent_crime_type", "recent_days"):
                if name not in attrs:
                    setattr(tactic, name, getattr(self.instance, name))
        try:
            tactic.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


@extend_schema_view(
    list=extend_schema(
        summary="Tactics",
        description="Patrol tactics an officer may be suggested, with the crime types each suits.",
    ),
    retrieve=extend_schema(
        summary="One tactic",
        description="Its name, description and the crime types it suits.",
    ),
    create=extend_schema(
        summary="Add a tactic",
        description="Analysts and administrators; audited.",
    ),
    update=extend_schema(
        summary="Replace a tactic",
        description="Analysts and administrators; audited.",
    ),
    partial_update=extend_schema(
        summary="Change a tactic",
        description="Analysts and administrators; audited.",
    ),
    destroy=extend_schema(
        summary="Remove a tactic",
        description="Analysts and administrators; audited.",
    ),
)
@extend_schema(tags=["tactics"])
class TacticViewSet(viewsets.ModelViewSet):
    queryset = Tactic.objects.prefetch_related("crime_types")
    serializer_class = TacticSerializer
    permission_classes = [RouteMatrix]

    # Writes go through tactics.services, which audits them.
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        crime_types = data.pop("crime_types", None)
        serializer.instance = services.save_tactic(
            tactic=Tactic(**data), actor=self.request.user, crime_types=crime_types
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        crime_types = data.pop("crime_types", None)
        for name, value in data.items():
            setattr(serializer.instance, name, value)
        services.save_tactic(
            tactic=serializer.instance, actor=self.request.user, crime_types=crime_types
        )

    def perform_destroy(self, instance):
        services.delete_tactic(tactic=instance, actor=self.request.user)


class TacticReport(APIView):
    @extend_schema(
        tags=["tactics"],
        summary="Tactics reported on missions, by crime type, district and shift",
        description=(
            "How often each tactic was reported on the missions of the dates `date_from`–`date_to`,"
            " counted three ways: by the mission's crime type, its district and its shift."
        ),
        parameters=[
            OpenApiParameter("date_from", Date, required=True),
            OpenApiParameter("date_to", Date, required=True),
        ],
        responses={200: dict},
    )
    def get(self, request):
        query = parse_query(DateRangeQuery, request)
        return Response(tactic_counts(date_from=query["date_from"], date_to=query["date_to"]))
