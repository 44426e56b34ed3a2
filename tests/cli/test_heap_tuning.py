"""The heap as `ocppdeck serve` and the console tune it (core/memory_trim.tune_heap):
worker threads share two malloc arenas where glibc's default gives each its own, and a
large block is still mapped on its own after one was freed, where glibc's default would
take it from the heap (and keep it there).

Measured in a fresh interpreter each time: arenas and the mapping threshold last as long
as the process. glibc reports both in `malloc_info`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ocppdeck.core.memory_trim import ARENAS

THREADS = 8

# Prints the arenas (<heap nr=…>) after eight threads allocated at once, then whether a
# 1 MiB block that came after another was freed is mapped on its own (1) or not (0), from
# the count of such blocks (<total type="mmap" count=…>).
MEASURE = textwrap.dedent(
    f"""
    import ctypes, ctypes.util, os, re, sys, tempfile, threading
    from ocppdeck.core.memory_trim import tune_heap

    if sys.argv[1] == "tuned" and not tune_heap():
        sys.exit("tune_heap refused")
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]

    def info():
        fd, path = tempfile.mkstemp()
        os.close(fd)
        out = libc.fopen(path.encode(), b"w")
        libc.malloc_info(0, out)
        libc.fclose(out)
        with open(path) as file:
            text = file.read()
        os.unlink(path)
        return text

    together = threading.Barrier({THREADS})

    def work():
        together.wait()
        kept = [bytes(100_000 + i) for i in range(20)]  # malloc'd, not pymalloc's
        together.wait()

    threads = [threading.Thread(target=work) for _ in range({THREADS})]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(re.findall(r'<heap nr="[0-9]+"', info())))
    def mapped():
        return int(re.search(r'<total type="mmap" count="([0-9]+)"', info()).group(1))

    libc.free(libc.malloc(1 << 20))
    before = mapped()
    held = libc.malloc(1 << 20)
    print(mapped() - before)
    libc.free(held)
    """
)


def measure(mode: str) -> tuple[int, int]:
    """(arenas, 1 if the second large block was mapped on its own) in a fresh
    interpreter, default or tuned."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, mode],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    arenas, mapped = done.stdout.split()
    return int(arenas), int(mapped)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_threads_share_two_arenas_and_large_blocks_stay_mapped() -> None:
    arenas, mapped = measure("default")
    assert arenas > ARENAS  # glibc: a new arena per thread, up to 8 per core
    assert mapped == 0  # the freed 1 MiB block raised the threshold: the next one is heap
    assert measure("tuned") == (ARENAS, 1)
