"""Browser tests: Playwright (Python) driving Debian's Chromium.

Never run ``playwright install``: the browser is /usr/bin/chromium from
``apt-get install chromium`` (``make test`` installs it when it runs as root
with apt). Without it every browser test FAILS with that command: a skipped
browser test is never counted as a pass."""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHANNEL_TESTS = ROOT / "tests" / "channels"
for path in (str(ROOT), str(CHANNEL_TESTS), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: slow end-to-end test against the real Rasa stack (runs in `make test`)")


def _missing(reason):
    pytest.fail(reason, pytrace=False)


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API drives its own event loop; closing it
    # before other modules run keeps pytest-asyncio tests elsewhere unaffected.
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} not found: run `apt-get install -y chromium` as root (or `make system-deps`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed in the venv: run `make setup`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def fake_server():
    """The real web chat channel + widget with a scripted handler (no model)."""
    from line_fakes import free_port

    port = free_port()
    log = (
        open(ROOT / "artifacts" / "fake_webchat_server.log", "wb")
        if (ROOT / "artifacts").is_dir()
        else subprocess.DEVNULL
    )
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "fake_webchat_server.py"), str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("fake web chat server exited")
        try:
            with urllib.request.urlopen(base + "/webhooks/webchat/", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
