"""What machine a benchmark ran on, for bench/report.py and
bench/scale_report.py: cycle figures compare across runs only on the same
CPU model."""
import os
import platform


def cpu_model():
    # platform.processor() is empty on Linux; /proc/cpuinfo names the model.
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine():
    return {"node": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
            "cpu_model": cpu_model()}
