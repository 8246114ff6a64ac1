"""tests/e2e/web_page.py: t_web's checks of `umllab web` on a running figure 1: the server's
security (each item of issue 26's list), then the page in headless Chromium (topology, console,
link down, capture, checks, restart), with the issue's speed figures measured on the way.

Usage: web_page.py URL WORKDIR UNIX_SOCKET. Prints ok:/FAILED:/measure: lines; exits with the
number of failures. Needs $UMLLAB (the binary) for the planted fault."""
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402
from wsclient import HandshakeError, WebSocket  # noqa: E402

URL, WORK, SOCK = sys.argv[1], sys.argv[2], sys.argv[3]
u = urllib.parse.urlsplit(URL)
HOSTPORT = u.netloc
TOKEN = u.path.split("/")[2]
fails = 0


def ok(msg):
    print("ok: " + msg, flush=True)


def fail(msg):
    global fails
    fails += 1
    print("FAILED: " + msg, flush=True)


def check(cond, msg):
    (ok if cond else fail)(msg)
    return cond


def measure(msg):
    print("measure: " + msg, flush=True)


def http_get(path, host=None, headers=None, unix=None):
    if unix:
        conn = http.client.HTTPConnection("localhost", timeout=5)
        conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.sock.settimeout(5)
        conn.sock.connect(unix)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or HOSTPORT)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body, dict(r.getheaders())


def ws_status(path, origin="http://" + HOSTPORT, host=None):
    try:
        w = WebSocket("ws://%s%s" % (HOSTPORT, path), {"Origin": origin, "Host": host or HOSTPORT})
        w.close()
        return 101
    except HandshakeError as e:
        return int(e.status.split()[1]) if e.status.split()[1:2] and e.status.split()[1].isdigit() else 0


def umllab(*args):
    return subprocess.run([os.environ["UMLLAB"]] + list(args), capture_output=True, text=True, timeout=60)


# ---- security: each item of the list ----
base = "/t/%s/" % TOKEN
st, body, hdrs = http_get(base)
check(st == 200 and b"umllab" in body, "the page with the token: 200")
check(hdrs.get("cache-control") == "no-store" and hdrs.get("referrer-policy") == "no-referrer"
      and "frame-ancestors 'none'" in hdrs.get("content-security-policy", ""),
      "answers are not cached, framed or referred (the token is in the URL)")
for path, what in (("/", "no token"), ("/t//", "an empty token"), ("/t/%s/" % ("0" * len(TOKEN)), "a wrong token"),
                   ("/t/%s/" % TOKEN[:-1], "a token one character short"), ("/t/%sx/" % TOKEN, "a token too long"),
                   ("/api/labs", "the API without a token"), ("/app.js", "a file without a token")):
    st, body, _ = http_get(path)
    check(st == 403 and body == b"forbidden\n", "%s: 403, nothing about the lab (%d %r)" % (what, st, body[:40]))
st, body, _ = http_get(base, host="evil.example:%d" % u.port)
check(st == 403, "a Host that is not this machine (DNS rebinding): 403")
st, body, _ = http_get(base, headers={"Origin": "http://evil.example"})
check(st == 403, "a request from another site (Origin): 403")
check(ws_status("/t/%s/ws?kind=lab&lab=fig1" % TOKEN) == 101, "the WebSocket under the token: accepted")
for path, origin, host, what in (
        ("/t/%s/ws?kind=lab" % ("0" * len(TOKEN)), None, None, "a WebSocket with a wrong token"),
        ("/ws?kind=lab", None, None, "a WebSocket without a token"),
        ("/t/%s/ws?kind=lab" % TOKEN, "http://evil.example", None, "a WebSocket from another site"),
        ("/t/%s/ws?kind=lab" % TOKEN, "", None, "a WebSocket without an Origin"),
        ("/t/%s/ws?kind=lab" % TOKEN, "http://evil.example:%d" % u.port, "evil.example:%d" % u.port,
         "a WebSocket through a rebound name")):
    st = ws_status(path, origin=origin if origin is not None else "http://" + HOSTPORT, host=host)
    check(st == 403, "%s: 403 (%s)" % (what, st))
for path in ("/t/%s/../../../../etc/passwd" % TOKEN, "/t/%s/xterm/lib/..%%2f..%%2f..%%2fetc%%2fpasswd.js" % TOKEN,
             "/t/%s/%%2e%%2e/%%2e%%2e/etc/passwd" % TOKEN, "/t/%s/grade/summary.json" % TOKEN,
             "/t/%s/.hidden" % TOKEN):
    st, body, _ = http_get(path)
    check(st in (403, 404) and b"root:" not in body, "no file outside the page: %s -> %d" % (path.replace(TOKEN, "TOKEN"), st))
