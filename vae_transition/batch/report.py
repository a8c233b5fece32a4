"""What a batch says when it ends: one entry a job (as `join --json` summarises a join, plus its
status, error and retries), a table for people, a JSON report for programs, and the progress bar
while it runs (tqdm: jobs and cuts done, ETA; only on a terminal).
"""

from __future__ import annotations

import json
import sys

from vae_transition.join.summary import summary

STATUSES = ("done", "resumed", "failed")  # made now; verified from an earlier run; not made


def job_entry(line: int, name: str, result, spec, notes=()) -> dict:
    """A finished job's entry (result: JoinResult)."""
    return {"line": line, "name": name, "status": "done", "error": None, "retries": 0,
            "notes": list(notes), **summary(result, spec)}


def failed_entry(line: int, name: str, output: str, error: str, retries: int = 0,
                 notes=()) -> dict:
    return {"line": line, "name": name, "status": "failed", "error": error, "retries": retries,
            "notes": list(notes), "output": output}


def totals(entries: list[dict], seconds: float, executor: str, workers: int) -> dict:
    counts = {s: sum(e["status"] == s for e in entries) for s in STATUSES}
    made = counts["done"]
    return {"jobs": len(entries), **counts, "seconds": round(seconds, 3),
            "jobs_per_minute": round(60 * made / seconds, 3) if seconds > 0 and made else 0.0,
            "executor": executor, "workers": workers}


def to_json(entries: list[dict], total: dict) -> str:
    return json.dumps({"totals": total, "jobs": entries}, indent=2)


def table(entries: list[dict], total: dict) -> str:
    """A plain-text summary: one row a job, then the totals."""
    rows = [("line", "output", "status", "frames", "seconds", "note")]
    for e in entries:
        warnings = [n for n in e["notes"] if n.startswith("note:")]  # not the path taken
        note = e["error"] or "; ".join(warnings)
        if e["retries"]:
            note = f"{e['retries']} retried task(s)" + (f"; {note}" if note else "")
        rows.append((str(e["line"]), e["name"], e["status"],
                     str(e.get("frames", "")) if e["status"] != "failed" else "",
                     f"{e['seconds']:.1f}" if e.get("seconds") is not None else "", note))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:5], widths)) + "  " + r[5] for r in rows]
    lines.append(f"{total['jobs']} jobs: {total['done']} done, {total['resumed']} already "
                 f"done (verified), {total['failed']} failed; {total['seconds']:.1f} s, "
                 f"{total['jobs_per_minute']:.2f} jobs a minute ({total['executor']}, "
                 f"{total['workers']} workers)")
    return "\n".join(line.rstrip() for line in lines)


class Progress:
    """A tqdm bar of jobs finished (with ETA) and cuts made, on stderr when it is a terminal."""

    def __init__(self, jobs: int, cuts: int, enabled: bool = True):
        from tqdm import tqdm  # a terminal library, only when a batch runs

        self.cuts = cuts
        self.bar = tqdm(total=jobs, unit="job", file=sys.stderr, dynamic_ncols=True,
                        disable=not (enabled and sys.stderr.isatty()), desc="batch")

    def update(self, jobs_done: int, cuts_done: int, failed: int) -> None:
        self.bar.set_postfix_str(f"cuts {cuts_done}/{self.cuts}"
                                 + (f", {failed} failed" if failed else ""), refresh=False)
        self.bar.update(jobs_done - self.bar.n)

    def note(self, message: str) -> None:
        """A line above the bar (or plain stderr when there is no bar)."""
        if self.bar.disable:
            print(message, file=sys.stderr)
        else:
            self.bar.write(message, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()
