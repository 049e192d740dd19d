"""Writes to accounts: API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from dure.accounts.errors import ActionError
from dure.accounts.models import ApiToken, User
from dure.audit.actions import record


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def do_create_api_token(user: User, name: str) -> str:
    """Create a token and return it; it is never shown again."""
    if not name.strip():
        raise ActionError({"name": ["Give the token a name, e.g. the script that uses it."]})
    raw = "dure_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=raw[5:13], key_hash=hash_token(raw))
        record(user, "api_token.created", token, name=token.name)
    return raw


def user_for_token(raw: str) -> User | None:
    if not raw.startswith("dure_"):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw), revoked=False).first()
    if token is None or not token.user.is_active:
        return None
    return token.user
