"""symsim against the real SYMCLI captures (tests/fixtures/real): same set-up, same command, same output.

Each test builds the array and group of a capture (device ids, names, sizes, track size), runs the
captured command in-process and compares: exact text where the capture is complete, the lines present
where the author elided some, element paths and the values that are not array-specific for XML.
Anonymised SIDs (000xxxxxx316) are played by a real 12-digit SID, normalised before comparing.
"""

from __future__ import annotations

import io
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from symsim import arrays, store, symcli
from tests.plugins.symsim import run_admin
from tests.symsim.realcapture import (
    anonymise,
    assert_chunks_in_order,
    body,
    leaves,
    output,
    paths,
    sessions,
    xml_root,
)
from tests.symsim.simkit import FAST, set_dialect, set_speed, sym

# The notes' arrays: VMAX-1 on 5875/5876, 4-digit ids, 64 KB tracks (330000 tracks = 20625 MB).
SID_815, SID_316 = "000192600815", "000192600316"
OLD = {"track_kb": 64, "model": "VMAX-1", "mcode": "5875"}


def make(home: Path, sid: str, devs: str, **spec: object) -> None:
    with store.transaction(home, create=True) as state:
        arrays.init_array(state, sid, [devs], 10.0, arrays.ArraySpec(**spec))  # type: ignore[arg-type]
        state["op_time"] = 0.01
        state["op_time_per_dev"] = 0.0


