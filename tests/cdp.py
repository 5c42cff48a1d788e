"""Headless Chromium driven over the DevTools protocol (a web app that needs a login and
scripts: `chromium --screenshot` alone cannot log in or wait for charts to draw)."""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from websockets.sync.client import connect

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"]


class Browser:
    """One Chromium process with one page; `evaluate` runs JavaScript in the page."""

    def __init__(self, profile: Path, width: int = 1400, height: int = 1000,
                 extra_flags: tuple[str, ...] | list[str] = ()):
        chromium = shutil.which("chromium")
        if not chromium:
            pytest.fail("chromium is not installed: run `bash scripts/install-system-packages.sh` (make test does)")
        self.process = subprocess.Popen(
            [chromium, *FLAGS, *extra_flags, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = self._devtools_port()
        page = next(t for t in requests.get(f"http://127.0.0.1:{port}/json/list", timeout=30).json()
                    if t["type"] == "page")
        self.socket = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30, legacy=True)
        self.ids = itertools.count(1)
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def _devtools_port(self) -> int:
        for line in self.process.stderr:  # "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/..."
            found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if found:
                return int(found.group(1))
        pytest.fail(f"chromium exited ({self.process.wait()}) without opening its DevTools port")

    def send(self, method: str, **params) -> dict:
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=120))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def wait_for(self, expression: str, timeout: float = 180, poll: float = 1.0):
        """Evaluate until the value is truthy; the last value when time is up."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except RuntimeError:  # the page is being replaced (navigation)
                value = None
            if value or time.monotonic() > deadline:
                return value
            time.sleep(poll)

    def screenshot(self, out: Path) -> Path:
        """The viewport as a PNG (size the window to the page: beyond it, Chromium paints nothing)."""
        out.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))
        return out

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
