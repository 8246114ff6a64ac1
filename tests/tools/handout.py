#!/usr/bin/env python3
"""tests/tools/handout.py: run a handout's commands as written and compare what they print with what it shows.

    handout.py [--update] [--verbose] [--show] HANDOUT.md...
    handout.py --check HANDOUT.md...

Run from the directory a student works in (the one holding labs/), with
umllab on PATH. With --check, nothing is run: each handout's form is
checked (fences closed, comments known, commands bash can read, no empty
output block unmarked), as it is before every run, where a mistake of form
stops that handout before any command.

For each handout, in the order of the file:

- a ```sh block is commands, run one by one in one bash that lives as long
  as the handout (so `cd`, variables and `&` jobs carry over), each with
  stdin from /dev/null and its stdout and stderr together, as a terminal
  shows them. A command is what bash reads as one: a line, or several
  (quotes, `\\`, here-documents, loops). It must exit 0, unless a comment on
  it says `exit status N`.
- a ``` block (no language) after it is what they print: it must equal
  the output of one or more consecutive commands of that block, after both
  are normalised (below). A line `...` stands for any lines, `...` within a
  line at the start of a word for any text. A block whose first line is
  `$ CMD` is a transcript: each `$ CMD` line starts the part compared with
  that command's output; a CMD the ```sh block above does not have is run
  there and then.
- an empty ``` block is refused (it would match any command that prints
  nothing, so it compares nothing): say which command prints nothing with a
  transcript (`$ CMD` alone), or mark the block `no output` (below) when
  no command of the ```sh block above prints anything.
- ```yaml, ```diff and others are not run; a ``` block before any ```sh
  block (a picture) is not compared.

What varies from run to run is normalised on both sides: times and dates,
durations (`1.2 s`, `0.565 ms`), round-trip figures, pids, ping ids, MAC
addresses (not ff:ff:ff:ff:ff:ff), memory addresses, hex names of images,
the user's name and home, the state and cache directories. Words, names,
counts, structure and exit codes are kept.

Comments the runner reads, on a line of their own:

  <!-- handout-test: skip: REASON -->     the next block is not run (a ```sh
                                          block's outputs are then not compared)
  <!-- handout-test: off: REASON -->      nothing from here is run, until
  <!-- handout-test: on -->               (no `on`: to the end of the file)
  <!-- handout-test: second terminal -->  the next ```sh block runs in the
                                          background, on a terminal of its own
                                          (a pty), as in a second window; the
                                          runner goes on once it printed a line
                                          (`umllab: capturing ...`), or after 10 s
  <!-- handout-test: from the second terminal -->  the next ``` block is what
                                          that terminal printed (its command is
                                          waited for)
  <!-- handout-test: vary: REGEX -->      from here on, text matching REGEX
                                          differs between runs (a count the
                                          handout says varies): not compared
  <!-- handout-test: vary next: REGEX --> the same for the next ``` block only
  <!-- handout-test: replace WORD with TEXT -->  in the next ```sh block, the
                                          placeholder WORD (`PID`) is TEXT
  <!-- handout-test: run: CMD -->         a step the handout gives in words
                                          ("wait until web is running again"):
                                          CMD runs there, must exit 0, and its
                                          output is not compared
  <!-- handout-test: limit SECONDS -->    the next ```sh block's commands may
                                          take that long each (default 120)
  <!-- handout-test: apply to FILE -->    the next ```diff block is an edit the
                                          handout asks for (lines ` ` kept, `-`
                                          gone, `+` new): made in FILE, which
                                          must hold the kept and gone lines
  <!-- handout-test: no output -->        the next ``` block is empty on purpose:
                                          every command of the ```sh block above
                                          must print nothing (a block `from the
                                          second terminal` is that terminal's
                                          command's and needs no mark)

Every skip and off says why; --verbose lists them and each command as it
runs, --show also what each printed. A command ending in `&` is followed by
a pause of 1 s, as a person typing the next one would make. With --update,
each output block that differs and has no `...` is rewritten with what was
seen (paths shown as a student's, /home/student or /home/teacher); the
others are listed.

Exit status: 0 when every handout matched (--check: is well formed), 1
otherwise, 2 on a usage error.
"""
import difflib
import grp
import os
import pty
import pwd
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

