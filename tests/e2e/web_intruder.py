#!/usr/bin/env python3
"""tests/e2e/web_intruder.py: what another local user can get from a user's `umllab web`
without its token (t_twousers), and the owner's control that the same requests with the
token work.

  web_intruder.py other HOSTPORT TOKEN_LEN UNIX_SOCKET URL_FILE PID OUT
      as the other user: every request gets the same bare 403 whatever it asks; the URL
      file, the unix socket, the server's environment cannot be opened. Prints ok:/FAILED:
      lines and writes everything it received to OUT (the test then looks for the token
      and the lab's name in it).
  web_intruder.py owner URL UNIX_SOCKET
      as the owner: the token opens the page over TCP and over the unix socket.
"""
import os
import secrets
import socket
import sys

fails = 0


def check(cond, msg):
    global fails
    print(("ok: " if cond else "FAILED: ") + msg, flush=True)
    if not cond:
        fails += 1


def raw(request, hostport=None, unix=None):
    """Send request as it is; the whole answer (the server closes after a refusal)."""
    if unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(unix)
    else:
        host, port = hostport.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(request.encode())
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
            if b"\r\n\r\n" in out:
                head, _, body = out.partition(b"\r\n\r\n")
                length = [int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")]
                if length and len(body) >= length[0]:
                    break
    except socket.timeout:
        pass
    s.close()
    return out


def get(path, hostport, extra="", unix=None):
    return raw("GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n" % (path, hostport, extra),
               hostport=None if unix else hostport, unix=unix)


def other(hostport, token_len, sock, url_file, pid, out_path):
    wrong = secrets.token_hex(token_len // 2)
    ws = ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://%s\r\n" % hostport)
    asks = [
        ("the page without a token", "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % hostport),
        ("a guessed token", "GET /t/%s/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (wrong, hostport)),
        ("the lab list with a guessed token",
         "GET /t/%s/api/labs HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (wrong, hostport)),
        ("the lab list without a token", "GET /api/labs HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % hostport),
        ("a page file without a token", "GET /app.js HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % hostport),
        ("a path out of the page", "GET /t/%s/../../../etc/passwd HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
         % (wrong, hostport)),
        ("the lab's WebSocket with a guessed token",
         "GET /t/%s/ws?kind=lab&lab=fig1 HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (wrong, hostport, ws)),
        ("a console's WebSocket without a token",
         "GET /ws?kind=console&lab=fig1&arg=umlA HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (hostport, ws)),
    ]
    got = []
    for what, req in asks:
        a = raw(req, hostport=hostport)
        got.append(a)
        check(a[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 ") and a[9:13] == b"403 " and a.endswith(b"\r\n\r\nforbidden\n"),
              "the other user, %s: 403 (%r)" % (what, a.split(b"\r\n")[0]))
    # The same bytes whatever was asked: a refusal tells nothing about what exists. (One
    # difference: libwebsockets answers a WebSocket upgrade as HTTP/1.0, any upgrade, so
    # it depends only on the request's form, which the asker chose.)
    same = set(a.replace(b"HTTP/1.0 403", b"HTTP/1.1 403", 1) for a in got)
    check(len(same) == 1, "every refusal is the same %d bytes, but for an upgrade's HTTP/1.0 (%d different answers)"
          % (len(got[0]), len(same)))
    # What a local user can reach besides the port.
    for what, fn in (("the URL file", lambda: open(url_file).read()),
                     ("the state directory", lambda: os.listdir(os.path.dirname(url_file))),
                     ("the server's environment", lambda: open("/proc/%s/environ" % pid, "rb").read()),
                     ("the server's open files", lambda: os.listdir("/proc/%s/fd" % pid))):
        try:
            leaked = fn()
            got.append(repr(leaked).encode())
            check(False, "the other user cannot read %s (it read %d bytes)" % (what, len(repr(leaked))))
        except PermissionError:
            check(True, "the other user cannot read %s" % what)
    try:
        got.append(get("/", "localhost", unix=sock))
        check(False, "the other user cannot connect to the unix socket listener")
    except PermissionError:
        check(True, "the other user cannot connect to the unix socket listener (EACCES)")
    try:
        cmdline = open("/proc/%s/cmdline" % pid, "rb").read()
        check(True, "(the server's command line is readable, as any process's: %r)" % cmdline.replace(b"\0", b" ")[:80])
    except OSError:
        pass
    with open(out_path, "wb") as f:
        f.write(b"\n".join(got))


def owner(url, sock):
    hostport = url.split("/")[2]
    token = url.split("/")[4]
    a = get("/t/%s/api/labs" % token, hostport)
    check(a.startswith(b"HTTP/1.1 200") and b'"lab":"fig1"' in a, "the owner, with the token: the lab list over TCP")
    a = get("/t/%s/api/labs" % token, "localhost", unix=sock)
    check(a.startswith(b"HTTP/1.1 200") and b'"lab":"fig1"' in a, "the owner, with the token: the lab list over the unix socket")
    a = get("/api/labs", "localhost", unix=sock)
    check(a.startswith(b"HTTP/1.1 403"), "the owner without the token over the unix socket: 403")


if __name__ == "__main__":
    if sys.argv[1] == "other":
        other(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7])
    else:
        owner(sys.argv[2], sys.argv[3])
    sys.exit(min(fails, 100))
