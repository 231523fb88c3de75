"""After grading: report.html for the instructor, and the totals as a Canvas gradebook CSV and as otter's
final_grades.csv. Everything is computed from the same rows as grades.csv (bertcourse/outputs.py).

report.html (self-contained: plots embedded as PNG), per notebook: the score distribution; per question the
mean and the share of full marks; per test case, hidden ones included by name, the share of submissions that
failed it and the most frequent public-test message (a misleading prompt or a common misconception shows up
here); the rows that errored or timed out, with their reasons; the slowest submissions.

canvas_gradebook.csv: one row per student, one column per notebook (total points). The student comes from the
file name by this rule:
  - a Canvas submissions download (`smithjane_12345_67890_nb1_zero_shot.ipynb`, `smithjane_LATE_12345_...`):
    Student = the sortable name (`smithjane`), ID = the Canvas user id (`12345`), which Canvas matches on;
  - any other name: everything before the first notebook name, `_`, space or `.` (`jdoe_nb1.ipynb` -> `jdoe`)
    as the Student and the SIS Login ID.
  If a student has several files for one notebook, the highest total counts.
final_grades_<notebook>.csv: otter grade's layout (file, one column per question, total_points_earned,
percent_correct, grading_status; first row points-per-question).
"""

from __future__ import annotations

import base64
import collections
import csv
import html
import io
import re
import statistics

from . import versions
from .outputs import STATUS_OK, csv_cell, display_name, safe_text, total_of

CANVAS_DOWNLOAD = re.compile(r"^([A-Za-z]+)(?:_LATE)?_(\d+)_(\d+)_")


def summarize(rows: list[tuple[str, dict]], assignments: dict) -> dict:
    """The report's numbers, per notebook (only notebooks with at least one row)."""
    out = {}
    for name, assignment in assignments.items():
        mine = [(file, result) for file, result in rows if result.get("notebook") == name]
        if not mine:
            continue
        ok = [(file, result) for file, result in mine if result.get("status") == STATUS_OK]
        totals = [total_of(result, assignment.questions) for _, result in mine]
        questions = {}
        for question, points in assignment.questions.items():
            scores = [min(float(r.get("questions", {}).get(question, 0.0)), points) if r.get("status") == STATUS_OK
                      else 0.0 for _, r in mine]
            questions[question] = {"points": points, "mean": statistics.mean(scores),
                                   "full_share": sum(s == points for s in scores) / len(scores)}
        tests: dict[tuple[str, str], dict] = {}
        for _, result in ok:
            for test in result.get("tests", []):
                entry = tests.setdefault((test["question"], test["name"]), {
                    "question": test["question"], "name": test["name"], "hidden": bool(test.get("hidden")),
                    "failed": 0, "messages": collections.Counter()})
                if not test.get("passed"):
                    entry["failed"] += 1
                    if not test.get("hidden") and test.get("message"):
                        entry["messages"][_last_line(test["message"])] += 1
        test_rows = []
        for entry in tests.values():
            common = entry["messages"].most_common(1)
            test_rows.append({"question": entry["question"], "name": entry["name"], "hidden": entry["hidden"],
                              "failed_share": entry["failed"] / len(ok) if ok else 0.0,
                              "message": common[0][0] if common else "", "message_count": common[0][1] if common else 0})
        test_rows.sort(key=lambda t: (-t["failed_share"], t["name"]))
        problems = [(file, result.get("status", ""), result.get("log_tail", "")) for file, result in mine
                    if result.get("status") != STATUS_OK]
        slowest = sorted(((result.get("seconds", 0.0), file) for file, result in mine), reverse=True)[:10]
        out[name] = {"count": len(mine), "ok": len(ok), "max_total": assignment.max_total, "totals": totals,
                     "versions": version_counts(mine), "mistakes": mistake_counts(ok),
                     "mean_total": statistics.mean(totals), "median_total": statistics.median(totals),
                     "questions": questions, "tests": test_rows, "problems": problems,
                     "slowest": [(file, seconds) for seconds, file in slowest if seconds]}
    return out


def mistake_counts(rows: list[tuple[str, dict]]) -> list[dict]:
    """Each likely mistake found (bertcourse/mistakes/): its question, its line, and how many students made it,
    most frequent first."""
    counts: dict[tuple[str, str], dict] = {}
    for file, result in rows:
        for found in result.get("mistakes") or []:
            entry = counts.setdefault((str(found.get("question")), str(found.get("mistake"))), {
                "question": str(found.get("question")), "mistake": str(found.get("mistake")),
                "line": str(found.get("line", "")), "students": set()})
            entry["students"].add(file)
    out = [{**entry, "students": len(entry["students"])} for entry in counts.values()]
    return sorted(out, key=lambda m: (-m["students"], m["question"], m["mistake"]))


