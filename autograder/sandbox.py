"""The instructor modes' sandbox for the learner's process (Linux namespaces, no extra binary).

The learner's process is forked, not executed, so it keeps the grader's warm imports; it enters
the sandbox itself, before any learner code runs, with the same kernel features bubblewrap uses:

- a new network namespace: no interface but its own loopback, brought up so that the learner's
  processes can talk among themselves (a local Dask cluster, a server and its client); it reaches
  nothing outside, not even the machine's own 127.0.0.1;
- a new mount namespace in which every mount is read-only, a fresh `tmpfs` is the only writable
  place (`/tmp`, also `HOME` and `TMPDIR`), and the paths the grader names (the other
  submissions, the report's folder, the reference solutions) are covered by empty `tmpfs` mounts;
- a user namespace maps the grader's user (root or not) to root *inside* it, for the mounts; the
  process holds no capability in the machine's own namespace, so it can neither ptrace the grader
  nor read or write past file permissions, root's files included; a second user namespace then
  locks the mounts (a mount made in a more privileged namespace cannot be undone or made writable
  from a less privileged one). It does not become `nobody`: the course's Python may live in root's
  home, which `nobody` could not read to import the standard library.

`shed_privileges()` is the part that a learner's own `mlgrade check` uses when it runs as root:
the user namespace alone, so that the learner's process holds no capability on the machine.

`probe()` tries this once in a throwaway child, so that a grader that cannot sandbox (no user
namespaces, not Linux) says so in every report (`sandbox: none`) instead of failing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
_OPTION_FLAGS = {
    "nosuid": MS_NOSUID,
    "nodev": MS_NODEV,
    "noexec": MS_NOEXEC,
    "noatime": MS_NOATIME,
    "nodiratime": MS_NODIRATIME,
    "relatime": MS_RELATIME,
}
NOBODY = 65534
NAME = "namespaces"  # what reports say when the learner's code ran sandboxed
NONE = "none"


class SandboxError(OSError):
    """The sandbox could not be set up here."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SandboxError(errno, f"{what}: {os.strerror(errno)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _mount_points() -> list[tuple[str, int]]:
    """(mount point, the per-mount flags to keep on a remount), shallowest first."""
    found = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")
            flags = 0
            for option in fields[5].split(","):
                flags |= _OPTION_FLAGS.get(option, 0)
            found.append((point, flags))
    return sorted(found, key=lambda item: item[0].count("/"))


def _own_user_namespace(libc: ctypes.CDLL, extra: int) -> None:
    """Enter a new user namespace (plus `extra` namespaces) as root inside, the same user outside."""
    uid, gid = os.geteuid(), os.getegid()
    # Writing one's own uid_map needs a dumpable process; the grader made itself non-dumpable
    # (reaper.make_undumpable), and this child inherited that. Only the grader must stay so.
    libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE, 1
    _check(libc.unshare(CLONE_NEWUSER | extra), "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")


def shed_privileges() -> None:
    """A root learner's process keeps its user but loses every capability on the machine."""
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        _own_user_namespace(_libc(), 0)


SCRATCH = ("/tmp", "/dev/shm", "/var/tmp")  # replaced by a fresh tmpfs each


def _grader_folders(scratches: list[str]) -> list[str]:
    """The folders the grader runs from (its Python, its packages, the course) that lie inside a
    scratch folder, outermost only."""
    from .manifest import COURSE_ROOT

    candidates = {sys.prefix, sys.base_prefix, str(COURSE_ROOT), *sys.path}
    inside = sorted(
        {
            os.path.realpath(p)
            for p in candidates
            if p
            and os.path.isdir(p)
            and any(os.path.realpath(p).startswith(s.rstrip("/") + "/") for s in scratches)
        }
    )
    outermost: list[str] = []
    for path in inside:
        if not any(path.startswith(kept + "/") for kept in outermost):
            outermost.append(path)
    return outermost


def _loopback_up() -> None:
    """Bring up `lo` in this (new, empty) network namespace: 127.0.0.1 then means this sandbox."""
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, siocgifflags, request))[1]
        try:
            fcntl.ioctl(sock, siocsifflags, struct.pack("16sH14x", b"lo", flags | iff_up))
        except OSError as exc:
            raise SandboxError(exc.errno or 0, "bring up the sandbox's loopback") from None


