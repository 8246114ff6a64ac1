#!/usr/bin/env python3
"""tests/bench/bench.py: umllab's benchmark suite: bring-up, switches, guests, control path, footprint, in one table.

Run it through `make bench` (tests/bench/run.sh), which runs it as `nobody`
when started as root and stops by pid whatever it leaves. Everything runs on
this machine in one go, side by side with the tools people use today
(uml_switch, vde_switch), so the numbers compare. Every figure is measured
here and now; nothing is hard-coded but the targets of docs/performance.md.

Output (in WORK/out, copied to build/bench/ by run.sh): bench.md (the
table, also printed), bench.json (every sample), bringup.dat and bringup.png
(bring-up time against the number of instances).
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

# The targets of docs/performance.md (issue 5).
TARGET_FIG1_S = 2.0
TARGET_N20_S = 8.0
TARGET_SWITCH_RATIO = 2.0
TARGET_SUPERVISOR_CPU = 0.01
TARGET_SUPERVISOR_MB = 16.0

LAB_SIZES = [5, 10, 20]


class BenchError(Exception):
    pass


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, p):
    """The p-th percentile (nearest rank) of xs."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def spread(xs, fmt="{:.2f}"):
    if not xs:
        return "-"
    return f"{fmt.format(min(xs))}..{fmt.format(max(xs))} ({len(xs)})"


def proc_cpu_ns(pid):
    """CPU time (ns) of every thread of pid, from schedstat; None if gone."""
    total, any_ = 0, False
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
                    any_ = True
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        return None
    return total if any_ else None


def proc_mem_kb(pid):
    """(rss_kb, pss_kb) of pid from smaps_rollup; (0, 0) if gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def process_group(pgid):
    """Pids whose process group is pgid."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                pids.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return pids


