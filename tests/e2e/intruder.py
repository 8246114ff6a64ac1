#!/usr/bin/env python3
"""tests/e2e/intruder.py: what another local user (or the lab's owner, as a
control) can do to a lab through unix sockets.

  intruder.py inject-all IP MAC     send an ARP request "who-has 10.0.0.1 tell IP"
                                    from MAC to every unix socket /proc/net/unix
                                    lists (abstract names by sendto, paths by
                                    connecting); print what got through
  intruder.py inject-daemon CTL IP MAC
                                    plug into a switch with the uml_switch daemon
                                    protocol and send that ARP request (the owner's
                                    positive control)
  intruder.py abstract PID...       list the abstract-name unix sockets that these
                                    processes hold (by socket inode)
  intruder.py squat PID N           bind N abstract names of the pattern umllab
                                    once used for its switch ports, and hold them
                                    until stdin closes
"""
import os
import socket
import struct
import sys

TARGET_IP = "10.0.0.1"


def arp_request(sender_ip, sender_mac):
    mac = bytes(int(x, 16) for x in sender_mac.split(":"))
    eth = b"\xff" * 6 + mac + b"\x08\x06"
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + socket.inet_aton(sender_ip) \
        + b"\x00" * 6 + socket.inet_aton(TARGET_IP)
    return (eth + arp).ljust(60, b"\x00")


def unix_sockets():
    """(inode, type, name) of every bound unix socket; abstract names start with @."""
    out = []
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            parts = line.split()
            if len(parts) < 8:
                continue
            out.append((int(parts[6]), int(parts[4], 16), parts[7]))
    return out


def inject_all(ip, mac):
    frame = arp_request(ip, mac)
    sent = refused = reached = 0
    for _inode, _type, name in unix_sockets():
        if name.startswith("@"):
            # /proc shows NULs as @; UML's names are binary, so try both the
            # shown text padded to the full length UML binds with, and as is.
            raw = b"\0" + name[1:].encode("latin-1", "replace")
            for addr in (raw, raw.ljust(108, b"\0")):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                try:
                    s.sendto(frame, addr)
                    sent += 1
                except OSError:
                    pass
                finally:
                    s.close()
            continue
        for kind in (socket.SOCK_SEQPACKET, socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_UNIX, kind)
            s.settimeout(1)
            try:
                if kind == socket.SOCK_DGRAM:
                    s.sendto(frame, name)
                else:
                    s.connect(name)
                    s.send(frame)
                reached += 1
                print(f"reached {name} ({kind.name})")
            except PermissionError:
                refused += 1
            except OSError:
                pass
            finally:
                s.close()
    print(f"abstract sendto ok {sent}, paths refused {refused}, paths reached {reached}")
    return 0


def inject_daemon(ctl, ip, mac):
    data = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = b"\0umllab-e2e-owner-%d" % os.getpid()
    data.bind(name.ljust(108, b"\0"))
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(ctl)
    sun = struct.pack("H", socket.AF_UNIX) + name.ljust(108, b"\0")
    c.sendall(struct.pack("III", 0xfeedface, 3, 0) + sun + b"\0\0")
    reply = b""
    while len(reply) < 110:
        chunk = c.recv(110 - len(reply))
        if not chunk:
            print("the switch closed the connection", file=sys.stderr)
            return 1
        reply += chunk
    data.sendto(arp_request(ip, mac), reply[2:])
    # Stay plugged a moment so the frame is forwarded before the port goes.
    data.settimeout(1)
    try:
        data.recv(2048)
    except OSError:
        pass
    return 0


def abstract_of(pids):
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    inodes.add(int(link[8:-1]))
        except OSError:
            continue
    found = [name for inode, _t, name in unix_sockets() if inode in inodes and name.startswith("@")]
    for name in found:
        print(name)
    return 0


def squat(pid, n):
    held = []
    for serial in range(4):
        for port in range(n // 4):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            name = b"\0umllab-%d-%d-%d" % (pid, serial, port)
            try:
                s.bind(name.ljust(108, b"\0"))
                held.append(s)
            except OSError:
                s.close()
    print(f"holding {len(held)} names", flush=True)
    sys.stdin.read()
    return 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "inject-all":
        return inject_all(argv[2], argv[3])
    if len(argv) >= 5 and argv[1] == "inject-daemon":
        return inject_daemon(argv[2], argv[3], argv[4])
    if len(argv) >= 2 and argv[1] == "abstract":
        return abstract_of(argv[2:])
    if len(argv) >= 4 and argv[1] == "squat":
        return squat(int(argv[2]), int(argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
