#!/usr/bin/env python3
# tests/fuzz/seeds.py: write the seed corpus of every fuzz harness into tests/fuzz/corpus/ (run from anywhere; rerun after a format change).
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def write(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def u32(*v):
    return struct.pack("=" + "I" * len(v), *v)


# ---- topology: the example labs, plus one file per kind of mistake ----
LABS = ["fig1", "hub", "routed", "ipv6", "debian", "hostfs", "watchdog", "shared-root", "switch-vs-hub"]
for lab in LABS:
    with open(os.path.join(ROOT, "labs", lab + ".yaml"), "rb") as f:
        write("topology", lab + ".yaml", f.read())
with open(os.path.join(ROOT, "tests", "e2e", "labs", "live.yaml"), "rb") as f:
    write("topology", "e2e-live.yaml", f.read())
write("topology", "bad-alias.yaml", "switches:\n  S1: &s {mode: hub}\n  S2: *s\ninstances: {}\n")
write("topology", "bad-dupkey.yaml",
      "instances:\n  a:\n    mem: 64M\n    mem: 32M\n  a: {}\n")
write("topology", "bad-tab.yaml", "instances:\n\ta: {}\n")
write("topology", "bad-two-docs.yaml", "instances: {a: {}}\n---\ninstances: {b: {}}\n")
write("topology", "bad-values.yaml",
      "name: 'no spaces'\nswitches: {S1: {mode: bus}}\ninstances:\n  a:\n    mem: 9T\n"
      "    interfaces:\n      eth16: {switch: S2, ip: 10.0.0.300/33, mac: 01:00:00:00:00:00}\n"
      "    routes: [{to: 10.1.0.1/16, via: nowhere}]\n    restart: sometimes\n")
write("topology", "bad-same-addr.yaml",
      "switches: {S: {}}\ninstances:\n  a: {interfaces: {eth0: {switch: S, ip: 10.0.0.1/24}}}\n"
      "  b: {interfaces: {eth0: {switch: S, ip: 10.0.0.1/24, mac: 02:00:00:00:00:01}}}\n"
      "  c: {interfaces: {eth0: {switch: S, mac: 02:00:00:00:00:01}}}\n")
write("topology", "images.yaml",
      "images:\n  deb: {debian: bookworm, packages: [iproute2, tcpdump], mirror: http://deb.debian.org/debian}\n"
      "  web: {url: https://example.org/r.img, sha256: " + "ab" * 32 + "}\n"
      "  disk: {file: ./router.img}\nimage: deb\nshare: {dir: /tmp, readonly: true}\n"
      "instances:\n  a: {image: web, forward: true, startup: [ip addr, 'echo hi'], unsafe_shared_root: true}\n"
      "  b: {share: ./x, restart: never, mem: 128M}\n")
write("topology", "ipv6-keys.yaml",
      "ipv6: true\nswitches: {S1: {}, S2: {}}\ninstances:\n"
      "  h1:\n    interfaces: {eth0: {switch: S1, ip: [10.0.1.1/24, 2001:db8:1::1/64]}}\n"
      "    routes: [{to: default, via: fe80::1, dev: eth0}, {to: default, via: 10.0.1.254},\n"
      "             {to: 2001:db8:9::/48, via: 2001:db8:1::fe, dev: eth0}]\n"
      "  r1:\n    forward: true\n    interfaces:\n"
      "      eth0: {switch: S1, ip: [10.0.1.254/24, 2001:db8:1::fe/64, fe80::1/64], ra: true}\n"
      "      eth1: {switch: S2, ip: [2001:db8:2::fe/64, fe80::1/64], ra: true}\n"
      "  h2: {interfaces: {eth0: {switch: S2}}}\n  h3: {ipv6: false}\n")
write("topology", "bad-ipv6.yaml",
      "switches: {S: {}}\ninstances:\n  a:\n    ipv6: false\n"
      "    interfaces: {eth0: {switch: S, ip: [2001:db8::/64, fe80::1/10, \"::1/128\", 2001:db8::1], ra: true}}\n"
      "    routes: [{to: 2001:db8:2::1/64, via: 10.0.0.1}, {to: default, via: fe80::1}]\n"
      "  b: {interfaces: {eth0: {switch: S, ip: fe80::1/64}}}\n  c: {interfaces: {eth0: {switch: S, ip: fe80::1/64}}}\n")
write("topology", "deep.yaml", "instances: " + "[" * 40 + "]" * 40 + "\n")
write("topology", "empty.yaml", "")

# ---- checks_spec: the check specs of the tests and labs, and the lab files' own checks ----
for name, path in [("pass.yaml", "tests/e2e/labs/check/pass.yaml"),
                   ("fail.yaml", "tests/e2e/labs/check/fail.yaml"),
                   ("bad.yaml", "tests/e2e/labs/check/bad.yaml"),
                   ("fig1.yaml", "labs/fig1.yaml"),
                   ("troubleshoot-checks.yaml", "labs/troubleshoot-checks.yaml")]:
    with open(os.path.join(ROOT, path), "rb") as f:
        write("checks_spec", name, f.read())
write("checks_spec", "ipv6.yaml",
      "checks:\n  - {name: a, reach: {from: h1, to: h2, ipv6: true}}\n"
      "  - {name: b, path: {from: h1, to: \"fe80::1%eth0\", via: []}}\n"
      "  - {name: c, iface: {on: h1, dev: eth0, address: 2001:db8::1/64}}\n"
      "  - {name: d, route: {on: h1, to: default, ipv6: true, via: fe80::1, dev: eth0}}\n"
      "  - {name: e, forwarding: {on: r1, ipv6: true}}\n"
      "  - {name: f, frames: {switch: S1, proto: icmp6}}\n")

# ---- mconsole replies (err, more, len, data) and notifications (magic, version, type, len, data) ----
MAGIC, VERSION = 0xcafebabe, 2


def reply(err, more, data, length=None):
    return u32(err, more, len(data) if length is None else length) + data


def notify(kind, data, magic=MAGIC, version=VERSION):
    return u32(magic, version, kind, len(data)) + data


write("mconsole_reply", "ok-version", reply(0, 0, b"OK Linux 6.1.0\0"))
write("mconsole_reply", "part-more", reply(0, 1, b"first part of a long answer"))
write("mconsole_reply", "err", reply(1, 0, b"Unknown command\0"))
write("mconsole_reply", "empty", reply(0, 0, b""))
write("mconsole_reply", "whole-struct", reply(0, 0, b"OK\0", 3) + b"\0" * 509)
write("mconsole_reply", "len-past-end", reply(0, 0, b"abc", 40))
write("mconsole_reply", "len-too-big", reply(0, 0, b"x" * 520, 513))
write("mconsole_reply", "short", b"\0\0\0\0\0\0")
write("mconsole_reply", "notify-socket", notify(0, b"/tmp/umllab/uml/umlA/mconsole\0"))
write("mconsole_reply", "notify-user", notify(3, b"umllab:o 3\nhello\n"))
write("mconsole_reply", "notify-panic", notify(1, b"Kernel panic - not syncing: VFS\0"))
write("mconsole_reply", "notify-bad-magic", notify(3, b"x", magic=0xdeadbeef))

# ---- guest agent messages (the data of MCONSOLE_NOTIFY_USER datagrams) ----
for name, text in [
    ("ready", b"umllab:ready 1"), ("ready-nl", b"umllab:ready 1\n"),
    ("fail", b"umllab:fail eth0: no such device\n"),
    ("output", b"umllab:o 12\nPING 10.0.0.2\n\0binary\xff"), ("output-empty", b"umllab:o 7\n"),
    ("end", b"umllab:e 12 0"), ("end-nl", b"umllab:e 4294967295 125\n"),
    ("end-overflow", b"umllab:e 4294967296 0"), ("end-no-status", b"umllab:e 12"),
    ("output-no-nl", b"umllab:o 5"), ("request-echo", b"umllab:x 1 0 e bHMgLWw=\n"),
    ("tag-only", b"umllab:"), ("other", b"some other program wrote this"),
    ("ready-neg", b"umllab:ready -1"),
]:
    write("agent_msg", name, text)

# ---- control frames: one byte (how the stream is cut), then {u16 version, u16 type, u32 len} + payload ----
with open(os.path.join(ROOT, "core", "base", "control.h")) as f:
    CTL_VERSION = int(re.search(r"#define CTL_VERSION (\d+)", f.read()).group(1))


def frame(kind, payload=b"", version=CTL_VERSION, length=None):
    return struct.pack("=HHI", version, kind, len(payload) if length is None else length) + payload


REQUEST, STDOUT, STDERR, EXIT, STDIN = 1, 2, 3, 4, 5
write("control", "request-status", b"\x00" + frame(REQUEST, b"status\0"))
write("control", "request-exec", b"\x03" + frame(REQUEST, b"exec\0umlA\0ping -c 1 10.0.0.2\0"))
write("control", "answer", b"\x07" + frame(STDOUT, b"PING 10.0.0.2\n") + frame(STDERR, b"warn\n")
      + frame(EXIT, struct.pack("=I", 0)))
write("control", "console", b"\x01" + frame(REQUEST, b"console\0umlA\0") + frame(STDIN, b"ls\r"))
write("control", "bad-version", b"\x00" + frame(REQUEST, b"status\0", version=CTL_VERSION + 1))
write("control", "bad-type", b"\x00" + frame(9, b""))
write("control", "too-long", b"\x00" + frame(STDOUT, b"x", length=(1 << 20) + 1))
write("control", "truncated", b"\x1f" + frame(STDOUT, b"abc", length=10))
write("control", "argv-unterminated", b"\x00" + frame(REQUEST, b"status"))
write("control", "argv-many", b"\x00" + frame(REQUEST, b"a\0" * 65))
write("control", "request-empty", b"\x00" + frame(REQUEST, b""))
write("control", "ack", b"\x02" + frame(REQUEST, b"up\0") + frame(6) + frame(EXIT, struct.pack("=I", 1)))

# ---- daemon protocol: requests (magic, version, type, sockaddr_un, 2 bytes padding) and replies ----
AF_UNIX = 1


def sun(path, family=AF_UNIX):
    return struct.pack("=H", family) + path.ljust(108, b"\0")[:108]


def request(addr, magic=0xfeedface, version=3, kind=0, tail=b"\0\0"):
    return u32(magic, version, kind) + addr + tail


write("daemon_proto", "request", request(sun(b"/tmp/umllab/sw/S1/data-client")))
write("daemon_proto", "request-abstract", request(sun(b"\0umllab-abstract-\xff\x01")))
write("daemon_proto", "request-min", request(sun(b"/x"), tail=b""))
write("daemon_proto", "request-vde", request(sun(b"/tmp/vde.sock"), tail=b"\0\0" + b"description\0" * 4))
write("daemon_proto", "request-bad-magic", request(sun(b"/x"), magic=0xfeedfacf))
write("daemon_proto", "request-bad-version", request(sun(b"/x"), version=2))
write("daemon_proto", "request-bad-type", request(sun(b"/x"), kind=1))
write("daemon_proto", "request-inet", request(sun(b"/x", family=2)))
write("daemon_proto", "request-no-nul", request(sun(b"/" * 108)))
write("daemon_proto", "request-partial", request(sun(b"/x"))[:40])
write("daemon_proto", "reply", sun(b"\0umllab-sw-S1-port-3"))
write("daemon_proto", "reply-path", sun(b"/tmp/umllab/sw/S1/port3"))
write("daemon_proto", "reply-inet", sun(b"\0x", family=2))
write("daemon_proto", "reply-short", sun(b"/x")[:109])
