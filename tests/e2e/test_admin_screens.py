"""Admin screens in a real browser (Debian's chromium, driven by Playwright): what an operator sees, kept as PNGs.

Screenshots are written to var/screenshots/ (CI keeps them as artifacts). scripts/install_browser.sh
installs chromium; without it these tests skip, naming the script.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.demo import Demo, running_demo
from tests.e2e.live import ROOT, free_port

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "var" / "screenshots"
# Headless with no sandbox (CI runs as root), no GPU, and none of the browser's own network calls.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed: run scripts/install_browser.sh (as .ci/run does)")
    with running_demo(tmp_path_factory.mktemp("admin")) as running:
        yield running


@pytest.fixture(scope="module")
def page(demo: Demo) -> Iterator[object]:
    """A browser page logged in to the admin as the demo operator."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.set_default_timeout(30_000)
            page.goto(f"{demo.base}/admin/login/")
            page.fill("#id_username", demo.operator[0])
            page.fill("#id_password", demo.operator[1])
            page.click("input[type=submit]")
            page.wait_for_url(f"{demo.base}/admin/")
            yield page
        finally:
            browser.close()


def test_the_admin_index_lists_the_hubs_areas(demo: Demo, page):
    page.goto(f"{demo.base}/admin/")
    page.screenshot(path=str(SHOTS / "admin-index.png"), full_page=True)
    content = page.locator("#content-main")
    for text in ("Integrations", "Deliveries", "Webhook endpoints", "Payments", "Messages", "Orders"):
        assert content.get_by_text(text, exact=True).count() >= 1, text
    # logged in as the operator the banner printed
    assert demo.operator[0] in (page.locator("#user-tools strong").text_content() or "")


def test_the_failing_delivery_list_shows_the_failed_delivery_and_its_error(demo: Demo, page):
    # given an endpoint whose receiver refuses connections, and a test event sent to it (no retries)
    closed = f"http://127.0.0.1:{free_port()}/hooks"
    endpoint = requests.post(
        f"{demo.base}/api/v1/webhooks",
        json={"name": "Unreachable receiver", "url": closed, "events": ["order.created"], "maxRetries": 0},
        headers=demo.headers,
        timeout=10,
    )
    assert endpoint.status_code == 201, endpoint.text
    sent = requests.post(f"{demo.base}/api/v1/webhooks/{endpoint.json()['id']}/test", headers=demo.headers, timeout=30)
    assert sent.status_code == 200 and sent.json()["success"] is False, sent.text
    delivery_id = sent.json()["deliveryId"]

    # when the operator opens the deliveries list filtered to failed
    page.goto(f"{demo.base}/admin/webhooks/delivery/?status__exact=failed")
    page.screenshot(path=str(SHOTS / "deliveries-failed.png"), full_page=True)

    # then the failed delivery is listed, and the demo's successful deliveries are not
    rows = page.locator("#result_list tbody tr")
    assert rows.count() >= 1
    listed = page.locator("#result_list").inner_text()
    assert "Unreachable receiver" in listed and "Demo subscriber" not in listed
    assert "Failed" in listed
    if "error" in page.locator("#result_list thead").inner_text().lower():  # an error column, where the list has one
        assert "Connection refused" in listed or "Cannot reach" in listed

    # and its page names why it failed
    page.goto(f"{demo.base}/admin/webhooks/delivery/{delivery_id}/change/")
    page.screenshot(path=str(SHOTS / "delivery-failed.png"), full_page=True)
    shown = page.locator("#content-main").inner_text()
    assert "Cannot reach 127.0.0.1" in shown and "Connection refused" in shown


def test_an_integrations_change_page_shows_its_config_with_secrets_masked(demo: Demo, page):
    integrations = requests.get(f"{demo.base}/api/v1/integrations", headers=demo.headers, timeout=10).json()
    woo = next(i for i in integrations["integrations"] if i["provider"] == "woocommerce")

    page.goto(f"{demo.base}/admin/integrations/integration/{woo['id']}/change/")
    page.screenshot(path=str(SHOTS / "integration-change.png"), full_page=True)

    shown = page.locator("#content-main").inner_text()
    assert page.locator("#id_name").input_value() == "Demo WooCommerce store"
    assert "woocommerce" in shown and "https://shop.example.com" in shown
    # secrets are masked: the seeded consumer secret and webhook secret never reach the page
    html = page.content()
    assert "cs_demo_placeholder" not in html and "demo-woocommerce-webhook-secret" not in html
    assert "****" in shown


def test_the_operator_home_counts_a_failing_delivery_and_links_to_its_list(demo: Demo, page):
    # given a delivery that failed a moment ago (its receiver refuses connections)
    closed = f"http://127.0.0.1:{free_port()}/hooks"
    endpoint = requests.post(
        f"{demo.base}/api/v1/webhooks",
        json={"name": "Refusing receiver", "url": closed, "events": ["order.created"], "maxRetries": 0},
        headers=demo.headers,
        timeout=10,
    )
    assert endpoint.status_code == 201, endpoint.text
    sent = requests.post(f"{demo.base}/api/v1/webhooks/{endpoint.json()['id']}/test", headers=demo.headers, timeout=30)
    assert sent.json()["success"] is False, sent.text

    # when the operator opens the home page from the admin index
    page.goto(f"{demo.base}/admin/")
    page.get_by_role("link", name="Operator home").first.click()
    page.wait_for_url("**/admin/operator/**")
    page.screenshot(path=str(SHOTS / "operator-home.png"), full_page=True)

    # then the deliveries panel counts it, draws its chart, and links to the failing-deliveries list
    panel = page.locator("#panel-deliveries")
    assert int(panel.locator("[data-count]").get_attribute("data-count") or "0") >= 1
    assert panel.locator("svg").count() == 1
    panel.get_by_role("link", name="Open the list").click()
    assert "Refusing receiver" in page.locator("#result_list").inner_text()
    for key in ("endpoints", "integrations", "messages", "payments"):
        assert page.goto(f"{demo.base}/admin/operator/").ok and page.locator(f"#panel-{key}").count() == 1, key
