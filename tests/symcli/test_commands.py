"""Exact argv for each symclone form and option set; refusal of anything off-pattern."""

from __future__ import annotations

import pytest

from clonepilot.symcli import (
    ArrayTarget,
    CloneState,
    GroupTarget,
    LockWait,
    pairs_dir_for,
    pairs_file_content,
    pairs_file_name,
    pairs_file_path,
    symcfg_list,
    symclone_activate,
    symclone_create,
    symclone_query,
    symclone_recreate,
    symclone_terminate,
    symclone_verify,
    symdev_list,
    symdg_create,
    symdg_delete,
    symld_add,
)

BIN = "/usr/symcli/bin"
ARRAY = ArrayTarget(sid="000197900123", pairs_file="/var/tmp/clonepilot/app.sync-1.pairs")
ARRAY_HEAD = [f"{BIN}/symclone", "-sid", "000197900123", "-f", "/var/tmp/clonepilot/app.sync-1.pairs"]
SEED_GROUP = GroupTarget(dg="DGCVI", pairs=(("DEV001", "CLONE001"),))
LOCKS = LockWait(interval=20, count=30)


def test_seed_recreate_line_is_reproduced_exactly() -> None:
    argv = symclone_recreate(BIN, SEED_GROUP, precopy=True, lock_wait=LOCKS)
    assert " ".join(argv) == (
        "/usr/symcli/bin/symclone -g DGCVI -noprompt recreate -precopy -i 20 -c 30 DEV001 sym ld CLONE001"
    )


def test_seed_activate_line_is_reproduced_exactly() -> None:
    argv = symclone_activate(BIN, SEED_GROUP, consistent=False, lock_wait=LOCKS)
    assert (
        " ".join(argv)
        == "/usr/symcli/bin/symclone -g DGCVI -noprompt activate -i 20 -c 30 DEV001 sym ld CLONE001"
    )


def test_array_form_activate_consistent_with_locks() -> None:
    assert symclone_activate(BIN, ARRAY, lock_wait=LOCKS) == [
        *ARRAY_HEAD,
        "-noprompt",
        "activate",
        "-consistent",
        "-i",
        "20",
        "-c",
        "30",
    ]


@pytest.mark.parametrize(
    ("differential", "precopy", "options"),
    [
        (True, True, ["-diff", "-precopy"]),
        (True, False, ["-diff"]),
        (False, True, ["-precopy"]),
        (False, False, []),
    ],
)
def test_create_options(differential: bool, precopy: bool, options: list[str]) -> None:
    assert symclone_create(BIN, ARRAY, differential=differential, precopy=precopy) == [
        *ARRAY_HEAD,
        "-noprompt",
        "create",
        *options,
    ]


def test_create_group_form_with_several_pairs_is_one_call() -> None:
    target = GroupTarget(dg="DGCVI", pairs=(("DEV001", "CLONE001"), ("DEV002", "CLONE002")))
    assert symclone_create(BIN, target) == [
        f"{BIN}/symclone",
        "-g",
        "DGCVI",
        "-noprompt",
        "create",
        "-diff",
        "-precopy",
        "DEV001",
        "sym",
        "ld",
        "CLONE001",
        "DEV002",
        "sym",
        "ld",
        "CLONE002",
    ]


def test_recreate_without_precopy_and_whole_group() -> None:
    assert symclone_recreate(BIN, GroupTarget(dg="dgapp"), precopy=False) == [
        f"{BIN}/symclone",
        "-g",
        "dgapp",
        "-noprompt",
        "recreate",
    ]


def test_terminate_flags() -> None:
    assert symclone_terminate(BIN, ARRAY) == [*ARRAY_HEAD, "-noprompt", "terminate"]
    assert symclone_terminate(BIN, ARRAY, restored=True, symforce=True, lock_wait=LOCKS) == [
        *ARRAY_HEAD,
        "-noprompt",
        "terminate",
        "-restored",
        "-symforce",
        "-i",
        "20",
        "-c",
        "30",
    ]


