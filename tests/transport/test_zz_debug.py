import time, subprocess
from dataclasses import replace
from clonepilot.transport import SSHTransport
def test_dbg(sshd, tmp_path):
    with SSHTransport(sshd.node, replace(sshd.options, command_timeout=0.5)) as transport:
        assert transport.run(["true"]).ok
        with sshd.frozen_sessions() as frozen:
            print(frozen, subprocess.run(["ps", "-o", "pid,ppid,stat,args", "-p", ",".join(map(str, frozen))], capture_output=True, text=True).stdout)
            s = time.monotonic()
            try:
                transport.write_file(str(tmp_path / "pairs"), "x")
            except Exception as e:
                print(repr(e))
            print("took", time.monotonic() - s, transport.connections_opened)
