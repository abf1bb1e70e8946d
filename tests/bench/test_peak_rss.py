"""The benchmarks' peak-RSS reading is the measured process's own, not its parent's.

On Linux a child started by subprocess (vfork + exec) inherits its parent's peak into
getrusage's ru_maxrss, so a benchmark parent that generated a large demo bank would put its
own peak into the scoring process's figure. bench/_warehouse.peak_rss_mib reads VmHWM instead.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
CHILD = f"import sys; sys.path.insert(0, {str(BENCH)!r}); from _warehouse import peak_rss_mib; print(peak_rss_mib())"


def test_a_child_reports_its_own_peak_not_its_big_parents():
    ballast = bytearray(400 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(ballast[::4096])  # touch every page: 400 MiB resident in this process
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    child = float(done.stdout.strip().splitlines()[-1])
    assert 0 < child < 300, f"the child reported {child:.0f} MiB: its parent's 400 MiB leaked into the figure"
    del ballast


def test_tree_peak_follows_a_process_that_grows():
    sys.path.insert(0, str(BENCH))
    from _warehouse import TreePeak

    grow = "import time; x = bytearray(200 * 1024 * 1024); x[::4096] = b'\\x01' * len(x[::4096]); time.sleep(1.0)"
    proc = subprocess.Popen([sys.executable, "-c", grow])
    watch = TreePeak(proc.pid, every=0.05)
    watch.start()
    proc.wait()
    peak = watch.stop()
    assert 200 <= peak < 400, f"peak {peak:.0f} MiB"