def enter(hide: list[Path], writable: list[Path] = (), readable: list[Path] = ()) -> None:
    """Sandbox this (freshly forked) process; raises `SandboxError` where it cannot. The folders
    in `writable` (the checks' exchange folder) stay writable, wherever they lie; those in
    `readable` (the capstone's package, which its modules import from) stay readable."""
    if not sys.platform.startswith("linux"):
        raise SandboxError(0, "namespaces need Linux")
    libc = _libc()
    _own_user_namespace(libc, CLONE_NEWNS | CLONE_NEWNET)
    _loopback_up()
    _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    scratches = [s for s in SCRATCH if os.path.isdir(s)]
    # The grader itself may live in a scratch folder (a CI checkout in /tmp): keep a handle on each
    # of its folders there, to mount it back, read-only, over the fresh tmpfs. Handles on the
    # writable folders too, taken before any mount below covers them.
    kept = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in _grader_folders(scratches)}
    for path in map(str, readable):
        if path not in kept and any(path.startswith(s.rstrip("/") + "/") for s in scratches):
            kept[path] = os.open(path, os.O_PATH | os.O_DIRECTORY)
    shared = {str(p): os.open(p, os.O_PATH | os.O_DIRECTORY) for p in writable}
    for point, keep in _mount_points():
        if point == "/proc" or point.startswith(("/proc/", "/dev")):
            continue  # /proc/self is written below; /dev holds no file of anyone's
        # Best effort per mount (a few pseudo file systems refuse); the root must succeed.
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | keep
        result = libc.mount(None, point.encode(), None, flags, None)
        if point == "/" and result != 0:
            _check(result, "remount / read-only")
    for path in hide:
        try:
            is_dir = Path(path).is_dir()
        except PermissionError:  # this user cannot even look into it: hidden already
            continue
        if is_dir:
            flags = MS_RDONLY | MS_NOSUID | MS_NODEV
            _check(
                libc.mount(b"tmpfs", str(path).encode(), b"tmpfs", flags, b"size=4k"),
                f"hide {path}",
            )
    for scratch in scratches:
        options = b"size=512m,mode=1777"
        _check(
            libc.mount(b"tmpfs", scratch.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options),
            f"scratch {scratch}",
        )
    for path, fd in kept.items():
        os.makedirs(path, exist_ok=True)
        source = f"/proc/self/fd/{fd}".encode()
        _check(libc.mount(source, path.encode(), None, MS_BIND | MS_REC, None), f"keep {path}")
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
        _check(libc.mount(None, path.encode(), None, flags, None), f"keep {path} read-only")
        os.close(fd)
    for path, fd in shared.items():  # after the read-only ones: it may lie inside one of them
        os.makedirs(path, exist_ok=True)
        source = f"/proc/self/fd/{fd}".encode()
        _check(libc.mount(source, path.encode(), None, MS_BIND, None), f"share {path}")
        flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV
        _check(libc.mount(None, path.encode(), None, flags, None), f"share {path} writable")
        os.close(fd)
    os.environ.update(HOME="/tmp", TMPDIR="/tmp", MPLCONFIGDIR="/tmp")
    # Lock the mounts: from a less privileged user namespace they cannot be undone.
    _own_user_namespace(libc, CLONE_NEWNS)


_probed: str | None = None


def probe() -> str:
    """`NAME` when a learner's process can be sandboxed here, else `NONE` (tried once, in a
    throwaway child)."""
    global _probed
    if _probed is None:
        if not sys.platform.startswith("linux"):
            _probed = NONE
            return _probed
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                enter([])
                code = 0
            except BaseException:  # noqa: BLE001 - any failure means: no sandbox here
                pass
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        _probed = NAME if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else NONE
    return _probed
