"""python manage.py publish_sections — publish the default sections of /public/ (crime types, data
sources, accuracy, exposure, evaluation, concentration) unless an administrator already chose some."""

from django.core.management.base import BaseCommand

from oversight.public import publish_default_sections


class Command(BaseCommand):
    help = "Publish the default /public/ sections, unless some are published already."

    def handle(self, *args, **opts):
        published = publish_default_sections().published()
        self.stdout.write(self.style.SUCCESS(f"Published on /public/: {', '.join(published)}."))
