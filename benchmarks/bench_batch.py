"""`workbench batch` on the sample countries (seven) and on 24 countries (the same data
copied under the ISO codes of other Commonwealth members), with 1 worker and with 2,
beside a bare papermill run of an empty parameterised notebook.

Goals: a speed-up of at least 1.8x on 2 cores, and a country's cost mostly its
analysis rather than kernel start-up and imports. Figures are wall-clock seconds
on a shared machine: the load average before each measurement is recorded with it.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from workbench import batch, paths
from workbench.countries import commonwealth
from workbench.parameters_cell import PARAMETERS_SOURCE

SAMPLES = paths.SAMPLES_DIR
SAMPLE_COUNT = sum(1 for p in SAMPLES.iterdir() if p.is_dir())
BARE_ROUNDS = 3


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def empty_notebook(path: Path) -> Path:
    """A notebook holding only the parameters cell every stage notebook starts with."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(PARAMETERS_SOURCE, metadata={"tags": ["parameters"]})],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}})
    nbformat.write(notebook, path)
    return path


def bare_papermill(work: Path) -> dict[str, float]:
    """Kernel start-up and one cell: in this process, and in a fresh process (what
    a country's run process pays before any analysis)."""
    source = empty_notebook(work / "empty.ipynb")
    parameters = {"country": "KE", "out_dir": ""}
    papermill.execute_notebook(source, work / "warm.ipynb", parameters=parameters,
                               progress_bar=False, kernel_name="python3")
    in_process = []
    for i in range(BARE_ROUNDS):
        started = time.perf_counter()
        papermill.execute_notebook(source, work / f"bare-{i}.ipynb", parameters=parameters,
                                   progress_bar=False, kernel_name="python3")
        in_process.append(time.perf_counter() - started)
    script = ("import papermill; papermill.execute_notebook("
              f"{str(source)!r}, {str(work / 'bare-p.ipynb')!r}, "
              "parameters={'country': 'KE'}, progress_bar=False, kernel_name='python3')")
    fresh = []
    for _ in range(BARE_ROUNDS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
        fresh.append(time.perf_counter() - started)
    return {"bare_papermill_seconds": round(statistics.median(in_process), 2),
            "bare_papermill_fresh_process_seconds": round(statistics.median(fresh), 2)}


def one_country(work: Path, country: str = "KE") -> dict[str, float]:
    """One country's run process, stage notebooks in one kernel vs a kernel each."""
    figures = {}
    for label, extra in (("shared_kernel", []), ("kernel_per_stage", ["--kernel-per-stage"])):
        out = work / f"one-{label}"
        figures[f"load_before_{label}"] = _load()
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "workbench.runner", country, "--data", str(SAMPLES),
                        "--out", str(out), "--plotly-js", batch.SHARED_PLOTLY_JS, *extra],
                       check=True, capture_output=True)
        figures[f"country_{label}_seconds"] = round(time.perf_counter() - started, 2)
        outcome = json.loads(
            (out / country / "summary.json").read_text())["generated"]  # it did publish
        assert outcome["workbench_version"]
    return figures


def copy_as_commonwealth(target: Path, count: int) -> list[str]:
    """The sample folders copied under ``count`` other members' codes (round robin)."""
    sources = sorted(p for p in SAMPLES.iterdir() if p.is_dir())
    members = commonwealth()
    others = [c for c in members["iso2"] if c not in {p.name for p in sources}][:count]
    names = dict(zip(members["iso2"], members["name"]))
    for index, code in enumerate(others):
        source = sources[index % len(sources)]
        folder = target / code
        shutil.copytree(source, folder)
        profile = (folder / "profile.yaml").read_text().splitlines()
        profile = [f"country: {code}" if line.startswith("country:")
                   else f"name: {names[code]}" if line.startswith("name:") else line
                   for line in profile]
        (folder / "profile.yaml").write_text("\n".join(profile) + "\n")
    return others


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_batch(data: Path, out: Path, workers: int) -> dict[str, float]:
    """Wall time of a forced batch, and the CPU time its processes (run processes
    and their kernels) used: CPU per country does not depend on how busy the
    machine is; wall time does."""
    load = _load()
    cpu = _children_cpu()
    started = time.perf_counter()
    result = batch.run_batch(data, out, workers=workers, force=True)
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    failed = [o.one_line() for o in result.failed]
    if failed:
        raise RuntimeError("; ".join(failed))
    return {"seconds": round(seconds, 2), "load_before": load,
            "per_country_seconds": round(seconds / len(result.outcomes), 2),
            "cpu_seconds_per_country": round(cpu / len(result.outcomes), 2),
            # Share of the cores the batch had to itself: below 1, other work took the rest.
            "cpu_share": round(cpu / (seconds * workers), 2)}


def run(sizes: tuple[int, ...] = (SAMPLE_COUNT, 24)) -> dict:
    figures: dict = {"cores": batch.default_workers()}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        figures.update(bare_papermill(work))
        figures.update(one_country(work))
        for size in sizes:
            if size == SAMPLE_COUNT:
                data = SAMPLES
            else:
                data = work / f"data-{size}"
                copy_as_commonwealth(data, size)
            one = timed_batch(data, work / f"out-{size}-1", workers=1)
            two = timed_batch(data, work / f"out-{size}-2", workers=2)
            figures[f"countries_{size}"] = {
                "workers_1": one, "workers_2": two,
                "speed_up_2_workers": round(one["seconds"] / two["seconds"], 2),
            }
    figures["country_vs_bare_papermill"] = round(
        figures["country_shared_kernel_seconds"] / figures["bare_papermill_fresh_process_seconds"], 2)
    figures["kernel_per_stage_vs_shared"] = round(
        figures["country_kernel_per_stage_seconds"] / figures["country_shared_kernel_seconds"], 2)
    return figures


if __name__ == "__main__":
    # `bench_batch.py 7` measures the seven sample countries only.
    results = run(tuple(int(a) for a in sys.argv[1:]) or (SAMPLE_COUNT, 24))
    target = Path(__file__).resolve().parent / "results" / "batch.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
