#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print bench.sh's table: for each measure and engine, the plain engine's
and paks's medians with their spread (p10-p90), the ratio (or difference)
and the issue's target.  Input: the meta file and raw.tsv
(engine, measure, side, value)."""
import collections
import statistics
import sys


def pct(v, p):
    v = sorted(v)
    k = (len(v) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def cell(v, unit):
    if not v:
        return "-"
    return "%s %s (%s-%s)" % (fmt(statistics.median(v)), unit,
                                fmt(pct(v, 10)), fmt(pct(v, 90)))


def fmt(x):
    return "%.0f" % x if abs(x) >= 100 else "%.2f" % x if abs(x) < 10 else "%.1f" % x


def paired(p, q):
    """One value a side a round, none of them zero."""
    return len(p) == len(q) and all(p) and all(q)


def main():
    meta, raw = sys.argv[1], sys.argv[2]
    d = collections.defaultdict(list)
    engines = []
    for ln in open(raw):
        e, m, side, v = ln.rstrip("\n").split("\t")
        d[(e, m, side)].append(float(v))
        if e not in engines:
            engines.append(e)
    for ln in open(meta):
        k, _, v = ln.rstrip("\n").partition("\t")
        print("%s: %s" % (k, v))
    print("median (p10-p90); ratio = paks / plain for times, "
          "paks / plain for throughput: the median of the rounds' ratios "
          "when each round has one of each\n")
    # measure, side key of plain, side key of paks, label, unit, kind, target
    rows = [
        ("prompt", "plain", "paks", "first prompt, image seen before", "ms", "ratio", "<= 1.05x"),
        ("remote_prompt", "plain", "paks", "first prompt, remote engine", "ms", "ratio", "<= 1.10x"),
        ("ch_prompt", "plain_dir", "paks_kept", "first prompt, kept copy", "ms", "ratio", "<= 1.05x"),
        ("ch_prompt", "plain_unpack", "paks", "first prompt, with the unpack", "ms", "ratio", "<= 1.10x"),
        ("newid", "plain", "paks", "first prompt, new ID, new name", "ms", "ratio", "<= 1.10x"),
        ("rebuilt", "plain", "paks", "first prompt, new ID, same name", "ms", "ratio", "<= 1.10x"),
        ("rt", "comment", "help", "#help above a plain comment", "ms", "diff", "<= 1 ms med, <= 3 ms p99"),
        ("rt", "comment", "envhost", "#envhost above a plain comment", "ms", "diff", "<= 1 ms med, <= 3 ms p99"),
        ("save_small", "plain", "paks", "#save vs commit, small change", "ms", "ratio", "<= 1.15x"),
        ("save_big", "plain", "paks", "#save vs commit, large change", "ms", "ratio", "<= 1.15x"),
        ("ch_save_small", "plain", "paks", "#save vs ch-convert, small", "ms", "ratio", "<= 1.15x"),
        ("ch_save_big", "plain", "paks", "#save vs ch-convert, large", "ms", "ratio", "<= 1.15x"),
        ("cp", "plain_file_in", "paks_file_in", "#cp file, host to container", "ms", "ratio", "<= 1.2x"),
        ("cp", "plain_file_out", "paks_file_out", "#cp file, container to host", "ms", "ratio", "<= 1.2x"),
        ("cp", "plain_tree_in", "paks_tree_in", "#cp tree, host to container", "ms", "ratio", "<= 1.2x"),
        ("cp", "plain_tree_out", "paks_tree_out", "#cp tree, container to host", "ms", "ratio", "<= 1.2x"),
        ("export", "plain", "paks", "#export vs commit + save", "ms", "ratio", "<= 1.2x"),
        ("export", "save_only", "paks", "#export vs save alone", "ms", "ratio", "<= 1.2x"),
        ("pty", "plain_bulk_x", "paks_bulk_x", "PTY bulk, one long line", "ms", "thru", ">= 0.95x"),
        ("pty", "plain_bulk_y", "paks_bulk_y", "PTY bulk, short lines", "ms", "thru", ">= 0.95x"),
        ("pty", "plain_echo", "paks_echo", "PTY keystroke to echo", "ms", "ratio", "<= 1.1x"),
    ]
    # The engine column is as wide as its longest name (docker-tcp).
    w = (31, max([8] + [len(e) for e in engines]), 26, 26, 22, 24)
    line = "%-*s %-*s %-*s %-*s %-*s %-*s"
    hdr = ("measure", "engine", "plain", "paks", "ratio / diff", "target")
    print(line % sum(zip(w, hdr), ()))
    for m, ps, qs, label, unit, kind, target in rows:
        for e in engines:
            p, q = d.get((e, m, ps), []), d.get((e, m, qs), [])
            if not p and not q:
                continue
            r = "-"
            if p and q:
                mp, mq = statistics.median(p), statistics.median(q)
                if kind in ("ratio", "thru") and paired(p, q):
                    # Each round's two sides ran side by side: the
                    # median of their ratios does not move with the
                    # machine's speed over the run, as a ratio of two
                    # medians does.
                    rs = [(b / a if kind == "ratio" else a / b)
                          for a, b in zip(p, q)]
                    r = "%.2fx" % statistics.median(rs)
                elif kind == "ratio":
                    r = "%.2fx" % (mq / mp) if mp else "-"
                elif kind == "thru":
                    r = "%.2fx" % (mp / mq) if mq else "-"
                else:
                    r = "+%.2f ms, p99 +%.2f" % (mq - mp, pct(q, 99) - pct(p, 99))
            pc, qc = cell(p, unit), cell(q, unit)
            if kind == "diff":
                pc += " p99 %s" % fmt(pct(p, 99)) if p else ""
                qc += " p99 %s" % fmt(pct(q, 99)) if q else ""
            print(line % sum(zip(w, (label, e, pc, qc, r, target)), ()))
    for side, label in (("inspect", "one `image inspect`"),
                        ("tag_rmi", "one `tag` + `rmi`"),
                        ("run_true", "one `run --rm IMAGE true`")):
        for e in engines:
            v = d.get((e, "cli", side), [])
            if v:
                print(line % sum(zip(w, (label, e, cell(v, "ms"), "-", "-",
                                         "(what bounds)")), ()))
    for e in engines:
        rss = [v for (e2, _, side), vs in d.items()
               if e2 == e and side in ("rss", "paks_rss") for v in vs]
        if rss:
            print(line % sum(zip(w, ("paks peak RSS in a session", e, "-",
                                     "%.1f MB (max)" % (max(rss) / 1024), "-",
                                     "<= 10 MB")), ()))


if __name__ == "__main__":
    main()
