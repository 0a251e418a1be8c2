"""factory_boy factories for the ingest tests."""

import factory
from django.contrib.auth import get_user_model

from agency.models import CrimeType
from ingest.models import Source


class CrimeTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrimeType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"type-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())
    offense_codes = factory.LazyFunction(list)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"source-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
