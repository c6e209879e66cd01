"""Signal receivers of accounts: a company's change reaches its API keys' cache at once."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Company
from accounts.services import company_api_keys_invalidate


@receiver(post_save, sender=Company)
def _company_saved(sender, instance: Company, created: bool, **kwargs) -> None:
    # The key cache holds company_active for up to KEY_CACHE_TTL_SECONDS: deactivation must
    # bite on the next request, like a revocation. Now, and again after commit (a request in
    # between could re-cache the old row).
    if created:
        return
    company_id = instance.pk
    company_api_keys_invalidate(company_id=company_id)
    transaction.on_commit(lambda: company_api_keys_invalidate(company_id=company_id))
