"""symdev shows a host device file only for devices the simulated host has a volume group on."""

import xml.etree.ElementTree as ET


def _pd_names(symsim_array, devs: str) -> dict[str, str]:
    out = symsim_array.run(
        "symdev", "-sid", symsim_array.sid, "list", "-v", "-devs", devs, "-output", "xml_e"
    )
    assert out.returncode == 0, out.stderr
    root = ET.fromstring(out.stdout)
    return {d.findtext("Dev_Info/dev_name"): d.findtext("Dev_Info/pd_name") for d in root.iter("Device")}


def test_devices_of_a_registered_vg_are_visible_others_not(symsim_array):
    symsim_array.admin("vg", "vgdata", "--sid", symsim_array.sid, "--devs", "00110,00111")
    names = _pd_names(symsim_array, "00110,00111,00112")
    assert names["00110"].startswith("/dev/disk/disk")
    assert names["00111"].startswith("/dev/disk/disk")
    assert names["00110"] != names["00111"]
    assert names["00112"] == "Not Visible"