DIRECTIVE = re.compile(r'^\s*<!--\s*handout-test:\s*(.*?)\s*-->\s*$')
FENCE = re.compile(r'^```\s*([A-Za-z0-9_+-]*)\s*$')
DEFAULT_LIMIT = 120.0
BACKGROUND_PAUSE = 1.0
SECOND_TERMINAL_START = 10.0

DRIVER = r'''
__rc=0
while IFS= read -r __f; do
	(exit $__rc)
	. "$__f" >"$__f.out" 2>&1 </dev/null
	__rc=$?
	printf '%s\n' "$PWD" >"$__f.cwd"
	echo "$__rc" >"$__f.rc.tmp" && mv "$__f.rc.tmp" "$__f.rc"
done
'''


class HandoutError(Exception):
    pass


class Abort(Exception):
    """A command could not finish: the rest of the handout cannot run."""


# ---- reading the markdown ----

class Block:
    def __init__(self, lang, lines, lineno, start, end):
        self.lang = lang          # 'sh', '' (output), or another language
        self.lines = lines        # its text, without the fences
        self.lineno = lineno      # line of the opening fence (1-based)
        self.start = start        # index of the first content line in the file
        self.end = end            # index of the closing fence
        self.directives = []      # (lineno, text) of the comments right before it


def read_markdown(path):
    """The file's fenced blocks and directives, in order: ('block', Block)
    and ('directive', lineno, text)."""
    lines = open(path, encoding='utf-8').read().split('\n')
    items = []
    i = 0
    while i < len(lines):
        m = DIRECTIVE.match(lines[i])
        if m:
            items.append(('directive', i + 1, m.group(1)))
            i += 1
            continue
        m = FENCE.match(lines[i])
        if m:
            j = i + 1
            while j < len(lines) and lines[j].strip() != '```':
                j += 1
            if j == len(lines):
                raise HandoutError(f'{path}:{i + 1}: a ``` block that never ends')
            items.append(('block', Block(m.group(1), lines[i + 1:j], i + 1, i + 1, j)))
            i = j + 1
            continue
        i += 1
    return lines, items


def strip_comment(cmd):
    """The command without its trailing # comments (outside quotes), and the
    comments."""
    out, comments = [], []
    q = None    # a quote open across lines
    for line in cmd.split('\n'):
        cut = None
        k = 0
        while k < len(line):
            c = line[k]
            if q:
                if c == q:
                    q = None
                elif c == '\\' and q == '"':
                    k += 1
            elif c in '\'"':
                q = c
            elif c == '\\':
                k += 1
            elif c == '#' and (k == 0 or line[k - 1] in ' \t'):
                cut = k
                break
            k += 1
        if cut is None:
            out.append(line)
        else:
            out.append(line[:cut])
            comments.append(line[cut + 1:])
    return '\n'.join(out), ' '.join(comments)


def command_key(cmd):
    text, _ = strip_comment(cmd)
    return ' '.join(text.split())


def expected_status(cmd):
    _, comments = strip_comment(cmd)
    m = re.search(r'exit status (\d+)', comments)
    return int(m.group(1)) if m else 0


_complete_cache = {}


def complete(text):
    """True when bash reads text as whole commands (no open quote, loop,
    here-document or trailing backslash)."""
    if text in _complete_cache:
        return _complete_cache[text]
    r = subprocess.run(['bash', '-n'], input=text + '\n', capture_output=True, text=True)
    ok = r.returncode == 0 and 'here-document' not in r.stderr and not text.rstrip().endswith('\\')
    _complete_cache[text] = ok
    return ok


def split_commands(lines):
    cmds, acc = [], []
    for line in lines:
        if not acc and not line.strip():
            continue
        acc.append(line)
        text = '\n'.join(acc)
        if complete(text):
            if command_key(text):
                cmds.append(text)
            acc = []
    if acc:
        raise HandoutError('a command that never ends: ' + '\n'.join(acc))
    return cmds