def test_verify_state_flag_and_polling() -> None:
    assert symclone_verify(BIN, ARRAY, CloneState.RECREATED) == [*ARRAY_HEAD, "verify", "-recreated"]
    assert symclone_verify(BIN, ARRAY, CloneState.COPY_IN_PROG, interval=10, count=6) == [
        *ARRAY_HEAD,
        "verify",
        "-copyinprog",
        "-i",
        "10",
        "-c",
        "6",
    ]
    assert symclone_verify(BIN, SEED_GROUP, CloneState.PRECOPY) == [
        f"{BIN}/symclone",
        "-g",
        "DGCVI",
        "verify",
        "-precopy",
        "DEV001",
        "sym",
        "ld",
        "CLONE001",
    ]
    assert symclone_verify(BIN, ARRAY, None) == [*ARRAY_HEAD, "verify"]


def test_verify_refuses_half_polling_and_unverifiable_states() -> None:
    with pytest.raises(ValueError, match="both"):
        symclone_verify(BIN, ARRAY, CloneState.COPIED, interval=10)
    with pytest.raises(ValueError):
        symclone_verify(BIN, ARRAY, CloneState.UNKNOWN)


def test_query() -> None:
    assert symclone_query(BIN, ARRAY) == [*ARRAY_HEAD, "query"]
    assert symclone_query(BIN, GroupTarget(dg="dgapp"), multi=True) == [
        f"{BIN}/symclone",
        "-g",
        "dgapp",
        "query",
        "-multi",
    ]


def test_symdev_list_one_call_for_all_devices() -> None:
    assert symdev_list(BIN, "000197900123", ["00B61", "00B63"]) == [
        f"{BIN}/symdev",
        "-sid",
        "000197900123",
        "list",
        "-v",
        "-devs",
        "00B61,00B63",
        "-output",
        "xml_e",
    ]
    with pytest.raises(ValueError):
        symdev_list(BIN, "000197900123", [])


def test_provisioning_commands() -> None:
    assert symdg_create(BIN, "DGCVI") == [f"{BIN}/symdg", "create", "DGCVI", "-type", "REGULAR"]
    assert symdg_delete(BIN, "DGCVI") == [f"{BIN}/symdg", "delete", "DGCVI", "-force"]
    assert symld_add(BIN, "DGCVI", "1234", "DEV001") == [
        f"{BIN}/symld",
        "-g",
        "DGCVI",
        "add",
        "dev",
        "1234",
        "DEV001",
    ]
    assert symld_add(BIN, "DGCVI", "4321", "CLONE001", sid="316", as_target=True) == [
        f"{BIN}/symld",
        "-g",
        "DGCVI",
        "-sid",
        "316",
        "add",
        "dev",
        "4321",
        "CLONE001",
        "-tgt",
    ]
    assert symcfg_list(BIN, "000197900123") == [f"{BIN}/symcfg", "list", "-sid", "000197900123"]
    assert symcfg_list(BIN, xml=True) == [f"{BIN}/symcfg", "list", "-output", "xml_e"]
    with pytest.raises(ValueError):
        symdg_create(BIN, "DGCVI", dg_type="REGULAR; rm")


def test_bin_dir_trailing_slash() -> None:
    assert symclone_query("/opt/emc/SYMCLI/bin/", ARRAY)[0] == "/opt/emc/SYMCLI/bin/symclone"


