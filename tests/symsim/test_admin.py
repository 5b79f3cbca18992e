"""The `symsim` admin command: init, bin, vg, speed, calls, state; and the generated executables."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from symsim import admin, errors
from tests.plugins.symsim import SymsimArray


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = admin.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def state(capsys: pytest.CaptureFixture[str]) -> dict:
    code, out, _ = run(capsys, "state", "--json")
    assert code == 0
    return json.loads(out)


def test_init_ranges_lists_repeats_and_widths(symsim_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "init", "000197900123", "--devs", "00100-00103", "--devs", "001a0,001A2")[0] == 0
    assert run(capsys, "init", "000192601234", "--devs", "1234,4321", "--size-gb", "2")[0] == 0
    assert run(capsys, "init", "000197900123", "--devs", "00200")[0] == 0  # more devices, same array
    arrays = {a["sid"]: a for a in state(capsys)["arrays"]}
    assert [d["dev"] for d in arrays["000197900123"]["devices"]] == [
        "00100", "00101", "00102", "00103", "001A0", "001A2", "00200",
    ]  # fmt: skip
    assert [(d["dev"], d["size_gb"]) for d in arrays["000192601234"]["devices"]] == [
        ("1234", 2.0),
        ("4321", 2.0),
    ]


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["init", "12345", "--devs", "100"], "12 digits"),
        (["init", "000197900123", "--devs", "00105-00100"], "empty device range"),
        (["init", "000197900123", "--devs", "0010G"], "Invalid device name"),
    ],
)
def test_init_errors(
    symsim_home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], text: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == errors.FAIL and text in err


def test_no_home_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SYMSIM_HOME", raising=False)
    code, _, err = run(capsys, "state")
    assert code == errors.FAIL and "SYMSIM_HOME" in err and "--home" in err


def test_home_option_overrides_env(
    tmp_path: Path, symsim_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    assert run(capsys, "--home", str(other), "init", "000197900999", "--devs", "00100")[0] == 0
    assert (other / "state.json").exists() and not (symsim_home / "state.json").exists()


def test_bin_scripts_are_bound_to_their_state(
    symsim_array: SymsimArray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SYMSIM_HOME")
    env = {k: v for k, v in os.environ.items() if k != "SYMSIM_HOME"}
    for name in ("symcfg", "symdg", "symld", "symclone", "symdev", "symcli", "symsim-host"):
        path = symsim_array.bin_dir / name
        assert os.access(path, os.X_OK)
        assert str(symsim_array.home) in path.read_text()
    assert "-m symsim.host " in (symsim_array.bin_dir / "symsim-host").read_text()
    listed = subprocess.run([symsim_array.tool("symcfg"), "list"], capture_output=True, text=True, env=env)
    assert listed.returncode == 0
    assert "000197900123 Local" in listed.stdout
    xml = subprocess.run(
        [symsim_array.tool("symcfg"), "-sid", "123", "list", "-output", "xml_element"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "<model>PowerMax_8000</model>" in xml.stdout


def test_calls_log_every_call(symsim_array: SymsimArray) -> None:
    symsim_array.run("symdg", "create", "dg1")
    symsim_array.run("symclone", "-g", "nosuch", "query")
    calls = json.loads(symsim_array.admin("calls", "--json").stdout)
    assert [(c["tool"], c["argv"], c["exit_code"]) for c in calls] == [
        ("symdg", ["symdg", "create", "dg1"], 0),
        ("symclone", ["symclone", "-g", "nosuch", "query"], 1),
    ]
    assert all(c["end"] >= c["start"] and c["pid"] > 0 for c in calls)
    text = symsim_array.admin("calls", "--clear").stdout
    assert "symclone -g nosuch query" in text
    assert json.loads(symsim_array.admin("calls", "--json").stdout) == []


def test_speed_and_state_views(symsim_array: SymsimArray) -> None:
    out = symsim_array.admin("speed", "--tracks-per-sec", "100", "--sid", "123", "--time-scale", "3").stdout
    assert "100 tracks/s" in out and "time scale 3" in out
    symsim_array.run("symdg", "create", "dg")
    symsim_array.run("symld", "-g", "dg", "add", "dev", "00100")
    symsim_array.run("symld", "-g", "dg", "add", "dev", "00101", "-tgt")
    assert symsim_array.run("symclone", "-g", "dg", "-nop", "create").returncode == 0
    view = json.loads(symsim_array.admin("state", "--json").stdout)
    assert view["time_scale"] == 3
    (pair,) = view["arrays"][0]["pairs"]
    assert (pair["src"], pair["tgt"], pair["state"], pair["percent"]) == ("00100", "00101", "Created", 0)
    devices = {d["dev"]: d for d in view["arrays"][0]["devices"]}
    assert devices["00101"]["ready"] is False and devices["00100"]["role"] == "source"
    assert view["groups"][0]["devs"][1] == {"ldev": "TGT001", "dev": "00101", "tgt": True}
    human = symsim_array.admin("state").stdout
    assert "00101  target  NR" in human and "Created" in human and "dg (REGULAR" in human


def test_vg_registers_with_the_host_simulator(symsim_array: SymsimArray) -> None:
    result = symsim_array.admin(
        "vg", "vgdata", "--sid", symsim_array.sid, "--devs", "00110,00111", check=False
    )
    assert result.returncode == 0, result.stderr
    assert "vgdata" in json.dumps(json.loads(symsim_array.admin("state", "--json").stdout)["host"])


def test_symdg_and_symld_management(symsim_array: SymsimArray) -> None:
    r = symsim_array.run
    assert r("symdg", "create", "dg", "-type", "regular").returncode == 0
    assert "already exists" in r("symdg", "create", "DG").stderr
    assert r("symdg", "create", "x", "-type", "weird").returncode == errors.FAIL
    assert r("symld", "-g", "dg", "add", "dev", "100").returncode == 0
    assert r("symld", "-g", "dg", "-sid", "123", "add", "dev", "00101", "MYTGT", "-tgt").returncode == 0
    dup = r("symld", "-g", "dg", "add", "dev", "00100")
    assert dup.returncode == errors.FAIL and "already a member" in dup.stderr
    show = r("symdg", "show", "dg").stdout
    assert "Group Name:  dg" in show and "DEV001" in show and "MYTGT" in show and "00101" in show
    assert "dg" in r("symdg", "list").stdout
    assert r("symdg", "delete", "dg").returncode == errors.NEED_FORCE
    assert r("symld", "-g", "dg", "remove", "MYTGT").returncode == 0
    assert "MYTGT" not in r("symld", "-g", "dg", "list").stdout
    assert r("symdg", "delete", "dg", "-force").returncode == 0
    assert "does not exist" in r("symdg", "show", "dg").stderr
