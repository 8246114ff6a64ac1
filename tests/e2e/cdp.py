"""tests/e2e/cdp.py: headless Chromium (Debian's chromium) driven through the DevTools protocol, from python3's standard library (tests/e2e/wsclient.py). For t_web."""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

from wsclient import WebSocket

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-default-apps", "--disable-extensions", "--mute-audio", "--disable-crash-reporter", "--disable-breakpad",
                  "--remote-debugging-port=0", "--window-size=1400,900"]


class Browser:
    """One Chromium with a fresh profile, and its first page."""

    def __init__(self, binary=None, workdir=None):
        self.dir = tempfile.mkdtemp(prefix="chromium.", dir=workdir)
        binary = binary or shutil.which("chromium") or "/usr/bin/chromium"
        self.log = open(os.path.join(self.dir, "chromium.log"), "w")
        self.proc = subprocess.Popen([binary] + CHROMIUM_FLAGS + ["--user-data-dir=" + self.dir, "about:blank"],
                                     stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        port_file = os.path.join(self.dir, "DevToolsActivePort")
        deadline = time.time() + 20
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if time.time() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start (see %s)" % self.log.name)
            time.sleep(0.05)
        self.port = int(open(port_file).read().split()[0])
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % self.port))
        page = [t for t in targets if t["type"] == "page"][0]
        self.ws = WebSocket(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 1
        self.events = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        mid = self.next_id
        self.next_id += 1
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            op, data = self.ws.recv()
            msg = json.loads(data)
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def eval(self, expr, await_promise=False):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=await_promise)
        if "exceptionDetails" in r:
            raise RuntimeError("page: %s: %s" % (expr[:80], r["exceptionDetails"].get("exception", {})
                                                 .get("description", r["exceptionDetails"])))
        return r["result"].get("value")

    def wait(self, expr, timeout=10, what=None):
        """Poll expr in the page until it is truthy; its value, or raise after timeout."""
        deadline = time.time() + timeout
        while True:
            try:
                v = self.eval(expr)
            except RuntimeError:
                v = None
            if v:
                return v
            if time.time() > deadline:
                raise TimeoutError("waited %g s for %s" % (timeout, what or expr))
            time.sleep(0.05)

    def goto(self, url):
        self.call("Page.navigate", url=url)

    def type_text(self, text):
        for ch in text:
            if ch == "\n":
                self.key_enter()
            else:
                self.call("Input.dispatchKeyEvent", type="char", text=ch)

    def key_enter(self):
        self.call("Input.dispatchKeyEvent", type="rawKeyDown", key="Enter", code="Enter",
                  windowsVirtualKeyCode=13, nativeVirtualKeyCode=13)
        self.call("Input.dispatchKeyEvent", type="char", text="\r", key="Enter")
        self.call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter",
                  windowsVirtualKeyCode=13, nativeVirtualKeyCode=13)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def console_errors(self):
        return [e["params"] for e in self.events if e.get("method") == "Runtime.exceptionThrown"]

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except Exception:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
