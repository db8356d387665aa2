#!/usr/bin/env python3
"""The device check: one command on a GPU machine (no Java or network needed: the bundle brings its runtime),
under 8 minutes, that never stops early. It runs, in this order, each as a stage with its own time limit:

  environment     nvidia-smi, where libcuda and cuBLAS load from, PyTorch's view, `imf-engine info --device cuda`
  parity          the gpu-tagged JUnit suite (every kernel × shape × pass, and one whole training step, each a
                  case of its own); if anything fails, once more with CUDA_LAUNCH_BLOCKING=1 (parity_blocking)
  nccl            NcclDeviceTest with the machine's libnccl.so.2 (found as `train` finds it; IMF_NCCL names one): a
                  1-rank communicator, an all-reduce round trip of a known buffer, and training steps through NCCL
                  equal to those without it; "skipped" with the reason (in the report and summary) where none loads
  table_b64 …     `bench --device cuda --preset B/2 --batch N --json`: ms/step, img/s, TFLOP/s, MFU, peak live
                  and reserved device memory, host<->device bytes per step; sampling too (one stage per batch)
  breakdown       `bench --profile`: one step's device time per kernel family from CUDA events
  pytorch_b64 …   bench/pytorch/imf_step_bench.py --device cuda: the same step in PyTorch at the same precision
  losscurve_fp32, losscurve_bf16   the same short training run (preset s on synthetic class-pattern images, fixed
                  seed) in fp32 and in bf16: per-step metrics as CSV and both curves overlaid in losscurve/loss-curves.svg

Each stage's exit code, stdout and stderr are kept (stages/NAME.out, .err), a stage that overruns its limit is
killed and marked "timeout", and the next stage runs. The stages share a budget (--budget, 450 s): a stage's
limit shrinks so that every later stage keeps its minimum, and a stage with less than its minimum left is
"skipped". OUT/gpu-check.json is rewritten after every stage; OUT/gpu-check.log has everything printed.

  gpu-check.sh [--out DIR] [--precision bf16|tf32|fp32] [--batches 64,256] [--budget 450]     (from the bundle)
  python3 tools/gpu_check.py --dry-run --out DIR --java … --jar … --tests … --junit-console … --emu-dir …

--dry-run runs the same stages on a machine without a GPU: the CUDA backend on the CPU kernel emulator
(`--device emulated`, the tiny model, batches 1 and 2) and PyTorch on the CPU, so that the script, the bundle
and the report are tested before a GPU minute is spent (make test does this). Exit code: 0 when every stage
was ok, 1 when one was not (the report says which), 2 on bad options. docs/GPU_CHECK.md explains the output.
"""
import argparse
import datetime
import array
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpu_check_parse as parse  # noqa: E402
import plot_loss_curves  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT = 1
# what a run writes into --out (a rerun into the same folder replaces these and nothing else)
OUTPUTS = ["gpu-check.json", "gpu-check.log", "stages", "parity", "parity_blocking", "nccl", "table", "breakdown.json", "pytorch", "losscurve"]
JVM_FLAGS = ["--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"]

# the groups of stages, in the order they run (--stages selects some)
GROUPS = ["environment", "parity", "nccl", "table", "breakdown", "pytorch", "losscurve"]
# name -> (nominal limit s, minimum s): the limit a stage gets when time allows, and the least it can use
LIMITS = {
    "environment": (60, 15), "parity": (100, 30), "parity_blocking": (70, 30), "nccl": (45, 20),
    "table": (90, 30), "table_last": (120, 30), "breakdown": (60, 25), "pytorch": (60, 20), "pytorch_last": (75, 20),
    "losscurve": (90, 25),
}
# the loss-curve runs: the same training in each precision (fp32 first: the reference), and their size
LOSS_PRECISIONS = ["fp32", "bf16"]
LOSS_RUN = {"preset": "s", "size": 28, "classes": 10, "steps": 300, "batch": 128, "examples": 4096}  # s: head dim 64 (flash kernels)
LOSS_RUN_DRY = {"preset": "tiny", "size": 8, "classes": 3, "steps": 3, "batch": 2, "examples": 30}


