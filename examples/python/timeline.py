"""Runs one of these scripts and prints each line it prints with the seconds since start, as JSON lines.

    python3 examples/python/timeline.py examples/python/02-fetch-data-order.py

Used by examples/check-python.ts to compare the TypeScript examples' expected transcripts with CPython.
"""
import builtins
import io
import json
import runpy
import sys
import time

path = sys.argv[1]
start = time.monotonic()
real_print = builtins.print
out = sys.stdout


def recording_print(*args, **kwargs):
    buffer = io.StringIO()
    real_print(*args, **{**kwargs, "file": buffer})
    at = time.monotonic() - start
    for line in buffer.getvalue().splitlines():
        out.write(json.dumps({"at": round(at, 3), "text": line}) + "\n")
        out.flush()


builtins.print = recording_print
runpy.run_path(path, run_name="__main__")
out.write(json.dumps({"end": round(time.monotonic() - start, 3)}) + "\n")
