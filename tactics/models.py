"""Tactic: a patrol action an officer can take in a mission box, suited to some crime types."""

from django.db import models


class Tactic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    crime_types = models.ManyToManyField("agency.CrimeType", related_name="tactics", blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