PROBE_LIBS = r'''
import ctypes, glob, json, os, sys
def loaded_path(stem):
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1] if len(line.split()) >= 6 else ""
            if os.path.basename(p).startswith(stem):
                return p
    return None
out = {}
try:
    cuda = ctypes.CDLL("libcuda.so.1")
    v = ctypes.c_int()
    rc = cuda.cuInit(0)
    cuda.cuDriverGetVersion(ctypes.byref(v))
    out["libcuda"] = {"soname": "libcuda.so.1", "path": loaded_path("libcuda.so"), "cuInit": rc,
                      "driver_cuda_version": "%d.%d" % (v.value // 1000, v.value % 1000 // 10)}
except OSError as e:
    out["libcuda"] = {"soname": "libcuda.so.1", "error": str(e)}
out["libcublas"] = []
for soname in ("libcublas.so.13", "libcublas.so.12"):
    try:
        lib = ctypes.CDLL(soname)
        ver = [ctypes.c_int() for _ in range(3)]
        for i in range(3):
            lib.cublasGetProperty(i, ctypes.byref(ver[i]))
        out["libcublas"].append({"soname": soname, "path": loaded_path(soname.split(".so")[0] + ".so"),
                                 "version": "%d.%d.%d" % tuple(x.value for x in ver)})
    except (OSError, AttributeError) as e:
        out["libcublas"].append({"soname": soname, "error": str(e)})
roots = [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH")] + glob.glob("/usr/local/cuda*")
found = set()
for r in filter(None, roots):
    found.update(glob.glob(os.path.join(r, "lib64", "libcublas.so*")) + glob.glob(os.path.join(r, "targets", "*", "lib", "libcublas.so*")))
for sp in sys.path:
    found.update(glob.glob(os.path.join(sp, "nvidia", "cu*", "lib", "libcublas.so*")))
out["libcublas_files_elsewhere"] = sorted(found)
out["ld_library_path"] = os.environ.get("LD_LIBRARY_PATH")
print(json.dumps(out))
'''

PROBE_TORCH = r'''
import json, torch
d = {"torch": torch.__version__, "torch_cuda": torch.version.cuda, "cuda_available": torch.cuda.is_available()}
if d["cuda_available"]:
    p = torch.cuda.get_device_properties(0)
    d.update(gpu=p.name, compute_capability="%d.%d" % (p.major, p.minor), memory_gib=round(p.total_memory / 1024 ** 3, 1),
             multiprocessors=p.multi_processor_count, cudnn=torch.backends.cudnn.version())
print(json.dumps(d))
'''


