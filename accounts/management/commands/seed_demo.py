"""Seed a demo company, its owner, an operator and an API key; print how to sign in.

Idempotent: a second run reuses what exists and prints the stored credentials again.
Other apps add sample data through an optional `<app>.demo.seed(company)` function.
"""

import importlib
import json
import re
import secrets
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accounts import services
from accounts.keys import api_key_hash
from accounts.models import ApiKey, Company, Membership
from accounts.scopes import ALL_SCOPES

DEMO_SLUG = "demo"


def credentials_file() -> Path:
    """Return where this database's demo credentials are kept: one file per database.

    The embedded SQLite file keeps the documented `var/demo_credentials.json`; any other
    database gets `var/demo_credentials-<engine>-<host>-<port>-<name>.json`, so a PostgreSQL
    run never hands its credentials to an embedded run (or the other way round).
    """
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3") and Path(str(db["NAME"])) == settings.VAR_DIR / "hub.sqlite3":
        return settings.VAR_DIR / "demo_credentials.json"
    parts = [connection.vendor, str(db.get("HOST") or "local"), str(db.get("PORT") or ""), str(db["NAME"])]
    tag = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(p for p in parts if p)).strip("_-")
    return settings.VAR_DIR / f"demo_credentials-{tag}.json"


def _key_works(creds: dict) -> bool:
    """Return whether the stored demo key exists, unrevoked, in this database."""
    raw = creds.get("apiKey") or ""
    return ApiKey.objects.filter(hashed_key=api_key_hash(raw), status=ApiKey.Status.ACTIVE).exists() if raw else False


class Command(BaseCommand):
    help = "Create demo data (company, owner, operator, API key, sample records) and print credentials."

    def handle(self, *args, **options) -> None:
        creds_file = credentials_file()
        creds = json.loads(creds_file.read_text()) if creds_file.exists() else {}
        User = get_user_model()
        with transaction.atomic():
            company, created = Company.objects.get_or_create(slug=DEMO_SLUG, defaults={"name": "Demo Commerce"})
            if created or not creds or not _key_works(creds):
                owner_password = secrets.token_urlsafe(12)
                admin_password = secrets.token_urlsafe(12)
                owner, _ = User.objects.get_or_create(
                    username="owner@demo.example", defaults={"email": "owner@demo.example"}
                )
                owner.set_password(owner_password)
                owner.save()
                Membership.objects.get_or_create(user=owner, company=company, defaults={"role": Membership.Role.OWNER})
                operator, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@demo.example"})
                operator.is_staff = operator.is_superuser = True
                operator.set_password(admin_password)
                operator.save()
                _, raw_key = services.api_key_create(
                    company=company, name="Demo partner key", scopes=list(ALL_SCOPES), rate_limit=1000, created_by=owner
                )
                creds = {
                    "company": company.slug,
                    "owner": {"username": owner.username, "password": owner_password},
                    "operator": {"username": operator.username, "password": admin_password},
                    "apiKey": raw_key,
                }
                creds_file.write_text(json.dumps(creds, indent=2))
                creds_file.chmod(0o600)
            modules = []
            for config in apps.get_app_configs():
                try:
                    modules.append(importlib.import_module(f"{config.name}.demo"))
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
            # A module with SEED_LAST (the webhook endpoint) runs after the others, so the demo
            # history it would otherwise subscribe to is not delivered as a backlog.
            for module in sorted(modules, key=lambda m: bool(getattr(m, "SEED_LAST", False))):
                module.seed(company)
        self.stdout.write(json.dumps({**creds, "file": str(creds_file)}))