def ok(
    *argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    result = sym(*argv)
    assert result.code == 0, result
    return result.out, result.err


def transcript(out: str, err: str, answer: str = "y") -> list[str]:
    """What a terminal shows: the prompt (stdout), the echoed answer, then the messages (stderr)."""
    return output(out + answer + "\n" + err)


# --- clonepg (notes-03/04/05): five RAID-5 STD devices of 33000 64 KB tracks on array 815 ----------


@pytest.fixture
def clonepg(symsim_home: Path) -> Path:
    make(symsim_home, SID_815, "0120-0124", size_mb=2062.5, config="RAID-5", **OLD)
    ok("symdg", "create", "clonepg", "-type", "regular")
    ok("symdg", "-g", "clonepg", "addall", "-devs", "0120:0124", "-sid", "815")
    return symsim_home


def test_symdg_show_before_and_after_create_notes_05(clonepg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = sessions("notes-05-symdg_show_clonepg.txt")[:2]
    assert_chunks_in_order(before, output(ok("symdg", "show", "clonepg")[0]))
    ok("symclone", "-g", "clonepg", "-nop", "create", "DEV001", "sym", "ld", "DEV002")
    # The target of the session is Not Ready: NR in its row.
    assert_chunks_in_order(after, output(ok("symdg", "show", "clonepg")[0]))


def test_create_with_prompt_notes_03(clonepg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = ok(
        "symclone",
        "-g",
        "clonepg",
        "create",
        "DEV001",
        "sym",
        "ld",
        "DEV002",
        stdin="y\n",
        monkeypatch=monkeypatch,
    )
    assert out == "Execute 'Create' operation for device 'DEV001'\nin device group 'clonepg' (y/[n]) ? "
    assert transcript(out, err) == body("notes-03-symclone_create_dg_pair_prompt.txt")[2:]


def test_query_one_source_notes_04(clonepg: Path) -> None:
    ok("symclone", "-g", "clonepg", "-nop", "create", "DEV001", "sym", "ld", "DEV002")
    out, _ = ok("symclone", "-g", "clonepg", "query", "DEV001")
    (capture,) = sessions("notes-04-symclone_query_dg_created_partial.txt")
    produced = output(anonymise(out, SID_815, "000xxxxxx815"))
    assert_chunks_in_order(capture, produced)
    assert produced[: len(capture) - 1] == capture[:-1]  # from the first line on, up to the elision


# --- clonegp (notes-06..12): two RAID-5 STD devices and two BCVs, 330000 tracks each, array 316 ----


@pytest.fixture
def clonegp(symsim_home: Path) -> Path:
    make(symsim_home, SID_316, "0E28-0E29", size_mb=20625, config="RAID-5", **OLD)
    make(symsim_home, SID_316, "1E37-1E38", size_mb=20625, config="BCV", **OLD)
    ok("symdg", "create", "clonegp", "-type", "any")
    ok("symld", "-g", "clonegp", "add", "dev", "0E28")
    ok("symld", "-g", "clonegp", "add", "dev", "0E29")
    ok("symld", "-g", "clonegp", "add", "dev", "1E37", "BCV001", "-tgt")
    ok("symld", "-g", "clonegp", "add", "dev", "1E38", "BCV002", "-tgt")
    return symsim_home


def _query(home: Path) -> list[str]:
    return output(anonymise(ok("symclone", "-g", "clonegp", "query")[0], SID_316, "000xxxxxx316"))


def test_symdg_show_with_bcvs_notes_06(clonegp: Path) -> None:
    (capture,) = sessions("notes-06-symdg_show_clonegp_bcv.txt")
    assert_chunks_in_order(capture, output(ok("symdg", "show", "clonegp")[0]))


def test_query_without_session_notes_07(clonegp: Path) -> None:
    result = sym("symclone", "-g", "clonegp", "query")
    assert (result.code, result.out) == (1, "")
    assert output(result.err) == sessions("notes-07-symclone_query_dg_no_session.txt")[0]


def test_verbose_create_notes_08(clonegp: Path) -> None:
    out, err = ok("symclone", "-g", "clonegp", "create", "-v", "-nop")
    assert out == ""
    assert output(err) == sessions("notes-08-symclone_create_dg_verbose.txt")[0]


def test_query_after_create_notes_09(clonegp: Path) -> None:
    ok("symclone", "-g", "clonegp", "create", "-nop")
    produced = _query(clonegp)
    assert produced == sessions("notes-09-symclone_query_dg_created_totals.txt")[0]
    assert all(len(line) == 79 for line in produced if line.startswith("DEV00"))


def test_activate_with_prompt_notes_10(clonegp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok("symclone", "-g", "clonegp", "create", "-nop")
    out, err = ok("symclone", "-g", "clonegp", "activate", stdin="y\n", monkeypatch=monkeypatch)
    assert out == "Execute 'Activate' operation for device group\n'clonegp' (y/[n]) ? "
    assert transcript(out, err) == body("notes-10-symclone_activate_dg_prompt.txt")[2:]


def test_query_while_copying_notes_11(clonegp: Path) -> None:
    ok("symclone", "-g", "clonegp", "create", "-nop")
    ok("symclone", "-g", "clonegp", "activate", "-nop")
    with store.transaction(clonegp) as state:
        array = state["arrays"][SID_316]
        array["tracks_per_sec"] = 1e-9  # hold the copy where the capture saw it
        array["write_rate"] = 0.0
        for tgt, protected in (("1E37", 198821.0), ("1E38", 191705.0)):
            array["pairs"][tgt].update(protected=protected, src_mod=0.0)
    assert _query(clonegp) == sessions("notes-11-symclone_query_dg_copyinprog.txt")[0]


def test_terminate_with_prompt_notes_12(clonegp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok("symclone", "-g", "clonegp", "create", "-nop")
    ok("symclone", "-g", "clonegp", "activate", "-nop")
    # Terminating pairs still CopyInProg needs no -force on that release.
    out, err = ok("symclone", "-g", "clonegp", "terminate", stdin="y\n", monkeypatch=monkeypatch)
    assert transcript(out, err) == body("notes-12-symclone_terminate_dg_prompt.txt")[2:]


# --- DGCVI (osvcdoc-01/02): the seed's log, -noprompt, messages on stderr, stdout empty -------------


@pytest.fixture
def dgcvi(symsim_home: Path) -> Path:
    make(symsim_home, "000192601234", "1234,4321", size_gb=1.0)
    ok("symdg", "create", "-type", "REGULAR", "DGCVI")
    ok("symld", "-g", "DGCVI", "add", "dev", "1234", "DEV001")
    ok("symld", "-g", "DGCVI", "add", "dev", "4321", "CLONE001")
    ok("symclone", "-g", "DGCVI", "-nop", "create", "-diff", "-precopy", "DEV001", "sym", "ld", "CLONE001")
    return symsim_home


PAIR = ("DEV001", "sym", "ld", "CLONE001")


def test_activate_log_osvcdoc_02(dgcvi: Path) -> None:
    out, err = ok("symclone", "-g", "DGCVI", "-noprompt", "activate", "-i", "20", "-c", "30", *PAIR)
    assert out == ""
    assert output(err) == body("osvcdoc-02-symclone_activate_dg.txt")


def test_recreate_log_osvcdoc_01(dgcvi: Path) -> None:
    set_speed(dgcvi, FAST)
    ok("symclone", "-g", "DGCVI", "-noprompt", "activate", *PAIR)
    out, err = ok(
        "symclone", "-g", "DGCVI", "-noprompt", "recreate", "-precopy", "-i", "20", "-c", "30", *PAIR
    )
    assert out == ""
    assert output(err) == body("osvcdoc-01-symclone_recreate_dg.txt")


# --- symcfg (notes-02, om3-02) and symcli (om3-25) ------------------------------------------------

NOTES_02 = [  # id, attachment, model, mcode, cache MB, phys devices, symm devices
    ("302", "Local", "DMX3-24", "5772", 32768, 3, 2676),
    ("963", "Local", "DMX4-6", "5773", 32768, 3, 5327),
    ("316", "Local", "VMAX-1", "5875", 24576, 3, 8711),
    ("098", "Local", "VMAX-1SE", "5876", 28672, 3, 2908),
    ("606", "Local", "DMX3-24", "5773", 98304, 3, 2927),
    ("218", "Remote", "VMAX-1", "5876", 24576, 0, 3591),
]


def test_symcfg_list_text_notes_02(symsim_home: Path) -> None:
    with store.transaction(symsim_home, create=True) as state:
        for tail, attachment, model, mcode, cache, phys, count in NOTES_02:
            spec = arrays.ArraySpec(
                model=model, mcode=mcode, cache_mb=cache, phys_devices=phys, attachment=attachment, size_gb=1
            )
            arrays.init_array(state, f"000190100{tail}", [f"0000-{count - 1:04X}"], 1.0, spec)
    out, _ = ok("symcfg", "list")
    produced = output(out)
    for tail, *_ in NOTES_02:
        produced = [line.replace(f"000190100{tail}", f"000xxxxxx{tail}") for line in produced]
    assert produced == sessions("notes-02-symcfg_list_multi.txt")[0]


def test_symcfg_list_xml_om3_02(symsim_home: Path) -> None:
    make(symsim_home, "000297600001", "00001-007C8", cache_mb=1736704, phys_devices=64)
    out, _ = ok("symcfg", "-sid", "000297600001", "-output", "xml_e", "list")
    assert output(out) == body("om3-02-symcfg_list.xml")


def test_symcli_banner_om3_25(symsim_home: Path, tmp_path: Path) -> None:
    make(symsim_home, "000297600001", "00001")
    assert output(ok("symcli")[0]) == body("om3-25-symcli_version.txt")
    run_admin(symsim_home, "bin", str(tmp_path / "bin"))
    real = subprocess.run([str(tmp_path / "bin" / "symcli")], capture_output=True, text=True, check=True)
    assert output(real.stdout) == body("om3-25-symcli_version.txt")
    assert symcli.BANNER.splitlines() == body("om3-25-symcli_version.txt")


# --- symdev XML (om3-05, om3-08, evidence-lkone91) -------------------------------------------------


def _device(text: str) -> ET.Element:
    root = ET.fromstring(text)
    (device,) = root.findall("Symmetrix/Device")
    return device


def _without(names: set[str], found: list[str]) -> list[str]:
    return [p for p in found if p.split("/")[0] not in names]


def test_verbose_record_shape_om3_08(symsim_home: Path) -> None:
    make(symsim_home, "000297600001", "00024", size_gb=300, config="RDF1+TDEV")
    out, _ = ok("symdev", "-sid", "000297600001", "-output", "xml_e", "list", "-v", "-devs", "00024")
    ours = _device(out)
    (real,) = xml_root("om3-08-symdev_list_v_rdfa.xml").findall("Symmetrix/Device")
    # SRDF is not simulated: its subtree aside, the same elements in the same order (ports may repeat).
    assert [c.tag for c in ours] == [c.tag for c in real if c.tag != "RDF"]
    assert set(paths(ours)) == set(_without({"RDF"}, paths(real)))
    real_values, our_values = leaves(real), leaves(ours)
    specific = {"Product/wwn", "Device_External_Identity/wwn", "Product/serial_id"}
    compared = [
        p
        for p in real_values
        if p.split("/")[0]
        in {"Dev_Info", "Attached", "Product", "Label", "Flags", "Capacity", "device_geometry"}
        and p not in specific
    ]
    assert {p: our_values[p] for p in compared} == {p: real_values[p] for p in compared}


def test_short_record_shape_om3_05(symsim_home: Path) -> None:
    make(symsim_home, "000297600001", "00001", size_mb=6)
    out, _ = ok("symdev", "-sid", "000297600001", "-output", "xml_e", "list", "-devs", "00001")
    ours = _device(out)
    (real,) = xml_root("om3-05-symdev_list.xml").findall("Symmetrix/Device")
    assert paths(ours) == paths(real)
    real_values, our_values = leaves(real), leaves(ours)
    # Write Disabled and the port are that array's; the rest is the record's shape.
    for path in ("Dev_Info/dev_name", "Dev_Info/configuration", "Flags/aclx", "Capacity/megabytes"):
        assert our_values[path] == real_values[path], path
    assert {k: v for k, v in our_values.items() if k.startswith(("Capacity", "Back_End", "Flags"))} == {
        k: v for k, v in real_values.items() if k.startswith(("Capacity", "Back_End", "Flags"))
    }


LKONE91 = [
    line.split()[0]
    for line in body("evidence-lkone91-symdev-v-CLONE_Device-paths.txt")
    if line.strip().startswith("CLONE_Device/")
]


def test_clone_device_paths_lkone91_and_space_padded_dates(symsim_home: Path) -> None:
    make(symsim_home, "000197900123", "00100-00103", size_gb=1)
    ok("symdg", "create", "dg")
    for dev, tgt in (("00100", False), ("00101", True), ("00102", True), ("00103", True)):
        ok("symld", "-g", "dg", "add", "dev", dev, *(["-tgt"] if tgt else []))
    set_speed(symsim_home, FAST)
    # 00100 feeds two targets; 00101, once Copied, feeds 00103 (a cascade): 00101 is in two sessions.
    ok(
        "symclone",
        "-g",
        "dg",
        "-nop",
        "create",
        "DEV001",
        "sym",
        "ld",
        "TGT001",
        "DEV001",
        "sym",
        "ld",
        "TGT002",
    )
    ok("symclone", "-g", "dg", "-nop", "activate", "DEV001", "sym", "ld", "TGT001")
    ok("symclone", "-g", "dg", "-nop", "create", "TGT001", "sym", "ld", "TGT003")
    with store.transaction(symsim_home) as state:
        state["arrays"]["000197900123"]["pairs"]["00102"]["last_action"] = time.mktime(
            (2023, 12, 1, 10, 12, 8, 0, 0, -1)
        )
    out, _ = ok("symdev", "-sid", "123", "list", "-v", "-devs", "00100:00103", "-output", "xml_e")
    devices = {d.findtext("Dev_Info/dev_name"): d for d in ET.fromstring(out).findall("Symmetrix/Device")}
    sessions_of = {
        dev: [(c.findtext("SRC/dev_name"), c.findtext("TGT/dev_name")) for c in d.findall("CLONE_Device")]
        for dev, d in devices.items()
    }
    assert sessions_of == {
        "00100": [("00100", "00101"), ("00100", "00102")],
        "00101": [("00100", "00101"), ("00101", "00103")],
        "00102": [("00100", "00102")],
        "00103": [("00101", "00103")],
    }
    clone = devices["00102"].find("CLONE_Device")
    assert clone is not None
    for path in LKONE91:
        assert clone.find(path.removeprefix("CLONE_Device/")) is not None, path
    assert clone.findtext("percent_copied") == "0"
    assert clone.find("percent") is None
    assert clone.findtext("last_action") == "Fri Dec  1 10:12:08 2023"  # om3-06's date style
    assert clone.findtext("clone_state_flags/differential_state") == "Active"
    short, _ = ok("symdev", "-sid", "123", "list", "-devs", "00100", "-output", "xml_e")
    assert "CLONE_Device" not in short


# --- symdg list ld (osvc-list_pd_mixed, osvc-list_pd_1) and symdg list (jreypo-01) ------------------


def test_symdg_list_ld_xml_osvc_list_pd_mixed(symsim_home: Path) -> None:
    make(symsim_home, "000123400096", "00025,00055", size_mb=51201, config="RDF1+TDEV")
    ok("symdg", "create", "node1", "-type", "RDF1")
    ok("symld", "-g", "node1", "add", "dev", "00025")
    ok("symld", "-g", "node1", "add", "dev", "00055")
    set_dialect(symsim_home, dev_width="mixed")  # that array printed 0025 here and 00025 in syminq
    out, _ = ok("symdg", "-g", "node1", "list", "ld", "-output", "xml_e")
    lines = output(out)
    real = body("osvc-list_pd_mixed.symdg.xml")
    host_specific = ("<pd_name>", "<director>", "<port>")
    assert [line for line in lines if not line.strip().startswith(host_specific)] == [
        line for line in real if not line.strip().startswith(host_specific)
    ]
    root = ET.fromstring(out)
    assert paths(root) == paths(xml_root("osvc-list_pd_mixed.symdg.xml"))
    assert set(paths(xml_root("osvc-list_pd_1.symdg.xml"))) <= set(paths(root))


JREYPO_01 = [  # name, type, STD devices, BCVs
    ("dg_oracle_prod1", "REGULAR", 26, 26),
    ("dg_oracle_prod2", "REGULAR", 21, 21),
    ("dg_rac_01", "RDF1", 23, 23),
    ("dg_clvx_01", "RDF1", 5, 5),
    ("dg_oradev_01", "REGULAR", 3, 0),
    ("dg_timetest_02", "RDF1", 16, 16),
    ("grupo1", "RDF1", 22, 0),
]


def test_symdg_list_jreypo_01(symsim_home: Path) -> None:
    make(symsim_home, "000290100123", "0000-00FF", size_gb=1)
    with store.transaction(symsim_home) as state:
        number = 0
        for index, (name, kind, stds, bcvs) in enumerate(JREYPO_01):
            devs = [
                {"ldev": f"{'BCV' if i >= stds else 'DEV'}{i % stds + 1 if i < stds else i - stds + 1:03d}",
                 "dev": f"{number + i:04X}", "tgt": i >= stds}
                for i in range(stds + bcvs)
            ]  # fmt: skip
            number += stds + bcvs
            group = {"name": name, "type": kind, "sid": "000290100123", "devs": devs, "created": index}
            state["groups"][name] = group
    out, _ = ok("symdg", "list")
    assert output(anonymise(out, "000290100123", "00029xxxxxxx")) == body("jreypo-01-symdg_list.txt")


def test_symdg_show_header_jreypo_02(symsim_home: Path) -> None:
    make(symsim_home, "000290100123", "01C8-01C9,08A8-08A9", size_mb=8714)
    ok("symdg", "create", "dg_prod_01", "-type", "RDF1")
    for dev, name, tgt in (("01C8", "DEV001", False), ("01C9", "DEV002", False)):
        ok("symld", "-g", "dg_prod_01", "add", "dev", dev, name, *(["-tgt"] if tgt else []))
    for dev, name in (("08A8", "BCV001"), ("08A9", "BCV002")):
        ok("symld", "-g", "dg_prod_01", "add", "dev", dev, name, "-tgt")
    produced = output(ok("symdg", "show", "dg_prod_01")[0])
    real = body("jreypo-02-symdg_show.txt")
    # Same labels in the same places; the values of the counts; RDFA, the creation time and the
    # creating application are that group's. The tables are compared with notes-05/06 (5.8 columns).
    head = real.index("    Standard (STD) Devices (2):")
    assert [line.split(":")[0] for line in produced[:head]] == [line.split(":")[0] for line in real[:head]]
    counts = [line for line in real[:head] if "Number of" in line]
    assert [line for line in produced[:head] if "Number of" in line] == counts
    assert "    BCV Devices Locally-associated (2):" in produced