st, body, _ = http_get(base + "api/labs", unix=SOCK)
check(st == 200 and json.loads(body)["lab"] == "fig1", "the unix socket listener serves with the token (SSH forwards)")
st, body, _ = http_get("/api/labs", unix=SOCK)
check(st == 403, "the unix socket listener also wants the token")
check(oct(os.stat(SOCK).st_mode & 0o777) == "0o600", "the unix socket is 0600 (no other user connects)")
url_files = [f for f in os.listdir(os.environ["UMLLAB_STATE_DIR"]) if f.startswith("web-") and f.endswith(".url")]
if check(len(url_files) >= 1, "the URL is kept in a file of the state directory"):
    p = os.path.join(os.environ["UMLLAB_STATE_DIR"], url_files[0])
    check(os.stat(p).st_mode & 0o777 == 0o600, "the URL file is 0600")
# The page relays only what the CLI's stop/start/restart/link/graph send.
w = WebSocket("ws://%s%sws?kind=lab&lab=fig1" % (HOSTPORT, base), {"Origin": "http://" + HOSTPORT})
w.recv()
w.send("5\texec\tumlA\tid")
w.send("6\tdown")
seen = []
deadline = time.time() + 3
while time.time() < deadline and sum(1 for m in seen if m.get("t") == "err") < 2:
    seen.append(json.loads(w.recv()[1]))
w.close()
check(sum(1 for m in seen if m.get("t") == "err") == 2 and not any(m.get("t") == "reply" and m.get("id") in (5, 6) for m in seen),
      "exec and down from the page are refused")
# The feed: the status at once, then at least once a second while nothing happens, and no more;
# each cable with its state, conditions and frame counters.
w = WebSocket("ws://%s%sws?kind=lab&lab=fig1" % (HOSTPORT, base), {"Origin": "http://" + HOSTPORT})
times, first = [], None
end = time.time() + 3.3
while time.time() < end:
    m = json.loads(w.recv()[1])
    if m.get("t") == "status":
        times.append(time.time())
        first = first or m["d"]
w.close()
gaps = [b_ - a_ for a_, b_ in zip(times, times[1:])]
check(3 <= len(times) <= 5 and max(gaps or [9]) < 1.2,
      "the idle feed: %d lines in 3.3 s, at most %.2f s apart" % (len(times), max(gaps or [0])))
f = first["instances"][0]["interfaces"][0] if first else {}
check(all(k in f for k in ("link", "conditions", "frames_in", "frames_out", "frames_dropped")) and "links" in (first or {}),
      "each cable in the feed has its state, conditions and frame counters: %s" % {k: f.get(k) for k in ("link", "frames_in", "frames_out")})
w = WebSocket("ws://%s%sws?kind=console&lab=other&arg=umlA" % (HOSTPORT, base), {"Origin": "http://" + HOSTPORT})
m = json.loads(w.recv()[1])
w.close()
check(m.get("t") == "err" and "fig1 only" in m.get("d", ""), "a server for fig1 serves no other lab")