def shown(cmd):
    """A command line for the log: an inline program (python3 -c …) as "-c <program>"."""
    return " ".join("<program>" if i > 0 and cmd[i - 1] == "-c" else c for i, c in enumerate(cmd))


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Check:
    """One run of the device check: its options, output folder, log, budget and the report so far."""

    def __init__(self, args):
        self.a = args
        self.out = os.path.abspath(args.out)
        for old in OUTPUTS:  # a previous run's files in the same folder (only ours)
            p = os.path.join(self.out, old)
            if os.path.isdir(p):
                shutil.rmtree(p, ignore_errors=True)
            elif os.path.exists(p):
                os.remove(p)
        os.makedirs(os.path.join(self.out, "stages"), exist_ok=True)
        self.log_file = open(os.path.join(self.out, "gpu-check.log"), "w")
        self.t0 = time.monotonic()
        self.tmp = tempfile.mkdtemp(prefix="imf-gpu-check-")  # JCuda unpacks its native library here
        self.report = {"format": FORMAT, "tool": "gpu_check.py", "dry_run": args.dry_run, "started_utc": now(),
                       "host": socket.gethostname(), "budget_s": args.budget, "bundle": self.bundle_version(),
                       "settings": {"device": self.device(), "preset": args.preset, "batches": args.batches,
                                    "precision": args.precision, "stages": args.stages}, "stages": []}

    # ---- output ----------------------------------------------------------------------------------
    def log(self, msg):
        line = "[%6.1fs] %s" % (time.monotonic() - self.t0, msg)
        print(line, flush=True)
        self.log_file.write(line + "\n")
        self.log_file.flush()

    def save(self):
        self.report["elapsed_s"] = round(time.monotonic() - self.t0, 1)
        path = os.path.join(self.out, "gpu-check.json")
        with open(path + ".tmp", "w") as f:
            json.dump(self.report, f, indent=1)
            f.write("\n")
        os.replace(path + ".tmp", path)

    def bundle_version(self):
        try:
            with open(os.path.join(HERE, "VERSION")) as f:
                return f.read().strip()
        except OSError:
            return None

    def device(self):
        return "emulated" if self.a.dry_run else "cuda"

    # ---- budget ----------------------------------------------------------------------------------
    def left(self):
        return self.a.budget - (time.monotonic() - self.t0)

    def limit(self, kind, later):
        """This stage's limit: its nominal one, or less so that each later stage keeps its minimum; None to skip."""
        nominal, minimum = LIMITS[kind]
        reserve = sum(LIMITS[k][1] for k in later)
        t = min(nominal, self.left() - reserve)
        return t if t >= minimum else None

    # ---- running a stage -------------------------------------------------------------------------
    def java(self, *args, jvm=()):
        return [self.a.java] + JVM_FLAGS + ["-Djava.io.tmpdir=" + self.tmp] + list(jvm) + self.emu_flags() + list(args)

    def emu_flags(self):
        return ["-Dimf.emu.dir=" + self.a.emu_dir] if self.a.emu_dir else []

    def engine(self, *args, jvm=()):
        return self.java("-jar", self.a.jar, *args, jvm=jvm)

    def precision_args(self):
        return ["--precision", self.a.precision]

    def stage(self, name, cmd, timeout, env=None, record=True):
        """Runs cmd with a time limit; returns (and, if record, reports) the stage's outcome. Never raises."""
        st = {"name": name, "command": cmd, "timeout_s": round(timeout, 1) if timeout else None,
              "stdout": "stages/%s.out" % name, "stderr": "stages/%s.err" % name}
        if timeout is None:
            st.update(status="skipped", note="not enough of the %d s budget left" % self.a.budget, seconds=0)
            self.log("%-16s skipped (budget)" % name)
        else:
            self.log("%-16s start (limit %.0f s): %s" % (name, timeout, shown(cmd)))
            st.update(self.execute(cmd, timeout, env, os.path.join(self.out, st["stdout"]), os.path.join(self.out, st["stderr"])))
            self.log("%-16s %s in %.1f s (exit %s)" % (name, st["status"], st["seconds"], st.get("exit_code")))
            self.copy_to_log(name, st)
        if record:
            self.report["stages"].append(st)
            self.save()
        return st

    def execute(self, cmd, timeout, env, out_path, err_path):
        full_env = dict(os.environ)
        full_env.update(env or {})
        t = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            try:
                p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=full_env, start_new_session=True)
            except OSError as e:
                return {"status": "error", "exit_code": None, "seconds": 0.0, "error": "could not start: %s" % e}
            try:
                rc = p.wait(timeout=max(1.0, timeout - 3))
                status = "ok" if rc == 0 else "failed"
            except subprocess.TimeoutExpired:
                self.kill(p)
                rc, status = None, "timeout"
        res = {"status": status, "exit_code": rc, "seconds": round(time.monotonic() - t, 1)}
        tail = self.tail(err_path)
        if tail:
            res["stderr_tail"] = tail
        return res

    @staticmethod
    def kill(p):
        """SIGTERM to the stage's process group, SIGKILL 3 s later if it is still there."""
        for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
            try:
                os.killpg(p.pid, sig)
            except OSError:
                return
            try:
                p.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    @staticmethod
    def tail(path, lines=12):
        try:
            with open(path, errors="replace") as f:
                text = [l.rstrip() for l in f.readlines() if l.strip() and "Using incubator modules" not in l]
            return "\n".join(text[-lines:])
        except OSError:
            return ""

    def copy_to_log(self, name, st):
        for kind in ("stdout", "stderr"):
            try:
                with open(os.path.join(self.out, st[kind]), errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            if text.strip():
                self.log_file.write("----- %s %s -----\n%s%s" % (name, kind, text, "" if text.endswith("\n") else "\n"))
        self.log_file.flush()

    def text(self, st, kind="stdout"):
        try:
            with open(os.path.join(self.out, st[kind]), errors="replace") as f:
                return f.read()
        except (OSError, KeyError):
            return ""

    # ---- the stages ------------------------------------------------------------------------------
    def environment(self, later):
        """nvidia-smi, the library probe, PyTorch's view and `info`, within one stage's limit."""
        limit = self.limit("environment", later)
        env = {}
        if limit is None:
            self.stage("environment", [], None)
            return
        end = time.monotonic() + limit
        subs = [("nvidia_smi_query", ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,compute_cap",
                                      "--format=csv,noheader,nounits"], 10),
                ("nvidia_smi", ["nvidia-smi"], 10),
                ("probe_libraries", [sys.executable, "-c", PROBE_LIBS], 15),
                ("probe_torch", [self.a.python, "-c", PROBE_TORCH], 25),
                ("info", self.engine("info", "--device", self.device(), *self.precision_args()), 40)]
        results = {}
        for name, cmd, t in subs:
            t = min(t, end - time.monotonic())
            results[name] = self.stage("env_" + name, cmd, t if t >= 3 else None, record=False)
        env["steps"] = {k: {x: v[x] for x in ("status", "exit_code", "seconds", "error") if x in v} for k, v in results.items()}
        env.update(parse.nvidia_smi_fields(self.text(results["nvidia_smi_query"]), self.text(results["nvidia_smi"])))
        for key, sub in (("libraries", "probe_libraries"), ("torch", "probe_torch")):
            try:
                env[key] = json.loads(self.text(results[sub]).strip().splitlines()[-1])
            except (ValueError, IndexError):
                env[key] = {"error": parse.one_line(results[sub].get("stderr_tail") or results[sub]["status"])}
        env["info"] = parse.info_fields(self.text(results["info"]))
        env["java"] = self.a.java
        info_ok = results["info"]["status"] == "ok"
        st = {"name": "environment", "status": "ok" if info_ok else "failed", "seconds": round(sum(r.get("seconds", 0) for r in results.values()), 1),
              "timeout_s": round(limit, 1), "exit_code": results["info"].get("exit_code"),
              "steps": {k: "stages/env_%s.out" % k for k in results}}
        if not info_ok:
            st["stderr_tail"] = results["info"].get("stderr_tail", "")
        self.report["environment"] = env
        self.report["stages"].append(st)
        self.log("%-16s %s" % ("environment", st["status"]))
        self.save()

    def parity(self, later):
        runs = []
        st = self.parity_run("parity", self.limit("parity", ["parity_blocking"] + later), {})
        runs.append(self.parity_result(st, False))
        ran = st["status"] != "skipped"
        bad = runs[0]["status"] != "passed"
        if ran and (self.a.parity_rerun == "always" or (bad and self.a.parity_rerun == "auto")):
            st = self.parity_run("parity_blocking", self.limit("parity_blocking", later), {"CUDA_LAUNCH_BLOCKING": "1"})
            runs.append(self.parity_result(st, True))
        self.report["parity"] = {"status": runs[0]["status"], "runs": runs}
        self.save()

    def parity_run(self, name, limit, env):
        reports = os.path.join(self.out, name)
        shutil.rmtree(reports, ignore_errors=True)
        cmd = self.java("-jar", self.a.junit_console, "execute", "--disable-banner", "--disable-ansi-colors", "--details=verbose",
                        "--details-theme=ascii",
                        "--class-path", self.a.jar + os.pathsep + self.a.tests, "--scan-class-path", self.a.tests,
                        "--include-tag", "gpu", "--reports-dir", reports)
        return self.stage(name, cmd, limit, env=env)

    def parity_result(self, st, blocking):
        r = {"stage": st["name"], "launch_blocking": blocking, "exit_code": st.get("exit_code"), "stage_status": st["status"]}
        try:
            cases = parse.junit_cases(os.path.join(self.out, st["name"]))
        except Exception as e:  # a report cut short by a timeout: say so, keep going
            cases, r["parse_error"] = [], parse.one_line(str(e))
        if not cases and st["status"] in ("timeout", "failed"):  # no XML: what the console printed as it went
            progress = parse.junit_progress(self.text(st))
            cases, r["from"] = progress["cases"], "console output (no XML report)"
            if progress["last_started"]:
                r["last_started"] = progress["last_started"]
        r.update(parse.junit_summary(cases))
        if st["status"] == "ok" and cases and r["failed"] == 0 and r["error"] == 0:
            r["status"] = "passed"
        elif st["status"] == "timeout":
            r["status"] = "timeout"
        elif not cases:
            r["status"] = "no results"
        else:
            r["status"] = "failed"
        order = {"error": 0, "failed": 1, "skipped": 2, "passed": 3}
        r["cases"] = sorted(cases, key=lambda c: (order.get(c["status"], 4), c["name"]))
        return r

    def bench_stage(self, name, kind, later, batch, extra, json_name):
        limit = self.limit(kind, later)
        path = os.path.join(self.out, json_name)
        if os.path.exists(path):
            os.remove(path)
        # bench's limit per measurement (step, sampling): both together stay inside the stage's limit
        max_time = max(2.0, 0.45 * ((limit or 0) - 20))
        cmd = self.engine("bench", "--device", self.device(), "--preset", self.a.preset, "--batch", str(batch),
                          *self.precision_args(), *extra, "--max-time", "%.0f" % max_time, "--json", path)
        st = self.stage(name, cmd, limit)
        return st, parse.read_json(path)

    def pytorch_stage(self, name, kind, later, batch):
        limit = self.limit(kind, later)
        if self.a.dry_run and not self.has_torch():  # the dry run tests the script, not this machine's Python
            st = {"name": name, "status": "skipped", "seconds": 0, "note": "dry run: %s has no torch" % self.a.python, "expected": True}
            self.report["stages"].append(st)
            self.log("%-16s skipped (dry run, no torch in %s)" % (name, self.a.python))
            self.save()
            return st, None
        path = os.path.join(self.out, "pytorch", "b%d.json" % batch)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            os.remove(path)
        cmd = [self.a.python, self.a.pytorch_script, "--device", "cpu" if self.a.dry_run else "cuda", "--precision", self.a.precision,
               "--preset", self.a.preset, "--batch", str(batch), "--what", "step", "--jvp", self.a.pytorch_jvp, "--json", path]
        cmd += ["--warmup", "1", "--repeats", "2", "--no-blas-check"] if self.a.dry_run else ["--warmup", "2", "--repeats", "10"]
        if limit is not None:
            cmd += ["--max-time", "%.0f" % max(2.0, 0.6 * (limit - 15))]
        st = self.stage(name, cmd, limit)
        return st, parse.read_json(path)

    def losscurve(self, later):
        """The same short training run in each of LOSS_PRECISIONS; metrics as CSV, the curves overlaid in an SVG."""
        folder = os.path.join(self.out, "losscurve")
        os.makedirs(folder, exist_ok=True)
        run = LOSS_RUN_DRY if self.a.dry_run else LOSS_RUN
        data, labels = synthetic_images(folder, run["examples"], run["size"], 1, run["classes"], seed=0)
        result = {"run": dict(run, data="synthetic class patterns + noise, %dx%dx1, %d classes (seed 0)" % (run["size"], run["size"], run["classes"])),
                  "runs": {}}
        curves = []
        for i, p in enumerate(LOSS_PRECISIONS):
            name, run_dir = "losscurve_" + p, os.path.join(folder, p)
            cmd = self.engine("train", "--device", self.device(), "--precision", p, "--preset", run["preset"], "--data", data,
                              "--labels", labels, "--steps", str(run["steps"]), "--batch", str(run["batch"]), "--seed", "0",
                              "--warmup", "20", "--checkpoint-every", "0", "--log-every", "50", "--out", run_dir)
            st = self.stage(name, cmd, self.limit("losscurve", ["losscurve"] * (len(LOSS_PRECISIONS) - 1 - i) + later))
            rows = []
            try:
                rows = plot_loss_curves.curves_from_metrics(os.path.join(run_dir, "metrics.jsonl"))
            except OSError:
                pass
            csv_path = os.path.join(folder, p + ".csv")
            plot_loss_curves.write_csv(rows, csv_path)
            result["runs"][p] = dict(loss_summary(rows), stage_status=st["status"], csv="losscurve/%s.csv" % p)
            curves.append((p,) + plot_loss_curves.read(csv_path, "mse_u"))
        for key in ("mse_u_last", "mse_v_last"):
            f32, b16 = (result["runs"][p][key] for p in ("fp32", "bf16"))
            result[key + "_bf16_over_fp32"] = b16 / f32 if f32 and b16 is not None else None
        svg_path = os.path.join(folder, "loss-curves.svg")
        with open(svg_path, "w") as f:
            f.write(plot_loss_curves.svg(curves, "mse_u", "preset %s, batch %d, %d steps, seed 0: fp32 vs bf16 (%s)" % (
                run["preset"], run["batch"], run["steps"], "emulated dry run" if self.a.dry_run else "GPU")))
        result["svg"] = "losscurve/loss-curves.svg"
        self.report["losscurve"] = result
        self.save()

    def nccl(self, later):
        """NcclDeviceTest alone (JUnit console): passed, failed, or skipped with its reason (no libnccl.so.2 loads)."""
        reports = os.path.join(self.out, "nccl")
        shutil.rmtree(reports, ignore_errors=True)
        cmd = self.java("-jar", self.a.junit_console, "execute", "--disable-banner", "--disable-ansi-colors", "--details=verbose",
                        "--details-theme=ascii", "--class-path", self.a.jar + os.pathsep + self.a.tests,
                        "--select-class", "imfengine.imf.NcclDeviceTest", "--reports-dir", reports)
        st = self.stage("nccl", cmd, self.limit("nccl", later))
        r = {"stage_status": st["status"], "exit_code": st.get("exit_code")}
        try:
            cases = parse.junit_cases(reports)
        except Exception as e:  # a report cut short by a timeout
            cases, r["parse_error"] = [], parse.one_line(str(e))
        if cases:
            r["status"] = cases[0]["status"]
            if cases[0].get("message"):  # a skip's reason without JUnit's "...TestAbortedException: Assumption failed: "
                r["reason" if r["status"] == "skipped" else "message"] = cases[0]["message"].split("Assumption failed: ", 1)[-1]
        else:
            r["status"] = "timeout" if st["status"] == "timeout" else "no results"
        r.update(parse.nccl_fields(self.text(st)))
        self.report["nccl"] = r
        self.save()

    def has_torch(self):
        """Whether --python imports torch (the environment stage's probe, or a quick import when it did not run)."""
        probe = self.report.get("environment", {}).get("torch")
        if probe is not None:
            return "torch" in probe
        try:
            return subprocess.run([self.a.python, "-c", "import torch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def run(self):
        a, on = self.a, set(self.a.stages)
        batches = a.batches
        tables = ["table"] * (len(batches) - 1) + ["table_last"] if "table" in on else []
        torches = ["pytorch"] * (len(batches) - 1) + ["pytorch_last"] if "pytorch" in on else []
        brk = ["breakdown"] if "breakdown" in on else []
        nccl = ["nccl"] if "nccl" in on else []
        if "environment" in on:
            self.environment((["parity"] if "parity" in on else []) + nccl + tables + brk + torches)
        if "parity" in on:
            self.parity(nccl + tables + brk + torches)
        if nccl:
            self.nccl(tables + brk + torches)
        unselected = ({"status": "not selected"}, None)
        engine = {b: unselected for b in batches}
        reps = ["--warmup", "0", "--repeats", "1"] if a.dry_run else ["--warmup", "2", "--repeats", "10"]
        for i, b in enumerate(batches if tables else []):
            engine[b] = self.bench_stage("table_b%d" % b, tables[i], tables[i + 1:] + brk + torches, b,
                                         ["--what", "both"] + reps, os.path.join("table", "b%d.json" % b))
        if brk:
            pb = batches[0]
            st, prof = self.bench_stage("breakdown", "breakdown", torches, pb,
                                        ["--what", "step", "--warmup", "0", "--repeats", "1", "--profile"],  # the timed step warms up
                                        "breakdown.json")
            self.report["breakdown"] = {"batch": pb, "stage_status": st["status"],
                                        "profile": (prof or {}).get("profile"), "error": (prof or {}).get("profile_error")}
            self.save()
        torch_res = {b: unselected for b in batches}
        for i, b in enumerate(batches if torches else []):
            torch_res[b] = self.pytorch_stage("pytorch_b%d" % b, torches[i], torches[i + 1:], b)
        if tables or torches:
            rows = [parse.table_row(b, engine[b][1], torch_res[b][1], {"engine": engine[b][0]["status"], "pytorch": torch_res[b][0]["status"]})
                    for b in batches]
            self.report["table"] = {"preset": a.preset, "rows": rows}
        if "losscurve" in on:
            self.losscurve([])
        self.finish()

    def finish(self):
        self.report["finished_utc"] = now()
        bad = [s["name"] for s in self.report["stages"] if s["status"] != "ok" and not s.get("expected")]
        self.report["stages_not_ok"] = bad
        self.save()
        self.summary()
        self.log_file.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return 0 if not bad else 1

    def summary(self):
        r = self.report
        self.log("==== summary (%s, %.0f s of the %d s budget) ====" % ("dry run" if r["dry_run"] else "GPU", r["elapsed_s"], r["budget_s"]))
        env = r.get("environment")
        if env:
            gpus = env.get("gpus") or []
            if gpus:
                self.log("gpu: %s, driver %s, CUDA %s, compute %s, %s MiB" % (gpus[0].get("name"), gpus[0].get("driver"),
                         env.get("cuda_version"), gpus[0].get("compute_capability"), gpus[0].get("memory_mib")))
            else:
                self.log("gpu: none reported by nvidia-smi (%s)" % env.get("steps", {}).get("nvidia_smi_query", {}).get("status"))
            info = env.get("info", {})
            self.log("engine: %s; cuda: %s%s" % (info.get("backend"), info.get("cuda"),
                                                 "; cublas: " + info["cublas"] if info.get("cublas") else ""))
        for run in r.get("parity", {}).get("runs", []):
            self.log("%s: %s — %d tests, %d passed, %d failed, %d errors, %d skipped%s" % (
                run["stage"], run["status"], run["tests"], run["passed"], run["failed"], run["error"], run["skipped"],
                "; last started, never finished: " + run["last_started"] if run.get("last_started") else ""))
            for c in [c for c in run["cases"] if c["status"] in ("failed", "error")][:15]:
                self.log("   %s %s: %s" % (c["status"].upper(), c["name"], c.get("message", "")))
        nccl = r.get("nccl")
        if nccl:
            self.log("nccl: %s%s" % (nccl["status"], {
                "passed": " — %s; 1-rank training steps vs without: rel err %s" % (nccl.get("library"), nccl.get("step_rel_err")),
                "skipped": " — " + str(nccl.get("reason")), "failed": " — " + str(nccl.get("message")),
                "error": " — " + str(nccl.get("message"))}.get(nccl["status"], "")))
        rows = r.get("table", {}).get("rows", [])
        for line in parse.table_lines(rows) if rows else []:
            self.log(line)
        prof = r.get("breakdown", {}).get("profile")
        if prof:
            self.log("breakdown (batch %s, %s): %.1f ms wall, %.1f ms busy, %d calls" % (
                r["breakdown"]["batch"], prof["clock"], prof["wall_ms"] or 0, prof["busy_ms"] or 0, prof["calls"]))
            for f in prof["families"][:8]:
                self.log("   %-14s %6d calls %10.2f ms %5.1f%%" % (f["name"], f["calls"], f["ms"] or 0, 100 * (f["share"] or 0)))
        for p, lc in sorted(r.get("losscurve", {}).get("runs", {}).items()):
            self.log("loss curve %s: %s steps, medians of the first and last %s: mse_u %s -> %s, mse_v %s -> %s, %s s/step" % (
                p, lc["steps"], lc["window"], fmt(lc["mse_u_first"]), fmt(lc["mse_u_last"]), fmt(lc["mse_v_first"]),
                fmt(lc["mse_v_last"]), fmt(lc["sec_per_step"])))
        lcr = r.get("losscurve")
        if lcr:
            self.log("loss curve: the last steps' medians, bf16 / fp32: mse_u %s, mse_v %s" % (
                fmt(lcr.get("mse_u_last_bf16_over_fp32")), fmt(lcr.get("mse_v_last_bf16_over_fp32"))))
        self.log("stages not ok: %s" % (", ".join(r["stages_not_ok"]) or "none"))
        self.log("written: %s" % os.path.join(self.out, "gpu-check.json"))


def fmt(x):
    return "-" if x is None else "%.4g" % x


def loss_summary(rows):
    """Steps done, the medians of mse_u and mse_v over the first and the last sixth of the steps (at least 10: the
    runs part ways after a few steps, and mse_u is heavy-tailed, single steps up to 60x the median on the H200), and
    the median seconds per step."""
    def median(xs):
        xs = sorted(xs)
        return (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2]) / 2 if xs else None

    def series(key):
        return [r[key] for r in rows if isinstance(r.get(key), (int, float)) and math.isfinite(r[key])]
    mse_u, mse_v = series("mse_u"), series("mse_v")
    window = max(10, len(rows) // 6)
    secs = [r["sec"] for r in rows if isinstance(r.get("sec"), (int, float))]
    return {"steps": len(rows), "window": window, "mse_u_first": median(mse_u[:window]), "mse_u_last": median(mse_u[-window:]),
            "mse_v_first": median(mse_v[:window]), "mse_v_last": median(mse_v[-window:]), "sec_per_step": median(secs)}


def write_npy(path, descr, shape, values):
    """A version-1.0 .npy of values (an array.array of the matching type), little-endian, C order."""
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else ""))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    if sys.byteorder != "little":
        values.byteswap()
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1"))
        values.tofile(f)


