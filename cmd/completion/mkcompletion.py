#!/usr/bin/env python3
"""cmd/completion/mkcompletion.py: the installed bash completion.

  mkcompletion.py UMLLAB cmd/completion/umllab.bash > umllab

Puts `UMLLAB --help` and each `UMLLAB CMD --help` into the script at its
line `# @HELP@`, so that a Tab reads them without running umllab.
"""
import re
import subprocess
import sys


def bash_quote(text):
    """$'...' with every byte that needs it escaped."""
    out = []
    for ch in text:
        if ch == '\\' or ch == "'":
            out.append('\\' + ch)
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\t':
            out.append('\\t')
        elif ord(ch) < 32:
            out.append('\\x%02x' % ord(ch))
        else:
            out.append(ch)
    return "$'" + ''.join(out) + "'"


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: mkcompletion.py UMLLAB TEMPLATE')
    umllab, template = sys.argv[1:]

    def run(*args):
        return subprocess.run([umllab, *args], check=True, capture_output=True, text=True).stdout

    main_help = run('--help')
    names = re.findall(r'^  ([a-z][a-z-]*) ', main_help.split('commands:', 1)[1], re.M)
    if not names:
        sys.exit('mkcompletion: no commands in `%s --help`' % umllab)
    lines = ['_umllab_help[main]=' + bash_quote(main_help)]
    lines += ['_umllab_help[%s]=%s' % (n, bash_quote(run(n, '--help'))) for n in names]
    text = open(template, encoding='utf-8').read()
    marker = re.compile(r'^# @HELP@.*$', re.M)
    if len(marker.findall(text)) != 1:
        sys.exit('mkcompletion: %s must have one line starting `# @HELP@`' % template)
    sys.stdout.write(marker.sub(lambda m: '\n'.join(lines), text))


if __name__ == '__main__':
    main()
