"""Every benchmark in one command, summed up in one Markdown table against issue 20's goals.

Run it by hand from the project root::

    .venv/bin/python bench/all.py [--quick | --full] [--out FILE] [--verbose]

It asserts nothing about speed. It runs each benchmark below as its own process, one after
another (each with ``--json`` into a temporary folder, except ``bench/safety.py``, which prints
text only and whose lines are read), then prints one table: the figure, the goal it is held to
and what was measured. A run that fails (a flag the script does not have yet, no PostgreSQL to
start, a time-out) shows as "not run" with the reason instead of stopping the others.

- ``bench/inbound.py``: the SMS webhook on SQLite, closed loop, with the outbox running
  (``--outbox``) and without; at a steady ``--open-loop 200`` with the outbox; at
  ``--open-loop 500`` with one crisis message in 50 (``--crisis-every 50``), for the time
  until their contacts reach the fake Twilio; two instances on a throwaway PostgreSQL
  (``--postgres --instances 2 --outbox``);
- ``bench/outbox.py``: sends a second with the rate limit lifted, and the rate achieved with
  ``TWILIO_MAX_RATE`` set;
- ``bench/timers.py``: claiming the due timers among many pending;
- ``bench/serving.py``: ``linkbot serve``'s start-up time and resident memory while serving;
- ``bench/safety.py``: the detector's recall, false alarms and time per message, and the time
  from a crisis message to its contacts reaching the fake Twilio (its output is shown in full
  under the table).

``--quick`` (the default) uses small sizes so the whole run takes a few minutes on two cores;
its figures are rough. ``--full`` uses the sizes the goals are stated for. Everything stays on
loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


@dataclass
class Sizes:
    inbound_requests: int
    open_loop_requests: int
    outbox_messages: int
    paced_seconds: float
    timers_pending: int
    timers_due: int
    timers_send: int
    crisis_messages: int
    crisis_queued: int
    crisis_load_requests: int
    time_limit: float  # seconds for each run, at most


QUICK = Sizes(500, 600, 600, 5, 100_000, 1_000, 200, 5, 10, 2_000, 300)
FULL = Sizes(2_000, 6_000, 3_000, 10, 1_000_000, 10_000, 2_000, 20, 30, 10_000, 1_800)
OPEN_LOOP_RATE = 200.0
CRISIS_LOAD_RATE = 500.0  # ordinary webhooks a second, open loop, with crisis messages among them
CRISIS_EVERY = 50  # one in this many of them
PACED_RATE = 20.0


@dataclass
class Run:
    """One benchmark process: its figures (from --json) or why there are none."""

    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    failed: str = ""  # the reason it was not run, or failed


def run(name: str, script: str, arguments: list[str], json_file: Path | None, args: Any) -> Run:
    command = [sys.executable, str(BENCH / script), *arguments]
    if json_file is not None:
        command += ["--json", str(json_file)]
    print(f"running {name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = Run(name)
    try:
        done = subprocess.run(  # noqa: S603  (this interpreter, this folder's scripts)
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=args.sizes.time_limit,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        result.output = _text(exc.stdout) + _text(exc.stderr)
        result.failed = f"no answer in {args.sizes.time_limit:g} s"
        return result
    result.output = done.stdout + done.stderr
    if args.verbose:
        print(result.output, file=sys.stderr)
    took = time.perf_counter() - started
    if done.returncode != 0:
        result.failed = _reason(done.stderr or done.stdout, done.returncode)
    elif json_file is not None:
        try:
            result.figures = json.loads(json_file.read_text())
        except (OSError, ValueError) as exc:
            result.failed = f"it wrote no figures ({type(exc).__name__})"
    status = f"not run: {result.failed}" if result.failed else "done"
    print(f"  {status} in {took:.0f} s", file=sys.stderr, flush=True)
    return result


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""


def _reason(text: str, code: int) -> str:
    """The last line that says something: argparse's error, or an exception's message."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = lines[-1] if lines else f"exit status {code}"
    said = said.replace("|", "/")  # it goes into a table cell
    return said if len(said) <= 160 else said[:157] + "..."


# The table.


def _get(run: Run, *keys: str) -> Any:
    value: Any = run.figures
    for key in keys:
        if not isinstance(value, dict) or value.get(key) is None:
            return None
        value = value[key]
    return value


def measured(run: Run, text: str | None) -> str:
    if run.failed:
        return f"not run: {run.failed}"
    return text if text is not None else "not in its figures"


def fmt(value: Any, pattern: str) -> str | None:
    return None if value is None else pattern.format(value)


def _drained(run: Run) -> str:
    """An answer is not yet a reply: how long after the last answer every reply was sent."""
    drained = _get(run, "drain_s")
    return "" if drained is None else f"; every reply sent {drained:.1f} s after the last answer"


