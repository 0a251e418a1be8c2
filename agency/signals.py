"""Keep the role groups in step with the permissions after every migrate."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def sync_roles_after_migrate(sender, **kwargs):
    # Each app's permissions are created by its own post_migrate, so resync after every app.
    from .roles import sync_roles

    sync_roles()
