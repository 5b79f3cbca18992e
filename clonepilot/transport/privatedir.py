"""What makes a directory private to the login user, judged the same way by every transport.

A file written into a directory someone else controls is theirs to read, replace or point elsewhere
(a symlink); for a symclone pairs file that means choosing the devices symclone acts on. So a
directory that must be private is accepted only as a real directory (not a symlink) owned by the
login user; group and other permission bits on it are cleared, with a warning.
"""

from __future__ import annotations

import stat

from clonepilot.transport.errors import UnsafeDirectoryError, describe

PRIVATE_MODE = 0o700
DEFAULT_REMEDY = "remove it (as its owner or root) or choose another directory"


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "not a directory"


def check_private_dir(
    node: str,
    path: str,
    *,
    mode: int,
    owner_uid: int | None,
    login_user: str,
    login_uid: int,
    remedy: str = DEFAULT_REMEDY,
) -> str | None:
    """Judge an existing entry from its lstat: raise UnsafeDirectoryError when it cannot be used.

    Returns None when it is private already, else the warning to give once its mode is tightened to
    0700 (the caller does the chmod; it is the owner, so it may).
    """
    perms = stat.S_IMODE(mode)
    found = f"owner uid {owner_uid if owner_uid is not None else 'unknown'}, mode {perms:04o}"
    if not stat.S_ISDIR(mode):
        raise UnsafeDirectoryError(
            describe(
                node,
                None,
                f"{path} is {_kind(mode)} ({found}), not a directory of {login_user}'s own: whoever made it "
                f"decides where files written there go; {remedy}",
            ),
            node=node,
            path=path,
            owner_uid=owner_uid,
            mode=perms,
        )
    if owner_uid != login_uid:
        raise UnsafeDirectoryError(
            describe(
                node,
                None,
                f"directory {path} ({found}) is not owned by {login_user} (uid {login_uid}), who logs in "
                f"here: its owner could read or replace the files written in it; {remedy}",
            ),
            node=node,
            path=path,
            owner_uid=owner_uid,
            mode=perms,
        )
    if perms & 0o077:
        return (
            f"node {node}: directory {path} was mode {perms:04o}; tightened to {PRIVATE_MODE:04o} so that "
            f"only {login_user} can read or replace the files in it"
        )
    return None
