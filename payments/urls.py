"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from rest_framework.routers import SimpleRouter

from payments.views import PaymentViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only knows "/" or "": accept both spellings
router.register("payments", PaymentViewSet, basename="payments")

urlpatterns = router.urls
