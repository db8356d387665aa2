"""Readers for the device check (gpu_check.py): JUnit's XML report, `info` and nvidia-smi output, the bench
JSON files, and the table that puts the engine and PyTorch side by side. Standard library only; every
reader takes text or a path and returns plain dicts and lists (what goes into gpu-check.json)."""
import json
import os
import re
import xml.etree.ElementTree as ET

MAX_MESSAGE = 600


def one_line(s, limit=MAX_MESSAGE):
    s = " ".join((s or "").split())
    return s if len(s) <= limit else s[:limit - 1] + "…"


def junit_cases(report_dir):
    """Every test case of the JUnit console's legacy XML reports in report_dir: name (the display-name path
    below the engine, e.g. "CudaParityTest > attention() > attention fwd B=2 L=37 H=3 Dh=8"), class, status
    (passed, failed, error, skipped), seconds and, unless passed, a one-line message."""
    cases = []
    if not os.path.isdir(report_dir):
        return cases
    for f in sorted(os.listdir(report_dir)):
        if not (f.startswith("TEST-") and f.endswith(".xml")):
            continue
        root = ET.parse(os.path.join(report_dir, f)).getroot()
        for tc in root.iter("testcase"):
            out = tc.findtext("system-out") or ""
            m = re.search(r"^display-name: (.*)$", out, re.M)
            path = m.group(1).strip() if m else tc.get("name", "?")
            parts = path.split(" > ")
            name = " > ".join(parts[1:]) if len(parts) > 1 else path  # drop the engine ("JUnit Jupiter")
            status, message = "passed", None
            for tag in ("failure", "error", "skipped"):
                el = tc.find(tag)
                if el is not None:
                    status = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                    message = one_line(el.get("message") or (el.text or "").strip().split("\n")[0])
                    break
            case = {"name": name, "class": tc.get("classname"), "status": status, "seconds": float(tc.get("time") or 0)}
            if message:
                case["message"] = message
            cases.append(case)
    return cases


def nccl_fields(text):
    """What NcclDeviceTest printed: the NCCL library (version, file, where found, device) and the steps' relative error."""
    out = {}
    for line in (text or "").splitlines():
        m = re.match(r"^NCCL (\S+) from (.*)$", line.strip())
        if m:
            out["nccl_version"], out["library"] = m.group(1), line.strip()
        m = re.match(r"^NCCL 1-rank training steps vs without: rel err (\S+)$", line.strip())
        if m:
            try:
                out["step_rel_err"] = float(m.group(1))
            except ValueError:
                out["step_rel_err"] = m.group(1)
    return out


def junit_progress(text):
    """The cases of the JUnit console's --details=verbose output, for when no XML report was written (the run was
    killed): each test that reported a status, and the last one that started without reporting one (a hang there)."""
    cases, current, done = [], None, True
    for line in (text or "").splitlines():
        m = re.match(r"^[|' ]*[+'][-]{2} (.*)$", line)
        if m and not m.group(1).endswith(" dynamically registered") and " finished after " not in m.group(1):
            current, done = m.group(1).strip(), False
            continue
        m = re.match(r"^[| ]*status: \[(OK|X|A|S)\] (\w+)", line.strip())
        if m and current and not done:
            status = {"OK": "passed", "X": "failed", "A": "skipped", "S": "skipped"}[m.group(1)]
            cases.append({"name": current, "status": status})
            done = True
    return {"cases": cases, "last_started": None if done else current}


def junit_summary(cases):
    counts = {s: 0 for s in ("passed", "failed", "error", "skipped")}
    for c in cases:
        counts[c["status"]] = counts.get(c["status"], 0) + 1
    return {"tests": len(cases), **counts}


def info_fields(text):
    """`imf-engine info` lines ("name:   value") as a dict."""
    out = {}
    for line in (text or "").splitlines():
        m = re.match(r"^([a-z][a-z ]*):\s+(.*)$", line.strip())
        if m:
            out[m.group(1).strip()] = m.group(2).strip()
    return out


