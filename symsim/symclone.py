"""Simulated `symclone`: TimeFinder/Clone control (create, recreate, activate, restore, split,
terminate), `verify` and `query`, in the device-group and array + pairs-file forms."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from symsim import cli, controltext, dialect, errors, faults, model, querytext, store, timemodel, transitions
from symsim.errors import SymError
from symsim.selection import Selection, find_group, select

TOOL = "symclone"
CONTROL = ("create", "recreate", "activate", "restore", "split", "terminate")
ACTIONS = (*CONTROL, "verify", "query")
OUT_OF_SCOPE = ("establish", "set", "list")
VERIFY_FLAGS = {
    "-created": "Created",
    "-recreated": "Recreated",
    "-precopy": "PreCopy",
    "-copyinprog": "CopyInProg",
    "-copyonaccess": "CopyOnAccess",
    "-copied": "Copied",
    "-split": "Split",
    "-restinprog": "RestInProg",
    "-restored": "Restored",
    "-copyonwrite": "CopyOnWrite",
}
SPEC: dict[str, int] = {
    "-sid": 1,
    "-g": 1,
    "-f": 1,
    "-i": 1,
    "-c": 1,
    "-output": 1,
    "-noprompt": 0,
    "-v": 0,
    "-force": 0,
    "-symforce": 0,
    "-consistent": 0,
    "-differential": 0,
    "-copy": 0,
    "-nocopy": 0,
    "-tgt": 0,
    "-multi": 0,
    "-concurrent": 0,
    "-both_sides": 0,
    "-not_ready": 0,
    "-h": 0,
    **dict.fromkeys(VERIFY_FLAGS, 0),
}
ALIASES = {"-file": "-f"}
DEFAULT_INTERVAL = 10


def _options(parsed: cli.Parsed, values: dict[str, str]) -> transitions.Options:
    return transitions.Options(
        copy=parsed.flag("-copy"),
        terminate_needs_force=values["terminate_copyinprog"] == "force",
        keep_restored_session=values["terminate_restored"] == "keep",
        precopy=parsed.flag("-precopy"),
        nocopy=parsed.flag("-nocopy"),
        differential=parsed.flag("-differential"),
        force=parsed.flag("-force"),
        symforce=parsed.flag("-symforce"),
        restored=parsed.flag("-restored"),
        consistent=parsed.flag("-consistent"),
    )


def _output_xml(parsed: cli.Parsed) -> bool:
    mode = parsed.value("-output")
    if mode is None:
        return False
    if mode.lower() in ("xml", "xml_e", "xml_element", "xml_attribute", "xml_a"):
        return True
    raise cli.usage_error(TOOL, f"Invalid output mode: '{mode}'")


def _retries(parsed: cli.Parsed) -> tuple[float, int | None]:
    """-i/-c: interval (simulated s) and number of attempts; None attempts means until success."""
    interval = parsed.number("-i")
    count = parsed.number("-c")
    if interval is None and count is None:
        return 0.0, 1
    return float(interval if interval is not None else DEFAULT_INTERVAL), count


def _prompt(sel: Selection, action: str) -> None:
    # The question stays on stdout, where a terminal user sees it whatever control_channel says.
    sys.stdout.write(controltext.prompt(sel, action))
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line.endswith("\n"):
        print()  # no newline typed (end of input): keep the error off the prompt line
    if line.strip().lower() != "y":
        raise SymError("Operation aborted by the user: nothing was done.")


def _emit(channel: str, text: str) -> None:
    """A control-action message: on stderr like the real CLI (osvcdoc-01/02), or stdout (dialect)."""
    stream = sys.stderr if channel == "stderr" else sys.stdout
    sys.stdout.flush()
    print(text, file=stream, flush=True)


def _check_all(array: model.Array, sel: Selection, action: str, opts: transitions.Options) -> None:
    for ref in sel.pairs:
        if action == "create":
            transitions.check_create(array, ref.src, ref.tgt, opts)
        else:
            pair = array["pairs"].get(ref.tgt)
            if pair is not None and pair["src"] != ref.src:
                pair = None  # the target is in another session, not one with this source
            transitions.check(action, pair, opts)
    if action == "create":
        targets = [ref.tgt for ref in sel.pairs]
        if len(set(targets)) != len(targets):
            raise SymError(errors.MSG_PAIR_INVALID)


def _devices(sel: Selection) -> list[str]:
    return sorted({d for ref in sel.pairs for d in (ref.src, ref.tgt)})


def _op_time(state: dict[str, Any], sel: Selection) -> float:
    return state["op_time"] + state["op_time_per_dev"] * len(sel.pairs)


def _acquire(home: Path, sel: Selection, action: str, opts: transitions.Options, parsed: cli.Parsed) -> float:
    """Check the pairs and lock their devices for the operation; retry a held lock per -i/-c.

    Returns the wall time the locks were taken.
    """
    interval, attempts = _retries(parsed)
    devs = _devices(sel)
    tried = 0
    while True:
        tried += 1
        with store.transaction(home) as state:
            now = time.time()
            timemodel.advance(state, now)
            scale = state["time_scale"]
            code = faults.lock_exit(state)
            array = state["arrays"][sel.sid]
            held = [d for d in devs if model.lock_holder(array, d, now) is not None]
            if not held and faults.lock_fault_fires(state, TOOL, action):
                held = devs
            if not held:
                _check_all(array, sel, action, opts)
                expires = now + (_op_time(state, sel) + 5.0) / scale
                for dev in devs:
                    array["locks"][dev] = {"pid": os.getpid(), "expires": expires, "action": action}
                return now
        if attempts is not None and tried >= attempts:
            raise SymError(errors.MSG_LOCKED.format(devs=", ".join(held)), code)
        time.sleep(interval / scale)


def _release(home: Path, sel: Selection) -> None:
    with store.transaction(home) as state:
        locks = state["arrays"][sel.sid]["locks"]
        for dev in _devices(sel):
            if locks.get(dev, {}).get("pid") == os.getpid():
                del locks[dev]


def _apply(
    home: Path, sel: Selection, action: str, opts: transitions.Options, started: float, stall: float | None
) -> None:
    with store.transaction(home) as state:
        # A plain create's mode (notes-04/09 show XXX.: copy and differential on by default).
        mode = dialect.get(state, "create_default")
        copy_default, diff_default = mode != "nocopy", mode == "copy_diff"
        now = time.time()
        timemodel.advance(state, now)
        scale = state["time_scale"]
        array = state["arrays"][sel.sid]
        _check_all(array, sel, action, opts)
        for index, ref in enumerate(sel.pairs):
            # One activate: -consistent gives every pair the same point in time; otherwise the pairs
            # are activated one after another, each a little later than the previous one.
            if opts.consistent:
                when = started + state["op_time"] / scale
            else:
                when = started + (state["op_time"] + state["op_time_per_dev"] * (index + 1)) / scale
            when = min(when, now)
            if action == "create":
                pair = transitions.new_pair(
                    array, ref.src, ref.tgt, opts, when, copy_default=copy_default, diff_default=diff_default
                )
                array["pairs"][ref.tgt] = pair
            elif action == "terminate":
                pair = array["pairs"][ref.tgt]
                if opts.restored and opts.keep_restored_session:
                    transitions.end_restore(pair, when)
                else:
                    transitions.terminate(array, pair)
                continue
            else:
                pair = array["pairs"][ref.tgt]
                transitions.apply(action, array, pair, opts, when)
            if stall is not None and pair["state"] in model.COPYING | {"Recreated", "Created"}:
                pair["stall"] = {"pct": stall}
        for dev in _devices(sel):
            if array["locks"].get(dev, {}).get("pid") == os.getpid():
                del array["locks"][dev]


def control(home: Path, parsed: cli.Parsed, action: str) -> int:
    with store.transaction(home) as state:
        values = dialect.current(state)
        sel = select(TOOL, state, parsed, action)
        shown = _shown_devs(state["arrays"][sel.sid], sel, values)
    opts = _options(parsed, values)
    if action == "create" and opts.nocopy and (opts.precopy or opts.copy):
        raise cli.usage_error(TOOL, "The -nocopy option is mutually exclusive with -copy and -precopy")
    if not parsed.flag("-noprompt") and not _env_noprompt():
        _prompt(sel, action)
    channel = values["control_channel"]
    verbose = parsed.flag("-v")
    # notes-08 (-v) prints the group messages on one line, notes-10/12 (no -v) wrap them.
    one_line = verbose or values["group_message_lines"] == "one_line"
    firing = faults.fire(home, TOOL, action, sel.sid, _devices(sel), lock_loop=True)
    started = _acquire(home, sel, action, opts, parsed)
    try:
        # notes-08: "in progress" first, then the SELECTING/PAIRING trace, then the operation.
        _emit(channel, f"\n{controltext.progress(sel, action, one_line=one_line)}\n")
        if verbose:
            _emit(channel, "\n" + controltext.verbose_trace(sel, action, shown))
        with store.transaction(home) as state:
            duration = _op_time(state, sel) / state["time_scale"]
        # The array holds the device locks for the whole operation: that is what a racing call hits.
        time.sleep(max(0.0, started + duration - time.time()))
        _apply(home, sel, action, opts, started, firing.stall_at)
    except BaseException:
        _release(home, sel)
        raise
    if verbose:
        _emit(channel, f"\n{controltext.succeeded(action)}\n")
    _emit(channel, controltext.done(sel, action, one_line=one_line))
    return 0


def _shown_devs(array: model.Array, sel: Selection, values: dict[str, str]) -> dict[str, str]:
    devs = {d for ref in sel.pairs for d in (ref.src, ref.tgt)}
    return {d: model.shown_dev(array, d, values["dev_width"]) for d in devs}


def _env_noprompt() -> bool:
    return os.environ.get("SYMCLI_NOPROMPT", "").strip() in ("1",)


def _select_and_fire(home: Path, parsed: cli.Parsed, action: str) -> Selection:
    with store.transaction(home) as state:
        sel = select(TOOL, state, parsed, action)
    faults.fire(home, TOOL, action, sel.sid, _devices(sel), lock_loop=False)
    return sel


def _verify_text(sel: Selection, wanted: list[str], quantifier: str) -> str:
    if wanted:
        names = "' or '".join(wanted)
        return f"{quantifier} devices in {sel.where} are in '{names}' state."
    return f"{quantifier} devices in {sel.where} are valid Clone pairs."


def _verify_answer(values: dict[str, str], code: int, text: str) -> int:
    if values["verify_text"] == "yes":
        print(text)
    if code != 0 and values["verify_codes"] == "one":
        return errors.FAIL
    return code


def verify(home: Path, parsed: cli.Parsed) -> int:
    wanted = [state for flag, state in VERIFY_FLAGS.items() if parsed.flag(flag)]
    not_all, none = errors.VERIFY_CODES[wanted[0] if wanted else "valid"]
    interval, attempts = _retries(parsed)
    sel = _select_and_fire(home, parsed, "verify")
    tried = 0
    while True:
        tried += 1
        with store.transaction(home) as state:
            timemodel.advance(state, time.time())
            values = dialect.current(state)
            scale = state["time_scale"]
            array = state["arrays"][sel.sid]
            matched = 0
            for ref in sel.pairs:
                pair = array["pairs"].get(ref.tgt)
                if pair is not None and pair["src"] == ref.src and (not wanted or pair["state"] in wanted):
                    matched += 1
        if matched == len(sel.pairs):
            return _verify_answer(values, 0, _verify_text(sel, wanted, "All"))
        if attempts is not None and tried >= attempts:
            if matched:
                return _verify_answer(values, not_all, _verify_text(sel, wanted, "Not All"))
            return _verify_answer(values, none, _verify_text(sel, wanted, "None of the"))
        time.sleep(interval / scale)


def _no_session(sel: Selection, values: dict[str, str]) -> int:
    """notes-07's text; its exit code (and so its channel) was never seen: a dialect."""
    text = "\nThe Source device and the Target device do not form a Copy session"
    if sel.group is not None:
        text += f"\n\nDevice group '{sel.group}' does not have any devices that are Clone source devices"
    if values["query_no_session_exit"] == "0":
        print(text)
        return 0
    raise SymError(text)


