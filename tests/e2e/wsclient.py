"""tests/e2e/wsclient.py: a small WebSocket client (RFC 6455) from python3's standard library, for t_web: the page's sockets and Chromium's DevTools protocol."""
import base64
import os
import socket
import struct
import urllib.parse


class HandshakeError(Exception):
    def __init__(self, status, head):
        super().__init__("WebSocket handshake refused: %s" % status)
        self.status = status
        self.head = head


class WebSocket:
    def __init__(self, url, headers=None, timeout=10, unix=None):
        u = urllib.parse.urlsplit(url)
        if unix:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix)
        else:
            self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        path = u.path + ("?" + u.query if u.query else "")
        key = base64.b64encode(os.urandom(16)).decode()
        hdrs = {"Host": u.netloc, "Upgrade": "websocket", "Connection": "Upgrade",
                "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"}
        hdrs.update(headers or {})
        req = "GET %s HTTP/1.1\r\n" % path + "".join(
            "%s: %s\r\n" % (k, v) for k, v in hdrs.items() if v is not None) + "\r\n"
        self.sock.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise HandshakeError("closed", self.buf)
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n")[0].decode(errors="replace")
        if " 101 " not in status + " ":
            raise HandshakeError(status, head + b"\r\n\r\n" + self.buf)

    def send(self, data, binary=False):
        if isinstance(data, str):
            data = data.encode()
        op = 2 if binary else 1
        n = len(data)
        hdr = bytes([0x80 | op])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """The next whole message: (opcode, bytes); opcode 1 text, 2 binary, 8 close."""
        payload = b""
        while True:
            b0, b1 = self._need(2)
            op, n = b0 & 15, b1 & 127
            if n == 126:
                n = struct.unpack(">H", self._need(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._need(8))[0]
            mask = self._need(4) if b1 & 128 else None
            data = self._need(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if op == 9:  # ping
                continue
            if op == 8:
                return 8, data
            payload += data
            if b0 & 128:
                return (op if op else 1), payload

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