# ---- the page in Chromium ----
b = Browser(workdir=WORK)
try:
    t0 = time.time()
    b.goto(URL)
    b.wait("!!(window.umllab && umllab.draws > 0)", 15, "the first drawing")
    first = b.eval("umllab.firstDrawMs")
    measure("page load to the first drawing of figure 1: %.0f ms (in the page), %.2f s with the browser's navigation"
            % (first, time.time() - t0))
    b.wait("document.querySelectorAll('#topo .instance[data-state=running]').length == 2", 15, "both running")
    ok("figure 1 is drawn with umlA and umlB running")
    check(b.eval("!!document.querySelector('#topo .switch[data-switch=S1]') && "
                 "document.querySelectorAll('#topo .cable.link-up').length == 2"),
          "S1 and both cables (up) are drawn")
    check("10.0.0.1/24" in b.eval("document.getElementById('topo').textContent"), "addresses are shown")
    b.screenshot(os.path.join(WORK, "web-fig1.png"))

    # A console: type a ping in umlA's.
    b.eval("document.querySelector('#topo .instance[data-instance=umlA]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    b.wait("!!(umllab.console && umllab.console.term && umllab.console.ws.readyState == 1)", 15, "umlA's console")
    time.sleep(0.3)
    b.eval("document.querySelector('#console textarea').focus()")
    b.type_text("ping -c 1 10.0.0.2\n")
    check(b.wait("umllab.consoleText.includes('1 packets received')", 15, "the ping's reply") is True,
          "typing `ping -c 1 10.0.0.2` in umlA's console shows the reply")
    b.screenshot(os.path.join(WORK, "web-console.png"))
    # Keystroke echo: page -> server -> supervisor -> guest's tty -> back.
    samples = b.call("Runtime.evaluate", expression="""(async () => {
        const out = [];
        for (let i = 0; i < 20; i++) {
          const mark = String.fromCharCode(97 + i);
          const before = umllab.consoleText.length;
          const t = performance.now();
          umllab.console.ws.send(mark);
          while (!umllab.consoleText.slice(before).includes(mark)) await new Promise(r => setTimeout(r, 1));
          out.push(performance.now() - t);
        }
        umllab.console.ws.send('\\u0015');
        return out;
      })()""", awaitPromise=True, returnByValue=True)["result"]["value"]
    samples.sort()
    measure("console keystroke echo over 20 keys: median %.1f ms, max %.1f ms" % (samples[10], samples[-1]))
    check(samples[10] < 50, "a console keystroke echoes in under 50 ms (median %.1f ms)" % samples[10])

    # The cable: capture ICMP on it, then link down from the page.
    b.eval("document.querySelector('#topo .cable[data-cable=\"umlA.eth0\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    b.wait("!!(umllab.capture && umllab.capture.ws.readyState == 1)", 10, "the capture")
    b.eval("document.getElementById('capture-filter').value = 'icmp'; document.getElementById('capture-start').click()")
    b.wait("!!(umllab.capture && umllab.capture.filter == 'icmp' && umllab.capture.ws.readyState == 1)", 10, "the filtered capture")
    time.sleep(0.5)
    # The cable's frame counters (the feed's, drawn on the cable and in its panel) move
    # as the pings cross it: two requests out of umlA, two replies in.
    cable_q = "document.querySelector('#topo .cable[data-cable=\"umlA.eth0\"]')"
    before = b.eval("(() => { const c = %s; return [+c.dataset.framesOut, +c.dataset.framesIn]; })()" % cable_q)
    r = umllab("exec", "umlA", "--", "ping", "-c", "2", "10.0.0.2")
    check(r.returncode == 0, "ping while capturing")
    t = time.time()
    moved = b.wait("(() => { const c = %s; return +c.dataset.framesOut >= %d && +c.dataset.framesIn >= %d; })()"
                   % (cable_q, before[0] + 2, before[1] + 2), 5, "the cable's counters to move")
    after = b.eval("(() => { const c = %s; return [+c.dataset.framesOut, +c.dataset.framesIn]; })()" % cable_q)
    measure("umlA.eth0's counters on the page: sent %d -> %d, got %d -> %d, %.0f ms after the ping ended"
            % (before[0], after[0], before[1], after[1], (time.time() - t) * 1000))
    check(moved is True and time.time() - t < 1.5, "the cable's frame counters move on the page as pings cross it "
          "(sent %d -> %d, got %d -> %d)" % (before[0], after[0], before[1], after[1]))
    seen = b.eval("(() => { const c = %s; return [+c.dataset.framesOut, +c.dataset.framesIn, c.textContent, "
                  "document.getElementById('cable-frames').textContent]; })()" % cable_q)
    check("sent %d got %d" % (seen[0], seen[1]) in seen[2], "the counters are drawn on the cable: %s" % seen[2])
    check("%d sent by umlA, %d delivered to it" % (seen[0], seen[1]) in seen[3],
          "the cable's panel shows its frames: %s" % seen[3])
    b.wait("umllab.capture.lines.filter(l => l.includes('ICMP echo')).length >= 4", 10, "ICMP lines")
    lines = b.eval("umllab.capture.lines")
    check(all("ICMP" in l for l in lines) and any("echo request" in l for l in lines) and any("echo reply" in l for l in lines),
          "the capture shows the ICMP lines, and only them (filter icmp): %s" % (lines[0] if lines else ""))
    magic = b.eval("(() => { const c = umllab.capture.chunks; return c.length ? Array.from(new Uint8Array(c[0]).slice(0, 4)) : []; })()")
    check(magic == [0x0a, 0x0d, 0x0d, 0x0a], "the download button's data is pcapng (section header block)")
    # As the handouts do it: ping from umlA's console, come back to the cable: the same
    # capture went on meanwhile, and has the new echo lines.
    cap_n = b.eval("umllab.capture.lines.length")
    b.eval("umllab.capture.mark = 1")
    b.eval("document.querySelector('#topo .instance[data-instance=umlA]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    b.wait("!!(umllab.console && umllab.console.term && umllab.console.ws.readyState == 1)", 15, "umlA's console again")
    time.sleep(0.3)
    b.eval("document.querySelector('#console textarea').focus()")
    before_ping = b.eval("umllab.consoleText.length")
    b.type_text("ping -c 1 10.0.0.2\n")
    b.wait("umllab.consoleText.slice(%d).includes('1 packets received')" % before_ping, 15, "the console's ping")
    b.eval("document.querySelector('#topo .cable[data-cable=\"umlA.eth0\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    check(b.wait("umllab.capture && umllab.capture.mark == 1 && umllab.capture.lines.length >= %d && "
                 "!document.getElementById('capture-panel').hidden" % (cap_n + 2), 5, "the capture kept") is True,
          "back on the cable after pinging from the console: the capture went on (%d lines, %d before)"
          % (b.eval("umllab.capture.lines.length"), cap_n))
    b.screenshot(os.path.join(WORK, "web-capture.png"))
    t = time.time()
    b.eval("document.getElementById('link-down').click()")
    b.wait("document.querySelector('#topo .cable[data-cable=\"umlA.eth0\"]').dataset.link == 'down'", 5, "link down on the page")
    dt = time.time() - t
    measure("link down clicked to the page showing it: %.0f ms" % (dt * 1000))
    check(dt < 1.0, "link down shows on the page within 1 s (%.0f ms)" % (dt * 1000))
    r = umllab("exec", "umlA", "--", "ping", "-c", "1", "-W", "1", "10.0.0.2")
    check(r.returncode != 0 and "0 packets received" in r.stdout, "with the link down from the page, the ping stops")
    b.screenshot(os.path.join(WORK, "web-linkdown.png"))
    b.eval("document.getElementById('link-up').click()")
    b.wait("document.querySelector('#topo .cable[data-cable=\"umlA.eth0\"]').dataset.link == 'up'", 5, "link up on the page")
    r = umllab("exec", "umlA", "--", "ping", "-c", "1", "-W", "2", "10.0.0.2")
    check(r.returncode == 0, "link up from the page: the ping goes through again")

    # Conditions from the page: 100 ms of delay on the cable, drawn on it, felt by a ping.
    b.eval("document.getElementById('cond-delay').value = '100ms'; document.getElementById('cond-apply').click()")
    b.wait("document.querySelector('#topo .cable[data-cable=\"umlA.eth0\"]').classList.contains('has-cond') && "
           "document.getElementById('topo').textContent.includes('delay 100ms')", 5, "the conditions on the page")
    r = umllab("exec", "umlA", "--", "ping", "-c", "1", "-W", "3", "10.0.0.2")
    rtt = float(r.stdout.split("time=")[1].split()[0]) if "time=" in r.stdout else 0
    check(rtt >= 190, "delay 100ms set from the page: drawn on the cable, a ping takes %.0f ms" % rtt)
    b.eval("document.getElementById('cond-delay').value = ''; document.getElementById('cond-clear').click()")
    b.wait("!document.querySelector('#topo .cable[data-cable=\"umlA.eth0\"]').classList.contains('has-cond')", 5, "conditions cleared")
    ok("Clear from the page removes the conditions")

    # Checks, watched: fail while a fault is planted, pass once it is cleared.
    r = umllab("exec", "umlA", "--", "ip", "addr", "del", "10.0.0.1/24", "dev", "eth0")
    check(r.returncode == 0, "a planted fault: umlA loses its address")
    b.eval("document.getElementById('check-watch').click()")
    b.wait("!!(umllab.lastRound && umllab.checks['umlA reaches umlB'] === false)", 20, "a failing check")
    ok("checks fail with the fault planted (%s)" % b.eval("document.getElementById('check-summary').textContent"))
    r = umllab("exec", "umlA", "--", "ip", "addr", "add", "10.0.0.1/24", "dev", "eth0")
    b.wait("!!(umllab.lastRound && umllab.lastRound.total == 4 && umllab.lastRound.passed == 4)", 25, "all checks passing")
    ok("checks go from fail to pass as the fault is cleared (%s)" % b.eval("document.getElementById('check-summary').textContent"))
    b.eval("document.getElementById('check-watch').click()")

    # An instance restarted from the page: the page shows it within 1 s.
    b.eval("document.querySelector('#topo .instance[data-instance=umlB]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    t = time.time()
    b.eval("document.getElementById('inst-restart').click()")
    b.wait("document.querySelector('#topo .instance[data-instance=umlB]').dataset.state != 'running'", 5, "umlB restarting")
    dt = time.time() - t
    measure("restart clicked to the page showing umlB %s: %.0f ms" % (
        b.eval("document.querySelector('#topo .instance[data-instance=umlB]').dataset.state"), dt * 1000))
    check(dt < 1.0, "an instance's restart shows on the page within 1 s (%.0f ms)" % (dt * 1000))
    b.wait("document.querySelector('#topo .instance[data-instance=umlB]').dataset.state == 'running'", 30, "umlB running again")
    ok("umlB is running again, on the page")
    b.eval("document.getElementById('inst-stop').click()")
    b.wait("document.querySelector('#topo .instance[data-instance=umlB]').dataset.state == 'stopped'", 15, "umlB stopped")
    ok("Stop from the page: umlB drawn stopped")
    b.eval("document.getElementById('inst-start').click()")
    b.wait("document.querySelector('#topo .instance[data-instance=umlB]').dataset.state == 'running'", 30, "umlB started")
    ok("Start from the page: umlB drawn running again")

    # A switch's frames: click S1, ping, read the lines.
    b.eval("document.querySelector('#topo .switch[data-switch=S1]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    b.wait("!!(umllab.capture && umllab.capture.target == 'S1' && umllab.capture.ws.readyState == 1)", 10, "S1's capture")
    time.sleep(0.5)
    r = umllab("exec", "umlA", "--", "ping", "-c", "1", "-W", "3", "10.0.0.2")
    check(b.wait("umllab.capture.lines.filter(l => l.includes('ICMP echo request')).length >= 1", 10, "S1's ICMP lines") is True,
          "clicking S1 shows the frames crossing the switch")

    # A 100-instance lab draws in under 2 s (the drawing code on a made-up status).
    ms = b.call("Runtime.evaluate", expression="""(async () => {
        const topo = await import('./topo.js');
        const st = { lab: 'big', instances: [], switches: [] };
        for (let s = 0; s < 4; s++) st.switches.push({ name: 'S' + s, mode: 'switch', frames_in: 0, frames_out: 0, frames_dropped: 0, ports: 25 });
        for (let i = 0; i < 100; i++) st.instances.push({ name: 'h' + i, state: 'running', restarts: 0, uptime_s: 1,
          interfaces: [{ iface: 'eth0', switch: 'S' + (i % 4), ip: '10.0.' + (i % 4) + '.' + (i + 1) + '/24', link: 'up', conditions: '', mac: '',
            frames_in: i, frames_out: 2 * i, frames_dropped: 0 }] });
        st.links = [0, 1, 2].map((k) => ({ name: 'S' + k + '.S' + (k + 1), a: 'S' + k, b: 'S' + (k + 1), link: k == 1 ? 'down' : 'up',
          connected: true, conditions: k == 2 ? 'delay 5ms' : '', frames_ab: 10 + k, frames_ba: 20 + k, frames_dropped: 0 }));
        const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
        document.body.appendChild(svg);
        const t = performance.now();
        topo.draw(svg, st, { roles: {}, trunks: [] }, null, () => {});
        svg.getBBox();
        const ms = performance.now() - t;
        const links = [...svg.querySelectorAll('.cable.swlink')].map((g) => g.dataset.cable + ' ' + g.dataset.link + ' ' + g.textContent);
        svg.remove();
        return [ms, links];
      })()""", awaitPromise=True, returnByValue=True)["result"]["value"]
    ms, links = ms
    measure("drawing a 100-instance, 4-switch lab: %.1f ms" % ms)
    check(ms < 2000, "a 100-instance lab draws in under 2 s (%.1f ms)" % ms)
    check(len(links) == 3 and links[0].startswith("S0.S1 up S0\u2192S1 10, S1\u2192S0 20") and "link down" in links[1]
          and "delay 5ms" in links[2], "cables between switches are drawn with their state, conditions and counters: %s" % links)
    errors = b.eval("umllab.errors")
    check(not errors and not b.console_errors(), "no script errors on the page %s" % (errors or ""))
    b.eval("document.querySelector('#topo .instance[data-instance=umlA]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    b.wait("!!(umllab.console && umllab.console.term && umllab.console.ws.readyState == 1)", 15, "umlA's console")
    b.eval("document.querySelector('#console textarea').focus()")
    b.type_text("ping -c 2 10.0.0.2\n")
    b.wait("umllab.consoleText.includes('2 packets received')", 15, "the second ping")
    b.screenshot(os.path.join(WORK, "web-page.png"))
except Exception as e:  # a step that timed out: say which, and keep the picture
    fail("the page: %s" % e)
    try:
        b.screenshot(os.path.join(WORK, "web-failed.png"))
        print("log on the page:", b.eval("document.getElementById('log').textContent")[:2000])
    except Exception:
        pass
finally:
    b.close()
sys.exit(min(fails, 100))
