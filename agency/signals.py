"""Keep the role groups in step with the permissions after every migrate."""

from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def sync_roles_after_migrate(sender, **kwargs):
    # post_migrate comes once per app, each app creating its own permissions first: sync after the
    # last app's, when every permission exists (once, not once per app).
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not with_models[-1]:
        return
    from .roles import sync_roles

    sync_roles()
