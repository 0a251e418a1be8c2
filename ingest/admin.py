from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from leaflet.admin import LeafletGeoAdmin

from . import services
from .models import (
    CalendarEvent,
    FeedCredential,
    ImportRun,
    Incident,
    RejectedRow,
    RiskLayer,
    RiskLayerPoint,
    Source,
)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "preset", "format", "timezone", "srid", "watch_folder")
    list_filter = ("kind", "preset")


@admin.register(Incident)
class IncidentAdmin(LeafletGeoAdmin):
    list_display = ("external_id", "source", "crime_type", "occurred_from", "officer_initiated")
    list_filter = ("source", "crime_type", "officer_initiated")
    list_select_related = ("source", "crime_type")
    search_fields = ("external_id", "raw_code")
    date_hierarchy = "occurred_from"


@admin.register(RiskLayer)
class RiskLayerAdmin(admin.ModelAdmin):
    list_display = ("name", "description")


@admin.register(RiskLayerPoint)
class RiskLayerPointAdmin(LeafletGeoAdmin):
    list_display = ("name", "layer")
    list_filter = ("layer",)
    list_select_related = ("layer",)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "source",
        "via",
        "file_name",
        "status",
        "total_rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "unmapped",
        "job",
    )
    list_filter = ("job__status", "via", "source")
    list_select_related = ("source", "job")
    readonly_fields = [f.name for f in ImportRun._meta.fields]
    date_hierarchy = "job__created_at"


@admin.register(RejectedRow)
class RejectedRowAdmin(admin.ModelAdmin):
    list_display = ("run", "row_number", "external_id", "reason_code", "reason")
    list_filter = ("reason_code",)
    list_select_related = ("run", "run__source")
    readonly_fields = ("run", "row_number", "external_id", "reason_code", "reason", "raw")


@admin.register(CalendarEvent)
class CalendarEventAdmin(LeafletGeoAdmin):
    list_display = ("name", "calendar", "starts_at", "ends_at", "district", "expected_attendance")
    list_filter = ("calendar", "district")
    list_select_related = ("district",)
    date_hierarchy = "starts_at"


class FeedCredentialForm(forms.ModelForm):
    class Meta:
        model = FeedCredential
        fields = ["name", "sources", "expires_at"]

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise ValidationError("The expiry must be in the future.")
        return expires_at


@admin.register(FeedCredential)
class FeedCredentialAdmin(admin.ModelAdmin):
    """Issue, rotate and revoke feed credentials through ingest.services (audited there); the token
    is shown once, in the message after the step that made it."""

    form = FeedCredentialForm
    list_display = ("name", "user", "expires_at", "rotated_at", "revoked_at")
    list_filter = ("sources",)
    filter_horizontal = ("sources",)
    actions = ["rotate_tokens", "revoke"]

    def get_readonly_fields(self, request, obj=None):
        # Expiry changes with a new token (rotate), so that the token in use keeps the one it shows.
        return (
            ("name", "user", "expires_at", "created_at", "created_by", "rotated_at", "revoked_at")
            if obj
            else ()
        )

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: its pushes stay attributed

    def save_model(self, request, obj, form, change):
        sources = list(form.cleaned_data["sources"])
        if change:
            services.set_feed_sources(actor=request.user, credential=obj, sources=sources)
            return
        credential, token = services.issue_feed_credential(
            actor=request.user,
            name=form.cleaned_data["name"],
            sources=sources,
            expires_at=form.cleaned_data["expires_at"],
        )
        obj.pk, obj.user, obj.created_at = credential.pk, credential.user, credential.created_at
        self._show_token(request, credential, token)

    def save_related(self, request, form, formsets, change):
        pass  # the services above set the sources (and audit them)

    @admin.action(description="Rotate: issue a new token (the old one stops working now)")
    def rotate_tokens(self, request, queryset):
        for credential in queryset:
            try:
                token = services.rotate_feed_credential(actor=request.user, credential=credential)
            except services.FeedCredentialError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            self._show_token(request, credential, token)

    @admin.action(description="Revoke: the token stops working now, for good")
    def revoke(self, request, queryset):
        for credential in queryset:
            services.revoke_feed_credential(actor=request.user, credential=credential)
        self.message_user(
            request, f"{queryset.count()} feed credential(s) revoked.", messages.SUCCESS
        )

    def _show_token(self, request, credential, token):
        self.message_user(
            request,
            f"Token for {credential.name} (shown once; store it in the feed's configuration): {token}",
            messages.WARNING,
        )
