"""Whose index folder it is: an index is opened only when no other user can have written it.

Whoosh reads an index's table of contents, and each segment's directory, with ``pickle``, so
whoever can write those files can make any command that opens the index run code of theirs (a
crafted table of contents ran a shell command through ``newsfacet stats``). The folder and
Whoosh's files in it must belong to the user running newsfacet and be writable by no one
else; a group that only that user is in (a private group, umask 002) counts as theirs.
``NEWSFACET_TRUST_INDEX=1`` opens a shared folder anyway.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

try:
    import grp
    import pwd
except ImportError:  # not on Windows, where files carry no POSIX owner and mode
    grp = pwd = None  # type: ignore[assignment]

from ...errors import IndexUntrusted

WHOOSH_PREFIXES = ("_MAIN_", "MAIN_")


def check_folder(folder: Path) -> None:
    """Raise IndexUntrusted when the index folder or a Whoosh file in it is owned by another
    user or writable by other users."""
    if grp is None or not folder.is_dir():
        return
    paths = [folder, *(p for p in folder.iterdir() if p.name.startswith(WHOOSH_PREFIXES))]
    for path in paths:
        try:
            info = path.stat()
        except FileNotFoundError:  # merged away by a writer meanwhile
            continue
        problem = _problem(info)
        if problem:
            what = "the index folder" if path == folder else path.name
            raise IndexUntrusted(
                f"not opening the index in {folder}/: {what} is {problem}. An index folder is "
                "trusted input (Whoosh reads it with pickle, which can run code): if it is "
                f"yours, `chmod -R go-w {folder}`; to open a shared one anyway, set "
                "NEWSFACET_TRUST_INDEX=1")


def _problem(info: os.stat_result) -> str | None:
    me = os.geteuid()
    if info.st_uid != me:
        return f"owned by {_user(info.st_uid)}, not by {_user(me)}"
    if info.st_mode & stat.S_IWOTH:
        return f"writable by every user (mode {stat.filemode(info.st_mode)})"
    if info.st_mode & stat.S_IWGRP and not _private_group(info.st_gid, me):
        return (f"writable by the users of group {_group(info.st_gid)} "
                f"(mode {stat.filemode(info.st_mode)})")
    return None


def _private_group(gid: int, uid: int) -> bool:
    """Return whether group ``gid`` is the user's own: their primary group, with no other
    member listed."""
    try:
        user = pwd.getpwuid(uid)
        members = grp.getgrgid(gid).gr_mem
    except KeyError:  # a user or group without a name: nothing shows whose it is
        return False
    return user.pw_gid == gid and all(member == user.pw_name for member in members)


def _user(uid: int) -> str:
    try:
        return f"user {pwd.getpwuid(uid).pw_name}"
    except KeyError:
        return f"user {uid}"


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


__all__ = ["WHOOSH_PREFIXES", "check_folder"]