def version_counts(rows: list[tuple[str, dict]]) -> dict:
    """Per field of the version record: the grader's version, how many submissions ran each version ("unknown":
    no record), and how many of them differ from the grader's."""
    grader = versions.grading()
    records = [versions.valid(result.get("versions")) for _, result in rows]
    drifted = [{field for field, _, _ in versions.drift(record, grader) or []} for record in records]
    out = {}
    for field in versions.FIELDS:
        counts = collections.Counter(record[field] if record else "unknown" for record in records)
        out[field] = {"grading": grader[field], "counts": counts.most_common(),
                      "differ": sum(field in fields for fields in drifted)}
    return out


def _last_line(message: str) -> str:
    """The informative part of an otter failure message: its last non-empty line."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


# ------------------------------------------------------------------ plots
def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _plots(name: str, summary: dict) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(5, 2.8))
    top = summary["max_total"]
    axis.hist(summary["totals"], bins=min(20, max(5, int(top * 2) or 5)), range=(0, top or 1), color="tab:blue")
    axis.set(xlabel=f"total (of {top:g})", ylabel="submissions", title=f"{name}: scores")
    distribution = _png(figure)
    figure, axis = plt.subplots(figsize=(5, 2.8))
    questions = list(summary["questions"])
    axis.barh(questions, [summary["questions"][q]["full_share"] for q in questions], color="tab:green")
    axis.set(xlim=(0, 1), xlabel="share with full marks", title=f"{name}: questions")
    axis.invert_yaxis()
    return distribution, _png(figure)


# ------------------------------------------------------------------ the page
def render_html(summary: dict, unknown: list[tuple[str, str]] = (), title: str = "Grading report") -> str:
    e = lambda text: html.escape(safe_text(str(text), 500))
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title><style>"
             "body{font-family:sans-serif;margin:2em;max-width:70em} table{border-collapse:collapse;margin:.5em 0 1.5em}"
             "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left} th{background:#f3f3f3}"
             ".num{text-align:right} img{margin-right:1em}</style></head><body>", f"<h1>{e(title)}</h1>"]
    parts.append("<table id='overview'><tr><th>notebook</th><th>submissions</th><th>graded ok</th>"
                 "<th>mean</th><th>median</th><th>max</th></tr>")
    for name, s in summary.items():
        parts.append(f"<tr><td><a href='#{e(name)}'>{e(name)}</a></td><td class='num'>{s['count']}</td>"
                     f"<td class='num'>{s['ok']}</td><td class='num'>{s['mean_total']:.2f}</td>"
                     f"<td class='num'>{s['median_total']:g}</td><td class='num'>{s['max_total']:g}</td></tr>")
    parts.append("</table>")
    if unknown:
        parts.append("<h2>Files not graded as any notebook</h2><table id='unknown'><tr><th>file</th><th>status</th></tr>")
        parts += [f"<tr><td>{e(display_name(file))}</td><td>{e(status)}</td></tr>" for file, status in unknown]
        parts.append("</table>")
    for name, s in summary.items():
        distribution, questions = _plots(name, s)
        parts.append(f"<section class='notebook' id='{e(name)}'><h2>{e(name)}</h2>")
        parts.append(f"<img class='plot' alt='score distribution' src='{distribution}'>"
                     f"<img class='plot' alt='full marks per question' src='{questions}'>")
        parts.append("<h3>Questions</h3><table class='questions'><tr><th>question</th><th>points</th><th>mean</th>"
                     "<th>full marks</th></tr>")
        for question, q in s["questions"].items():
            parts.append(f"<tr><td>{e(question)}</td><td class='num'>{q['points']:g}</td>"
                         f"<td class='num'>{q['mean']:.2f}</td><td class='num'>{q['full_share']:.0%}</td></tr>")
        parts.append("</table><h3>Tests, most failed first</h3><table class='tests'><tr><th>test</th><th>kind</th>"
                     "<th>failed by</th><th>most frequent message (public tests)</th></tr>")
        for t in s["tests"]:
            message = f"{e(t['message'])} ({t['message_count']}×)" if t["message"] else ""
            parts.append(f"<tr><td>{e(t['name'])}</td><td>{'hidden' if t['hidden'] else 'public'}</td>"
                         f"<td class='num'>{t['failed_share']:.0%}</td><td>{message}</td></tr>")
        parts.append("</table><h3>Likely mistakes</h3>")
        if s["mistakes"]:
            parts.append("<table class='mistakes'><tr><th>question</th><th>students</th><th>likely mistake</th></tr>")
            parts += [f"<tr><td>{e(m['question'])}</td><td class='num'>{m['students']}</td><td>{e(m['line'])}</td></tr>"
                      for m in s["mistakes"]]
            parts.append("</table>")
        else:
            parts.append("<p>No submission behaves like one of the wrong answers the course keeps.</p>")
        parts.append("<h3>Versions the notebooks ran with</h3><table class='versions'><tr><th>what</th>"
                     "<th>at grading</th><th>submissions (count)</th><th>differ from grading</th></tr>")
        for field, v in s["versions"].items():
            seen = ", ".join(f"{e(version)} ({count})" for version, count in v["counts"])
            parts.append(f"<tr><td>{e(field)}</td><td>{e(v['grading'])}</td><td>{seen}</td>"
                         f"<td class='num'>{v['differ']}</td></tr>")
        parts.append("</table><h3>Not graded: errors and timeouts</h3>")
        if s["problems"]:
            parts.append("<table class='problems'><tr><th>file</th><th>status</th><th>last output</th></tr>")
            for file, status, tail in s["problems"]:
                last = e(tail.strip().splitlines()[-1]) if tail.strip() else ""
                parts.append(f"<tr><td>{e(display_name(file))}</td><td>{e(status)}</td><td>{last}</td></tr>")
            parts.append("</table>")
        else:
            parts.append("<p class='problems'>none</p>")
        parts.append("<h3>Slowest submissions</h3><table class='slowest'><tr><th>file</th><th>seconds</th></tr>")
        for file, seconds in s["slowest"]:
            parts.append(f"<tr><td>{e(display_name(file))}</td><td class='num'>{seconds:.1f}</td></tr>")
        parts.append("</table></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def unknown_rows(rows: list[tuple[str, dict]], assignments: dict) -> list[tuple[str, str]]:
    """Rows not graded as any notebook (unreadable files): listed on their own in the report."""
    return [(file, result.get("status", "")) for file, result in rows if result.get("notebook") not in assignments]


# ------------------------------------------------------------------ exports
def student_of(file_name: str, notebooks: list[str]) -> tuple[str, str, str]:
    """(Student, Canvas ID, SIS Login ID) from a submission's file name (see the module docstring)."""
    name = display_name(file_name)
    match = CANVAS_DOWNLOAD.match(name)
    if match:
        return match.group(1), match.group(2), ""
    cut = min([name.find(n) for n in notebooks if name.find(n) > 0] + [len(name)])
    stem = re.split(r"[_ .]", name[:cut].strip("_ -."), maxsplit=1)[0] or name
    return stem, "", stem


