"""JWT sign-in, refresh and /me, with a company picked at sign-in."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_signs_in_and_reads_me(api, owner, company):
    # given a member of one company
    # when they sign in
    response = api.post("/api/v1/auth/token/", {"username": owner.username, "password": "s3cret-pass!"}, format="json")
    # then they get a token pair for that company
    assert response.status_code == 200
    body = response.json()
    assert body["company"]["slug"] == "acme" and body["role"] == "owner"
    me = api.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200
    assert me.json()["user"]["username"] == owner.username
    assert me.json()["company"]["id"] == str(company.pk)
    assert "orders:write" in me.json()["scopes"]


def test_refresh_gives_a_new_access_token_for_the_same_company(api, owner, company):
    pair = api.post(
        "/api/v1/auth/token/", {"username": owner.username, "password": "s3cret-pass!"}, format="json"
    ).json()
    response = api.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 200
    me = api.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.json()["company"]["id"] == str(company.pk)


def test_a_user_in_several_companies_must_pick_one(api, make_user, company, other_company):
    user = make_user("multi@example.com", company, "viewer")
    from accounts.models import Membership

    Membership.objects.create(user=user, company=other_company, role="admin")
    response = api.post("/api/v1/auth/token/", {"username": user.username, "password": "s3cret-pass!"}, format="json")
    assert response.status_code == 400
    assert "acme" in response.json()["details"]["company"][0]
    picked = api.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": "s3cret-pass!", "company": "other"},
        format="json",
    )
    assert picked.status_code == 200
    assert picked.json()["role"] == "admin"


def test_wrong_password_answers_401_in_the_envelope(api, owner):
    response = api.post("/api/v1/auth/token/", {"username": owner.username, "password": "nope"}, format="json")
    assert response.status_code == 401
    body = response.json()
    assert body["statusCode"] == 401 and body["error"] == "Unauthorized" and body["message"]


def test_a_garbage_bearer_token_answers_401(api):
    response = api.get("/api/v1/auth/me/", HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert response.status_code == 401
    assert response.json()["message"] == "The access token is invalid or expired."


def test_a_removed_membership_stops_the_token_at_once(api, owner, company, owner_headers):
    from accounts.models import Membership

    Membership.objects.filter(user=owner).delete()
    response = api.get("/api/v1/auth/me/", **owner_headers)
    assert response.status_code == 401


def test_no_credentials_answers_401(api):
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["message"]


def test_sign_in_attempts_are_limited_per_client(api, owner, settings):
    settings.AUTH_RATE_LIMIT = "3/min"
    body = {"username": owner.username, "password": "wrong"}
    codes = [api.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
