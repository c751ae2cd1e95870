"""Check the built documentation site in a real headless browser (Chromium).

Run it after ``mkdocs build`` (``nox -s docs_browser`` does both)::

    python tests/browser/check_site.py [--site site] [--out DIR] [--browser PATH]

It serves ``site/`` on 127.0.0.1, drives headless Chromium over the DevTools protocol,
saves screenshots of the home page, the CLF criteria page (wide and narrow screens,
and as printed), the decisions page, the data dictionary and a search, prints the CLF
page to PDF, and checks what a reader relies on:

- every page loads without a failed request, and none scrolls sideways;
- searching for words of the protocol or a criterion's id finds the criterion;
- on a wide screen each criterion's protocol text and formal rule sit side by side,
  and on a narrow one they stack;
- in print the navigation, header, search and footer are hidden, and every criterion's
  protocol text is on the page.

It prints the paths of the screenshots (look at them) and exits with status 1 if a
check fails. It is not part of CI: it needs Chromium (Debian: ``apt-get install
chromium``) and the ``websocket-client`` package; ``pdftoppm`` (poppler-utils), if
present, renders the PDF's pages to PNG as well.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import html
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import websocket  # websocket-client

import liverfail_criteria as lc

ROOT = Path(__file__).resolve().parents[2]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
WIDE, NARROW = (1280, 900), (390, 844)
PRINT_HIDDEN = (".md-header", ".md-tabs", ".md-sidebar", ".md-footer", ".md-search")


# -- serving the site ------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on a free local port; yield its base URL."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# -- driving the browser ---------------------------------------------------------------


class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="lc-docs-browser-")
        self.process = subprocess.Popen(
            [
                executable,
                *FLAGS,
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._port()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
            targets = json.load(response)
        page = next(t for t in targets if t["type"] == "page")
        self.socket = websocket.create_connection(
            page["webSocketDebuggerUrl"], suppress_origin=True, timeout=60
        )
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Network"):
            self.call(f"{domain}.enable")

    def _port(self) -> int:
        active = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the browser exited with status {self.process.returncode}")
            if active.exists() and active.read_text().strip():
                return int(active.read_text().split()[0])
            time.sleep(0.1)
        raise RuntimeError("the browser did not open its DevTools port")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result; events that arrive are kept."""
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
            if "method" in message:
                self.events.append(message)

    def js(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"waited {timeout} s for {expression}")

    def viewport(self, size: tuple[int, int], *, media: str = "") -> None:
        width, height = size
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        self.call("Emulation.setEmulatedMedia", media=media)

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for(f"document.readyState === 'complete' && location.href === {json.dumps(url)}")
        self.wait_for("document.fonts.status === 'loaded'")

    def screenshot(self, path: Path, *, full: bool) -> Path:
        time.sleep(0.5)  # let the theme's transitions (header title, search) finish
        params: dict[str, Any] = {"format": "png"}
        if full:
            width, height = self.js(
                "[document.documentElement.clientWidth, document.documentElement.scrollHeight]"
            )
            params |= {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            }
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", **params)["data"]))
        return path

    def pdf(self, path: Path) -> Path:
        data = self.call(
            "Page.printToPDF",
            paperWidth=8.27,  # A4
            paperHeight=11.69,
            printBackground=False,
            displayHeaderFooter=False,
        )["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def failed_requests(self) -> list[str]:
        """Requests that failed or answered 4xx/5xx since the last call."""
        failed = []
        for event in self.events:
            if event["method"] == "Network.responseReceived":
                response = event["params"]["response"]
                if response["status"] >= 400:
                    failed.append(f"{response['status']} {response['url']}")
            elif event["method"] == "Network.loadingFailed":
                params = event["params"]
                if not params.get("canceled"):
                    failed.append(f"{params['errorText']} (request {params['requestId']})")
        self.events.clear()
        return failed


# -- the checks ------------------------------------------------------------------------


class Checks:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: object, what: str) -> None:
        print(("  ok    " if ok else "  FAIL  ") + what)
        if not ok:
            self.failures.append(what)


def _words(text: str) -> str:
    return " ".join(text.split())


def check_search_index(site: Path, checks: Checks) -> None:
    """The search index holds every criterion, with its protocol text."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    by_location = {
        doc["location"]: _words(html.unescape(re.sub(r"<[^>]+>", " ", doc["text"])))
        for doc in index["docs"]
    }
    pages = {lc.CLF: "clf", lc.ACLF: "aclf", lc.EXCLUSIONS: "exclusions"}
    for ruleset, page in pages.items():
        missing = [
            c.id
            for c in ruleset.criteria()
            if _words(c.protocol_text) not in by_location.get(f"criteria/{page}/#{c.id}", "")
        ]
        checks.check(not missing, f"search index: every {ruleset.id} criterion ({missing})")


def search(browser: Browser, base: str, query: str) -> list[str]:
    """Type ``query`` in the site's search box; return the links of the results."""
    browser.open(base)
    # Click in the search box and type, as a reader does.
    x, y = browser.wait_for(
        "(() => { const input = document.querySelector('.md-search__input');"
        " if (!input) return null; const r = input.getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
    )
    for kind in ("mousePressed", "mouseReleased"):
        browser.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    browser.call("Input.insertText", text=query)
    browser.call("Input.dispatchKeyEvent", type="keyUp", key="End", code="End")
    links: list[str] = browser.wait_for(
        "(() => { const links = [...document.querySelectorAll("
        "'.md-search-result__item a.md-search-result__link')].map(a => a.href);"
        " return links.length ? links : null; })()"
    )
    # Each link carries the words to highlight (?h=...): keep the page and the anchor.
    return [re.sub(r"\?[^#]*", "", link.removeprefix(base)) for link in links]


