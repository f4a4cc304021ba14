"""Test data builders. Reference data comes from the shipped files (loaded by the `reference` fixture)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from harbour.access.models import Allocation, NetworkRole
from harbour.accounts.models import Agency, AgencyType, Membership, Role, Team, User
from harbour.people.models import Address, Person

TEST_PASSWORD = "correct horse battery staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    agency_type = factory.LazyFunction(lambda: AgencyType.objects.get(code="childrens-services"))


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("agency", "name")

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.replace("-", " ").title())
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


def enrol_totp(user: User) -> str:
    """Give the user a TOTP authenticator; returns the secret so a test can make codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def make_user(
    username: str, *, role: str, team: Team, mfa: bool = True, starts_on: dt.date | None = None
) -> User:
    user = UserFactory(username=username)
    Membership.objects.create(
        user=user,
        team=team,
        role=Role.objects.get(code=role),
        starts_on=starts_on or dt.date(2020, 1, 1),
    )
    if mfa:
        enrol_totp(user)
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Iterator(["Jade", "Tyler", "Kayden", "Amelia", "Riley", "Leon"])
    last_name = factory.Iterator(["Bishop", "Murray", "Okafor", "Nowak", "Greenwood", "Ashby"])
    date_of_birth = dt.date(2011, 4, 2)
    nhs_number = ""


def add_address(person: Person, line1: str = "12 Magdalen Street", postcode: str = "NR3 1JE") -> Address:
    return Address.objects.create(
        person=person, line1=line1, postcode=postcode, starts_on=dt.date(2020, 1, 1)
    )


def allocate(
    person: Person,
    *,
    worker: User | None = None,
    team: Team | None = None,
    agency: Agency | None = None,
    role: str = "lead-professional",
) -> Allocation:
    if agency is None:
        agency = team.agency if team else worker.primary_membership().team.agency  # type: ignore[union-attr]
    return Allocation.objects.create(
        person=person,
        agency=agency,
        team=team,
        worker=worker,
        network_role=NetworkRole.objects.get(code=role),
        starts_on=dt.date(2024, 1, 1),
    )
