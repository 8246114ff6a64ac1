#!/usr/bin/env python3
"""tests/soak/soak.py: a soak of a running lab: random faults and traffic for a set time (`make soak`).

One lab of N instances (h1..hN, eth0 10.0.0.i/24) on one switch S1, plus an
empty switch S2 that plugged cards join. For --seconds, every few seconds a
random fault hits a random instance (never two at once on one instance):
kill -9 of its kernel, SIGSTOP of its kernel (the watchdog must call it hung
and restart it), a panic (mconsole `sysrq c`, or `echo c >
/proc/sysrq-trigger` inside), its cable pulled and put back (`link`), a card
plugged into S2 and taken out again (`plug`/`unplug`), `umllab restart`.
Meanwhile pinger threads ping between random pairs (`umllab exec A -- ping
-c 1 -W 3 B`). A fault window runs from a fault's start until the instance
is `running` again (as `status --json` shows it) plus a grace; a ping that
involves an instance inside one of its windows is left out, every other
failed ping counts as lost. At the end: a stuck instance (not running
--stuck-after seconds after its fault ended, or failed), a lost ping, a
descriptor more in the supervisor than at the start (lab idle both times),
RSS growth over --rss-tolerance-kb, a UML process that belongs to no
current kernel, or anything left after `down` fails the soak (exit 1).

Run as root, every umllab command runs as `nobody` (setpriv); this script
stays root to signal kernels and read the supervisor's /proc entries.
Whatever happens (Ctrl-C, exception, time limit) everything started is
stopped by pid. Standard library only.
"""
import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

LAB = "soak"
KINDS = ["kill9", "sigstop", "panic", "link", "plug", "restart"]
CRASH_KINDS = {"kill9", "sigstop", "panic"}  # those the watchdog restarts (its budget: 5 a minute)
# Causes the watchdog should record for each crash kind (status --json "cause").
CAUSES = {"kill9": "killed by signal 9", "sigstop": "hung", "panic": "panic"}

_T0 = time.monotonic()


def now():
    return time.monotonic()


def log(msg):
    print(f"soak: {now() - _T0:6.1f} s: {msg}", file=sys.stderr, flush=True)


class SoakAbort(Exception):
    pass


class Fault:
    def __init__(self, kind, inst, start):
        self.kind = kind
        self.inst = inst
        self.start = start
        self.acted = None     # when the fault's action ended (signal sent, link up again, unplugged, ...)
        self.end = None       # when the instance was seen running again
        self.stuck = False
        self.errors = []      # fault commands that failed
        self.note = ""
        self.method = ""

    def window(self, grace):
        return self.start, (self.end if self.end is not None else float("inf")) + grace


