#!/usr/bin/env python3
"""docs/man/mkman.py: the markdown of umllab(1), for pandoc (docs/man/man.lua).

  mkman.py UMLLAB TEMPLATE README DATADIR DOCDIR > umllab.1.md

TEMPLATE is the hand-written page (docs/man/umllab.1.md). Its line
@COMMANDS@ becomes every command of `UMLLAB --help`, each with its
`UMLLAB CMD --help`, and a line `@README Heading@` becomes that section of
README (its body, headings one level down). So the page says what the
program and the README say, and cannot drift from them. @DATADIR@ and
@DOCDIR@ become where the labs and the documentation are installed.
"""
import re
import subprocess
import sys

# Characters that mean something to pandoc's markdown outside code spans.
SPECIAL = re.compile(r'([\\*_\[\]<>#|~^$@{}"])')


def escape(text):
    """Plain text as markdown, `code spans` kept as they are."""
    parts = re.split(r'(`[^`]*`)', text)
    out = []
    for i, p in enumerate(parts):
        out.append(p if i % 2 else SPECIAL.sub(r'\\\1', p))
    s = ''.join(out)
    # A paragraph must not start like a list item.
    if re.match(r'[-+]|\d+[.)] ', s):
        s = '\\' + s
    return s


def is_verbatim(line):
    """An indented line, or an option table's row (`--json     one JSON ...`)."""
    return line[:1].isspace() or re.match(r'-[-\w]+( [A-Z]\w*)?\s{2,}\S', line) is not None


def verbatim_markdown(lines):
    indent = min(len(v) - len(v.lstrip()) for v in lines if v.strip())
    return '\n'.join('    ' + v[indent:] for v in lines) + '\n'


OPTION_ROW = re.compile(r'(\s*)(-\S.*?)\s{2,}(\S.*)$')


def options_markdown(lines):
    """An option table (`  -F, --foreground  this process is ...` and its
    continuation lines, indented deeper) as a definition list; None when
    the lines are something else (examples)."""
    first = OPTION_ROW.match(lines[0])
    if first is None:
        return None
    indent = len(first.group(1))
    rows = []
    for line in lines:
        m = OPTION_ROW.match(line)
        lead = len(line) - len(line.lstrip())
        if m is not None and lead == indent:
            rows.append([m.group(2), [m.group(3)]])
        elif lead > indent:
            rows[-1][1].append(line.strip())
        else:
            return None
    return '\n'.join('**%s**\n:   %s\n' % (escape(term), escape(' '.join(desc)))
                     for term, desc in rows)


def help_markdown(text):
    """A command's help: paragraphs joined, tables and examples verbatim."""
    out = []
    para, verb = [], []

    def flush():
        if para:
            out.append(escape(' '.join(para)) + '\n')
            para.clear()
        if verb:
            out.append(options_markdown(verb) or verbatim_markdown(verb))
            verb.clear()

    for line in text.split('\n'):
        if not line.strip():
            flush()
        elif is_verbatim(line):
            if para:
                flush()
            verb.append(line.rstrip())
        else:
            if verb:
                flush()
            # "Exit status:" and "Example:" start a paragraph of their own.
            if para and re.match(r'(Exit status|Examples?):', line):
                flush()
            para.append(line.strip())
    flush()
    return '\n'.join(out)


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def commands(umllab):
    main = run(umllab, '--help')
    names = re.findall(r'^  ([a-z][a-z-]*) ', main.split('commands:', 1)[1], re.M)
    if not names:
        sys.exit('mkman: no commands in `%s --help`' % umllab)
    out = []
    for name in names:
        text = run(umllab, name, '--help')
        # A long usage line goes on in lines that start with spaces.
        m = re.match(r'usage: umllab (\S+) ?(.*(?:\n +.*)*)\n\n(.*)\n(?:\n((?:.|\n)*))?$', text)
        if m is None or m.group(1) != name:
            sys.exit('mkman: `%s %s --help` does not start with its usage line' % (umllab, name))
        args, summary, rest = ' '.join(m.group(2).split()), m.group(3), m.group(4) or ''
        out.append('### umllab %s\n' % name)
        out.append('**umllab %s** %s\n' % (name, escape(args)))
        out.append(escape(summary[:1].upper() + summary[1:]) + '.\n')
        out.append(help_markdown(rest))
    return '\n'.join(out)


def readme_section(readme, heading):
    lines = open(readme, encoding='utf-8').read().split('\n')
    start = None
    for i, line in enumerate(lines):
        m = re.match(r'(#+) (.*)', line)
        if m and start is None and m.group(2) == heading:
            start, level = i + 1, len(m.group(1))
        elif m and start is not None and len(m.group(1)) <= level:
            return '\n'.join(lines[start:i])
    if start is None:
        sys.exit('mkman: README has no section "%s"' % heading)
    return '\n'.join(lines[start:])


def main():
    if len(sys.argv) != 6:
        sys.exit('usage: mkman.py UMLLAB TEMPLATE README DATADIR DOCDIR')
    umllab, template, readme, datadir, docdir = sys.argv[1:]
    out = []
    in_code = False
    for line in open(template, encoding='utf-8').read().split('\n'):
        in_code ^= line.startswith('```')
        m = re.match(r'@README (.*)@$', line)
        if line == '@COMMANDS@' and not in_code:
            out.append(commands(umllab))
        elif m and not in_code:
            fence = False
            for b in readme_section(readme, m.group(1)).split('\n'):
                fence ^= b.startswith('```')
                out.append('#' + b if not fence and re.match(r'#+ ', b) else b)
        else:
            out.append(line.replace('@DATADIR@', datadir).replace('@DOCDIR@', docdir))
    sys.stdout.write('\n'.join(out))


if __name__ == '__main__':
    main()