# ---- normalising ----

def umllab_dirs(env):
    """Where umllab keeps a lab's state and its disks, and its image cache,
    as core/base/state.c and image/ find them."""
    home = env['HOME']
    if env.get('UMLLAB_STATE_DIR'):
        state = env['UMLLAB_STATE_DIR']
        disks = os.path.join(state, '.disks')
    else:
        state = os.path.join(env['XDG_RUNTIME_DIR'], 'umllab') if env.get('XDG_RUNTIME_DIR') \
            else f'/tmp/umllab-{os.getuid()}'
        disks = os.path.join(env.get('XDG_STATE_HOME') or os.path.join(home, '.local/state'), 'umllab')
    cache = env.get('XDG_CACHE_HOME') or os.path.join(home, '.cache')
    return state, disks, cache


class Normaliser:
    def __init__(self, env):
        home = env['HOME']
        state, disks, cache = umllab_dirs(env)
        # the longest first: the disks may be under the state or the home
        self.paths = sorted([(disks, '<DISKS>'), (state, '<STATE>'), (cache, '<CACHE>'), (home, '<HOME>')],
                            key=lambda x: -len(x[0]))
        self.once = []     # vary for one block
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.group = grp.getgrgid(os.getgid()).gr_name
        self.vary = []

    RULES = [
        # what a handout writes for the directories
        (re.compile(r'\$DISKS'), '<DISKS>'),
        (re.compile(r'\$STATE'), '<STATE>'),
        (re.compile(r'\$CACHE'), '<CACHE>'),
        (re.compile(r'/home/(?:student|teacher)\b'), '<HOME>'),
        (re.compile(r'<HOME>/\.cache'), '<CACHE>'),
        (re.compile(r'\b(?:student|teacher)\b'), '<USER>'),
        # MAC addresses (before times: 02:19:62 is not a time)
        (re.compile(r'\bff(:ff){5}\b'), '<BROADCAST>'),
        (re.compile(r'\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b'), '<MAC>'),
        # times and dates
        (re.compile(r'\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?'), '<DATE>'),
        (re.compile(r'\b\d{4}-\d\d-\d\d\b'), '<DATE>'),
        (re.compile(r'\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
                    r' +\d+ \d\d:\d\d:\d\d( [A-Z]+)? \d{4}'), '<DATE>'),
        (re.compile(r'\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d+ +(\d\d:\d\d|\d{4})\b'), '<DATE>'),
        (re.compile(r'\b\d\d:\d\d:\d\d(\.\d+)?\b'), '<TIME>'),
        # figures that vary
        (re.compile(r'min/avg/max = [0-9./]+'), 'min/avg/max = <RTT>'),
        (re.compile(r'\b\d+(\.\d+)?(e[-+]?\d+)? ms\b'), '<N> ms'),
        (re.compile(r'\b\d+(\.\d+)?(e[-+]?\d+)? s\b'), '<N> s'),
        (re.compile(r'\b(pid|pids) \d+'), r'\1 <N>'),
        (re.compile(r'^\[\d+/(\d+)\] '), r'[<N>/\1] '),
        (re.compile(r'\bid \d+'), 'id <N>'),
        (re.compile(r'\b0x[0-9a-f]{6,}\b'), '<ADDR>'),
        (re.compile(r'(?<![0-9a-f])[0-9a-f]{16}(?![0-9a-f])'), '<HEX>'),
    ]

    def add_vary(self, regex):
        self.vary.append(re.compile(regex))

    def line(self, s, actual):
        s = s.rstrip().replace('\r', '')
        if actual:
            for path, token in self.paths:
                s = s.replace(path, token)
            for name in (self.user, self.group):
                if name:
                    s = re.sub(r'\b%s\b' % re.escape(name), '<USER>', s)
        for rx in self.vary + self.once:
            s = rx.sub('<VARY>', s)
        for rx, rep in self.RULES:
            s = rx.sub(rep, s)
        return s

    def lines(self, text_lines, actual):
        return settle([self.line(x, actual) for x in text_lines])


