"""Gateway adapters, one module per gateway, each with charge(values, request) and refund(values, request)."""

from types import ModuleType

from payments.gateways import authorizenet, paypal, razorpay, square, stripe

ADAPTERS: dict[str, ModuleType] = {
    "stripe": stripe,
    "paypal": paypal,
    "square": square,
    "authorizenet": authorizenet,
    "razorpay": razorpay,
}


def adapter(gateway: str) -> ModuleType:
    """Return the adapter module of a gateway (KeyError for an unknown one)."""
    return ADAPTERS[gateway]
