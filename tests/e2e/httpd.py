#!/usr/bin/env python3
"""tests/e2e/httpd.py: a small HTTP server on 127.0.0.1 for download tests.

Serves the files of a directory with byte ranges (python's http.server has
none), logs every request, and misbehaves on purpose when asked:
  --drop PATH:BYTES:COUNT   the first COUNT answers for PATH stop after BYTES
                            bytes of the body and close the connection
  --stall PATH              answers for PATH send their headers, then nothing
Writes the port it listens on to --port-file. Stop it with SIGTERM.
"""
import argparse
import http.server
import os
import re
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--drop", action="append", default=[])
    ap.add_argument("--stall", action="append", default=[])
    args = ap.parse_args()
    drops = {}
    for d in args.drop:
        path, nbytes, count = d.rsplit(":", 2)
        drops[path] = [int(nbytes), int(count)]
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def do_GET(self):
            rng = self.headers.get("Range", "")
            with lock:
                log.write("GET %s range=%s\n" % (self.path, rng or "-"))
            name = os.path.join(args.dir, self.path.lstrip("/"))
            if "/../" in self.path or not os.path.isfile(name):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = open(name, "rb").read()
            start = 0
            m = re.match(r"bytes=(\d+)-$", rng)
            if m:
                start = int(m.group(1))
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", "bytes */%d" % len(data))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if self.path in args.stall:
                time.sleep(3600)
                return
            cut = None
            with lock:
                d = drops.get(self.path)
                if d and d[1] > 0:
                    d[1] -= 1
                    cut = d[0]
            if cut is not None:
                self.wfile.write(body[:cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
