"""The seed example's host resources as service-file text, shared by the engine, flow and CLI tests.

The database's datafiles live in vgdata (the clone targets 00110, 00111: sync#1) and its archived
logs in vgarch (00112: sync#2); the application is symsim's database, which refuses to start when
the archived logs are older than the data.
"""

from __future__ import annotations

from pathlib import Path


def host_sections(
    bin_dir: Path | str,
    *,
    ip: str = "192.0.2.41",
    ipdev: str = "eth0",
    netmask: str = "255.255.255.0",
    fs_type: str = "ext4",
    app_timeout: int | None = 120,
) -> str:
    """ip#1, disk#1 (vgdata), disk#2 (vgarch), fs#1 (/u01), fs#2 (/arch), app#1 (the database)."""
    timeout = f"timeout = {app_timeout}\n" if app_timeout is not None else ""
    return (
        f"[ip#1]\nipname = {ip}\nipdev = {ipdev}\nnetmask = {netmask}\n\n"
        "[disk#1]\ntype = vg\nname = vgdata\n\n"
        "[disk#2]\ntype = vg\nname = vgarch\n\n"
        f"[fs#1]\ndev = /dev/vgdata/lv_data\nmnt = /u01\ntype = {fs_type}\n\n"
        f"[fs#2]\ndev = /dev/vgarch/lv_arch\nmnt = /arch\ntype = {fs_type}\n\n"
        "[app#1]\n"
        f"start = {bin_dir}/symsim-host db start ORA --data /u01 --logs /arch\n"
        f"stop = {bin_dir}/symsim-host db stop ORA\n"
        f"check = {bin_dir}/symsim-host db status ORA\n" + timeout
    )
