"""Operators' admin: every screen opens, keys are shown once, and hashes never."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


def test_every_admin_changelist_and_add_page_opens(staff_client, company):
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        response = staff_client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        assert response.status_code == 200, info
        if model_admin.has_add_permission(response.wsgi_request):
            assert staff_client.get(reverse(f"admin:{info[0]}_{info[1]}_add")).status_code == 200, info


def test_creating_a_key_in_the_admin_shows_it_once_and_never_the_hash(staff_client, company):
    # when an operator creates a key
    response = staff_client.post(
        reverse("admin:accounts_apikey_add"),
        {"company": company.pk, "name": "POS", "scopes": ["orders:read"], "rate_limit": 100},
        follow=True,
    )
    # then the success message carries the full key once
    assert response.status_code == 200
    api_key = ApiKey.objects.get(name="POS")
    page = response.content.decode()
    assert "ihk_" in page and "copy it now" in page
    # and its change page never shows the hash or the key
    change = staff_client.get(reverse("admin:accounts_apikey_change", args=[api_key.pk])).content.decode()
    assert api_key.hashed_key not in change
    assert "copy it now" not in change


def test_the_revoke_action_revokes(staff_client, company, make_key, api):
    headers = make_key(company)
    api_key = ApiKey.objects.get()
    staff_client.post(
        reverse("admin:accounts_apikey_changelist"),
        {"action": "revoke_keys", "_selected_action": [api_key.pk]},
    )
    assert api.get("/api/v1/auth/me/", **headers).status_code == 401
