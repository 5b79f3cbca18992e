"""Two services whose files claim one target device: while one changes it, the other changes nothing.

The run lock's device keys make them meet on the symcli node, whatever starts them; here two flow
runs of one process, the second refused while the first holds the device.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from tests.flows.conftest import FlowEnv, FlowRun, run_flow, state_changing, sync_only_text
from tests.plugins.symsim import DEFAULT_SID
from tests.polling import wait_for


def test_a_target_claimed_by_two_services_is_changed_by_one_run_at_a_time(flow_env: FlowEnv) -> None:
    env = flow_env
    first = env.write_service(sync_only_text(env.sshd, [(DEFAULT_SID, "00102:00112")]), "lka")
    # By mistake, the second file names the first one's target.
    second = env.write_service(sync_only_text(env.sshd, [(DEFAULT_SID, "00103:00112")]), "lkb")
    assert run_flow("provision", first).ok
    locks = Path(os.environ["CLONEPILOT_LOCK_DIR"])
    # The first refresh's recreate takes 10 s: it holds the device while the second one starts.
    env.admin("fault", "add", "symclone:recreate", "none", "--delay", "10", "--times", "1")
    holder: list[FlowRun] = []
    thread = threading.Thread(target=lambda: holder.append(run_flow("refresh", first)))
    try:
        thread.start()
        wait_for("the first run's lock", lambda: (locks / f"device-{DEFAULT_SID}-112").is_dir())
        env.clear_calls()
        refused = run_flow("refresh", second)
        assert thread.is_alive()  # the refusal came while the first one held the device
    finally:
        thread.join(120)
        env.admin("fault", "clear")
    assert holder and holder[0].ok, holder
    assert not refused.ok
    message = str(refused.result)
    assert f"refresh of {second} refused: 'refresh {first}' (flow run " in message, message
    assert f"is changing target device 112 of array {DEFAULT_SID} now" in message, message
    changes = [c for c in state_changing(env.calls()) if any(second in str(a) for a in c["argv"])]
    assert changes == []
    assert list(locks.iterdir()) == []  # both gave back what they took
