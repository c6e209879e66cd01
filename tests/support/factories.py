"""One factory_boy factory per model. Rows with a creating service (encrypted config, hashed keys,
signing secrets) are made through that service, so a factory row is one the application could make.

Use `XFactory(company=company, ...)`; the fixtures in tests/conftest.py wrap the common ones.
"""

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts import services as account_services
from accounts.models import ApiKey, ApiKeyUsage, Company, Membership, RateLimitBucket
from accounts.scopes import ALL_SCOPES
from integrations import services as integration_services
from integrations.models import InboundEvent, Integration
from logs.models import ApiRequestLog, IntegrationLog, RetentionRun
from messaging.models import Message, MessageAttempt, MessageTemplate, MessagingRoute
from orders import services as order_services
from orders.models import Customer, Order, OrderEvent, OrderItem, Product
from payments.models import Payment, Refund
from sync.models import SyncLink, SyncRun, SyncSchedule
from tests.support.providers import sendgrid_config, shopify_config, twilio_config, woocommerce_config
from webhooks import services as webhook_services
from webhooks.models import Attempt, Delivery, Endpoint, Event

PASSWORD = "s3cret-pass!"
# A valid configuration per provider the factories default to (tests pass their own stand-in's URL).
PROVIDER_CONFIGS: dict[str, dict[str, Any]] = {
    "generic": {"baseUrl": "https://partner.example.com"},
    "woocommerce": woocommerce_config("https://shop.example.com"),
    "shopify": shopify_config("https://shop.myshopify.com"),
    "twilio": twilio_config("https://api.twilio.com"),
    "sendgrid": sendgrid_config("https://api.sendgrid.com"),
}


# --- accounts ------------------------------------------------------------------------------


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Company:
        return account_services.company_create(**kwargs)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.LazyAttribute(lambda user: user.username)
    password = PASSWORD

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        return model_class.objects.create_user(*args, **kwargs)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Membership.Role.OWNER


class ApiKeyFactory(DjangoModelFactory):
    """An API key made by the service; the raw key (shown once) is on `.raw` of the returned row."""

    class Meta:
        model = ApiKey

    company = factory.SubFactory(CompanyFactory)
    name = "test key"
    scopes = factory.LazyFunction(lambda: list(ALL_SCOPES))
    rate_limit = 1000

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> ApiKey:
        key, raw = account_services.api_key_create(**kwargs)
        key.raw = raw
        return key


class ApiKeyUsageFactory(DjangoModelFactory):
    class Meta:
        model = ApiKeyUsage

    api_key = factory.SubFactory(ApiKeyFactory)
    day = factory.LazyFunction(lambda: timezone.now().date())
    endpoint = "GET /api/v1/orders"
    status_class = 2