def line_pattern(expected):
    """An expected line as a regex: `...` within it, at the start of a word
    (`.../S1.ctl`, `= ... ms`), is any text; `word...` is as printed (a
    program's own cut)."""
    parts = re.split(r'(?:^|(?<=\s))\.\.\.', expected)
    return re.compile('^' + '.*'.join(re.escape(p) for p in parts) + '$')


def match_lines(expected, actual):
    """expected (with `...` lines: any lines) against actual, both normalised."""
    pats = [None if e.strip() == '...' else line_pattern(e) for e in expected]
    memo = {}

    def m(i, j):
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(pats):
            r = j == len(actual)
        elif pats[i] is None:
            r = any(m(i + 1, k) for k in range(j, len(actual) + 1))
        else:
            r = j < len(actual) and bool(pats[i].match(actual[j])) and m(i + 1, j + 1)
        memo[key] = r
        return r
    return m(0, 0)


# Lines whose order between themselves varies: kernels booting at once,
# submissions graded at once, finish in any order.
UNORDERED = re.compile(r'^(\s+\S+: running after |\[<N>/\d+\] )')


def settle(lines):
    """Runs of UNORDERED lines sorted, so that their order does not count."""
    out, run = [], []
    for x in lines + [None]:
        if x is not None and UNORDERED.match(x):
            run.append(x)
            continue
        out += sorted(run)
        run = []
        if x is not None:
            out.append(x)
    return out


def trim(lines):
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return lines


# ---- running ----

class Command:
    def __init__(self, text, lineno):
        self.text = text
        self.lineno = lineno
        self.key = command_key(text)
        self.want = expected_status(text)
        self.out = None
        self.rc = None
        self.claimed = False


class Shell:
    """One bash for a handout; commands are sourced one at a time."""

    def __init__(self, env, cwd, workdir):
        self.dir = workdir
        self.n = 0
        self.env = env
        self.cwd = cwd
        driver = os.path.join(workdir, 'driver.sh')
        with open(driver, 'w') as f:
            f.write(DRIVER)
        self.p = subprocess.Popen(['bash', driver], stdin=subprocess.PIPE, cwd=cwd, env=env,
                                  text=True, start_new_session=True)

    def run(self, cmd, limit):
        self.n += 1
        f = os.path.join(self.dir, f'cmd{self.n}')
        with open(f, 'w') as fp:
            fp.write(cmd.text + '\n')
        self.p.stdin.write(f + '\n')
        self.p.stdin.flush()
        deadline = time.monotonic() + limit
        while not os.path.exists(f + '.rc'):
            if self.p.poll() is not None:
                raise HandoutError(f'the shell ended while running: {cmd.text}')
            if time.monotonic() > deadline:
                raise HandoutError(f'still running after {limit:.0f} s: {cmd.text}')
            time.sleep(0.02)
        cmd.rc = int(open(f + '.rc').read().strip())
        cmd.out = open(f + '.out', encoding='utf-8', errors='replace').read()
        try:
            self.cwd = open(f + '.cwd').read().strip() or self.cwd
        except OSError:
            pass

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except OSError:
            pass