def nvidia_smi_fields(query_csv, banner):
    """The --query-gpu CSV line(s) (name, driver, memory MiB, compute capability) and the banner's CUDA version."""
    gpus = []
    for line in (query_csv or "").strip().splitlines():
        f = [x.strip() for x in line.split(",")]
        if len(f) >= 4:
            gpus.append({"name": f[0], "driver": f[1], "memory_mib": f[2], "compute_capability": f[3]})
    m = re.search(r"CUDA Version:\s*([0-9.]+)", banner or "")
    return {"gpus": gpus, "cuda_version": m.group(1) if m else None}


def sig(x, digits=4):
    """x to `digits` significant digits (a ratio of 0.00012 stays 0.00012)."""
    return float("%.*g" % (digits, x))


def read_json(path):
    """The JSON at path, or None when it is missing or unreadable (a stage that died before writing it)."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def bench_row(bench, what):
    """The row `what` (train_step, sample_1nfe) of a bench --json file, or None."""
    for r in (bench or {}).get("rows", []):
        if r.get("what") == what:
            return r
    return None


def table_row(batch, bench, torch_json, stage_status):
    """One line of the B/2 table: the engine's step and sampling, PyTorch's step, and their ratio."""
    step, sample = bench_row(bench, "train_step"), bench_row(bench, "sample_1nfe")
    row = {"batch": batch, "engine_stage": stage_status.get("engine"), "pytorch_stage": stage_status.get("pytorch")}
    if bench:
        row["precision"] = bench.get("precision")
        row["peak_tflops"] = bench.get("peak_tflops")
        row["peak_source"] = bench.get("peak_source")
        row["recompute"] = bench.get("recompute")  # the memory plan bench ran with (recompute is on by default for B/2)
        row["micro_batch"] = bench.get("micro_batch")
    row["engine_step"] = step
    row["engine_sample"] = sample
    torch_rec = None
    if torch_json:
        recs = torch_json.get("records") or []
        torch_rec = recs[0] if recs else {k: torch_json.get(k) for k in ("status", "error", "max_memory_allocated_gib",
                                                                            "max_memory_reserved_gib") if k in torch_json}
    row["pytorch_step"] = torch_rec
    e_ok = step and step.get("status") == "ok" and step.get("median_ms")
    t_ok = torch_rec and torch_rec.get("status") == "ok" and torch_rec.get("median_ms")
    if e_ok and t_ok:
        row["ratio_engine_over_pytorch"] = sig(step["median_ms"] / torch_rec["median_ms"])
        flops = step.get("flops_per_run")
        if flops:  # PyTorch does the same step's work: the engine's count of it over PyTorch's time
            tflops = flops / (torch_rec["median_ms"] * 1e9)
            row["pytorch_tflops_at_engine_flops"] = sig(tflops)
            if row.get("peak_tflops"):
                row["pytorch_mfu"] = sig(tflops / row["peak_tflops"])
    else:
        row["ratio_engine_over_pytorch"] = None
    return row


def table_lines(rows):
    """The table as text, one line per batch."""
    head = "%-6s %-10s %10s %9s %8s %7s %9s %9s %11s %10s %7s" % (
        "batch", "precision", "engine_ms", "img/s", "TFLOP/s", "MFU", "live_GiB", "resv_GiB", "H2D+D2H", "torch_ms", "ratio")
    out = [head]
    for r in rows:
        s, t = r.get("engine_step") or {}, r.get("pytorch_step") or {}

        def f(v, fmt):
            return fmt % v if isinstance(v, (int, float)) else "-"
        moved = (s.get("bytes_up") or 0) + (s.get("bytes_down") or 0) if s.get("status") == "ok" else None
        engine_ms = f(s.get("median_ms"), "%.1f") if s.get("status") == "ok" else (s.get("status") or r.get("engine_stage") or "-")
        torch_ms = f(t.get("median_ms"), "%.1f") if t.get("status") == "ok" else (t.get("status") or r.get("pytorch_stage") or "-")
        out.append("%-6s %-10s %10s %9s %8s %7s %9s %9s %11s %10s %7s" % (
            r["batch"], r.get("precision") or "-", engine_ms, f(s.get("samples_per_s"), "%.1f"), f(s.get("tflops"), "%.2f"),
            f(s.get("mfu"), "%.3f"), f(s.get("peak_live_gib"), "%.2f"), f(s.get("peak_reserved_gib"), "%.2f"),
            f(moved, "%d B"), torch_ms, f(r.get("ratio_engine_over_pytorch"), "%.2f")))
    return out