class RateLimitBucketFactory(DjangoModelFactory):
    class Meta:
        model = RateLimitBucket

    key = factory.Sequence(lambda n: f"bucket:{n}")
    window = factory.LazyFunction(lambda: int(timezone.now().timestamp()) // 60)


# --- integrations --------------------------------------------------------------------------


class IntegrationFactory(DjangoModelFactory):
    """An integration made by the service (config validated and encrypted as in production)."""

    class Meta:
        model = Integration

    company = factory.SubFactory(CompanyFactory)
    provider = "generic"
    name = factory.LazyAttributeSequence(lambda o, n: f"{o.provider} integration {n}")
    config = factory.LazyAttribute(lambda o: dict(PROVIDER_CONFIGS[o.provider]))
    status = Integration.Status.ACTIVE

    @classmethod
    def _create(cls, model_class: type, *args: Any, company: Company, **kwargs: Any) -> Integration:
        return integration_services.integration_create(company_id=company.id, **kwargs)


class InboundEventFactory(DjangoModelFactory):
    class Meta:
        model = InboundEvent

    integration = factory.SubFactory(IntegrationFactory)
    company = factory.SelfAttribute("integration.company")
    provider = factory.SelfAttribute("integration.provider")
    topic = "order.completed"
    provider_event_id = factory.Sequence(lambda n: f"evt_{n}")
    raw_body = b"{}"
    received_at = factory.LazyFunction(timezone.now)


# --- logs ------------------------------------------------------------------------------------


class IntegrationLogFactory(DjangoModelFactory):
    class Meta:
        model = IntegrationLog

    company = factory.SubFactory(CompanyFactory)
    integration_type = "woocommerce"
    operation = "export"
    status = "success"


class ApiRequestLogFactory(DjangoModelFactory):
    class Meta:
        model = ApiRequestLog

    request_id = factory.Sequence(lambda n: f"req-{n}")
    method = "GET"
    path = "/api/v1/logs"
    status_code = 200
    duration_ms = 1.5


class RetentionRunFactory(DjangoModelFactory):
    class Meta:
        model = RetentionRun

    retention_days = 90
    cutoff = factory.LazyFunction(lambda: timezone.now() - timedelta(days=90))


# --- webhooks --------------------------------------------------------------------------------


class EndpointFactory(DjangoModelFactory):
    """A subscriber endpoint made by the service (its signing secret generated and encrypted)."""

    class Meta:
        model = Endpoint

    company = factory.SubFactory(CompanyFactory)
    name = "Subscriber"
    url = "https://subscriber.example.com/hook"
    events = factory.LazyFunction(lambda: ["order.*"])

    @classmethod
    def _create(cls, model_class: type, *args: Any, company: Company, **kwargs: Any) -> Endpoint:
        endpoint, _ = webhook_services.endpoint_create(company_id=company.id, **kwargs)
        return endpoint


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    company = factory.SubFactory(CompanyFactory)
    type = "order.created"
    data = factory.LazyFunction(lambda: {"orderId": str(uuid.uuid4())})


class DeliveryFactory(DjangoModelFactory):
    class Meta:
        model = Delivery

    endpoint = factory.SubFactory(EndpointFactory)
    company = factory.SelfAttribute("endpoint.company")
    event = factory.SubFactory(EventFactory, company=factory.SelfAttribute("..company"))
    event_type = factory.SelfAttribute("event.type")


class AttemptFactory(DjangoModelFactory):
    class Meta:
        model = Attempt

    delivery = factory.SubFactory(DeliveryFactory)
    number = factory.Sequence(lambda n: n + 1)


# --- orders ----------------------------------------------------------------------------------


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    company = factory.SubFactory(CompanyFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    name = "Classic burger"
    price = Decimal("32.00")

    @classmethod
    def _create(cls, model_class: type, *args: Any, company: Company, **kwargs: Any) -> Product:
        return order_services.product_upsert(company_id=company.id, **kwargs)


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    company = factory.SubFactory(CompanyFactory)
    phone = factory.Sequence(lambda n: f"+9715012{n:05d}")
    name = "John Doe"


class OrderFactory(DjangoModelFactory):
    """A pending order made by the service (items, totals, the created event), one soup by default."""

    class Meta:
        model = Order

    company = factory.SubFactory(CompanyFactory)
    order_type = "delivery"
    branch_id = "branch-1"
    provider = "talabat"
    external_order_id = factory.Sequence(lambda n: f"T-{n + 1}")
    currency = "AED"
    delivery_address = factory.LazyAttribute(lambda o: "1 Road" if o.order_type == "delivery" else "")
    items = factory.LazyFunction(
        lambda: [order_services.ItemInput(quantity=1, name="Soup", unit_price=Decimal("12.00"))]
    )

    @classmethod
    def _create(cls, model_class: type, *args: Any, company: Company, actor: str = "test", **kwargs: Any) -> Order:
        data = order_services.OrderInput(**kwargs)
        return order_services.order_create(company_id=company.id, data=data, actor=actor).order


class OrderItemFactory(DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    name = "Fries"
    quantity = 1
    unit_price = Decimal("9.50")
    line_total = factory.LazyAttribute(lambda item: item.unit_price * item.quantity)


class OrderEventFactory(DjangoModelFactory):
    class Meta:
        model = OrderEvent

    order = factory.SubFactory(OrderFactory)
    company = factory.SelfAttribute("order.company")
    kind = OrderEvent.Kind.UPDATED
    to_status = factory.SelfAttribute("order.status")
    actor = "test"


# --- sync ------------------------------------------------------------------------------------


class SyncRunFactory(DjangoModelFactory):
    class Meta:
        model = SyncRun

    integration = factory.SubFactory(IntegrationFactory, provider="woocommerce")
    company = factory.SelfAttribute("integration.company")
    provider = factory.SelfAttribute("integration.provider")
    sync_type = SyncRun.SyncType.PRODUCTS
    direction = SyncRun.Direction.PULL
    conflict_strategy = SyncRun.ConflictStrategy.TIMESTAMP
    batch_size = 50
    triggered_by = SyncRun.Trigger.USER


class SyncLinkFactory(DjangoModelFactory):
    class Meta:
        model = SyncLink

    integration = factory.SubFactory(IntegrationFactory, provider="woocommerce")
    company = factory.SelfAttribute("integration.company")
    kind = SyncLink.Kind.PRODUCT
    our_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    external_id = factory.Sequence(str)
    content_hash = "0" * 64


class SyncScheduleFactory(DjangoModelFactory):
    class Meta:
        model = SyncSchedule

    integration = factory.SubFactory(IntegrationFactory, provider="woocommerce")
    company = factory.SelfAttribute("integration.company")
    interval_minutes = 60


# --- payments --------------------------------------------------------------------------------


class PaymentFactory(DjangoModelFactory):
    """A payment row as a charge would have left it (for refunds, webhooks and lists)."""

    class Meta:
        model = Payment

    company = factory.SubFactory(CompanyFactory)
    gateway = "stripe"
    gateway_transaction_id = ""
    amount = Decimal("29.35")
    currency = "USD"
    status = Payment.Status.SUCCEEDED


class RefundFactory(DjangoModelFactory):
    class Meta:
        model = Refund

    payment = factory.SubFactory(PaymentFactory)
    company = factory.SelfAttribute("payment.company")
    amount = Decimal("10.00")
    currency = factory.SelfAttribute("payment.currency")


# --- messaging -------------------------------------------------------------------------------


class MessageTemplateFactory(DjangoModelFactory):
    class Meta:
        model = MessageTemplate

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"template-{n}")
    channel = "sms"


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    company = factory.SubFactory(CompanyFactory)
    channel = "sms"


class MessageAttemptFactory(DjangoModelFactory):
    class Meta:
        model = MessageAttempt

    message = factory.SubFactory(MessageFactory)
    provider = "twilio"
    outcome = "sent"
    attempted_at = factory.LazyFunction(timezone.now)


class MessagingRouteFactory(DjangoModelFactory):
    class Meta:
        model = MessagingRoute

    integration = factory.SubFactory(IntegrationFactory, provider="twilio")
    company = factory.SelfAttribute("integration.company")
    channel = "sms"