def layout(browser: Browser) -> dict[str, int]:
    """How the protocol/formal-rule pairs of the page are laid out, and the overflow."""
    result: dict[str, int] = browser.js(
        "(() => { let across = 0, stacked = 0;"
        " for (const pair of document.querySelectorAll('.lc-pair')) {"
        "   const [a, b] = [...pair.children].map(e => e.getBoundingClientRect());"
        "   if (Math.abs(a.top - b.top) < 2 && b.left >= a.right) across++;"
        "   else if (b.top >= a.bottom - 1) stacked++; }"
        " const overflow = document.documentElement.scrollWidth"
        "   - document.documentElement.clientWidth;"
        " return {pairs: document.querySelectorAll('.lc-pair').length,"
        "   across, stacked, overflow}; })()"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site")
    parser.add_argument("--out", type=Path, help="where to save screenshots (a new temp dir)")
    parser.add_argument("--browser", help="the Chromium executable (found on PATH)")
    args = parser.parse_args(argv)

    executable = args.browser or next(filter(None, map(shutil.which, BROWSERS)), None)
    if executable is None:
        print("no Chromium found: apt-get install chromium, or pass --browser", file=sys.stderr)
        return 2
    if not (args.site / "index.html").exists():
        print(f"no site at {args.site}: run mkdocs build first", file=sys.stderr)
        return 2
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="lc-docs-shots-"))
    out.mkdir(parents=True, exist_ok=True)
    checks = Checks()
    shots: list[Path] = []

    print("search index")
    check_search_index(args.site, checks)

    with serve(args.site) as base:
        browser = Browser(executable)
        try:
            print(f"browser: {executable}, site served at {base}")
            browser.viewport(WIDE)
            for name, path in [
                ("home", ""),
                ("eligibility", "criteria/eligibility/"),
                ("clf", "criteria/clf/"),
                ("decisions", "criteria/decisions/"),
                ("dictionary", "criteria/dictionary/"),
                ("getting-started", "guide/getting-started/"),
                ("cohort", "guide/cohort/"),
                ("sql", "guide/sql/"),
                ("api", "reference/api/"),
            ]:
                browser.open(base + path)
                shots.append(browser.screenshot(out / f"{name}.png", full=name != "home"))
                failed = browser.failed_requests()
                checks.check(not failed, f"{name}: every request succeeded {failed or ''}")
                shape = layout(browser)
                checks.check(shape["overflow"] <= 0, f"{name}: no sideways scrolling {shape}")
                if shape["pairs"]:
                    checks.check(
                        shape["across"] == shape["pairs"],
                        f"{name}: protocol text and its reading side by side {shape}",
                    )

            print("the funnel figure")
            browser.open(base + "guide/cohort/")
            size = browser.js(
                "(() => { const i = document.querySelector('img[src$=\"funnel.svg\"]');"
                " return i ? [i.complete, i.naturalWidth, i.naturalHeight] : null; })()"
            )
            checks.check(
                bool(size) and size[0] and size[1] > 0 and size[2] > 0,
                f"cohort: the funnel figure drawn at build time is shown {size}",
            )

            print("narrow screen")
            browser.viewport(NARROW)
            browser.open(base + "criteria/clf/#clf.bilirubin")
            shots.append(browser.screenshot(out / "clf-narrow.png", full=False))
            shape = layout(browser)
            checks.check(shape["overflow"] <= 0, f"clf, narrow: no sideways scrolling {shape}")
            checks.check(
                shape["stacked"] == shape["pairs"] > 0, f"clf, narrow: pairs stacked {shape}"
            )

            print("search")
            browser.viewport(WIDE)
            for query, expected in [
                ("herniation", "criteria/exclusions/#exclusion.cerebral"),
                ("clf.bilirubin", "criteria/clf/#clf.bilirubin"),
                ("refractory ascites", "criteria/clf/#clf.ascites_portal_hypertension"),
            ]:
                found = search(browser, base, query)
                checks.check(expected in found[:3], f"search {query!r}: {expected} near the top")
            shots.append(browser.screenshot(out / "search.png", full=False))

            print("print")
            browser.viewport(WIDE, media="print")
            browser.open(base + "criteria/clf/")
            hidden = browser.js(
                f"{json.dumps(PRINT_HIDDEN)}.filter(s => [...document.querySelectorAll(s)]"
                ".some(e => e.getClientRects().length > 0"
                " && getComputedStyle(e).visibility !== 'hidden'))"
            )
            checks.check(not hidden, f"print: navigation hidden (shown: {hidden})")
            text = _words(browser.js("document.querySelector('.md-content').innerText"))
            missing = [c.id for c in lc.CLF.criteria() if _words(c.protocol_text) not in text]
            checks.check(not missing, f"print: every protocol text on the page ({missing})")
            checks.check(lc.__version__ in text, "print: the library's version is named")
            shots.append(browser.screenshot(out / "clf-print.png", full=True))
            pdf = browser.pdf(out / "clf-print.pdf")
            shots.append(pdf)
            pdftoppm = shutil.which("pdftoppm")
            if pdftoppm:
                subprocess.run(
                    [pdftoppm, "-r", "80", "-png", str(pdf), str(out / "clf-print-page")],
                    check=True,
                )
                shots += sorted(out.glob("clf-print-page-*.png"))
        finally:
            browser.close()

    print("\nscreenshots (look at them):")
    for shot in shots:
        print(f"  {shot}")
    if checks.failures:
        print(f"\n{len(checks.failures)} check(s) failed", file=sys.stderr)
        return 1
    print("\nevery check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
