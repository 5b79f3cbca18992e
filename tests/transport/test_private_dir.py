"""ensure_private_dir on both transports: a directory only the login user can use, or a refusal.

The suite runs as root, and so does the sshd fixture's login, so "someone else's directory" is one
chowned to `nobody`. The SSH transport sees the same filesystem through sshd and SFTP.
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

import pytest

from clonepilot.errors import PermanentError
from clonepilot.transport import Transport, UnsafeDirectoryError


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_missing_directory_is_created_0700_and_its_files_0600(transport: Transport, tmp_path: Path) -> None:
    directory = tmp_path / "parent" / f"clonepilot-{transport.login_user}"
    assert transport.ensure_private_dir(str(directory)) is None
    assert directory.is_dir() and not directory.is_symlink()
    assert mode_of(directory) == 0o700
    assert directory.stat().st_uid == os.getuid()
    transport.write_file(str(directory / "svc.sync-1.pairs"), "00100 00110")
    assert mode_of(directory / "svc.sync-1.pairs") == 0o600
    assert (directory / "svc.sync-1.pairs").read_text() == "00100 00110"
    # Asked again (another run): accepted as it is, nothing to say.
    assert transport.ensure_private_dir(str(directory)) is None
    assert mode_of(directory) == 0o700


def test_the_login_user_is_the_one_files_belong_to(transport: Transport) -> None:
    assert transport.login_user == pwd.getpwuid(os.getuid()).pw_name


def test_someone_elses_directory_is_refused_and_left_alone(transport: Transport, tmp_path: Path) -> None:
    nobody = pwd.getpwnam("nobody").pw_uid
    directory = tmp_path / "clonepilot-root"
    directory.mkdir()
    directory.chmod(0o777)
    os.chown(directory, nobody, -1)
    with pytest.raises(UnsafeDirectoryError) as caught:
        transport.ensure_private_dir(str(directory), remedy="remove it or set pairs_dir")
    error = caught.value
    assert isinstance(error, PermanentError)
    message = str(error)
    assert message.startswith(f"node {transport.node}: directory {directory} ")
    assert f"owner uid {nobody}, mode 0777" in message
    assert f"not owned by {transport.login_user} (uid {os.getuid()})" in message
    assert message.endswith("; remove it or set pairs_dir")
    assert (error.path, error.owner_uid, error.mode) == (str(directory), nobody, 0o777)
    # Not tightened (root could), not taken over, nothing written in it.
    assert (directory.stat().st_uid, mode_of(directory)) == (nobody, 0o777)
    assert list(directory.iterdir()) == []


def test_a_symlink_is_refused_even_to_a_private_directory(transport: Transport, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "clonepilot-root"
    link.symlink_to(real)
    with pytest.raises(UnsafeDirectoryError, match=rf"{link} is a symbolic link \(owner uid 0, mode 0777\)"):
        transport.ensure_private_dir(str(link))
    assert link.is_symlink() and mode_of(real) == 0o700

    # A dangling one is not made to point somewhere by creating its target.
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafeDirectoryError, match="symbolic link"):
        transport.ensure_private_dir(str(dangling))
    assert not (tmp_path / "elsewhere").exists()


def test_a_file_in_the_way_is_refused(transport: Transport, tmp_path: Path) -> None:
    blocker = tmp_path / "clonepilot-root"
    blocker.write_text("x")
    with pytest.raises(UnsafeDirectoryError, match=r"is a regular file .*not a directory"):
        transport.ensure_private_dir(str(blocker))
    assert blocker.read_text() == "x"


@pytest.mark.parametrize("loose", [0o755, 0o770, 0o707, 0o1777])
def test_our_own_loose_directory_is_tightened_with_a_warning(
    transport: Transport, tmp_path: Path, loose: int
) -> None:
    directory = tmp_path / "clonepilot-root"
    directory.mkdir()
    directory.chmod(loose)
    warning = transport.ensure_private_dir(str(directory))
    assert warning == (
        f"node {transport.node}: directory {directory} was mode {loose:04o}; tightened to 0700 so that"
        f" only {transport.login_user} can read or replace the files in it"
    )
    assert mode_of(directory) == 0o700


def test_our_own_directory_without_write_access_is_repaired_silently(
    transport: Transport, tmp_path: Path
) -> None:
    directory = tmp_path / "clonepilot-root"
    directory.mkdir()
    directory.chmod(0o500)
    assert transport.ensure_private_dir(str(directory)) is None
    assert mode_of(directory) == 0o700
