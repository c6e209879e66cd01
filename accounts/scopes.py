"""API scopes and the scopes each membership role carries."""

ORDERS_READ = "orders:read"
ORDERS_WRITE = "orders:write"
WEBHOOKS_READ = "webhooks:read"
WEBHOOKS_MANAGE = "webhooks:manage"
LOGS_READ = "logs:read"
METRICS_READ = "metrics:read"
INTEGRATIONS_READ = "integrations:read"
INTEGRATIONS_MANAGE = "integrations:manage"
PAYMENTS_READ = "payments:read"
PAYMENTS_WRITE = "payments:write"
MESSAGES_SEND = "messages:send"
FILES_READ = "files:read"
FILES_WRITE = "files:write"
EVENTS_READ = "events:read"
EVENTS_WRITE = "events:write"

ALL_SCOPES: tuple[str, ...] = (
    ORDERS_READ,
    ORDERS_WRITE,
    WEBHOOKS_READ,
    WEBHOOKS_MANAGE,
    LOGS_READ,
    METRICS_READ,
    INTEGRATIONS_READ,
    INTEGRATIONS_MANAGE,
    PAYMENTS_READ,
    PAYMENTS_WRITE,
    MESSAGES_SEND,
    FILES_READ,
    FILES_WRITE,
    EVENTS_READ,
    EVENTS_WRITE,
)

SCOPE_DESCRIPTIONS: dict[str, str] = {
    ORDERS_READ: "Read orders and their events",
    ORDERS_WRITE: "Create orders and change their status",
    WEBHOOKS_READ: "Read webhook endpoints and deliveries",
    WEBHOOKS_MANAGE: "Register, change and test webhook endpoints",
    LOGS_READ: "Read integration, request and error logs",
    METRICS_READ: "Read metrics and monitoring data",
    INTEGRATIONS_READ: "Read integrations and their status",
    INTEGRATIONS_MANAGE: "Create, change and check integrations",
    PAYMENTS_READ: "Read payments and refunds",
    PAYMENTS_WRITE: "Create payments and refunds",
    MESSAGES_SEND: "Send email, SMS and chat messages",
    FILES_READ: "Read files and download them",
    FILES_WRITE: "Upload, change and delete files",
    EVENTS_READ: "Read events, event types, Kafka sinks and sources",
    EVENTS_WRITE: "Publish events; manage event types, Kafka sinks and sources",
}

ROLE_OWNER = "owner"
ROLE_ADMIN = "admin"
ROLE_MEMBER = "member"
ROLE_VIEWER = "viewer"

_READ_SCOPES = frozenset(s for s in ALL_SCOPES if s.endswith(":read"))

ROLE_SCOPES: dict[str, frozenset[str]] = {
    ROLE_OWNER: frozenset(ALL_SCOPES),
    ROLE_ADMIN: frozenset(ALL_SCOPES),
    ROLE_MEMBER: _READ_SCOPES | {ORDERS_WRITE, PAYMENTS_WRITE, MESSAGES_SEND, FILES_WRITE},
    ROLE_VIEWER: _READ_SCOPES,
}

MANAGER_ROLES = frozenset({ROLE_OWNER, ROLE_ADMIN})
