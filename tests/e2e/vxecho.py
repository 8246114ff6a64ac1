#!/usr/bin/env python3
"""tests/e2e/vxecho.py: the far end of a lab switch's trunk (VXLAN over UDP)
that pretends to own an address: it answers ARP requests and ICMP echo
requests for IP, and sends an ICMP echo request of its own every 0.3 s.
t_liars uses it behind a switch named like an instance (issue 22, item 7).

  vxecho.py LISTEN_PORT REMOTE_PORT VNI IP    (both on 127.0.0.1)

Stops by itself after 600 s, or when killed.
"""
import socket
import struct
import sys
import time

MAC = bytes.fromhex("02420000ee01")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ip_packet(src, dst, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, 1, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def main():
    listen, remote, vni, ip = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    me = socket.inet_aton(ip)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", listen))
    s.settimeout(0.3)
    vx = struct.pack("!B3xI", 0x08, vni << 8)
    peer = ("127.0.0.1", remote)
    end = time.time() + 600
    seq = 0
    while time.time() < end:
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            # ICMP from the trunk now and then (a frames check counts it).
            seq += 1
            icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq) + b"\x55" * 56
            icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
            pkt = ip_packet(me, socket.inet_aton("255.255.255.255"), icmp)
            s.sendto(vx + b"\xff" * 6 + MAC + b"\x08\x00" + pkt, peer)
            continue
        if len(data) < 8 + 14:
            continue
        f = data[8:]
        dst, src, etype = f[0:6], f[6:12], f[12:14]
        if etype == b"\x08\x06" and len(f) >= 42 and f[20:22] == b"\x00\x01" and f[38:42] == me:
            arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + MAC + me + f[22:28] + f[28:32]
            s.sendto(vx + f[22:28] + MAC + b"\x08\x06" + arp, peer)
        elif etype == b"\x08\x00" and len(f) >= 14 + 28:
            iph = f[14:]
            ihl = (iph[0] & 15) * 4
            total = struct.unpack("!H", iph[2:4])[0]
            if iph[9] != 1 or iph[16:20] != me or iph[ihl] != 8:
                continue
            icmp = bytearray(iph[ihl:total])
            icmp[0] = 0
            icmp[2:4] = b"\0\0"
            icmp[2:4] = struct.pack("!H", checksum(bytes(icmp)))
            pkt = ip_packet(me, iph[12:16], bytes(icmp))
            s.sendto(vx + src + MAC + b"\x08\x00" + pkt, peer)


if __name__ == "__main__":
    main()
