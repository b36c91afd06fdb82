"""factory_boy factories for every app. Models are validated (full_clean) before saving,
as the services do, so derived lookup columns and constraints hold in tests too."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from clients.models import Client, Contractor, LeadSource
from crm.core.models import Branch, Role, User
from crm.core.services import user_set_role
from investments.models import Investment, Unit
from leads.models import Lead, LeadStatus
from leads.services.board import board_entries_refresh


class ValidatedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.full_clean()
        obj.save()
        return obj


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Oddział {n}")
    city = "Poznań"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Jan{n}")
    last_name = "Kowalski"
    email = factory.LazyAttribute(lambda u: f"{u.username}@lejek.test")
    branch = factory.SubFactory(BranchFactory)
    role = Role.ADVISOR
    password = factory.PostGenerationMethodCall("set_password", "haslo-testowe-123")

    @factory.post_generation
    def with_role_group(obj, create, extracted, **kwargs):
        if create:
            user_set_role(user=obj, role=obj.role)


def source(slug: str = "www") -> LeadSource:
    """One of the sources seeded by the migration."""
    return LeadSource.objects.get(slug=slug)


def status(slug: str = "nowy") -> LeadStatus:
    """One of the statuses seeded by the migration."""
    return LeadStatus.objects.get(slug=slug)


class ClientFactory(ValidatedFactory):
    class Meta:
        model = Client

    first_name = "Elżbieta"
    last_name = factory.Sequence(lambda n: f"Nowak{n}")
    email = factory.Sequence(lambda n: f"klient{n}@example.pl")
    phone = ""
    branch = factory.SubFactory(BranchFactory)
    source = factory.LazyFunction(source)


class ContractorFactory(ValidatedFactory):
    class Meta:
        model = Contractor

    name = factory.Sequence(lambda n: f"Firma {n} sp. z o.o.")
    branch = factory.SubFactory(BranchFactory)


class InvestmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Investment

    name = factory.Sequence(lambda n: f"Osiedle {n}")
    code = factory.Sequence(lambda n: f"os-{n}")
    city = "Poznań"


class UnitFactory(ValidatedFactory):
    class Meta:
        model = Unit

    investment = factory.SubFactory(InvestmentFactory)
    number = factory.Sequence(lambda n: f"M{n}")
    rooms = 3
    area = Decimal("54.30")
    floor = 2
    list_price = Decimal("512000.00")


class LeadFactory(ValidatedFactory):
    class Meta:
        model = Lead
        skip_postgeneration_save = True

    name = "Zakup mieszkania"
    status = factory.LazyFunction(status)
    branch = factory.SubFactory(BranchFactory)
    source = factory.LazyFunction(source)
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda lead: lead.created_at)
    # As the services keep it for a new lead; the other report figures start empty (a test
    # that loads a life with factories rebuilds them: leads.services.figures).
    furthest_status_order = factory.LazyAttribute(lambda lead: lead.status.order)

    @factory.post_generation
    def employees(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.employees.set(extracted)
            board_entries_refresh(lead=obj)

    @factory.post_generation
    def clients(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.clients.set(extracted)


def win(lead: Lead, user: User, *, unit: Unit | None = None, **kwargs):
    """Win a lead the only way there is: a signed contract for a unit of its investments
    (a new investment's unit unless one is given). The lead needs a client."""
    from leads.services.sales import contract_create

    unit = unit or UnitFactory()
    lead.investments.add(unit.investment)
    kwargs.setdefault("kind", "developer")
    kwargs.setdefault("signed_at", timezone.localdate())
    kwargs.setdefault("price", Decimal("500000.00"))
    return contract_create(lead=lead, units=[unit], user=user, **kwargs)
