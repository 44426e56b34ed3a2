"""Worker threads share two malloc arenas in `ocppdeck serve` and the console
(core/memory_trim.share_arenas), where glibc's default gives each thread its own.

Measured in a fresh interpreter each time: arenas, once made, live as long as the
process, and glibc reports them in `malloc_info`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ocppdeck.core.memory_trim import ARENAS

THREADS = 8

# Eight threads allocate at once, then the process counts glibc's arenas (<heap nr=…>).
COUNT_ARENAS = textwrap.dedent(
    f"""
    import ctypes, ctypes.util, os, re, sys, tempfile, threading
    from ocppdeck.core.memory_trim import share_arenas

    if sys.argv[1] == "shared" and not share_arenas():
        sys.exit("share_arenas refused")
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
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    fd, path = tempfile.mkstemp()
    os.close(fd)
    out = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, out)
    libc.fclose(out)
    with open(path) as info:
        print(len(re.findall(r'<heap nr="[0-9]+"', info.read())))
    os.unlink(path)
    """
)


def arenas(mode: str) -> int:
    """The malloc arenas a fresh interpreter ends with after the threads ran."""
    done = subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS, mode],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's arenas")
def test_threads_share_two_arenas_where_glibc_gives_each_its_own() -> None:
    assert arenas("default") > ARENAS  # glibc: a new arena per thread, up to 8 per core
    assert arenas("shared") == ARENAS
