"""clonepilot's SYMCLI layer against symsim, over a real OpenSSH connection.

The builders, the transport and the parsers meet the simulator here exactly as they would meet
/usr/symcli/bin on a real host: argv built by clonepilot, quoted once by the SSH transport, run
by sshd, answered by symsim, parsed back by clonepilot. Neither side shares code with the other,
so an agreement here is evidence, not a tautology.
"""

from __future__ import annotations

import time

import pytest

from clonepilot.hostprofiles import get_profile, interpret_status, render_action, status_command
from clonepilot.symcli import (
    ArrayTarget,
    CloneState,
    GroupTarget,
    LockWait,
    SymcliPermanent,
    SymcliRetryable,
    VerifyOutcome,
    check,
    interpret_verify,
    pairs_file_content,
    parse_clone_query,
    parse_symcfg_list,
    parse_symdev_list,
    symcfg_list,
    symclone_activate,
    symclone_create,
    symclone_query,
    symclone_recreate,
    symclone_verify,
    symdev_list,
    symdg_create,
    symld_add,
)
from clonepilot.transport import TransportPool

PAIRS = [("00100", "00110"), ("00101", "00111")]


@pytest.fixture
def remote(sshd, symsim_array):
    """A transport to the sshd node and the symsim bin dir it runs symcli from."""
    with TransportPool(sshd.options) as pool:
        yield pool.get(sshd.node), str(symsim_array.bin_dir)


def _states(transport, bin_dir, sid):
    out = check(transport.run(symdev_list(bin_dir, sid, [t for _, t in PAIRS])))
    listing = parse_symdev_list(out.stdout)
    return {dev.dev_name: dev.session for dev in listing.devices}


def _wait(transport, bin_dir, sid, state: CloneState, percent: int = 100, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while True:
        sessions = _states(transport, bin_dir, sid)
        if all(s and s.state is state and (s.percent or 0) >= percent for s in sessions.values()):
            return
        assert time.monotonic() < deadline, f"never reached {state}: {sessions}"
        time.sleep(0.2)


def test_array_form_lifecycle_parses_at_every_step(remote, symsim_array):
    transport, bin_dir = remote
    sid = symsim_array.sid
    pairs_file = "/var/tmp/clonepilot-test/ssh.sync-1.pairs"
    transport.write_file(pairs_file, pairs_file_content(PAIRS))
    target = ArrayTarget(sid, pairs_file)

    arrays = parse_symcfg_list(check(transport.run(symcfg_list(bin_dir))).stdout)
    assert [a.sid for a in arrays] == [sid]

    sessions = _states(transport, bin_dir, sid)
    assert set(sessions) == {"00110", "00111"} and all(s is None for s in sessions.values())

    created = check(transport.run(symclone_create(bin_dir, target, differential=True, precopy=True)))
    assert "successfully" in created.stdout + created.stderr
    sessions = _states(transport, bin_dir, sid)
    assert {(s.src, s.tgt) for s in sessions.values()} == set(PAIRS)
    assert all(s.state is CloneState.PRECOPY for s in sessions.values())

    _wait(transport, bin_dir, sid, CloneState.PRECOPY)
    check(transport.run(symclone_activate(bin_dir, target, consistent=True)))
    _wait(transport, bin_dir, sid, CloneState.COPIED)
    verify = transport.run(symclone_verify(bin_dir, target, CloneState.COPIED))
    assert interpret_verify(verify.exit_code, verify.stdout, verify.stderr).outcome is VerifyOutcome.ALL

    query = parse_clone_query(check(transport.run(symclone_query(bin_dir, target))).stdout)
    assert {(p.src_sym, p.tgt_sym) for p in query.pairs} == set(PAIRS)
    assert all(p.state is CloneState.COPIED and p.percent == 100 for p in query.pairs)

    recreate = symclone_recreate(bin_dir, target, precopy=True, lock_wait=LockWait(1, 3))
    check(transport.run(recreate))
    sessions = _states(transport, bin_dir, sid)
    assert all(s.state is CloneState.PRECOPY for s in sessions.values())
    verify = transport.run(symclone_verify(bin_dir, target, CloneState.COPIED))
    assert interpret_verify(verify.exit_code, verify.stdout, verify.stderr).outcome is VerifyOutcome.NONE

    # Activating twice is refused by the array, and clonepilot reads that as permanent.
    _wait(transport, bin_dir, sid, CloneState.PRECOPY)
    check(transport.run(symclone_activate(bin_dir, target, consistent=True)))
    with pytest.raises(SymcliPermanent) as excinfo:
        check(transport.run(symclone_activate(bin_dir, target, consistent=True)))
    assert excinfo.value.symcli_message


def test_seed_device_group_sequence_over_ssh(remote, symsim_array):
    """The seed's set-up: symdg create, symld add (4-digit ids), symclone -g create ... sym ld ..."""
    transport, bin_dir = remote
    symsim_array.admin("init", "000197900456", "--devs", "1234,4321", "--size-gb", "1")
    check(transport.run(symdg_create(bin_dir, "DGCVI")))
    check(transport.run(symld_add(bin_dir, "DGCVI", "1234", "DEV001", sid="000197900456")))
    check(transport.run(symld_add(bin_dir, "DGCVI", "4321", "CLONE001", sid="000197900456")))
    target = GroupTarget("DGCVI", (("DEV001", "CLONE001"),))
    argv = symclone_create(bin_dir, target, differential=True, precopy=True)
    assert argv[-4:] == ["DEV001", "sym", "ld", "CLONE001"]
    check(transport.run(argv))
    report = parse_clone_query(check(transport.run(symclone_query(bin_dir, target))).stdout)
    assert report.dg_name == "DGCVI"
    (pair,) = report.pairs
    assert (pair.src_logical, pair.src_sym, pair.tgt_logical, pair.tgt_sym) == (
        "DEV001",
        "1234",
        "CLONE001",
        "4321",
    )
    assert pair.state is CloneState.PRECOPY


def test_lock_held_is_retryable_over_ssh(remote, symsim_array):
    transport, bin_dir = remote
    transport.write_file("/var/tmp/clonepilot-test/lock.pairs", pairs_file_content(PAIRS))
    target = ArrayTarget(symsim_array.sid, "/var/tmp/clonepilot-test/lock.pairs")
    symsim_array.admin("fault", "add", "symclone:create", "lock", "--times", "1")
    with pytest.raises(SymcliRetryable):
        check(transport.run(symclone_create(bin_dir, target)))
    check(transport.run(symclone_create(bin_dir, target)))


def test_sim_host_profile_over_ssh(remote, symsim_array):
    transport, bin_dir = remote
    profile = get_profile("sim")
    values = {"addr": "192.0.2.41", "prefix": "24", "dev": "eth0", "symcli_bin": bin_dir}

    def status() -> str:
        result = transport.run(status_command(profile, "ip", values))
        return interpret_status(profile, "ip", result.exit_code, result.stdout, values).value

    assert status() == "down"
    for argv in render_action(profile, "ip", "start", values):
        check(transport.run(argv))
    assert status() == "up"