def mconsole(sock_path, command, timeout=5.0):
    """Send one mconsole request (see shared uml-notes); return (err, text)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.bind("")  # an abstract name of our own, or no reply can come
        s.settimeout(timeout)
        data = command.encode()
        if len(data) > 512:
            raise BenchError(f"mconsole command too long: {command}")
        s.sendto(struct.pack("=III512s", 0xCAFEBABE, 2, len(data), data), sock_path)
        text, err = b"", 0
        while True:
            reply = s.recv(4096)
            if len(reply) < 12:
                raise BenchError(f"short mconsole reply from {sock_path}")
            e, more, n = struct.unpack("=III", reply[:12])
            err |= e
            text += reply[12:12 + min(n, 512)].rstrip(b"\0")
            if not more:
                return err, text.decode(errors="replace")
    finally:
        s.close()


class Bench:
    def __init__(self, a):
        self.a = a
        self.umllab = a.umllab
        self.swprobe = a.swprobe
        self.work = a.work
        self.state = os.path.join(self.work, "state")
        self.cache = os.path.join(self.work, "cache")
        self.out = os.path.join(self.work, "out")
        self.labdir = os.path.join(self.work, "labs")
        for d in (self.state, self.cache, self.out, self.labdir):
            os.makedirs(d, exist_ok=True)
        self.procs = []  # Popen objects we started and must stop
        self.results = {}
        self.rows = []  # (what, median, range, notes)
        self.ncpu = os.cpu_count() or 1
        self.quick = a.quick

    # ---- processes ----

    def env(self, cache=None):
        e = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.work,
            "UMLLAB_STATE_DIR": self.state,
            "XDG_CACHE_HOME": cache or self.cache,
            "LANG": "C.UTF-8",
        }
        return e

    def run(self, argv, timeout, cache=None, check=True):
        try:
            r = subprocess.run(argv, env=self.env(cache), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BenchError(f"{' '.join(argv)}: no answer within {timeout} s")
        if check and r.returncode != 0:
            raise BenchError(f"{' '.join(argv)}: exit {r.returncode}: {(r.stdout + r.stderr).strip()[-800:]}")
        return r

    def start(self, argv, stdin_pipe=False):
        p = subprocess.Popen(argv, env=self.env(), stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        with open(os.path.join(self.work, "pids"), "a") as f:
            f.write(f"{p.pid}\n")
        return p

    def stop(self, p):
        """Stop one process we started: TERM, then KILL after 5 s."""
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        if p.stdin:
            p.stdin.close()
        if p in self.procs:
            self.procs.remove(p)

    def down_all(self):
        """Take down every lab of ours, then stop by pid what is left."""
        if not os.path.isdir(self.state):
            return
        for lab in os.listdir(self.state):
            d = os.path.join(self.state, lab)
            if not os.path.isdir(d):
                continue
            try:
                subprocess.run([self.umllab, "down", lab], env=self.env(), timeout=60,
                               stdin=subprocess.DEVNULL, capture_output=True)
            except subprocess.TimeoutExpired:
                pass
            pidfiles = [os.path.join(d, "supervisor.pid")]
            ud = os.path.join(d, "uml")
            if os.path.isdir(ud):
                pidfiles += [os.path.join(ud, n, "pid") for n in os.listdir(ud)]
            for pf in pidfiles:
                try:
                    pid = int(open(pf).read().strip())
                    cmd = open(f"/proc/{pid}/cmdline", "rb").read()
                except (OSError, ValueError):
                    continue
                if self.work.encode() in cmd or b"umllab" in cmd:
                    for target in (-pid, pid):
                        try:
                            os.kill(target, signal.SIGKILL)
                        except OSError:
                            pass

    def cleanup(self):
        for p in list(self.procs):
            try:
                self.stop(p)
            except Exception:
                pass
        self.down_all()

    # ---- machine and versions ----

    def versions(self):
        def cmd(argv):
            try:
                return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
            except (OSError, subprocess.TimeoutExpired):
                return ""

        def deb(pkg):
            v = cmd(["dpkg-query", "-W", "-f", "${Version}", pkg])
            return v or "not installed"

        model = ""
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        mem_gb = 0.0
        try:
            for line in open("/proc/meminfo"):
                if line.startswith("MemTotal:"):
                    mem_gb = int(line.split()[1]) / 1024 / 1024
        except OSError:
            pass
        rev = cmd(["git", "-C", self.a.repo, "describe", "--always", "--dirty"]) or "unknown"
        v = {
            "cores": self.ncpu,
            "cpu": model,
            "memory_gib": round(mem_gb, 1),
            "host_kernel": platform.release(),
            "umllab": rev,
            "linux.uml": cmd(["/usr/bin/linux.uml", "--version"]).splitlines()[0:1] or ["?"],
            "user-mode-linux": deb("user-mode-linux"),
            "uml-utilities": deb("uml-utilities"),
            "vde2": deb("vde2"),
            "busybox-static": deb("busybox-static"),
            "gcc": (cmd(["gcc", "-dumpfullversion"]) or "?"),
            "gnuplot": (cmd(["gnuplot", "--version"]) or "?"),
            "python": platform.python_version(),
            "loadavg_start": open("/proc/loadavg").read().split()[:3],
        }
        v["linux.uml"] = v["linux.uml"][0]
        self.results["machine"] = v
        return v

    # ---- switches ----

    def switch_kinds(self):
        ctl = os.path.join(self.work, "sw.ctl")
        vdedir = os.path.join(self.work, "vde")
        kinds = [
            ("umllab switch", [self.umllab, "switch", ctl], ctl, False, "switch"),
            ("umllab hub", [self.umllab, "switch", "--hub", ctl], ctl, False, "hub"),
        ]
        if shutil.which("uml_switch"):
            kinds += [("uml_switch", ["uml_switch", "-unix", ctl], ctl, False, "switch"),
                      ("uml_switch -hub", ["uml_switch", "-hub", "-unix", ctl], ctl, False, "hub")]
        if shutil.which("vde_switch"):
            # vde_switch reads commands on stdin and quits at its end: a pipe kept open.
            kinds += [("vde_switch", ["vde_switch", "-s", vdedir], os.path.join(vdedir, "ctl"), True, "switch"),
                      ("vde_switch -x (hub)", ["vde_switch", "-x", "-s", vdedir], os.path.join(vdedir, "ctl"),
                       True, "hub")]
        return kinds

    def with_switch(self, kind, fn, pin=None):
        name, argv, ctl, pipe, _ = kind
        for path in (ctl,):
            if os.path.exists(path):
                os.unlink(path)
        shutil.rmtree(os.path.join(self.work, "vde"), ignore_errors=True)
        if pin is not None:
            argv = ["taskset", "-c", str(pin)] + argv
        p = self.start(argv, stdin_pipe=pipe)
        try:
            deadline = time.monotonic() + 5
            while not os.path.exists(ctl):
                if p.poll() is not None or time.monotonic() > deadline:
                    raise BenchError(f"{name}: no control socket at {ctl}")
                time.sleep(0.02)
            return fn(p.pid, ctl)
        finally:
            self.stop(p)

    def probe(self, argv, timeout):
        r = self.run(argv, timeout)
        line = r.stdout.strip().splitlines()[-1]
        kv = dict(x.split("=", 1) for x in line.split()[1:])
        return {k: float(v) for k, v in kv.items()}

    def bench_switches(self):
        kinds = self.switch_kinds()
        runs = 1 if self.quick else 3
        secs = 1.0 if self.quick else 2.0
        sizes = [64, 1514]
        load = {(k[0], s): [] for k in kinds for s in sizes}
        rtt = {k[0]: [] for k in kinds}
        pin = self.ncpu - 1
        total = runs * len(kinds) * (len(sizes) + 1)
        done = 0
        # Round-robin, so a change in the machine's load touches every switch alike.
        for r in range(runs):
            for kind in kinds:
                for size in sizes:
                    done += 1
                    log(f"switch {done}/{total}: {kind[0]}, {size}-byte frames")
                    res = self.with_switch(kind, lambda pid, ctl: self.probe(
                        [self.swprobe, "load", "--pairs", "2", "--size", str(size), "--window",
                         str(self.a.window), "--secs", str(secs), "--warm", "0.3", "--pid", str(pid), ctl],
                        timeout=30))
                    load[(kind[0], size)].append(res)
                done += 1
                log(f"switch {done}/{total}: {kind[0]}, round trip")
                res = self.with_switch(kind, lambda pid, ctl: self.probe(
                    ["taskset", "-c", str(pin), self.swprobe, "rtt", "--count",
                     "5000" if self.quick else "20000", "--size", "64", "--pid", str(pid), ctl],
                    timeout=60), pin=pin)
                rtt[kind[0]].append(res)
        self.results["switch_load"] = {f"{k}|{s}": v for (k, s), v in load.items()}
        self.results["switch_rtt"] = rtt

        def fps_med(k, s):
            return median([x["fps"] for x in load.get((k, s), [])])

        def cpu_med(k, s):
            return median([x["fps_per_switch_cpu"] for x in load.get((k, s), []) if x["fps_per_switch_cpu"] > 0])

        for size in sizes:
            for kind in kinds:
                k = kind[0]
                xs = load[(k, size)]
                fps = [x["fps"] / 1000 for x in xs]
                loss = [x["loss"] * 100 for x in xs]
                per_cpu = [x["fps_per_switch_cpu"] / 1000 for x in xs if x["fps_per_switch_cpu"] > 0]
                note = f"loss {median(loss):.2f} % (max {max(loss):.2f}); {median(per_cpu):.0f} k per switch CPU-s"
                peer = "uml_switch" if kind[4] == "switch" else "uml_switch -hub"
                if k.startswith("umllab") and (peer, size) in load:
                    r1 = fps_med(k, size) / fps_med(peer, size)
                    r2 = cpu_med(k, size) / cpu_med(peer, size)
                    note += f"; {r1:.2f}x {peer} (per CPU-s {r2:.2f}x)"
                self.row(f"switch: {k}, {size} B frames, k frames/s", f"{median(fps):.0f}", spread(fps, "{:.0f}"),
                         note)
        for kind in kinds:
            k = kind[0]
            xs = rtt[k]
            p50 = [x["p50_us"] for x in xs]
            p99 = [x["p99_us"] for x in xs]
            note = f"p99 {median(p99):.1f} us"
            self.row(f"switch: {k}, 64 B ping-pong round trip, us (one CPU)", f"{median(p50):.1f}",
                     spread(p50, "{:.1f}"), note)

    # ---- labs ----

    def make_lab(self, n):
        path = os.path.join(self.labdir, f"bench{n}.yaml")
        with open(path, "w") as f:
            f.write(f"# {n} instances on one switch (tests/bench/bench.py)\nname: bench{n}\n")
            f.write("switches:\n  S1: {mode: switch}\ninstances:\n")
            for i in range(1, n + 1):
                f.write(f"  h{i}:\n    interfaces:\n      eth0: {{switch: S1, ip: 10.0.{i // 250}.{i % 250 + 1}/16}}\n")
        return path

    def lab_up(self, labfile, name, cache=None):
        """umllab up, then wait until every instance answers a ping from the
        first one. Returns (seconds until up returned, until all answered)."""
        t0 = time.monotonic()
        self.run([self.umllab, "up", labfile], timeout=180, cache=cache)
        t_up = time.monotonic() - t0
        st = json.loads(self.run([self.umllab, "status", name, "--json"], timeout=30).stdout)
        insts = st["instances"]
        first = insts[0]["name"]
        ips = [i["interfaces"][0]["ip"].split("/")[0] for i in insts[1:]]
        script = " ".join(f"{{ ping -c 1 -W 1 {ip} >/dev/null 2>&1 || echo no answer from {ip}; }} &"
                          for ip in ips) + " wait"
        deadline = t0 + 120
        while True:
            r = self.run([self.umllab, "exec", "--lab", name, first, "--", "sh", "-c", script], timeout=60,
                         check=False)
            if r.returncode == 0 and not r.stdout.strip():
                break
            if time.monotonic() > deadline:
                raise BenchError(f"lab {name}: not every instance answered a ping: {r.stdout.strip()[-300:]}")
        return t_up, time.monotonic() - t0, st

    def lab_down(self, name):
        self.run([self.umllab, "down", name], timeout=60)

    def bench_bringup(self):
        fig1 = os.path.join(self.a.repo, "labs", "fig1.yaml")
        labs = [("fig1", 2, fig1)] + [(f"bench{n}", n, self.make_lab(n)) for n in LAB_SIZES]
        if self.quick:
            labs = labs[:2]
        runs = {"fig1": 2 if self.quick else 5}
        cold_cache = os.path.join(self.work, "cold")
        data = {}
        # Warm the cache once (that build is not counted).
        self.run([self.umllab, "up", fig1], timeout=180)
        self.lab_down("fig1")
        for name, n, path in labs:
            nrun = runs.get(name, 2 if self.quick else 3)
            d = data[name] = {"n": n, "cached": [], "cached_up": [], "cold": [], "cold_up": []}
            for i in range(nrun):
                log(f"bring-up: {name} ({n} instances), image cached, run {i + 1}/{nrun}")
                t_up, t_ping, st = self.lab_up(path, name)
                d["cached_up"].append(t_up)
                d["cached"].append(t_ping)
                if n == max(x[1] for x in labs) and i == nrun - 1:
                    self.footprint(name, st)
                self.lab_down(name)
            for i in range(nrun):
                log(f"bring-up: {name} ({n} instances), image built from nothing, run {i + 1}/{nrun}")
                shutil.rmtree(cold_cache, ignore_errors=True)
                os.makedirs(cold_cache)
                t_up, t_ping, _ = self.lab_up(path, name, cache=cold_cache)
                d["cold_up"].append(t_up)
                d["cold"].append(t_ping)
                self.lab_down(name)
        shutil.rmtree(cold_cache, ignore_errors=True)
        self.results["bringup"] = data
        for name, n, _ in labs:
            d = data[name]
            for kind, label in (("cached", "image cached"), ("cold", "image built from nothing")):
                xs = d[kind]
                note = f"`up` returned after {median(d[kind + '_up']):.2f} s"
                target = TARGET_FIG1_S if name == "fig1" else TARGET_N20_S if n == 20 else None
                if target and kind == "cached":
                    m = median(xs)
                    note += f"; target < {target:.1f} s: " + (
                        "met" if m < target else f"missed by {m - target:.2f} s")
                title = "fig1 (2 instances)" if name == "fig1" else f"{n} instances on one switch"
                self.row(f"bring-up: {title}, {label}: up to every ping answered, s", f"{median(xs):.2f}",
                         spread(xs), note)
        with open(os.path.join(self.out, "bringup.dat"), "w") as f:
            f.write("# instances  cached_median cached_min cached_max  cold_median cold_min cold_max  (seconds)\n")
            for name, n, _ in labs:
                d = data[name]
                f.write(f"{n} {median(d['cached']):.3f} {min(d['cached']):.3f} {max(d['cached']):.3f} "
                        f"{median(d['cold']):.3f} {min(d['cold']):.3f} {max(d['cold']):.3f}\n")

    def footprint(self, name, st):
        """With the biggest lab up and idle: memory per instance, the
        supervisor's memory and CPU, copy-on-write files."""
        log(f"footprint: {name} idle")
        time.sleep(2)
        sup = st["supervisor_pid"]
        insts = [(i["name"], i["pid"]) for i in st["instances"]]
        groups = {nm: process_group(pid) for nm, pid in insts}
        window = 3.0 if self.quick else 10.0
        c0 = proc_cpu_ns(sup)
        g0 = sum(proc_cpu_ns(p) or 0 for ps in groups.values() for p in ps)
        t0 = time.monotonic()
        time.sleep(window)
        c1 = proc_cpu_ns(sup)
        g1 = sum(proc_cpu_ns(p) or 0 for ps in groups.values() for p in ps)
        dt = time.monotonic() - t0
        sup_cpu = (c1 - c0) / 1e9 / dt if c0 is not None and c1 is not None else float("nan")
        guests_cpu = (g1 - g0) / 1e9 / dt
        sup_rss, sup_pss = proc_mem_kb(sup)
        pss, rss = [], []
        for nm, ps in groups.items():
            mem = [proc_mem_kb(p) for p in ps]
            rss.append(sum(m[0] for m in mem) / 1024)
            pss.append(sum(m[1] for m in mem) / 1024)
        cow = []
        for nm, _ in insts:
            try:
                cow.append(os.stat(os.path.join(self.state, name, f"{nm}.cow")).st_blocks * 512 / 1024)
            except OSError:
                pass
        n = len(insts)
        self.results["footprint"] = {
            "instances": n, "supervisor_cpu": sup_cpu, "supervisor_rss_mb": sup_rss / 1024,
            "supervisor_pss_mb": sup_pss / 1024, "instance_pss_mb": pss, "instance_rss_mb": rss,
            "guests_cpu": guests_cpu, "cow_kb": cow, "window_s": dt}
        self.row(f"footprint: host memory per running instance (PSS of its processes), MB", f"{median(pss):.1f}",
                 spread(pss, "{:.1f}"), f"RSS {median(rss):.1f} MB; mem=64M guests, {n} up")
        self.row(f"footprint: supervisor CPU, idle, {n} instances, %", f"{sup_cpu * 100:.2f}", f"{dt:.0f} s window",
                 f"target < {TARGET_SUPERVISOR_CPU * 100:.0f} %: " + (
                     "met" if sup_cpu < TARGET_SUPERVISOR_CPU else "missed") +
                 f"; all {n} idle kernels together: {guests_cpu * 100:.1f} % of one core")
        self.row(f"footprint: supervisor memory, {n} instances (RSS), MB", f"{sup_rss / 1024:.1f}", "-",
                 f"PSS {sup_pss / 1024:.1f} MB; target < {TARGET_SUPERVISOR_MB:.0f} MB: " + (
                     "met" if sup_rss / 1024 < TARGET_SUPERVISOR_MB else "missed"))
        self.row("footprint: copy-on-write file per instance after boot (disk used), KB", f"{median(cow):.0f}",
                 spread(cow, "{:.0f}"), "sparse file over the shared read-only image")

    # ---- a running figure 1: control path, guests through two switches ----

    def bench_fig1(self):
        fig1 = os.path.join(self.a.repo, "labs", "fig1.yaml")
        log("control path and guests: figure 1 up")
        self.lab_up(fig1, "fig1")
        try:
            n = 5 if self.quick else 15
            ex, pg = [], []
            for _ in range(n):
                t0 = time.monotonic()
                self.run([self.umllab, "exec", "--lab", "fig1", "umlA", "--", "true"], timeout=30)
                ex.append((time.monotonic() - t0) * 1000)
                t0 = time.monotonic()
                self.run([self.umllab, "ping", "--lab", "fig1", "umlA", "umlB", "-c", "1"], timeout=30)
                pg.append((time.monotonic() - t0) * 1000)
            self.results["control"] = {"exec_ms": ex, "ping_ms": pg}
            self.row("control path: `umllab exec umlA -- true`, ms", f"{median(ex):.1f}", spread(ex, "{:.1f}"),
                     f"p90 {pct(ex, 90):.1f} ms")
            self.row("control path: `umllab ping umlA umlB -c 1`, ms", f"{median(pg):.1f}", spread(pg, "{:.1f}"),
                     f"p90 {pct(pg, 90):.1f} ms")
            self.guests_rtt()
        finally:
            self.lab_down("fig1")

    def guest_ping(self, dst, count):
        r = self.run([self.umllab, "exec", "--lab", "fig1", "umlA", "--", "ping", "-c", str(count), "-i", "0.01",
                      dst], timeout=60)
        times = [float(m) for m in re.findall(r"time=([0-9.]+) ms", r.stdout)]
        if len(times) < count * 0.9:
            raise BenchError(f"ping {dst} from umlA: only {len(times)} of {count} replies")
        return times[1:]  # the first waited for ARP

    def guests_rtt(self):
        """umlA and umlB ping each other through umllab's switch S1 (eth0)
        and, at the same time in the same guests, through a uml_switch that
        their eth1 is plugged into over mconsole."""
        if not shutil.which("uml_switch"):
            self.row("guests: ping umlA -> umlB through uml_switch", "-", "-", "uml_switch not installed")
            return
        ctl = os.path.join(self.work, "us.ctl")
        if os.path.exists(ctl):
            os.unlink(ctl)
        p = self.start(["uml_switch", "-unix", ctl])
        try:
            deadline = time.monotonic() + 5
            while not os.path.exists(ctl):
                if time.monotonic() > deadline:
                    raise BenchError("uml_switch: no control socket")
                time.sleep(0.02)
            for nm, ip, mac in (("umlA", "10.99.0.1", "02:00:00:99:00:01"), ("umlB", "10.99.0.2", "02:00:00:99:00:02")):
                sock = os.path.join(self.state, "fig1", "uml", nm, "mconsole")
                err, text = mconsole(sock, f"config eth1=daemon,{mac},unix,{ctl}")
                if err:
                    raise BenchError(f"{nm}: mconsole config eth1: {text}")
                self.run([self.umllab, "exec", "--lab", "fig1", nm, "--", "sh", "-c",
                          f"ip addr add {ip}/24 dev eth1 && ip link set eth1 up"], timeout=30)
            count = 51 if self.quick else 201
            via = {"umllab switch": [], "uml_switch": []}
            for _ in range(2):
                via["umllab switch"] += self.guest_ping("10.0.0.2", count)
                via["uml_switch"] += self.guest_ping("10.99.0.2", count)
            self.results["guests_rtt_ms"] = via
            base = median(via["uml_switch"])
            for k, xs in via.items():
                note = f"p99 {pct(xs, 99):.3f} ms"
                if k != "uml_switch":
                    note += f"; {median(xs) / base:.2f}x uml_switch's median"
                self.row(f"guests: ping umlA -> umlB through {k}, ms", f"{median(xs):.3f}",
                         spread(xs, "{:.3f}"), note)
        finally:
            self.stop(p)

    # ---- output ----

    def row(self, what, med, rng, notes):
        self.rows.append((what, med, rng, notes))

    def table(self):
        m = self.results["machine"]
        head = [
            f"umllab benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (make bench)",
            "",
            f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, host Linux {m['host_kernel']}, "
            f"load average at start {' '.join(m['loadavg_start'])}, at end {' '.join(m.get('loadavg_end', []))}.",
            f"Versions: umllab {m['umllab']}, linux.uml {m['linux.uml']} (user-mode-linux {m['user-mode-linux']}), "
            f"uml-utilities {m['uml-utilities']}, vde2 {m['vde2']}, busybox-static {m['busybox-static']}, "
            f"gcc {m['gcc']}, {m['gnuplot']}, python {m['python']}.",
            f"Switch load: swprobe load, 2 pairs of ports streaming both ways, at most {self.a.window} frames in "
            "flight per stream, UML-like data sockets; round trip: swprobe rtt, switch and generator on one CPU.",
            "",
            "| what | median | range (runs) | notes |",
            "| --- | ---: | --- | --- |",
        ]
        body = [f"| {w} | {md} | {r} | {n} |" for w, md, r, n in self.rows]
        return "\n".join(head + body) + "\n"

    def plot(self):
        dat = os.path.join(self.out, "bringup.dat")
        png = os.path.join(self.out, "bringup.png")
        if not os.path.exists(dat):
            return
        m = self.results["machine"]
        script = f"""
set terminal pngcairo size 800,500 font "sans,10"
set output "{png}"
set title "umllab: from `umllab up` to every instance answering a ping ({m['cores']} cores)"
set xlabel "instances on one switch"
set ylabel "seconds (median, bars: min..max)"
set key top left
set grid
set xrange [0:*]
set yrange [0:*]
set xtics (2, 5, 10, 20)
plot "{dat}" using 1:2:3:4 with yerrorlines lw 2 pt 7 title "image cached", \\
     "{dat}" using 1:5:6:7 with yerrorlines lw 2 pt 5 title "image built from nothing", \\
     {TARGET_N20_S} / 20.0 * x with lines dt 2 lc rgb "gray" title "8 s for 20 instances (target), scaled"
"""
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True, timeout=60)
        if r.returncode != 0:
            raise BenchError(f"gnuplot: {r.stderr.strip()}")

    def main(self):
        v = self.versions()
        log(f"{v['cores']} cores; umllab {v['umllab']}; work in {self.work}")
        sections = self.a.only.split(",") if self.a.only else ["switch", "bringup", "fig1"]
        t0 = time.monotonic()
        if "switch" in sections:
            self.bench_switches()
        if "fig1" in sections:
            self.bench_fig1()
        if "bringup" in sections:
            self.bench_bringup()
        self.results["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
        self.results["duration_s"] = time.monotonic() - t0
        text = self.table()
        with open(os.path.join(self.out, "bench.md"), "w") as f:
            f.write(text)
        with open(os.path.join(self.out, "bench.json"), "w") as f:
            json.dump(self.results, f, indent=1)
        self.plot()
        print(text, end="")
        log(f"done in {self.results['duration_s']:.0f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--umllab", required=True)
    ap.add_argument("--swprobe", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--quick", action="store_true", help="fewer and shorter runs, to try the suite out")
    ap.add_argument("--only", default="", help="comma-separated sections: switch, fig1, bringup")
    ap.add_argument("--window", type=int, default=32, help="frames in flight per stream in the switch load")
    a = ap.parse_args()
    if os.geteuid() == 0:
        sys.exit("bench: run me through tests/bench/run.sh (make bench): UML must not run as root")

    def on_signal(signum, frame):
        raise SystemExit(f"bench: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    b = Bench(a)
    try:
        b.main()
    except BenchError as e:
        log(f"FAILED: {e}")
        sys.exit(1)
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