@pytest.mark.parametrize(
    "target",
    [
        ArrayTarget(sid="12", pairs_file="/tmp/p"),  # SID too short
        ArrayTarget(sid="1234567890123", pairs_file="/tmp/p"),  # too long
        ArrayTarget(sid="-sid", pairs_file="/tmp/p"),
        ArrayTarget(sid="123", pairs_file="relative/p"),
        ArrayTarget(sid="123", pairs_file="/tmp/with space"),
        ArrayTarget(sid="123", pairs_file="/tmp/nul\x00"),
        ArrayTarget(sid="123", pairs_file="/tmp/../etc/passwd"),
        GroupTarget(dg="-g"),
        GroupTarget(dg="dg name"),
        GroupTarget(dg="x" * 33),
        GroupTarget(dg="dg;reboot"),
        GroupTarget(dg="DGCVI", pairs=(("DEV001", "-force"),)),
        GroupTarget(dg="DGCVI", pairs=(("", "CLONE001"),)),
    ],
)
def test_builders_refuse_bad_targets(target: ArrayTarget | GroupTarget) -> None:
    with pytest.raises(ValueError):
        symclone_activate(BIN, target)


@pytest.mark.parametrize("dev", ["", "123456789", "00G60", "0B60 ", "-1", "0x0B"])
def test_bad_device_ids_refused(dev: str) -> None:
    with pytest.raises(ValueError, match="device id"):
        symdev_list(BIN, "123", [dev])
    with pytest.raises(ValueError):
        pairs_file_content([("00B60", dev)])


def test_bad_bin_dir_and_lock_wait_refused() -> None:
    with pytest.raises(ValueError):
        symclone_query("usr/symcli/bin", ARRAY)
    with pytest.raises(ValueError):
        symclone_activate(BIN, ARRAY, lock_wait=LockWait(0, 30))
    with pytest.raises(ValueError):
        symclone_activate(BIN, ARRAY, lock_wait=LockWait(20, True))  # type: ignore[arg-type]


def test_pairs_file_content_as_opensvc_writes_it() -> None:
    assert pairs_file_content([("00B60", "00B61"), ("00B62", "00B63")]) == "00B60 00B61\n00B62 00B63"
    assert pairs_file_content([("0120", "0121")]) == "0120 0121"
    with pytest.raises(ValueError):
        pairs_file_content([])


def test_pairs_file_path_is_stable_and_filesystem_safe() -> None:
    assert pairs_file_path("aastmphpux", "sync#2", "/var/tmp/clonepilot-oracle") == (
        "/var/tmp/clonepilot-oracle/aastmphpux.sync-2.pairs"
    )
    assert pairs_file_path("app", "sync", "/run/cp/") == "/run/cp/app.sync.pairs"
    assert pairs_file_name("app", "sync#1") != pairs_file_name("app", "sync#2")
    assert pairs_file_name("app", "sync#1") != pairs_file_name("app-sync", "x1")


@pytest.mark.parametrize(
    ("service", "rid"),
    [
        ("", "sync#1"),
        ("-app", "sync#1"),
        ("a/b", "sync#1"),
        ("a.b", "sync#1"),
        ("app", "sync#1#2"),
        ("app", "sync-1"),
        ("app", "../x"),
        ("app", "sync#"),
        ("app", "#1"),
        ("app", "sync 1"),
    ],
)
def test_pairs_file_name_refuses_unsafe_names(service: str, rid: str) -> None:
    with pytest.raises(ValueError):
        pairs_file_path(service, rid, "/var/tmp/clonepilot-root")


def test_pairs_dir_is_the_login_users_own() -> None:
    assert pairs_dir_for("/var/tmp/clonepilot-{user}", "oracle") == "/var/tmp/clonepilot-oracle"
    assert pairs_dir_for("/srv/cp/{user}/pairs", "svc_db.1") == "/srv/cp/svc_db.1/pairs"
    assert pairs_dir_for("/run/cp", "any one") == "/run/cp"  # no placeholder: the name is not used
    for user in ("", "../etc", "a/b", "a b", "-x"):
        with pytest.raises(ValueError, match="cannot name a pairs directory"):
            pairs_dir_for("/var/tmp/clonepilot-{user}", user)
    with pytest.raises(ValueError, match="absolute path"):
        pairs_dir_for("tmp/{user}", "oracle")
