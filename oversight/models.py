"""What the agency publishes on its public transparency page: one row, edited in the admin."""

from django.db import models


class PublicationSettings(models.Model):
    """Per-section switches of /public/ and /public.json; everything is off until an administrator
    turns it on. Nothing finer than a district and a month is ever published."""

    crime_types = models.BooleanField(
        default=False, help_text="Crime types forecast, their weights and patrol efficacy."
    )
    data_sources = models.BooleanField(
        default=False, help_text="Data sources and the months they cover."
    )
    accuracy = models.BooleanField(
        default=False, help_text="Current models' back-test accuracy against counting baselines."
    )
    exposure = models.BooleanField(
        default=False, help_text="Patrol minutes and missions per district and month."
    )
    evaluation = models.BooleanField(
        default=False, help_text="Mission evaluation against control boxes, with intervals."
    )
    concentration = models.BooleanField(
        default=False, help_text="Concentration figures (Gini, top 1 %, streaks)."
    )
    model_cards = models.BooleanField(
        default=False, help_text="Model cards (Markdown) of the current models."
    )
    months = models.PositiveSmallIntegerField(
        default=6, help_text="How many recent months the figures cover."
    )
    introduction = models.TextField(
        blank=True, help_text="A paragraph from the agency shown at the top."
    )
    updated_at = models.DateTimeField(auto_now=True)

    SECTIONS = (
        "crime_types",
        "data_sources",
        "accuracy",
        "exposure",
        "evaluation",
        "concentration",
        "model_cards",
    )

    class Meta:
        verbose_name = "publication settings"
        verbose_name_plural = "publication settings"

    def __str__(self):
        published = [s.replace("_", " ") for s in self.SECTIONS if getattr(self, s)]
        return "Published: " + (", ".join(published) or "nothing")

    @classmethod
    def current(cls) -> "PublicationSettings":
        """The saved settings, or unsaved defaults (publish nothing): reading never writes."""
        return cls.objects.order_by("pk").first() or cls()

    def published(self) -> list[str]:
        return [s for s in self.SECTIONS if getattr(self, s)]
