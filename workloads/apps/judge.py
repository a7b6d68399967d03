#!/usr/bin/env python3
"""Compares one `crashfs run` report of an application configuration with
the application's expected file and prints the result as markdown table
rows, one per model:

    | app | configuration | model | verdict | states | groups | seconds |

    judge.py REPORT_JSON APP_DIR CONFIG [SECONDS]

The verdict of a model is the worst over its checkers (violation, then
inconclusive, then clean).  An expected "VERDICT:G1,-G2" also requires grade
G1 among the violations found under that model and G2 not among them.  A
cell that differs from the expectation is marked "**MISMATCH** (expected
...)", and the exit status is 1; 0 when every model agrees; 2 on bad input.

Two tags in a reason mark what the table must say out loud:
  [app-bug]            the program's documentation promises better than the
                       verdict: the reason names the application's bug;
  [remedy: TEXT]       what the program's documentation offers instead (a
                       setting), shown with a group crashfs found no verified
                       fsync for;
  [crashfs-miss: V]    crashfs is known to report V here and be wrong (the
                       reason says why and which state shows it): reported as
                       "crashfs miss", not counted as a mismatch while crashfs
                       reports V; the right verdict counts as agreement.
"""
import re
import json
import os
import sys

RANK = {"clean": 0, "inconclusive": 1, "violation": 2}


def expectations(app_dir, config):
    out = []
    with open(os.path.join(app_dir, "expected")) as f:
        for line in f:
            fields = line.split(None, 3)
            if line.startswith("#") or len(fields) < 3 or fields[0] != config:
                continue
            verdict, _, grades = fields[2].partition(":")
            want = {g for g in grades.split(",") if g and not g.startswith("-")}
            unwanted = {g[1:] for g in grades.split(",") if g.startswith("-")}
            reason = fields[3] if len(fields) > 3 else ""
            miss = re.search(r"\[crashfs-miss: *([a-z-]+)\]", reason)
            remedy = re.search(r"\[remedy: *([^\]]+)\]", reason)
            out.append((fields[1], verdict, want, unwanted, "[app-bug]" in reason, miss.group(1) if miss else None,
                        remedy.group(1).strip() if remedy else None))
    return out


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def groups_of(report, model, remedy):
    fixes = {}
    for fx in report.get("fixes", []):
        if fx.get("verified"):
            fixes.setdefault(fx["group"], fx.get("text", ""))
    parts = []
    for g in report.get("groups", []):
        if model not in g.get("models", []):
            continue
        fix = fixes.get(g["id"]) or g.get("no_fix_reason") or "no fix found"
        if remedy and g["id"] not in fixes:
            fix += f"; remedy: {remedy}"
        reason = g.get("reason", "")
        if len(reason) > 160:
            reason = reason[:157] + "..."
        parts.append(f"{g.get('kind', '?')} ({g.get('grade', '?')}, {g.get('states', '?')} states): {reason} -> {fix}")
    return "<br>".join(parts) if parts else "-"


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    report_path, app_dir, config = sys.argv[1:4]
    seconds = sys.argv[4] if len(sys.argv) == 5 else ""
    app = os.path.basename(os.path.normpath(app_dir))
    wanted = expectations(app_dir, config)
    if not wanted:
        print(f"judge.py: {app_dir}/expected lists no configuration {config}", file=sys.stderr)
        return 2
    try:
        with open(report_path) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        for model, verdict, *_ in wanted:
            print(f"| {app} | {config} | {model} | **MISMATCH**: no report ({cell(e)}); expected {verdict} | - | - | {seconds} |")
        return 1
    mismatch = False
    for model, verdict, want, unwanted, app_bug, miss, remedy in wanted:
        verdicts = [v["verdict"] for v in report.get("verdicts", []) if v["model"] == model]
        got = max(verdicts, key=lambda v: RANK.get(v, 3)) if verdicts else "missing"
        grades = {v["grade"] for v in report.get("violations", []) if v["model"] == model}
        grades |= {g["grade"] for g in report.get("groups", []) if model in g.get("models", [])}
        states = next((m.get("checked", m.get("distinct")) for m in report.get("summary", {}).get("models", [])
                       if m.get("model") == model), "-")
        shown = got + (f" ({', '.join(sorted(grades))})" if grades else "")
        problems = []
        if got != verdict:
            problems.append(f"expected {verdict}")
        if want - grades:
            problems.append(f"expected grade {', '.join(sorted(want - grades))}")
        if unwanted & grades:
            problems.append(f"unexpected grade {', '.join(sorted(unwanted & grades))}")
        if problems and miss == got:
            shown = f"**crashfs miss** {shown} (known: expected {verdict}, see expected)"
        elif problems:
            mismatch = True
            shown = f"**MISMATCH** {shown}: {'; '.join(problems)}"
        elif app_bug:
            shown += " [app bug]"
        print(f"| {app} | {config} | {model} | {cell(shown)} | {states} | {cell(groups_of(report, model, remedy))} | {seconds} |")
    return 1 if mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
