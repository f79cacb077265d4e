"""Load + validate a generated 1,000,000-row incidents.csv, beside a bare
``pyarrow.csv.read_csv`` of the same file measured in the same process.

Goal: the workbench's load (read as text, parse, every row check, quarantine) within
3x of the bare read. Both are timed after one warm-up; the median of several rounds
is reported.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pa_csv

from workbench import vocab
from workbench.loading import load_table

ROWS = 1_000_000
ROUNDS = 5
BAD_ROWS = 1_000  # a realistic sprinkling of bad dates and categories


def write_incidents(path: Path, rows: int = ROWS, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 365, rows)
    frame = pd.DataFrame({
        "incident_id": np.char.add("INC-", np.arange(rows).astype(str)),
        "reported_on": (pd.Timestamp("2025-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d"),
        "category": rng.choice(vocab.INCIDENT_CATEGORIES, rows),
        "victim_type": rng.choice(vocab.VICTIM_TYPES, rows),
        "sector": rng.choice(vocab.SECTORS, rows),
        "cni": rng.choice(["yes", "no"], rows),
        "financial_loss": rng.integers(0, 50_000, rows).astype(str),
        "status": rng.choice(vocab.INCIDENT_STATUS, rows),
    })
    bad = rng.choice(rows, BAD_ROWS, replace=False)
    frame.loc[bad[: BAD_ROWS // 2], "reported_on"] = "2025-02-30"
    frame.loc[bad[BAD_ROWS // 2:], "category"] = "spam"
    frame.to_csv(path, index=False)


def _median_seconds(action, rounds: int = ROUNDS) -> float:
    action()  # warm-up: file cache, imports, thread pools
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def run(rows: int = ROWS) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "KE"
        folder.mkdir()
        path = folder / "incidents.csv"
        write_incidents(path, rows)
        bare = _median_seconds(lambda: pa_csv.read_csv(path))
        loaded = load_table(folder, "incidents")
        workbench = _median_seconds(lambda: load_table(folder, "incidents"))
    return {
        "benchmark": "load + validate incidents.csv",
        "rows": rows,
        "valid": len(loaded.valid),
        "quarantined": len(loaded.quarantine),
        "bare_pyarrow_read_csv_seconds": round(bare, 4),
        "workbench_load_seconds": round(workbench, 4),
        "ratio_to_bare_pyarrow": round(workbench / bare, 2),
        "goal_ratio": 3.0,
    }


if __name__ == "__main__":
    result = run()
    out = Path(__file__).resolve().parent / "results" / "loading.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    json.dump(result, sys.stdout, indent=2)
    print()
