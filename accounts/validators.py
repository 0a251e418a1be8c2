"""A longer minimum password length for administrators (staff, superusers, the Administrator role)."""

from django.core.exceptions import ValidationError

from .policy import is_administrator


class AdministratorMinimumLengthValidator:
    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def validate(self, password, user=None):
        if user is None or len(password) >= self.min_length:
            return
        # A user not saved yet has no groups: staff and superuser flags are all we can know.
        if user.is_staff or user.is_superuser or (user.pk is not None and is_administrator(user)):
            raise ValidationError(
                f"An administrator's password must contain at least {self.min_length} characters.",
                code="password_too_short",
            )

    def get_help_text(self):
        return f"Administrators' passwords must contain at least {self.min_length} characters."