class Soak:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.n = a.instances
        self.names = [f"h{i}" for i in range(1, self.n + 1)]
        self.ip = {f"h{i}": f"10.0.0.{i}" for i in range(1, self.n + 1)}
        self.root = os.geteuid() == 0
        self.runas = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] if self.root else []
        self.work = a.work or tempfile.mkdtemp(prefix="umllab-soak.", dir="/tmp")
        self.state = os.path.join(self.work, "state")
        self.labdir = os.path.join(self.state, LAB)
        self.umllab = a.umllab
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.stop = threading.Event()       # stop traffic and monitoring
        self.stop_faults = threading.Event()
        self.procs = set()                  # Popen objects alive
        self.snap = {}                      # name -> instance dict from status --json
        self.snap_time = 0.0
        self.sup_pid = None
        self.faults = []
        self.active = {}                    # name -> Fault in progress
        self.cooldown = {}                  # name -> time until which it gets no new fault
        self.crash_times = {n: [] for n in self.names}
        self.pings = []                     # (t0, t1, a, b, rc, rtt_ms, tail)
        self.samples = []                   # (t, fds, rss_kb, uml_procs)
        self.restarts = []                  # (t, name, old pid, new pid, cause): new kernels seen
        self.errors = []                    # things that went wrong outside faults
        self.status_failures = 0
        self.lab_up = False
        self.closing = False                # set by cleanup: start no new command
        self.threads = []

    # ---- processes ----

    def env(self):
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": self.work,
            "UMLLAB_STATE_DIR": self.state,
            "XDG_CACHE_HOME": os.path.join(self.work, "cache"),
            "LANG": "C.UTF-8",
        }

    def run(self, args, timeout):
        """Run `umllab ARGS` (as nobody when root) with a time limit.
        Returns (exit code, output); exit code None on time out."""
        if self.closing:
            return None, "(not run: the soak is stopping)"
        argv = self.runas + [self.umllab] + args
        p = subprocess.Popen(argv, env=self.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, errors="replace", cwd=self.work)
        with self.lock:
            self.procs.add(p)
        try:
            out, _ = p.communicate(timeout=timeout)
            return p.returncode, out
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            return None, out
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            with self.lock:
                self.procs.discard(p)

    def status(self):
        rc, out = self.run(["status", LAB, "--json"], 20)
        if rc != 0:
            return None
        try:
            return json.loads(out)
        except ValueError:
            return None

    # ---- set-up ----

    def setup(self):
        os.makedirs(self.work, exist_ok=True)
        os.chmod(self.work, 0o755)
        if self.root:
            os.chown(self.work, 65534, 65534)
        # A private copy of the binary: one program for the whole run (others
        # may rebuild the tree meanwhile), readable by nobody even when the
        # checkout is not (under /root, say).
        d = os.path.join(self.work, "bin")
        os.makedirs(d, exist_ok=True)
        shutil.copy(self.umllab, os.path.join(d, "umllab"))
        os.chmod(d, 0o755)
        os.chmod(os.path.join(d, "umllab"), 0o755)
        self.umllab = os.path.join(d, "umllab")
        self.labfile = os.path.join(self.work, "soak.yaml")
        with open(self.labfile, "w") as f:
            f.write(f"# {self.n} instances on one switch; S2 takes the cards plugged during the soak\n")
            f.write(f"name: {LAB}\nswitches:\n  S1: {{mode: switch}}\n  S2: {{mode: switch}}\ninstances:\n")
            for nm in self.names:
                f.write(f"  {nm}:\n    interfaces:\n      eth0: {{switch: S1, ip: {self.ip[nm]}/24}}\n")
        os.chmod(self.labfile, 0o644)

    # ---- observation ----

    def monitor(self):
        """Poll status --json twice a second; fault threads wait on it."""
        while not self.stop.is_set():
            st = self.status()
            t = now()
            if st is None:
                self.status_failures += 1
                if self.sup_pid and not pid_alive(self.sup_pid):
                    self.errors.append(f"{t - _T0:.1f} s: the supervisor (pid {self.sup_pid}) is gone")
                    log("the supervisor is gone; stopping the soak")
                    self.stop_faults.set()
                    self.stop.set()
                    with self.cond:
                        self.cond.notify_all()
                    return
            else:
                with self.cond:
                    new = {i["name"]: i for i in st["instances"]}
                    for nm, i in new.items():
                        o = self.snap.get(nm, {})
                        if (i.get("restarts", 0) > o.get("restarts", 0) or
                                (i.get("pid") and o.get("pid") and i["pid"] != o["pid"])):
                            self.restarts.append((t, nm, o.get("pid"), i.get("pid"), i.get("cause")))
                    self.snap = new
                    self.snap_time = t
                    self.cond.notify_all()
            self.stop.wait(0.5)

    def sampler(self):
        while not self.stop.wait(5.0):
            fds, rss = sup_fds(self.sup_pid), sup_rss_kb(self.sup_pid)
            if fds is not None:
                self.samples.append((now(), fds, rss, len(uml_procs(self.state))))

    def wait_for(self, pred, timeout):
        """Wait until pred(snapshot) holds on a snapshot taken after this call; returns its time or None."""
        t_call = now()
        deadline = t_call + timeout
        with self.cond:
            while True:
                if self.snap_time > t_call and pred(self.snap):
                    return self.snap_time
                left = deadline - now()
                if left <= 0 or self.stop.is_set():
                    return None
                self.cond.wait(min(left, 1.0))

    def inst(self, name):
        with self.lock:
            return dict(self.snap.get(name, {}))

    def available(self, name, t):
        """Running, no fault in progress, past its cool-down."""
        with self.lock:
            return (name not in self.active and self.cooldown.get(name, 0) <= t
                    and self.snap.get(name, {}).get("state") == "running")

    # ---- traffic ----

    def ping_once(self, a, b):
        t0 = now()
        rc, out = self.run(["exec", "--lab", LAB, a, "--", "ping", "-c", "1", "-W", str(self.a.ping_wait),
                            self.ip[b]], self.a.ping_wait + 30)
        t1 = now()
        m = re.search(r"time=([0-9.]+) ms", out or "")
        tail = " ".join((out or "").strip().splitlines()[-2:])[-200:]
        with self.lock:
            self.pings.append((t0, t1, a, b, rc, float(m.group(1)) if m else None, tail))
        return rc

    def pinger(self, seed):
        rng = random.Random(seed)
        while not self.stop.is_set():
            t = now()
            cand = [n for n in self.names if self.available(n, t)]
            if len(cand) < 2:
                self.stop.wait(0.3)
                continue
            a, b = rng.sample(cand, 2)
            self.ping_once(a, b)
            self.stop.wait(self.a.ping_gap)

    def sweep(self, what):
        """Each instance pings its neighbour once (warm-up, and at the end)."""
        bad = []
        for i, a in enumerate(self.names):
            b = self.names[(i + 1) % self.n]
            if a != b and self.ping_once(a, b) != 0:
                bad.append(f"{a}->{b}")
        log(f"{what}: {self.n} pings, {len(bad)} failed {' '.join(bad)}")
        return bad

    # ---- faults ----

    def pidfile(self, name):
        try:
            with open(os.path.join(self.labdir, "uml", name, "pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def eligible(self, kind, t):
        out = []
        for nm in self.names:
            if not self.available(nm, t):
                continue
            if kind in CRASH_KINDS:
                # At most 2 watchdog restarts a minute per instance, well inside its
                # budget of 5 (a failed boot may add one): a soak fault must not be
                # what marks an instance failed.
                recent = [x for x in self.crash_times[nm] if t - x < 65]
                if len(recent) >= 2:
                    continue
            out.append(nm)
        return out

    def fault(self, f):
        try:
            self.do_fault(f)
        except Exception as e:  # a bug in the soak itself: record it, never hang the run
            f.errors.append(f"soak error: {e!r}")
            if f.end is None and f.acted is None:
                f.acted = now()
        finally:
            with self.lock:
                self.active.pop(f.inst, None)
                self.cooldown[f.inst] = now() + self.a.grace

    def cmd(self, f, args, timeout, want=(0,)):
        rc, out = self.run(args, timeout)
        if rc not in want:
            f.errors.append(f"`umllab {' '.join(args)}`: exit {rc}: {(out or '').strip()[-200:]}")
        return rc, out

    def do_fault(self, f):
        nm = f.inst
        before = self.inst(nm)
        old_pid = before.get("pid")
        old_restarts = before.get("restarts", 0)
        pending = None
        if f.kind in ("kill9", "sigstop"):
            pid = self.pidfile(nm)
            if pid is None or pid != old_pid:
                f.note = f"pid file says {pid}, status {old_pid}"
            if pid is None:
                f.errors.append("no pid file")
                f.acted = now()
                return
            os.kill(pid, signal.SIGKILL if f.kind == "kill9" else signal.SIGSTOP)
            old_pid = pid
            f.acted = now()
        elif f.kind == "panic":
            f.method = self.rng_choice(["mconsole", "exec"])
            # Neither command gets an answer (the kernel dies): run it beside.
            args = (["mconsole", "--lab", LAB, nm, "sysrq", "c"] if f.method == "mconsole" else
                    ["exec", "--lab", LAB, nm, "--", "sh", "-c", "echo c > /proc/sysrq-trigger"])
            pending = threading.Thread(target=self.run, args=(args, 40), daemon=True)
            pending.start()
            f.acted = now()
        elif f.kind == "link":
            self.cmd(f, ["link", "--lab", LAB, nm, "eth0", "down"], 30)
            self.stop_faults.wait(self.rng_uniform(2, 5))
            self.cmd(f, ["link", "--lab", LAB, nm, "eth0", "up"], 30)
            f.acted = now()
        elif f.kind == "plug":
            i = self.names.index(nm) + 1
            rc, _ = self.cmd(f, ["plug", "--lab", LAB, nm, "eth1", "S2", "--ip", f"10.0.1.{i}/24"], 60)
            self.stop_faults.wait(self.rng_uniform(2, 5))
            if rc == 0:
                ifs = [x["iface"] for x in self.inst(nm).get("interfaces", [])]
                if "eth1" not in ifs:
                    f.errors.append(f"eth1 plugged but status shows {ifs}")
            self.cmd(f, ["unplug", "--lab", LAB, nm, "eth1"], 60)
            f.acted = now()
        elif f.kind == "restart":
            self.cmd(f, ["restart", "--lab", LAB, nm], 120)
            f.acted = now()

        if f.kind in CRASH_KINDS or f.kind == "restart":
            def back(s):
                i = s.get(nm, {})
                return i.get("state") == "running" and i.get("pid") not in (None, old_pid)
        else:
            def back(s):
                return s.get(nm, {}).get("state") == "running"
        f.end = self.wait_for(back, self.a.stuck_after)
        if f.end is None and not self.stop.is_set():
            f.stuck = True
            i = self.inst(nm)
            f.note = (f.note + "; " if f.note else "") + \
                f"not running {self.a.stuck_after} s after the fault: {i.get('state')} pid {i.get('pid')} " \
                f"restarts {i.get('restarts')} cause {i.get('cause')!r}"
            log(f"STUCK: {nm} after {f.kind}: {f.note}")
            self.recover(f, old_pid)
        if f.kind in CRASH_KINDS and f.end is not None:
            i = self.inst(nm)
            if i.get("restarts", 0) <= old_restarts:
                f.note += f" restarts did not grow ({old_restarts} -> {i.get('restarts')})"
            elif CAUSES[f.kind] not in (i.get("cause") or ""):
                f.note += f" cause recorded: {i.get('cause')!r}"
        if pending is not None:
            pending.join(45)

    def recover(self, f, old_pid):
        """A stuck instance: get it going again so the soak goes on (it stays counted as stuck)."""
        nm = f.inst
        if f.kind == "sigstop" and pid_alive(old_pid):
            try:
                os.kill(old_pid, signal.SIGCONT)
            except OSError:
                pass
        i = self.inst(nm)
        if i.get("state") in ("failed", "stopped"):
            self.cmd(f, ["start", "--lab", LAB, nm], 120)
        elif f.kind == "link":
            self.cmd(f, ["link", "--lab", LAB, nm, "eth0", "up"], 30)
        t = self.wait_for(lambda s: s.get(nm, {}).get("state") == "running", 60)
        f.end = t if t is not None else None
        if t is None:
            f.note += "; still not running 60 s later"

    def rng_choice(self, xs):
        with self.lock:
            return self.rng.choice(xs)

    def rng_uniform(self, lo, hi):
        with self.lock:
            return self.rng.uniform(lo, hi)

    def inject(self, until):
        while now() < until and not self.stop_faults.is_set():
            self.stop_faults.wait(self.rng_uniform(self.a.gap_min, self.a.gap_max))
            if now() >= until or self.stop_faults.is_set():
                break
            kind = self.rng_choice(KINDS)
            t = now()
            cand = self.eligible(kind, t)
            if not cand:
                continue
            nm = self.rng_choice(cand)
            f = Fault(kind, nm, t)
            with self.lock:
                self.active[nm] = f
                self.faults.append(f)
                if kind in CRASH_KINDS:
                    self.crash_times[nm].append(t)
            log(f"fault {len(self.faults)}: {kind} on {nm}")
            th = threading.Thread(target=self.fault, args=(f,), daemon=True)
            th.start()
            self.threads.append(th)

    # ---- the run ----

    def quiet_sample(self):
        """The supervisor's descriptors (smallest of 6 samples over 3 s: a client
        or probe in flight is not growth) and RSS, with nothing of ours running."""
        fds, rss = [], []
        for _ in range(6):
            time.sleep(0.5)
            x = sup_fds(self.sup_pid)
            if x is not None:
                fds.append(x)
                rss.append(sup_rss_kb(self.sup_pid))
        if not fds:
            raise SoakAbort("cannot read the supervisor's /proc entries")
        return min(fds), min(rss), fds

    def process_check(self):
        """UML processes against current kernels: (kernels alive, processes, leftovers)."""
        st = self.status() or {"instances": []}
        mains = {i["pid"] for i in st["instances"] if i.get("pid")}
        procs = uml_procs(self.state)
        left = []
        for pid, (ppid, cmd) in procs.items():
            p, seen = pid, 0
            while p not in mains and p in procs and seen < 50:
                p, seen = procs[p][0], seen + 1
            if p not in mains:
                left.append(f"{pid} (ppid {ppid}, {cmd})")
        alive = sum(1 for p in mains if p in procs)
        return alive, len(procs), left

    def main(self):
        self.setup()
        a = self.a
        log(f"seed {a.seed}; {self.n} instances; {a.seconds} s of faults; work {self.work}")
        t_up = now()
        self.lab_up = True
        rc, out = self.run(["up", self.labfile], a.up_timeout)
        if rc != 0:
            raise SoakAbort(f"umllab up: exit {rc}:\n{(out or '')[-2000:]}")
        self.up_s = now() - t_up
        st = self.status()
        if not st:
            raise SoakAbort("status --json failed after up")
        self.sup_pid = st["supervisor_pid"]
        self.snap = {i["name"]: i for i in st["instances"]}
        self.snap_time = now()
        log(f"lab up in {self.up_s:.1f} s; supervisor pid {self.sup_pid}")
        # Warm: every instance has answered once before the baseline is taken.
        for _ in range(3):
            bad = self.sweep("warm-up")
            if not bad:
                break
            time.sleep(2)
        if bad:
            self.errors.append(f"warm-up: these pings still failed after 3 rounds: {' '.join(bad)}")
        self.warm_pings = len(self.pings)
        self.fd0, self.rss0, self.fd0_all = self.quiet_sample()
        _, self.procs0, left0 = self.process_check()
        if left0:
            self.errors.append(f"UML processes outside a current kernel right after up: {', '.join(left0)}")
        log(f"baseline: supervisor {self.fd0} fds, {self.rss0} kB RSS; {self.procs0} UML processes")

        for target in (self.monitor, self.sampler):
            th = threading.Thread(target=target, daemon=True)
            th.start()
            self.threads.append(th)
        pingers = []
        for k in range(a.pingers):
            th = threading.Thread(target=self.pinger, args=(a.seed * 100 + k,), daemon=True)
            th.start()
            pingers.append(th)
        self.t_start = now()
        self.inject(self.t_start + a.seconds)
        self.t_faults_end = now()
        log(f"no new faults; waiting for {len(self.active)} in progress")
        for th in list(self.threads):
            if th not in (self.threads[0], self.threads[1]):
                th.join(a.stuck_after + 200)
        # Every instance running (a failed one is stuck), then the last pings.
        ok = self.wait_for(lambda s: all(s.get(n, {}).get("state") == "running" for n in self.names),
                           a.stuck_after)
        self.final_states = {n: (self.inst(n).get("state"), self.inst(n).get("cause")) for n in self.names}
        if ok is None:
            log("not every instance is running at the end: "
                + ", ".join(f"{n} {s}" for n, (s, _) in self.final_states.items() if s != "running"))
        time.sleep(a.grace)
        self.stop.set()
        for th in pingers:
            th.join(60)
        for th in self.threads[:2]:
            th.join(30)
        self.final_sweep = self.sweep("final sweep")
        self.t_end = now()
        time.sleep(2)
        self.fd1, self.rss1, self.fd1_all = self.quiet_sample()
        self.kernels1, self.procs1, self.left1 = self.process_check()
        log(f"end: supervisor {self.fd1} fds, {self.rss1} kB RSS; {self.kernels1} kernels, "
            f"{self.procs1} UML processes, {len(self.left1)} left over")
        self.down()

    def down(self):
        t = now()
        rc, out = self.run(["down", LAB], 120)
        self.down_s = now() - t
        self.down_rc = rc
        time.sleep(1)
        self.after_down = list(uml_procs(self.state))
        if self.sup_pid and pid_alive(self.sup_pid):
            self.after_down.append(self.sup_pid)
        self.lab_up = False
        log(f"down: exit {rc} in {self.down_s:.1f} s; {len(self.after_down)} processes left")

    def cleanup(self):
        """Stop everything by pid: our commands, then the lab (down, then SIGKILL)."""
        self.stop_faults.set()
        self.stop.set()
        with self.lock:
            self.closing = True
            procs = list(self.procs)
        for p in procs:
            try:
                p.kill()
            except OSError:
                pass
        if self.lab_up:
            try:
                subprocess.run(self.runas + [self.umllab, "down", LAB], env=self.env(), timeout=60,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=self.work)
            except (subprocess.TimeoutExpired, OSError):
                pass
        pids = set(uml_procs(self.state))
        for pf in [os.path.join(self.labdir, "supervisor.pid")] + \
                [os.path.join(self.labdir, "uml", n, "pid") for n in self.names]:
            try:
                pid = int(open(pf).read().strip())
                if self.state.encode() in open(f"/proc/{pid}/cmdline", "rb").read() or pid == self.sup_pid:
                    pids.add(pid)
            except (OSError, ValueError):
                pass
        if self.sup_pid and pid_alive(self.sup_pid):
            pids.add(self.sup_pid)
        for pid in pids:
            log(f"cleanup: pid {pid} still running; killing it")
            for sig in (signal.SIGKILL, signal.SIGCONT):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        deadline = now() + 10
        while now() < deadline and any(pid_alive(p) for p in pids):
            time.sleep(0.1)
        return pids

    # ---- the report ----

    def report(self):
        a, g = self.a, self.a.grace
        wins = {n: [] for n in self.names}
        for f in self.faults:
            wins[f.inst].append(f.window(g))

        def in_window(n, t0, t1):
            return any(s <= t1 and t0 <= e for s, e in wins[n])

        sent = ok = excluded = excluded_ok = 0
        lost = []
        rtts = []
        for (t0, t1, x, y, rc, rtt, tail) in self.pings[self.warm_pings:]:
            sent += 1
            if rtt is not None:
                rtts.append(rtt)
            if in_window(x, t0, t1) or in_window(y, t0, t1):
                excluded += 1
                excluded_ok += rc == 0
            elif rc == 0:
                ok += 1
            else:
                lost.append((t0, x, y, rc, tail))
        bykind = {k: [f for f in self.faults if f.kind == k] for k in KINDS}
        stuck = [f for f in self.faults if f.stuck]
        failed_end = [n for n, (s, _) in self.final_states.items() if s != "running"]
        cmd_errors = [(f, e) for f in self.faults for e in f.errors]
        # A new kernel outside every fault window of its instance: the watchdog
        # restarted it on its own (a starved kernel taken for a hung one, say).
        unexpected = [r for r in self.restarts if not in_window(r[1], r[0], r[0])]
        fd_growth = self.fd1 - self.fd0
        rss_growth = self.rss1 - self.rss0
        rss_max = max([s[2] for s in self.samples if s[2]] + [self.rss0, self.rss1])
        fd_range = [s[1] for s in self.samples]
        verdict = {
            "stuck": not stuck and not failed_end,
            "lost": not lost,
            "fds": fd_growth <= 0,
            "rss": rss_growth <= a.rss_tolerance_kb,
            "leftovers": not self.left1 and not self.after_down and self.kernels1 == self.n,
            "commands": not cmd_errors and not self.errors,
            "unexpected": not unexpected,
        }
        L = []
        w = L.append
        w(f"## Soak run {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}\n")
        w(f"- machine: {os.cpu_count()} cores, {mem_total_mb()} MB RAM, {platform.release()}; "
          f"umllab {a.rev or '?'}; kernel {kernel_version()}")
        w(f"- lab: {self.n} instances (64M each) on one switch S1, S2 for plugged cards; "
          f"`up` took {self.up_s:.1f} s")
        w(f"- seed {a.seed}; faults for {self.t_faults_end - self.t_start:.0f} s, one every "
          f"{a.gap_min:g}-{a.gap_max:g} s; {a.pingers} pinger threads (`exec A -- ping -c 1 -W {a.ping_wait}`); "
          f"grace {g:g} s, stuck after {a.stuck_after:g} s")
        w("")
        w("| fault | injected | back (median / max s) | stuck | notes |")
        w("| --- | ---: | ---: | ---: | --- |")
        for k in KINDS:
            fs = bykind[k]
            rec = [f.end - f.start for f in fs if f.end is not None and not f.stuck]
            notes = sorted({f.note.strip() for f in fs if f.note.strip()})
            meth = ""
            if k == "panic":
                meth = f"mconsole {sum(f.method == 'mconsole' for f in fs)}, exec {sum(f.method == 'exec' for f in fs)}"
            nt = "; ".join(([meth] if meth else []) + notes)[:300]
            w(f"| {k} | {len(fs)} | {fmt_med(rec)} / {fmt_max(rec)} | {sum(f.stuck for f in fs)} | {nt} |")
        w(f"| total | {len(self.faults)} | | {len(stuck)} | |")
        w("")
        w("| measure | value | verdict |")
        w("| --- | --- | --- |")
        rtt_s = f"; RTT median {statistics.median(rtts):.1f} ms, max {max(rtts):.1f} ms" if rtts else ""
        w(f"| pings sent (after warm-up) | {sent}: {ok} answered outside fault windows; {excluded} in fault "
          f"windows, not counted ({excluded_ok} of them answered){rtt_s} | |")
        w(f"| pings lost outside fault windows | {len(lost)} | {'ok' if verdict['lost'] else 'FAIL'} |")
        w(f"| stuck instances | {len(stuck)} stuck after a fault; failed or not running at the end: "
          f"{', '.join(failed_end) or 'none'} | {'ok' if verdict['stuck'] else 'FAIL'} |")
        w(f"| supervisor descriptors | {self.fd0} at start, {self.fd1} at end (growth {fd_growth:+d}); "
          f"{min(fd_range, default='-')}..{max(fd_range, default='-')} during faults | "
          f"{'ok' if verdict['fds'] else 'FAIL'} |")
        w(f"| supervisor RSS | {self.rss0} kB at start, {self.rss1} kB at end (growth {rss_growth:+d} kB), "
          f"max {rss_max} kB; tolerance {a.rss_tolerance_kb} kB | {'ok' if verdict['rss'] else 'FAIL'} |")
        w(f"| UML kernels at the end | {self.kernels1} of {self.n}; {self.procs1} UML processes "
          f"(start: {self.procs0}); {len(self.left1)} belong to no current kernel | "
          f"{'ok' if not self.left1 and self.kernels1 == self.n else 'FAIL'} |")
        w(f"| after `down` | exit {self.down_rc} in {self.down_s:.1f} s; {len(self.after_down)} processes left | "
          f"{'ok' if not self.after_down and self.down_rc == 0 else 'FAIL'} |")
        w(f"| restarts outside fault windows | {len(unexpected)} (new kernels seen: {len(self.restarts)}) | "
          f"{'ok' if not unexpected else 'FAIL'} |")
        w(f"| fault commands that failed | {len(cmd_errors)} | {'ok' if not cmd_errors else 'FAIL'} |")
        w(f"| `status --json` polls that failed | {self.status_failures} | |")
        passed = all(verdict.values()) and self.down_rc == 0
        w("")
        w(f"**{'PASS' if passed else 'FAIL'}**")
        details = []
        for t0, x, y, rc, tail in lost[:30]:
            details.append(f"- lost at {t0 - self.t_start:.1f} s: {x} -> {y}: exit {rc}: {tail}")
        for f in stuck:
            details.append(f"- stuck: {f.inst} after {f.kind} at {f.start - self.t_start:.1f} s: {f.note}")
        for t, nm, o, n, c in unexpected:
            details.append(f"- unexpected restart of {nm} at {t - self.t_start:.1f} s: pid {o} -> {n}, cause {c!r}")
        for f, e in cmd_errors[:30]:
            details.append(f"- {f.kind} on {f.inst} at {f.start - self.t_start:.1f} s: {e}")
        for e in self.errors + [f"left over: {x}" for x in self.left1] + \
                [f"left after down: pid {p}" for p in self.after_down]:
            details.append(f"- {e}")
        if self.final_sweep:
            details.append(f"- final sweep failed: {' '.join(self.final_sweep)}")
        if details:
            w("")
            w("Details:")
            L.extend(details)
        text = "\n".join(L) + "\n"
        data = {
            "seed": a.seed, "instances": self.n, "seconds": a.seconds,
            "faults": [{"kind": f.kind, "inst": f.inst, "start": f.start - self.t_start,
                        "acted": None if f.acted is None else f.acted - self.t_start,
                        "end": None if f.end is None else f.end - self.t_start,
                        "stuck": f.stuck, "method": f.method, "note": f.note, "errors": f.errors}
                       for f in self.faults],
            "pings": [{"t0": p[0] - self.t_start, "t1": p[1] - self.t_start, "a": p[2], "b": p[3], "rc": p[4],
                       "rtt_ms": p[5]} for p in self.pings],
            "samples": [{"t": s[0] - self.t_start, "fds": s[1], "rss_kb": s[2], "uml_procs": s[3]}
                        for s in self.samples],
            "restarts": [{"t": r[0] - self.t_start, "inst": r[1], "old_pid": r[2], "new_pid": r[3], "cause": r[4]}
                         for r in self.restarts],
            "fd0_all": self.fd0_all, "fd1_all": self.fd1_all,
        }
        return text, data, passed


# ---- /proc helpers ----

def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def sup_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def sup_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def uml_procs(state):
    """Every live process whose command line holds uml_dir=STATE/: pid -> (ppid, umid)."""
    key = f"uml_dir={state}/".encode()
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read()
            if key not in cmd:
                continue
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if fields[0] == "Z":
                continue
            umid = re.search(rb"umid=([^\0]*)", cmd)
            out[int(d)] = (int(fields[1]), umid.group(1).decode() if umid else "?")
        except (OSError, IndexError, ValueError):
            continue
    return out


def mem_total_mb():
    try:
        with open("/proc/meminfo") as f:
            return int(f.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return 0


def kernel_version():
    try:
        r = subprocess.run(["/usr/bin/linux.uml", "--version"], capture_output=True, text=True, timeout=10)
        return (r.stdout.strip().splitlines() or ["?"])[0]
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def fmt_med(xs):
    return f"{statistics.median(xs):.1f}" if xs else "-"


def fmt_max(xs):
    return f"{max(xs):.1f}" if xs else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--umllab", default=os.environ.get("UMLLAB", ""), help="the umllab binary (default: $UMLLAB)")
    ap.add_argument("--seconds", type=float, default=300, help="how long faults are injected (300)")
    ap.add_argument("--instances", type=int, default=20, help="instances in the lab (20)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock; printed)")
    ap.add_argument("--gap-min", type=float, default=2.0, help="shortest time between two faults, s (2)")
    ap.add_argument("--gap-max", type=float, default=5.0, help="longest time between two faults, s (5)")
    ap.add_argument("--pingers", type=int, default=2, help="threads pinging between random pairs (2)")
    ap.add_argument("--ping-gap", type=float, default=0.2, help="pause between one thread's pings, s (0.2)")
    ap.add_argument("--ping-wait", type=int, default=3, help="ping -W: how long a ping waits, s (3)")
    ap.add_argument("--grace", type=float, default=3.0, help="added to the end of each fault window, s (3)")
    ap.add_argument("--stuck-after", type=float, default=30.0,
                    help="an instance not running this long after its fault is stuck, s (30)")
    ap.add_argument("--rss-tolerance-kb", type=int, default=2048, help="accepted supervisor RSS growth, kB (2048)")
    ap.add_argument("--up-timeout", type=float, default=300, help="time limit of `umllab up`, s (300)")
    ap.add_argument("--work", default="", help="work directory (default: a new one under /tmp)")
    ap.add_argument("--out", default="", help="directory for soak.md and soak.json")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--rev", default="", help="umllab's revision, for the report")
    a = ap.parse_args()
    if a.seed is None:
        a.seed = int(time.time() * 1000) % 1000000
    if not 2 <= a.instances <= 250:
        sys.exit("soak: --instances must be 2..250")
    a.umllab = os.path.abspath(a.umllab) if a.umllab else ""
    if not a.umllab or not os.access(a.umllab, os.X_OK):
        sys.exit(f"soak: {a.umllab} is not an executable (run make soak)")
    print(f"soak: seed {a.seed} (rerun with --seed {a.seed} / SOAK_SEED={a.seed})", flush=True)

    def on_signal(signum, frame):
        raise SoakAbort(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    signal.signal(signal.SIGALRM, on_signal)
    # The whole run is bounded: up, the faults, the last recoveries, down.
    signal.alarm(int(a.seconds + a.up_timeout + 600))
    s = Soak(a)
    passed = False
    try:
        s.main()
        text, data, passed = s.report()
        print(text, end="", flush=True)
        if a.out:
            os.makedirs(a.out, exist_ok=True)
            with open(os.path.join(a.out, "soak.md"), "w") as f:
                f.write(text)
            with open(os.path.join(a.out, "soak.json"), "w") as f:
                json.dump(data, f, indent=1)
            log(f"report in {a.out}/soak.md, every sample in {a.out}/soak.json")
    except SoakAbort as e:
        log(f"ABORTED: {e}")
    except Exception:
        import traceback
        traceback.print_exc()
    finally:
        signal.alarm(0)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        left = s.cleanup()
        if left:
            passed = False
        keep = a.keep or not passed
        if keep:
            # Keep the logs for a look; the disks and the image are large and useless.
            for root, _, files in os.walk(s.work):
                for fn in files:
                    if fn.endswith((".cow", ".img")):
                        try:
                            os.unlink(os.path.join(root, fn))
                        except OSError:
                            pass
            log(f"logs kept in {s.labdir}")
        else:
            shutil.rmtree(s.work, ignore_errors=True)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