def inbound_rows(runs: dict[str, Run]) -> list[tuple[str, str, str]]:
    bare, outbox, open_loop, pg = (
        runs["inbound"],
        runs["inbound_outbox"],
        runs["inbound_open"],
        runs["inbound_pg"],
    )
    whole = None
    if _get(outbox, "linkbot", "rate") is not None:
        whole = f"{_get(outbox, 'linkbot', 'rate'):,.0f} req/s{_drained(outbox)}"
    return [
        (
            "inbound webhook, SQLite, closed loop, outbox running",
            ">= 1,000 req/s",
            measured(outbox, whole),
        ),
        (
            "the same, ratio to a bare aiohttp handler",
            ">= 0.25",
            measured(outbox, fmt(_get(outbox, "ratio"), "{:.3f}")),
        ),
        (
            "inbound webhook, SQLite, closed loop, webhook path alone (no outbox)",
            "(for comparison)",
            measured(
                bare,
                None
                if _get(bare, "linkbot", "rate") is None
                else f"{_get(bare, 'linkbot', 'rate'):,.0f} req/s, "
                f"ratio {_get(bare, 'ratio') or float('nan'):.3f}",
            ),
        ),
        (
            "inbound webhook, PostgreSQL, two instances, outbox running",
            ">= 2,000 req/s",
            measured(pg, fmt(_get(pg, "linkbot", "rate"), "{:,.0f} req/s")),
        ),
        (
            f"inbound p99 latency, open loop at a steady {OPEN_LOOP_RATE:g}/s, outbox running",
            "< 50 ms",
            measured(
                open_loop,
                None
                if _get(open_loop, "linkbot", "p99_ms") is None
                else f"{_get(open_loop, 'linkbot', 'p99_ms'):.1f} ms "
                f"(p50 {_get(open_loop, 'linkbot', 'p50_ms') or float('nan'):.1f} ms, "
                f"{_get(open_loop, 'linkbot', 'errors') or 0} errors){_drained(open_loop)}",
            ),
        ),
    ]


def outbox_rows(run: Run) -> list[tuple[str, str, str]]:
    paced = None
    if _get(run, "paced", "achieved") is not None:
        paced = (
            f"{_get(run, 'paced', 'achieved'):.2f}/s at {_get(run, 'paced', 'max_rate'):g}/s "
            f"({_get(run, 'paced', 'off_by_percent'):+.1f}%)"
        )
    return [
        (
            "outbox sends to Twilio, rate limit lifted",
            ">= 2,000 sends/s",
            measured(
                run,
                None
                if _get(run, "lifted", "sends_per_s") is None
                else f"{_get(run, 'lifted', 'sends_per_s'):,.0f} sends/s "
                f"({_get(run, 'lifted', 'n'):,} messages)",
            ),
        ),
        ("outbox with TWILIO_MAX_RATE set", "within 5% of the rate", measured(run, paced)),
    ]


def timers_row(run: Run, sizes: Sizes) -> tuple[str, str, str]:
    seconds = _get(run, "fire_due", "seconds")
    text = None
    if seconds is not None:
        text = (
            f"{seconds:.2f} s for {_get(run, 'fire_due', 'fired'):,} due among "
            f"{_get(run, 'pending'):,} pending"
        )
    figure = f"timers: {sizes.timers_due:,} due among {sizes.timers_pending:,} pending claimed"
    return (figure, "10,000 due among 1,000,000 pending in < 1 s", measured(run, text))


def safety_rows(run: Run) -> list[tuple[str, str, str]]:
    out = run.output
    recalls = [(int(a), int(b)) for a, b in re.findall(r"recall\s+(\d+)/(\d+)", out)]
    alarms = [(int(a), int(b)) for a, b in re.findall(r"false alarms (\d+)/(\d+)", out)]
    speed = re.search(r"detector: median (\d+) us per message", out)
    alone = re.search(
        r"alone, (\d+) people [^:]*: median (\d+) ms, p95 (\d+) ms, max (\d+) ms", out
    )
    behind = re.search(r"behind (\d+) queued welcomes: (\d+) ms; (\d+) of", out)
    lowest = min((a / b for a, b in recalls if b), default=None)
    highest = max((a / b for a, b in alarms if b), default=None)
    return [
        (
            "crisis detector: lowest recall of any concern in any public set",
            "100% (the tests' bar)",
            measured(run, fmt(lowest, "{:.1%}")),
        ),
        (
            "crisis detector: highest false-alarm share in any public set",
            "<= 5% (the tests' bar)",
            measured(run, fmt(highest, "{:.1%}")),
        ),
        (
            "crisis detector: time per message",
            "(no goal)",
            measured(run, None if speed is None else f"{speed.group(1)} us median"),
        ),
        (
            "crisis message to its contacts at the fake Twilio, one person at a time",
            "(for comparison)",
            measured(
                run,
                None
                if alone is None
                else f"median {alone[2]} ms, p95 {alone[3]} ms, max {alone[4]} ms "
                f"({alone[1]} people)",
            ),
        ),
        (
            "the same, behind queued welcomes (TWILIO_MAX_RATE=1)",
            "within 1 s",
            measured(
                run,
                None if behind is None else f"{behind[2]} ms behind {behind[1]} welcomes",
            ),
        ),
    ]


