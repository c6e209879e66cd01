"""A partner's SDK: `openapi-python-client` builds a client from the live /api/schema/ with no warning, and it works."""

import importlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import requests

from tests.e2e.demo import Demo, running_demo
from tests.e2e.live import ROOT

pytestmark = pytest.mark.e2e

VENV_BIN = ROOT / ".venv" / "bin"
PACKAGE = "hub_generated_client"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("client")) as running:
        yield running


@pytest.fixture(scope="module")
def generated(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ModuleType]]:
    """(the generator's output, the imported client package) built from the running hub's schema."""
    where = tmp_path_factory.mktemp("sdk")
    schema = requests.get(f"{demo.base}/api/schema/", params={"format": "json"}, timeout=30)
    assert schema.status_code == 200
    (where / "schema.json").write_text(schema.text)
    # the generator's post-hook runs `ruff format`: ruff (requirements-dev.txt) must be on PATH, or it warns
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(
        [VENV_BIN / "openapi-python-client", "generate", "--path", "schema.json", "--meta", "none"]
        + ["--output-path", PACKAGE],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    sys.path.insert(0, str(where))
    try:
        yield output, importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _client(demo: Demo, package: ModuleType) -> object:
    return package.AuthenticatedClient(base_url=demo.base, token=demo.api_key, prefix="", auth_header_name="X-API-Key")


def test_the_generator_builds_the_client_without_a_warning(generated: tuple[str, ModuleType]):
    output, package = generated
    assert "Warning" not in output and "Skipping" not in output, output
    # list operations are named as lists, and component schemas carry their own descriptions
    api = Path(package.__file__).parent / "api"
    assert (api / "logs" / "v1_logs_list.py").exists() and (
        api / "webhooks" / "v1_webhooks_deliveries_list.py"
    ).exists()
    assert not list(api.glob("*/v1_logs_retrieve.py"))
    models = Path(package.__file__).parent / "models"
    assert not [m.name for m in models.glob("*.py") if "The project's ModelSerializer" in m.read_text()]


def test_the_generated_client_lists_creates_gets_and_reads_an_error(demo: Demo, generated: tuple[str, ModuleType]):
    _, package = generated
    client = _client(demo, package)
    orders_list = importlib.import_module(f"{PACKAGE}.api.orders.v1_orders_list")
    orders_create = importlib.import_module(f"{PACKAGE}.api.orders.v1_orders_create")
    orders_get = importlib.import_module(f"{PACKAGE}.api.orders.v1_orders_retrieve")
    providers_list = importlib.import_module(f"{PACKAGE}.api.integrations.v1_integrations_providers_list")
    models = importlib.import_module(f"{PACKAGE}.models")

    # a list: the demo's orders, typed
    listed = orders_list.sync_detailed(client=client, limit=5)
    assert listed.status_code == 200 and isinstance(listed.parsed, models.PaginatedOrderList)
    assert listed.parsed.pagination.total >= 1 and len(listed.parsed.orders) <= 5
    providers = providers_list.sync(client=client)
    assert "sandbox" in [p.key for p in providers.providers]

    # a create: the order example of docs/orders.md, through the client's models
    body = models.OrderCreateRequest.from_dict(
        {
            "provider": "ubereats",
            "externalOrderId": f"UE-{uuid.uuid4().hex[:8]}",
            "branchId": "branch-123",
            "orderType": "delivery",
            "items": [{"sku": "BRG-CLS", "quantity": 2, "modifiers": ["extra-cheese"]}],
            "customerName": "John Doe",
            "customerPhone": "+971501234567",
            "deliveryAddress": "123 Main St, Dubai",
            "currency": "AED",
            "deliveryFee": "7.00",
            "tax": "0.00",
            "discount": "0.00",
            "tip": "0.00",
        }
    )
    created = orders_create.sync_detailed(client=client, body=body, idempotency_key=uuid.uuid4().hex)
    assert created.status_code == 201, created.content
    order = created.parsed
    assert isinstance(order, models.Order) and order.total == "71.00" and order.status.value == "pending"

    # a get: the same order back
    got = orders_get.sync(client=client, id=order.id)
    assert isinstance(got, models.Order) and got.id == order.id and got.items[0].sku == "BRG-CLS"

    # an error: the envelope, parsed into the client's Error model
    refused = orders_create.sync_detailed(
        client=client,
        body=models.OrderCreateRequest.from_dict(
            {"branchId": "b-1", "orderType": "pickup", "items": [{"productId": 999999, "quantity": 1}]}
        ),
    )
    assert refused.status_code == 400
    assert isinstance(refused.parsed, models.Error) and refused.parsed.status_code == 400
    assert refused.parsed.error and refused.parsed.message
