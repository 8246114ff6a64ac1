"""tests/e2e/web_grade_page.py: `umllab web --grade DIR` in headless Chromium: the table follows the
directory while it is written (a report, then the summary). Usage: web_grade_page.py URL DIR WORKDIR."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

URL, DIR, WORK = sys.argv[1:4]
fails = 0


def check(cond, msg):
    global fails
    print(("ok: " if cond else "FAILED: ") + msg, flush=True)
    fails += 0 if cond else 1


def write(name, text):
    tmp = os.path.join(DIR, "." + name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(DIR, name))


b = Browser(workdir=WORK)
try:
    write("alice.txt", "alice: 4/4 checks, 6 of 6 points\n")
    write("alice.check.json", json.dumps({"lab": "fig1", "passed": 4, "total": 4, "points": 6, "max_points": 6, "checks": []}))
    b.goto(URL)
    b.wait("!!(window.umllabGrade && umllabGrade.rows.length == 1)", 10, "alice's row")
    check(b.eval("document.querySelector('#grade-table tr[data-submission=alice]').textContent.includes('6/6')"),
          "a submission's report shows as soon as it is written")
    t = time.time()
    write("bob.txt", "bob: failed\n")
    write("summary.json", json.dumps({"spec": "", "max_points": 6, "submissions_count": 2, "checked": 1, "points_total": 6,
        "submissions": [
            {"submission": "alice", "path": "a", "lab_file": "a/lab.yaml", "status": "checked", "points": 6, "max_points": 6,
             "passed": 4, "total": 4, "reason": "", "seconds": 9.5, "failed": []},
            {"submission": "bob", "path": "b", "lab_file": "", "status": "validate", "points": 0, "max_points": 6,
             "passed": 0, "total": 4, "reason": "no lab.yaml", "seconds": 0.1, "failed": []}]}))
    b.wait("!!(umllabGrade.summary && umllabGrade.rows.length == 2)", 10, "the summary")
    print("measure: a grading directory's summary.json written to the page showing it: %.0f ms" % ((time.time() - t) * 1000))
    check(True, "the table follows the directory live: the summary replaces the reports")
    b.eval("document.querySelector('#grade-table th[data-key=points]').click()")
    first = b.eval("document.querySelector('#grade-table tbody tr').dataset.submission")
    check(first == "bob", "the table sorts by points (lowest first: %s)" % first)
    b.eval("document.querySelector('#grade-table tr[data-submission=bob]').click()")
    b.wait("document.getElementById('report').textContent.includes('bob: failed')", 5, "bob's report")
    check(True, "a row opens the submission's report")
    b.screenshot(os.path.join(WORK, "web-grade.png"))
except Exception as e:
    check(False, "the grading page: %s" % e)
finally:
    b.close()
sys.exit(fails)