def synthetic_images(folder, n, size, channels, classes, seed):
    """n images (N×H×W×C float32) of `classes` fixed smooth random patterns plus noise (sd 0.3), and their int32 labels:
    learnable, so a loss curve falls, and made here so the bundle carries no data set."""
    rnd = random.Random(seed)
    patterns = []
    for _ in range(classes):
        waves = [(rnd.uniform(0.5, 3), rnd.uniform(0.5, 3), rnd.uniform(0, 6.3), rnd.uniform(0.3, 0.7)) for _ in range(3)]
        patterns.append([sum(a * math.sin(fx * x * 6.3 / size + fy * y * 6.3 / size + ph) for fx, fy, ph, a in waves)
                         for y in range(size) for x in range(size) for _ in range(channels)])
    x, y = array.array("f"), array.array("i")
    for i in range(n):
        c = i % classes
        y.append(c)
        x.extend(v + rnd.gauss(0, 0.3) for v in patterns[c])
    data, labels = os.path.join(folder, "images.npy"), os.path.join(folder, "labels.npy")
    write_npy(data, "<f4", (n, size, size, channels), x)
    write_npy(labels, "<i4", (n,), y)
    return data, labels


def options(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Defaults are the bundle's layout (files beside this script).")
    ap.add_argument("--out", default=os.environ.get("OUT") or "gpu-check-out", help="output folder (default: $OUT, else ./gpu-check-out)")
    ap.add_argument("--dry-run", action="store_true", help="no GPU: the CUDA kernels under the CPU emulator, PyTorch on the CPU, tiny sizes")
    ap.add_argument("--precision", choices=["bf16", "tf32", "fp32"], default="bf16",
                    help="engine --precision and PyTorch's (bf16: autocast) for the table, breakdown and PyTorch stages (default bf16)")
    ap.add_argument("--preset", default=None, help="model (default B/2; tiny with --dry-run)")
    ap.add_argument("--batches", default=None, help="comma-separated (default 64,256; 1,2 with --dry-run)")
    ap.add_argument("--budget", type=int, default=450, help="seconds for all stages together (default 450)")
    ap.add_argument("--stages", default=",".join(GROUPS),
                    help="comma-separated subset of %s, e.g. for a rerun after a fix (default: all)" % ",".join(GROUPS))
    ap.add_argument("--parity-rerun", choices=["auto", "always", "never"], default="auto",
                    help="rerun the parity suite with CUDA_LAUNCH_BLOCKING=1: when something failed (auto), always, never")
    ap.add_argument("--java", default=os.path.join(HERE, "rt", "bin", "java"))
    ap.add_argument("--jar", default=os.path.join(HERE, "imf-engine.jar"))
    ap.add_argument("--tests", default=os.path.join(HERE, "imf-engine-tests.jar"), help="the test classes (jar or folder)")
    ap.add_argument("--junit-console", default=os.path.join(HERE, "junit-console.jar"))
    ap.add_argument("--python", default=os.environ.get("PYTHON") or sys.executable, help="the Python with PyTorch")
    ap.add_argument("--pytorch-script", default=os.path.join(HERE, "pytorch", "imf_step_bench.py"))
    ap.add_argument("--pytorch-jvp", choices=["written", "forward-ad"], default="written",
                    help="PyTorch's dual forward: written out by hand (default; tools/reference/imf_dual.py) or forward_ad")
    ap.add_argument("--emu-dir", default=None, help="the kernel emulator's libraries (make emu: target/emu), for --dry-run")
    a = ap.parse_args(argv)
    a.preset = a.preset or ("tiny" if a.dry_run else "B/2")
    try:
        a.batches = [int(b) for b in (a.batches or ("1,2" if a.dry_run else "64,256")).split(",") if b.strip()]
    except ValueError:
        ap.error("--batches must be comma-separated integers")
    if not a.batches or min(a.batches) < 1:
        ap.error("--batches needs at least one batch size >= 1")
    a.stages = [x.strip() for x in a.stages.split(",") if x.strip()]
    unknown = [x for x in a.stages if x not in GROUPS]
    if unknown or not a.stages:
        ap.error("--stages takes a comma-separated subset of %s, got %s" % (",".join(GROUPS), ",".join(unknown) or "none"))
    if a.budget < 60:
        ap.error("--budget must be at least 60 s")
    for name in ("java", "jar", "tests", "junit_console", "pytorch_script"):
        setattr(a, name, os.path.abspath(getattr(a, name)))
    if a.emu_dir:
        a.emu_dir = os.path.abspath(a.emu_dir)
    return a


def main(argv):
    check = Check(options(argv))
    try:
        check.run()
    except Exception as e:  # a bug here must not lose what the stages found
        check.report["check_error"] = "%s: %s" % (type(e).__name__, e)
        check.log("gpu_check.py failed: %s (the report so far is kept)" % check.report["check_error"])
        check.finish()
        return 1
    return 0 if not check.report["stages_not_ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