def query(home: Path, parsed: cli.Parsed) -> int:
    xml = _output_xml(parsed)
    interval, attempts = _retries(parsed)
    sel = _select_and_fire(home, parsed, "query")
    shown = 0
    while True:
        with store.transaction(home) as state:
            timemodel.advance(state, time.time())
            values = dialect.current(state)
            scale = state["time_scale"]
            array = state["arrays"][sel.sid]
            group = find_group(state, sel.group) if sel.group is not None else None
            rows = querytext.rows(array, sel, group, values["dev_width"])
        if not rows:
            return _no_session(sel, values)
        if xml:
            print(querytext.render_xml(array, group, rows))
        else:
            print(
                querytext.render(
                    array, group, rows, logical=group is not None or values["file_query_form"] == "logical_na"
                )
            )
        shown += 1
        if attempts is not None and shown >= attempts:
            return 0
        sys.stdout.flush()
        time.sleep(interval / scale)


def body(home: Path, argv: list[str]) -> int:
    parsed = cli.parse(TOOL, argv, SPEC, ALIASES)
    if parsed.flag("-h"):
        print(USAGE)
        return 0
    actions = [w for w in parsed.words if w.lower() in ACTIONS or w.lower() in OUT_OF_SCOPE]
    if not actions:
        raise cli.usage_error(TOOL, "No action was specified")
    action_word = actions[0]
    parsed.words.remove(action_word)
    action = action_word.lower()
    if action in OUT_OF_SCOPE:
        raise SymError(f"symsim: the '{action}' action is not simulated")
    if action in CONTROL:
        return control(home, parsed, action)
    if action == "verify":
        return verify(home, parsed)
    return query(home, parsed)


USAGE = """\
Usage: symclone -g DgName  [-v] [-noprompt] [-i Interval] [-c Count] [-force] [-symforce]
                <action> [<SrcLdev> sym ld <TgtLdev> ...]
       symclone -sid SymmID -f[ile] PairsFile [same options] <action>

Actions: create [-differential] [-precopy|-nocopy|-copy]
         recreate [-precopy]
         activate [-consistent]
         verify [-created|-recreated|-precopy|-copyinprog|-copyonaccess|-copied|-split|-restinprog|-restored]
         query [-multi] [-output xml_e] [<SrcLdev> ...]
         terminate [-restored]
         restore
         split"""


def main() -> None:
    cli.tool_main(TOOL, body)


if __name__ == "__main__":
    main()
