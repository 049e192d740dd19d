from django.conf import settings
from django.db.models import Q
from django_ratelimit.decorators import ratelimit
from ninja import Query, Router, Schema
from pydantic import Field, field_validator

from dure.api.schemas import ErrorOut, OrganisationOut, reject_nul
from dure.organisations.models import Organisation

router = Router(tags=["organisations"])


class OrganisationSearch(Schema):
    q: str = Field("", max_length=100, description="part of a name (Korean or English), acronym or ROR id")
    country: str | None = Field(None, min_length=2, max_length=2)
    kind: str | None = None
    limit: int = Field(20, ge=1, le=100)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value):
        return reject_nul(value)


@router.get("", response={200: list[OrganisationOut], 422: ErrorOut, 429: ErrorOut})
@ratelimit(key="user_or_ip", rate=lambda g, r: settings.DURE_RATE_SEARCH, block=True)
def search_organisations(request, filters: Query[OrganisationSearch]):
    qs = Organisation.objects.all()
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(name_en__icontains=q) | Q(name_ko__icontains=q) | Q(acronym__iexact=q) | Q(ror_id__endswith=q))
    if filters.country:
        qs = qs.filter(country_code=filters.country.upper())
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return list(qs.order_by("name_en")[: filters.limit])
