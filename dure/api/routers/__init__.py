"""One router per domain, mounted on the API."""

from dure.api.api import api
from dure.api.routers import organisations, programme, proposals, public

api.add_router("/programme", programme.router)
api.add_router("/organisations", organisations.router)
api.add_router("/proposals", proposals.router)
api.add_router("/public", public.router)
