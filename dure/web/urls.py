from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path
from django_ratelimit.decorators import ratelimit

from dure.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        ratelimit(key="ip", rate=lambda g, r: settings.DURE_RATE_LOGIN, method="POST", block=True)(
            ratelimit(key="post:username", rate=lambda g, r: settings.DURE_RATE_LOGIN, method="POST", block=True)(
                auth_views.LoginView.as_view()
            )
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