class Terminal:
    """A command in a second terminal: a pty of its own, in the background."""

    def __init__(self, cmd, env, cwd):
        self.cmd = cmd
        self.master, slave = pty.openpty()
        self.p = subprocess.Popen(['bash', '-c', cmd.text], stdin=slave, stdout=slave, stderr=slave,
                                  cwd=cwd, env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.buf = b''

    def _read(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return None
        if not data:
            return None
        self.buf += data
        return True

    def started(self, limit):
        """Wait until it printed its first line (a capture says it runs), as
        a person would before going back to the first terminal."""
        deadline = time.monotonic() + limit
        while b'\n' not in self.buf and time.monotonic() < deadline:
            if self._read(0.05) is None or self.p.poll() is not None:
                break

    def finish(self, limit):
        deadline = time.monotonic() + limit
        while True:
            got = self._read(0.1)
            if got is None or (got is False and self.p.poll() is not None):
                break
            if time.monotonic() > deadline:
                self.stop()
                seen = self.buf.decode('utf-8', 'replace').replace('\r\n', '\n')
                raise HandoutError(f'still running after {limit:.0f} s (second terminal): {self.cmd.text}; '
                                   f'it printed:\n{seen}')
        while self._read(0) is True:
            pass
        self.p.wait()
        os.close(self.master)
        self.cmd.rc = self.p.returncode
        self.cmd.out = self.buf.decode('utf-8', 'replace').replace('\r\n', '\n')

    def stop(self):
        try:
            os.killpg(self.p.pid, signal.SIGTERM)
            self.p.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.close(self.master)
        except OSError:
            pass


class Result:
    def __init__(self, path):
        self.path = path
        self.failures = []
        self.skipped = []
        self.commands = 0
        self.compared = 0
        self.updates = []   # (start, end, new lines)
        self.listed = []
        self.ill_formed = False    # its form is wrong: nothing was run


SHOWN_HOME = ['/home/student']


def show_path(text, env):
    """Actual output as a handout shows it: a student's paths."""
    state, disks, _ = umllab_dirs(env)
    for path, shown in sorted([(disks, '$DISKS'), (state, '$STATE'), (env['HOME'], SHOWN_HOME[0])],
                              key=lambda x: -len(x[0])):
        text = text.replace(path, shown)
    shown_user = os.path.basename(SHOWN_HOME[0])
    for name in {pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name}:
        text = re.sub(r'\b%s\b' % re.escape(name), shown_user, text)
    return '\n'.join(x.rstrip() for x in text.split('\n'))


class Runner:
    def __init__(self, env, verbose, update, show):
        self.env = env
        self.verbose = verbose or show
        self.update = update
        self.show = show
        self.dry = False      # while the form is checked: nothing runs, nothing is compared

    def say(self, msg):
        print(msg, flush=True)

    def compare(self, res, block, cmds):
        """The output block against one or more consecutive commands."""
        res.compared += 1
        if self.dry:
            return True
        norm = self.norm
        exp_raw = trim(block.lines)
        exp = norm.lines(exp_raw, False)
        outs = [norm.lines(trim(c.out.split('\n')) if c.out is not None else [], True) for c in cmds]
        for i in range(len(cmds)):
            acc = []
            for j in range(i, len(cmds)):
                acc = acc + outs[j]
                if match_lines(exp, acc):
                    return True
        # The closest range, to show and to update from.
        best, best_r = None, -1.0
        for i in range(len(cmds)):
            for j in range(i, len(cmds)):
                acc = sum(outs[i:j + 1], [])
                r = difflib.SequenceMatcher(None, exp, acc).ratio()
                if r > best_r:
                    best, best_r = (i, j), r
        i, j = best
        seen_norm = sum(outs[i:j + 1], [])
        diff = '\n'.join(difflib.unified_diff(exp, seen_norm, 'handout', 'seen', lineterm='', n=2))
        res.failures.append(f'{res.path}:{block.lineno}: the output differs from what '
                            f'`{cmds[i].key}`{" ..." if j > i else ""} printed (normalised):\n{diff}')
        raw = '\n'.join(show_path('\n'.join(trim(c.out.split('\n'))), self.env) for c in cmds[i:j + 1])
        if self.update and block.start is not None and not any('...' in x for x in exp_raw):
            res.updates.append((block.start, block.end, raw.split('\n')))
        else:
            res.listed.append(f'{res.path}:{block.lineno}: seen:\n{raw}')
        return False

    def compare_transcript(self, res, block, run, limit):
        """A block of `$ CMD` lines, each followed by its output."""
        segs, cur = [], None
        for line in trim(block.lines):
            if line.startswith('$ '):
                cur = [line[2:], []]
                segs.append(cur)
            elif cur is not None:
                cur[1].append(line)
            elif line.strip():
                raise HandoutError(f'{res.path}:{block.lineno}: a transcript starts with output, not `$ CMD`')
        ok = True
        pos = 0
        seen = []
        for text, out in segs:
            key = command_key(text)
            cmd = None
            for k in range(pos, len(run)):
                if run[k].key == key and not run[k].claimed:
                    cmd = run[k]
                    pos = k + 1
                    break
            if cmd is None:
                cmd = Command(text, block.lineno)
                if not self.exec(res, cmd, limit):
                    raise Abort()
            cmd.claimed = True
            sub = Block('', out, block.lineno, None, None)
            if not self.compare(res, sub, [cmd]):
                ok = False
            seen.append('$ ' + text)
            seen += show_path('\n'.join(trim(cmd.out.split('\n'))), self.env).split('\n') if cmd.out.strip() else []
        if not ok and self.update and not any('...' in x for x in block.lines):
            res.updates.append((block.start, block.end, seen))
        return ok

    def apply(self, res, block, name):
        """An edit shown as a diff, made as the student makes it."""
        old, new = [], []
        for line in block.lines:
            tag, rest = line[:1], line[1:]
            if tag in (' ', '-'):
                old.append(rest)
            if tag in (' ', '+'):
                new.append(rest)
            if tag not in (' ', '-', '+'):
                raise HandoutError(f'{res.path}:{block.lineno}: a diff line starts with neither " ", "-" nor "+"')
        if self.dry:
            return
        path = os.path.join(self.shell.cwd, name)
        try:
            text = open(path).read().split('\n')
        except OSError as e:
            raise HandoutError(f'{res.path}:{block.lineno}: cannot edit {name}: {e}')
        for k in range(len(text) - len(old) + 1):
            if text[k:k + len(old)] == old:
                text[k:k + len(old)] = new
                with open(path, 'w') as f:
                    f.write('\n'.join(text))
                return
        res.failures.append(f'{res.path}:{block.lineno}: {name} does not hold the lines the diff keeps and removes')
        raise Abort()

    def exec(self, res, cmd, limit):
        res.commands += 1
        if self.dry:
            cmd.rc, cmd.out = cmd.want, ''
            return True
        if self.verbose:
            self.say(f'  $ {cmd.key}')
        t0 = time.monotonic()
        try:
            self.shell.run(cmd, limit)
        except HandoutError as e:
            res.failures.append(f'{res.path}:{cmd.lineno}: {e}')
            return False
        if self.verbose:
            self.say(f'    (exit {cmd.rc}, {time.monotonic() - t0:.1f} s)')
        if self.show:
            self.say('    | ' + show_path(cmd.out.rstrip('\n'), self.env).replace('\n', '\n    | '))
        if cmd.rc != cmd.want:
            out = show_path(cmd.out, self.env)
            res.failures.append(f'{res.path}:{cmd.lineno}: `{cmd.key}` exited {cmd.rc}, not {cmd.want} '
                                f'(a comment `exit status N` says when it should not be 0); it printed:\n{out}')
        if cmd.text.rstrip().endswith('&'):
            time.sleep(BACKGROUND_PAUSE)
        return True

    def no_output(self, res, block, cmds):
        """A block marked `no output`: each command printed nothing."""
        res.compared += 1
        if self.dry:
            return
        for c in cmds:
            if c.out is not None and c.out.strip():
                res.failures.append(f'{res.path}:{block.lineno}: marked `no output`, but `{c.key}` printed:\n'
                                    + show_path(c.out.rstrip('\n'), self.env))

    def handout(self, path, check_only=False):
        """Check the handout's form without running anything; then, unless
        check_only or it is ill-formed, follow it."""
        self.dry = True
        try:
            res = self.walk(path)
        finally:
            self.dry = False
        res.ill_formed = bool(res.failures)
        if check_only or res.failures:
            return res
        return self.walk(path)

    def walk(self, path):
        res = Result(path)
        self.norm = Normaliser(self.env)
        lines, items = read_markdown(path)
        SHOWN_HOME[0] = '/home/teacher' if any('/home/teacher' in x for x in lines) else '/home/student'
        work = tempfile.mkdtemp(prefix='handout.')
        self.shell = Shell(self.env, os.getcwd(), work) if not self.dry else None
        terminals = []
        off = None           # the reason, while off
        pending = {}         # directives for the next block
        run = None           # the last ```sh block's commands (None: not run)
        seen_sh = False
        try:
            for item in items:
                if item[0] == 'directive':
                    _, lineno, text = item
                    word, _, rest = text.partition(':')
                    word = word.strip()
                    rest = rest.strip()
                    if text.strip() == 'on':
                        off = None
                    elif word == 'off':
                        if not rest:
                            raise HandoutError(f'{path}:{lineno}: off needs a reason')
                        off = rest
                        res.skipped.append(f'{path}:{lineno}: off: {rest}')
                    elif off is not None:
                        continue
                    elif word == 'skip':
                        if not rest:
                            raise HandoutError(f'{path}:{lineno}: skip needs a reason')
                        pending['skip'] = rest
                        res.skipped.append(f'{path}:{lineno}: skip: {rest}')
                    elif text.strip() == 'second terminal':
                        pending['second'] = True
                    elif text.strip() == 'from the second terminal':
                        pending['from_second'] = True
                    elif word == 'vary':
                        self.norm.add_vary(rest)
                    elif word == 'vary next':
                        pending.setdefault('vary', []).append(rest)
                    elif text.startswith('replace '):
                        m = re.match(r'replace (\S+) with (.+)$', text)
                        if not m:
                            raise HandoutError(f'{path}:{lineno}: replace WORD with TEXT')
                        pending.setdefault('replace', []).append((m.group(1), m.group(2)))
                    elif text.startswith('limit '):
                        pending['limit'] = float(text.split()[1])
                    elif word == 'run':
                        cmd = Command(rest, lineno)
                        if not self.exec(res, cmd, DEFAULT_LIMIT):
                            raise Abort()
                    elif text.startswith('apply to '):
                        pending['apply'] = text[len('apply to '):].strip()
                    elif text.strip() == 'no output':
                        pending['no_output'] = lineno
                    else:
                        raise HandoutError(f'{path}:{lineno}: unknown handout-test comment: {text}')
                    continue
                block = item[1]
                if off is not None:
                    if block.lang == 'sh':
                        run = None
                    continue
                directives, pending = pending, {}
                limit = directives.get('limit', DEFAULT_LIMIT)
                if 'skip' in directives:
                    if block.lang == 'sh':
                        run = None
                        seen_sh = True
                    continue
                if block.lang == 'sh':
                    if 'no_output' in directives:
                        raise HandoutError(f'{path}:{directives["no_output"]}: `no output` marks the '
                                           f'output block after a ```sh block, not the ```sh block')
                    seen_sh = True
                    text_lines = block.lines
                    for word, rep in directives.get('replace', []):
                        text_lines = [re.sub(r'\b%s\b' % re.escape(word), lambda _m: rep, x) for x in text_lines]
                    cmds = []
                    offset = 0
                    for c in split_commands(text_lines):
                        # the line the command starts on, for messages
                        first = c.split('\n')[0]
                        k = next((n for n in range(offset, len(text_lines)) if text_lines[n] == first), offset)
                        offset = k + 1
                        cmds.append(Command(c, block.lineno + 1 + k))
                    if directives.get('second'):
                        for c in cmds:
                            res.commands += 1
                            if self.dry:
                                terminals.append((None, limit))
                                continue
                            if self.verbose:
                                self.say(f'  $ {c.key}   (second terminal)')
                            term = Terminal(c, self.env, self.shell.cwd)
                            terminals.append((term, limit))
                            term.started(SECOND_TERMINAL_START)
                        continue
                    run = []
                    for c in cmds:
                        if not self.exec(res, c, limit):
                            raise Abort()
                        run.append(c)
                    continue
                if 'apply' in directives:
                    self.apply(res, block, directives['apply'])
                    continue
                if block.lang != '':
                    if 'no_output' in directives:
                        raise HandoutError(f'{path}:{directives["no_output"]}: `no output` marks a '
                                           f'```{block.lang} block, not an output block')
                    continue
                self.norm.once = [re.compile(x) for x in directives.get('vary', [])]
                shown = trim(block.lines)
                if 'no_output' in directives and shown:
                    res.failures.append(f'{path}:{block.lineno}: an output block marked `no output` '
                                        f'(line {directives["no_output"]}) shows {len(shown)} lines')
                    continue
                if directives.get('from_second'):
                    if not terminals:
                        raise HandoutError(f'{path}:{block.lineno}: no second terminal runs')
                    term, tlimit = terminals.pop(0)
                    if term is None:
                        continue
                    try:
                        term.finish(tlimit)
                    except HandoutError as e:
                        res.failures.append(f'{path}:{block.lineno}: {e}')
                        continue
                    if term.cmd.rc != term.cmd.want:
                        res.failures.append(f'{path}:{block.lineno}: `{term.cmd.key}` (second terminal) '
                                            f'exited {term.cmd.rc}, not {term.cmd.want}:\n{term.cmd.out}')
                    if self.show:
                        self.say(f'  second terminal: $ {term.cmd.key}\n    | ' +
                                 show_path(term.cmd.out.rstrip('\n'), self.env).replace('\n', '\n    | '))
                    self.compare(res, block, [term.cmd])
                    continue
                if not seen_sh:
                    continue  # a picture
                if run is None:
                    continue  # its commands were not run
                if not shown:
                    if 'no_output' in directives:
                        self.no_output(res, block, run)
                    else:
                        res.failures.append(
                            f'{path}:{block.lineno}: an empty output block: it would match any command '
                            f'that prints nothing. Name the command with a transcript (`$ CMD` alone in '
                            f'the block), or put <!-- handout-test: no output --> before the block when no '
                            f'command of the ```sh block above prints anything')
                    continue
                if shown[0].startswith('$ '):
                    self.compare_transcript(res, block, run, limit)
                else:
                    self.compare(res, block, run)
        except Abort:
            pass
        except HandoutError as e:
            res.failures.append(str(e))
        finally:
            for term, _ in terminals:
                if term is None:
                    continue
                term.stop()
                res.failures.append(f'{path}: a second terminal still ran at the end: {term.cmd.key}')
            if self.shell is not None:
                self.shell.close()
            shutil.rmtree(work, ignore_errors=True)
        if res.updates:
            for start, end, new in sorted(res.updates, reverse=True):
                lines[start:end] = new
            with open(path, 'w', encoding='utf-8') as f:
                f.write('\n'.join(lines))
        return res


def main(argv):
    args = [a for a in argv if not a.startswith('--')]
    opts = {a for a in argv if a.startswith('--')}
    unknown = opts - {'--update', '--verbose', '--show', '--check'}
    if unknown or not args or ('--check' in opts and len(opts) > 1):
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    env = dict(os.environ)
    runner = Runner(env, '--verbose' in opts, '--update' in opts, '--show' in opts)
    bad = 0
    for path in args:
        t0 = time.monotonic()
        if '--verbose' in opts:
            print(f'{path}:', flush=True)
        try:
            res = runner.handout(path, '--check' in opts)
        except HandoutError as e:
            print(f'FAIL {path}: {e}')
            bad += 1
            continue
        secs = time.monotonic() - t0
        word = 'PASS' if not res.failures else 'FAIL'
        if res.ill_formed:
            print(f'FAIL {path}: not well formed (nothing was run)', flush=True)
        elif '--check' in opts:
            print(f'PASS {path}: well formed: {res.commands} commands, {res.compared} outputs to compare, '
                  f'{len(res.skipped)} parts not to run (nothing run)', flush=True)
        else:
            print(f'{word} {path}: {res.commands} commands, {res.compared} outputs compared, '
                  f'{len(res.skipped)} parts not run ({secs:.1f} s)', flush=True)
        if '--verbose' in opts or res.failures:
            for s in res.skipped:
                print(f'  not run: {s}')
        for f in res.failures:
            print('  ' + f.replace('\n', '\n  '))
        for f in res.listed if res.failures else []:
            print('  ' + f.replace('\n', '\n    | '))
        if res.updates:
            print(f'  updated {len(res.updates)} output blocks in {path}')
        bad += bool(res.failures)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