def crisis_load_row(run: Run) -> tuple[str, str, str]:
    text = None
    if _get(run, "crisis", "count") is not None:
        p99, p50 = _get(run, "crisis", "p99_ms"), _get(run, "crisis", "p50_ms")
        text = (
            f"p99 {p99 or float('nan'):,.0f} ms, p50 {p50 or float('nan'):,.0f} ms "
            f"({_get(run, 'crisis', 'count')} crisis messages, "
            f"{_get(run, 'crisis', 'missing') or 0} never; webhooks answered at "
            f"{_get(run, 'linkbot', 'rate') or 0:,.0f}/s{_drained(run)})"
        )
    return (
        f"crisis message to its contacts at the fake Twilio, SQLite, open loop at "
        f"{CRISIS_LOAD_RATE:g}/s ordinary webhooks, outbox running",
        "within 1 s p99",
        measured(run, text),
    )


def serving_rows(run: Run) -> list[tuple[str, str, str]]:
    rss, peak = _get(run, "rss_mb"), _get(run, "peak_mb")
    memory = None
    if rss is not None:
        memory = f"{rss:.0f} MB after {_get(run, 'answered')} webhooks (peak {peak:.0f} MB)"
    return [
        ("RSS while serving", "< 150 MB", measured(run, memory)),
        (
            "start-up time, to /healthz answering",
            "< 3 s",
            measured(run, fmt(_get(run, "start_up_s"), "{:.2f} s")),
        ),
    ]


def table(runs: dict[str, Run], sizes: Sizes, mode: str) -> str:
    rows = [
        *inbound_rows(runs),
        *outbox_rows(runs["outbox"]),
        timers_row(runs["timers"], sizes),
        *safety_rows(runs["safety"]),
        crisis_load_row(runs["inbound_crisis"]),
        *serving_rows(runs["serving"]),
    ]
    lines = [
        f"linkbot benchmarks ({mode}; loopback; {os.cpu_count()} cores; "
        f"Python {sys.version.split()[0]})",
        "",
        "| figure | goal (issue 20) | measured |",
        "| --- | --- | --- |",
        *(f"| {figure} | {goal} | {value} |" for figure, goal, value in rows),
    ]
    safety = runs["safety"].output.strip()
    if safety:
        lines += ["", "bench/safety.py printed:", "", "```", safety, "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes (the default)")
    size.add_argument("--full", action="store_true", help="the sizes the goals are stated for")
    parser.add_argument("--out", metavar="FILE", help="also write the table to FILE")
    parser.add_argument("--verbose", action="store_true", help="show each run's output")
    args = parser.parse_args()
    args.sizes = FULL if args.full else QUICK
    mode = "--full" if args.full else "--quick"
    s: Sizes = args.sizes
    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="linkbot-bench-all-") as folder:
        tmp = Path(folder)
        inbound = ["--requests", str(s.inbound_requests), "--time-limit", str(s.time_limit / 3)]
        plan: list[tuple[str, str, list[str], bool]] = [
            ("inbound", "inbound.py", inbound, True),
            ("inbound_outbox", "inbound.py", [*inbound, "--outbox"], True),
            (
                "inbound_open",
                "inbound.py",
                [
                    "--requests",
                    str(s.open_loop_requests),
                    "--open-loop",
                    f"{OPEN_LOOP_RATE:g}",
                    "--outbox",
                ],
                True,
            ),
            (
                "inbound_crisis",
                "inbound.py",
                [
                    "--requests",
                    str(s.crisis_load_requests),
                    "--open-loop",
                    f"{CRISIS_LOAD_RATE:g}",
                    "--outbox",
                    "--crisis-every",
                    str(CRISIS_EVERY),
                ],
                True,
            ),
            (
                "inbound_pg",
                "inbound.py",
                [*inbound, "--postgres", "--instances", "2", "--outbox"],
                True,
            ),
            (
                "outbox",
                "outbox.py",
                [
                    "--messages",
                    str(s.outbox_messages),
                    "--max-rate",
                    f"{PACED_RATE:g}",
                    "--seconds",
                    f"{s.paced_seconds:g}",
                ],
                True,
            ),
            (
                "timers",
                "timers.py",
                [
                    "--pending",
                    str(s.timers_pending),
                    "--due",
                    str(s.timers_due),
                    "--send",
                    str(s.timers_send),
                ],
                True,
            ),
            ("serving", "serving.py", ["--requests", str(s.inbound_requests)], True),
            (
                "safety",
                "safety.py",
                ["--messages", str(s.crisis_messages), "--queued", str(s.crisis_queued)],
                False,
            ),
        ]
        for name, script, arguments, wants_json in plan:
            json_file = tmp / f"{name}.json" if wants_json else None
            runs[name] = run(name, script, arguments, json_file, args)
    text = table(runs, s, mode)
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
