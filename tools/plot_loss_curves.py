#!/usr/bin/env python3
"""Overlays loss curves of training runs in one SVG, with the Python standard library only (the GPU machine may
have no matplotlib; tools/plot_losses.py is the matplotlib version for PNGs).

usage: python3 tools/plot_loss_curves.py OUT.svg LABEL=run.csv|metrics.jsonl [LABEL=...] [--key mse_u] [--title T]

Each input is a CSV with a header naming `step` and the key (as tools/gpu_check.py's loss-curve stage writes
them), or a train metrics.jsonl. Each run is drawn as its per-step values (thin) and a moving average over
max(5, steps/20) steps (thick), on a log y axis. Also importable: curves_from_metrics(), write_csv(), svg().
"""
import csv
import json
import math
import sys

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
COLUMNS = ["step", "loss", "mse_u", "mse_v", "sec"]


def curves_from_metrics(path):
    """The rows of a train metrics.jsonl as dicts (step, loss, mse_u, mse_v, sec); lines that do not parse are skipped."""
    rows = []
    with open(path) as f:
        for line in f:
            try:
                d = json.loads(line)
                rows.append({k: d.get(k) for k in COLUMNS})
            except ValueError:
                continue
    return rows


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow(r)


def read(path, key):
    """(steps, values) of key from a CSV or a metrics.jsonl; non-finite or missing values are left out."""
    rows = curves_from_metrics(path) if path.endswith(".jsonl") else list(csv.DictReader(open(path)))
    steps, values = [], []
    for r in rows:
        try:
            s, v = int(float(r["step"])), float(r[key])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(v) and v > 0:
            steps.append(s)
            values.append(v)
    return steps, values


def moving_average(values, window):
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def svg(runs, key, title, width=720, height=420):
    """An SVG document of runs: [(label, steps, values)], log y axis."""
    left, right, top, bottom = 70, 20, 40, 50
    pw, ph = width - left - right, height - top - bottom
    all_steps = [s for _, st, _ in runs for s in st] or [0, 1]
    all_values = [v for _, _, vs in runs for v in vs] or [1, 10]
    x0, x1 = min(all_steps), max(max(all_steps), min(all_steps) + 1)
    lo, hi = math.log10(min(all_values)), math.log10(max(all_values))
    if hi - lo < 0.2:
        lo, hi = lo - 0.1, hi + 0.1

    def px(s):
        return left + pw * (s - x0) / (x1 - x0)

    def py(v):
        return top + ph * (1 - (math.log10(v) - lo) / (hi - lo))

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="14">%s</text>' % (left, escape(title)),
           '<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>' % (left, top, pw, ph)]
    for e in range(math.floor(lo), math.ceil(hi) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo <= math.log10(v) <= hi:
                y = py(v)
                out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (left, left + pw, y, y))
                out.append('<text x="%d" y="%.1f" text-anchor="end">%g</text>' % (left - 6, y + 4, v))
    for i in range(6):
        s = x0 + (x1 - x0) * i / 5
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (px(s), top + ph + 18, round(s)))
    out.append('<text x="%d" y="%d" text-anchor="middle">step</text>' % (left + pw // 2, height - 10))
    out.append('<text transform="translate(16,%d) rotate(-90)" text-anchor="middle">%s (log)</text>' % (top + ph // 2, escape(key)))
    for i, (label, steps, values) in enumerate(runs):
        colour = COLOURS[i % len(COLOURS)]
        if not steps:
            continue
        window = max(5, len(values) // 20)
        for vals, w, opacity in ((values, 0.8, 0.35), (moving_average(values, window), 2.2, 1.0)):
            pts = " ".join("%.1f,%.1f" % (px(s), py(v)) for s, v in zip(steps, vals))
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="%.1f" stroke-opacity="%.2f"/>' % (pts, colour, w, opacity))
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>' % (left + pw - 150, left + pw - 125, top + 16 + 18 * i,
                                                                                             top + 16 + 18 * i, colour))
        out.append('<text x="%d" y="%d">%s</text>' % (left + pw - 118, top + 20 + 18 * i, escape(label)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main(argv):
    key, title = "mse_u", None
    for opt in ("--key", "--title"):
        if opt in argv:
            i = argv.index(opt)
            if opt == "--key":
                key = argv[i + 1]
            else:
                title = argv[i + 1]
            argv = argv[:i] + argv[i + 2:]
    if len(argv) < 2 or any("=" not in r for r in argv[1:]):
        sys.exit(__doc__)
    runs = []
    for r in argv[1:]:
        label, path = r.split("=", 1)
        runs.append((label,) + read(path, key))
    with open(argv[0], "w") as f:
        f.write(svg(runs, key, title or "%s per step: %s" % (key, ", ".join(r[0] for r in runs))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
