#!/usr/bin/python3
"""Plots training curves from imf-engine metrics.jsonl files into one PNG.

usage: /usr/bin/python3 tools/plot_losses.py OUT.png LABEL=runs/a/metrics.jsonl [LABEL=...] [--key mse_u]

Needs Debian's python3-matplotlib. Each curve is the raw per-step value (thin) and a moving
average over 25 steps (thick), on a log scale.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    key = "mse_u"
    if "--key" in argv:
        i = argv.index("--key")
        key = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    if len(argv) < 2:
        sys.exit(__doc__)
    out, runs = argv[0], argv[1:]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    for run in runs:
        label, path = run.split("=", 1)
        steps, values = [], []
        with open(path) as f:
            for line in f:
                m = json.loads(line)
                if m.get(key) is not None:
                    steps.append(m["step"])
                    values.append(m[key])
        window = 25
        smooth = [sum(values[max(0, i - window + 1): i + 1]) / len(values[max(0, i - window + 1): i + 1]) for i in range(len(values))]
        line, = ax.plot(steps, values, linewidth=0.5, alpha=0.35)
        ax.plot(steps, smooth, linewidth=2, color=line.get_color(), label=label)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(key + " (plain mean squared error of the regression)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main(sys.argv[1:])
