"""Forecasting API: the grid and a shift's forecast as compact rows (not 10,000 GeoJSON polygons),
model versions with their metrics, and 202 + job URL for training and forecasting requests."""

import datetime as dt

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agency.models import Shift
from agency.selectors import UnknownShift, current_or_next_shift_window, shift_named
from jobs.api import JobRunSerializer, accepted
from missions_site.access import RouteMatrix
from missions_site.query_params import QueryDateField

from . import selectors, training
from .models import ForecastRun, ModelVersion
from .selectors import grid_compact
from .tasks import enqueue_forecast, enqueue_training

FORECAST_RESPONSE = inline_serializer(
    "CompactForecast",
    {
        "run": serializers.IntegerField(),
        "date": serializers.DateField(),
        "shift": serializers.CharField(),
        "starts_at": serializers.DateTimeField(),
        "ends_at": serializers.DateTimeField(),
        "types": serializers.ListField(child=serializers.DictField()),
        "columns": serializers.ListField(child=serializers.CharField()),
        "count": serializers.IntegerField(),
        "cells": serializers.ListField(
            child=serializers.ListField(),
            help_text=(
                "[cell_id, south, west, north, east, [expected per type], harm, reasons_type, [reasons]]"
            ),
        ),
    },
)


FORECAST_NOT_FOUND = OpenApiResponse(
    description="No such shift, no shift configured, or no forecast yet."
)


class ForecastRequest(serializers.Serializer):
    date = QueryDateField(required=False)
    shift = serializers.CharField(required=False, max_length=100)


class TrainRequest(serializers.Serializer):
    crime_types = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=100
    )
    weeks = serializers.IntegerField(required=False, min_value=1, max_value=52)


class GridCells(APIView):
    @extend_schema(
        responses={200: dict},
        parameters=[OpenApiParameter("district", str, description="Only this district's cells")],
        summary="Active grid cells: [cell_id, district, beat, south, west, north, east]",
        description=(
            "The boxes missions and forecasts are drawn on, as compact rows (an array per cell, not"
            " an object, to keep a city's grid small): `cells` holds `[cell_id, district code, beat"
            " code, south, west, north, east, incidents]` with the box's WGS 84 bounds and the"
            " incidents counted in it over the last `incident_days`; `cell_size_m` is a box's side."
            " `district` keeps one district's cells. `cell_id` is what forecasts and missions name."
        ),
    )
    def get(self, request):
        return Response(grid_compact(district_code=request.query_params.get("district")))


class ShiftForecast(APIView):
    # The current (newest complete) forecast of a shift, or a request to forecast one.

    permission_classes = [RouteMatrix]

    @extend_schema(
        operation_id="forecast_current_retrieve",
        summary="Forecast of one shift as compact cell rows",
        description=(
            "Expected incidents per crime type in every cell, the preventable harm "
            "(Σ severity × efficacy × expected) and the top reasons. Without date/shift: the shift "
            "under way now, else the next one."
        ),
        parameters=[
            OpenApiParameter("date", dt.date, description="Local date the shift starts on"),
            OpenApiParameter("shift", str, description="Shift name or id"),
            OpenApiParameter(
                "crime_type",
                str,
                description="Reasons of this crime type (default: the type adding most harm per cell)",
            ),
        ],
        responses={200: FORECAST_RESPONSE, 404: FORECAST_NOT_FOUND},
    )
    def get(self, request):
        day, shift = _shift_from(request.query_params)
        run = selectors.current_run(date=day, shift=shift)
        if run is None:
            raise NotFound(f"No forecast yet for {day} {shift.name}.")
        return Response(
            selectors.forecast_compact(
                run=run, crime_type_code=request.query_params.get("crime_type")
            )
        )

    @extend_schema(
        summary="Queue a forecast of one shift",
        description=(
            "Start forecasting a shift in the background (by `date` and `shift` name or id; either"
            " left out means the shift under way now, else the next one). Answers 202 with the job"
            " and its URL in `Location`: poll it; once it has succeeded its `result` names the"
            " `forecast_run`, then read it with `GET /api/v1/forecasts/` or"
            " `/api/v1/forecasts/{id}/`. 404 for an unknown shift. Forecasts of due shifts are also"
            " made on a schedule: this is for a re-run after new data or a new model."
        ),
        request=ForecastRequest,
        responses={202: JobRunSerializer, 404: FORECAST_NOT_FOUND},
    )
    def post(self, request):
        body = ForecastRequest(data=request.data)
        body.is_valid(raise_exception=True)
        day, shift = _shift_from(body.validated_data)
        job = enqueue_forecast(date=day, shift=shift, user=request.user)
        return accepted(job, request=request)


