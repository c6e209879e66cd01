"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from rest_framework.routers import SimpleRouter

from orders.views import CustomerViewSet, OrderViewSet, ProductViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only knows "/" or "": accept both spellings
router.register("orders", OrderViewSet, basename="orders")
router.register("products", ProductViewSet, basename="products")
router.register("customers", CustomerViewSet, basename="customers")

urlpatterns = router.urls