def canvas_csv(rows: list[tuple[str, dict]], assignments: dict) -> str:
    best: dict[tuple, dict[str, float]] = collections.defaultdict(dict)
    for file, result in rows:
        assignment = assignments.get(result.get("notebook") or "")
        if assignment is None:
            continue
        student = student_of(file, list(assignments))
        total = total_of(result, assignment.questions)
        best[student][assignment.name] = max(total, best[student].get(assignment.name, 0.0))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = list(assignments)
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *names])
    writer.writerow(["Points Possible", "", "", "", "", *(f"{assignments[n].max_total:g}" for n in names)])
    for (student, canvas_id, login), totals in sorted(best.items()):
        writer.writerow([csv_cell(student), canvas_id, "", csv_cell(login), "",
                         *(f"{totals[n]:g}" if n in totals else "" for n in names)])
    return buffer.getvalue()


def otter_final_grades(rows: list[tuple[str, dict]], assignment) -> str:
    questions = sorted(assignment.questions)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", *questions, "total_points_earned", "percent_correct", "grading_status"])
    writer.writerow(["points-per-question", *(f"{assignment.questions[q]:g}" for q in questions),
                     f"{assignment.max_total:g}", "1", "--"])
    for file, result in rows:
        if result.get("notebook") != assignment.name:
            continue
        ok = result.get("status") == STATUS_OK
        scores = [min(float(result.get("questions", {}).get(q, 0.0)), assignment.questions[q]) if ok else 0.0
                  for q in questions]
        total = total_of(result, assignment.questions)
        writer.writerow([csv_cell(display_name(file)), *(f"{s:g}" for s in scores), f"{total:g}",
                         f"{total / assignment.max_total:.4g}" if assignment.max_total else "0",
                         "Completed" if ok else csv_cell(safe_text(str(result.get("status", "")), 300))])
    return buffer.getvalue()