class ForecastRunDetail(APIView):
    permission_classes = [RouteMatrix]

    @extend_schema(
        operation_id="forecast_run_retrieve",
        summary="One forecast run (current or past) as compact cell rows",
        description=(
            "A forecast run by its id (a job's `forecast_run`, or an older run kept for"
            " comparison), in the same shape as the current forecast: expected incidents per crime"
            " type in every cell, the preventable harm and the top reasons. 404 for a run that does"
            " not exist or has not completed."
        ),
        parameters=[OpenApiParameter("crime_type", str, description="Reasons of this crime type")],
        responses={200: FORECAST_RESPONSE},
    )
    def get(self, request, pk):
        run = get_object_or_404(ForecastRun.objects.select_related("shift"), pk=pk, complete=True)
        return Response(
            selectors.forecast_compact(
                run=run, crime_type_code=request.query_params.get("crime_type")
            )
        )


class ModelVersionSerializer(serializers.ModelSerializer):
    crime_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    pai = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "crime_type",
            "algorithm",
            "created_at",
            "data_start",
            "data_end",
            "seed",
            "promoted",
            "promoted_at",
            "file_hash",
            "pai",
        ]

    def get_pai(self, obj) -> dict:
        """PAI of this version's algorithm in its back-test, by share of cells."""
        return obj.metrics.get("models", {}).get(obj.algorithm, {}).get("pai", {})


class ModelVersionDetailSerializer(ModelVersionSerializer):
    class Meta(ModelVersionSerializer.Meta):
        fields = ModelVersionSerializer.Meta.fields + [
            "features",
            "parameters",
            "metrics",
            "model_card",
            "promotion_report",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="Trained model versions, newest first",
        description="The promoted version of each crime type forecasts; each has its back-test metrics.",
    ),
    retrieve=extend_schema(
        summary="One model version with its model card",
        description="Parameters, features and back-test metrics of the version.",
    ),
)
@extend_schema(
    parameters=[OpenApiParameter("crime_type", str, description="Only this crime type (code)")]
)
class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    # Trained model versions, newest first; the promoted one per crime type forecasts.

    queryset = ModelVersion.objects.all()
    permission_classes = [RouteMatrix]

    def get_queryset(self):
        qs = ModelVersion.objects.select_related("crime_type").order_by("-created_at", "-pk")
        code = self.request.query_params.get("crime_type")
        return qs.filter(crime_type__code=code) if code else qs

    def get_serializer_class(self):
        return ModelVersionDetailSerializer if self.action == "retrieve" else ModelVersionSerializer

    @extend_schema(
        summary="Queue training (one job per crime type under a parent job)",
        description=(
            "Retrain the forecasting models in the background: for each crime type asked for (codes"
            " or names; all enabled types when left out) the candidate models are back-tested over"
            " the last `weeks` weeks (the agency's default when left out) and the winner is"
            " promoted. Answers 202 with the parent job; its `result.model_versions` lists the"
            " promoted versions once every type is done. 400 names a crime type that is unknown or"
            " disabled. A nightly retrain runs anyway: this is for after a large import."
        ),
        request=TrainRequest,
        responses={202: JobRunSerializer},
    )
    @action(detail=False, methods=["post"])
    def train(self, request):
        body = TrainRequest(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            job = enqueue_training(
                crime_types=body.validated_data.get("crime_types") or None,
                weeks=body.validated_data.get("weeks"),
                user=request.user,
            )
        except training.TrainingError as exc:
            raise ValidationError({"crime_types": str(exc)}) from exc
        return accepted(job, request=request)


def _shift_from(params) -> tuple[dt.date, Shift]:
    """(date, shift) from the request; either missing one defaults to the shift under way or next."""
    day, shift = None, None
    if params.get("shift"):
        try:
            shift = shift_named(params["shift"])
        except UnknownShift as exc:
            raise NotFound(str(exc)) from exc
    if params.get("date"):
        field = QueryDateField()
        try:
            day = field.run_validation(str(params["date"]))
        except ValidationError as exc:
            raise ValidationError({"date": exc.detail}) from exc
    if day is None or shift is None:
        window = current_or_next_shift_window()
        if window is None:
            raise NotFound("No shifts are configured.")
        day, shift = day or window.date, shift or window.shift
    return day, shift
