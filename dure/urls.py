from django.contrib import admin
from django.urls import include, path

from dure.web.views import section_start

urlpatterns = [
    path("", include("dure.web.urls")),
    *[path(f"{section}/", section_start, {"section": section}, name=f"{section}-start")
      for section in ("partners", "review", "expertise", "selection", "outcomes")],
    path("programme/", include("dure.programmes.urls")),
    path("partners/", include("dure.partners.urls")),
    path("proposals/", include("dure.proposals.urls")),
    path("review/", include("dure.review.urls")),
    path("expertise/", include("dure.expertise.urls")),
    path("selection/", include("dure.selection.urls")),
    path("selection/", include("dure.selection.portfolio_urls")),
    path("testbeds/", include("dure.testbeds.urls")),
    path("agreements/", include("dure.agreements.urls")),
    path("outcomes/", include("dure.outcomes.urls")),
    path("audit/", include("dure.audit.urls")),
    path("public/", include("dure.portal.urls")),
    path("techmap/", include("dure.techmap.urls")),
    path("api/", include("dure.api.urls")),
    path("django-admin/", admin.site.urls),
]

handler404 = "dure.web.views.not_found"
handler403 = "dure.web.views.not_found"
