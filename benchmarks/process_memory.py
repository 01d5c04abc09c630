"""Memory of the running benchmark process, as the benchmarks report it (Linux /proc)."""

import resource
from pathlib import Path


def status_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (VmRSS: now; VmHWM: the high-water mark); 0 if absent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def peak_rss_mib() -> float:
    """Peak resident memory so far. Linux reports ru_maxrss in KiB; VmHWM is the same
    high-water mark, kept as a cross-check."""
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, status_kib("VmHWM")) / 1024
