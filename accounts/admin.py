"""Administrator controls: unlock accounts (user list action, or deleting django-axes attempts),
revoke API tokens, set a temporary account's expiry. Each goes through accounts.services (audited)."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from knox.admin import AuthTokenAdmin
from knox.models import AuthToken

from . import services
from .models import AccountExpiry

User = get_user_model()


class AccountExpiryInline(admin.StackedInline):
    model = AccountExpiry
    can_delete = True
    extra = 0
    max_num = 1


admin.site.unregister(User)


@admin.register(User)
class AccountUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, AccountExpiryInline]
    actions = ["unlock_sign_in", "revoke_api_tokens"]

    @admin.action(
        description="Unlock sign-in (after too many failed attempts)", permissions=["change"]
    )
    def unlock_sign_in(self, request, queryset):
        removed = sum(
            services.unlock(request=request, actor=request.user, username=user.get_username())
            for user in queryset
        )
        self.message_user(
            request,
            f"{queryset.count()} account(s) unlocked ({removed} failure record(s) removed).",
            messages.SUCCESS,
        )

    @admin.action(description="Revoke all API tokens", permissions=["change"])
    def revoke_api_tokens(self, request, queryset):
        count = services.revoke_api_tokens(
            tokens=AuthToken.objects.filter(user__in=queryset).select_related("user"),
            actor=request.user,
            request=request,
            reason_code="revoked_by_administrator",
        )
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    """Deleting a failure record lifts its lock: audited as an unlock."""

    audited_by_service = True  # accounts.services.unlock records it (audit.admin)

    def delete_model(self, request, obj):
        services.unlock(
            request=request,
            actor=request.user,
            username=obj.username,
            ip_addresses=[obj.ip_address] if obj.ip_address else [],
        )

    def delete_queryset(self, request, queryset):
        for attempt in queryset:
            self.delete_model(request, attempt)


admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuditedAuthTokenAdmin(AuthTokenAdmin):
    audited_by_service = True  # accounts.services records the revocation, never the digest
    list_display = ("token_key", "user", "created", "expiry")

    def has_add_permission(self, request):
        return False  # tokens are made by their user (token endpoint, My tokens), with the second factor

    def delete_model(self, request, obj):
        services.revoke_api_tokens(
            tokens=[obj],
            actor=request.user,
            request=request,
            reason_code="revoked_by_administrator",
        )

    def delete_queryset(self, request, queryset):
        services.revoke_api_tokens(
            tokens=queryset.select_related("user"),
            actor=request.user,
            request=request,
            reason_code="revoked_by_administrator",
        )
