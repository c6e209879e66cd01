"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from rest_framework.routers import SimpleRouter

from orders.views import OrderViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("orders", OrderViewSet, basename="orders")

urlpatterns = router.urls
