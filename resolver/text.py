"""Human-readable renderings of resolutions and footprints, for the CLI and the demo."""

import json
from typing import Any

from resolver.lookup import Lookup
from resolver.resolution import Resolution
from signing.verify import Verdict


def verdict_state(verdict: Verdict) -> str:
    """VERIFIED only for a complete, valid answer (saying so when it is an older version the
    buyer asked for); otherwise what is wrong, in one line."""
    if verdict.complete:
        return f"VERIFIED ({historical(verdict)})" if verdict.historical else "VERIFIED"
    if verdict.valid:
        missing = ", ".join(map(str, verdict.missing))
        return f"PARTIAL: signed, but the signed value(s) at index {missing} are not in this answer"
    failed = verdict.failed
    return "NOT VERIFIED" + (f": step {failed.name} failed" if failed is not None else "")


def historical(verdict: Verdict) -> str:
    """``historical version N of M``: the version verified and the newest the node logged."""
    return f"historical version {verdict.version} of {verdict.newest}"


def describe(resolution: Resolution) -> list[str]:
    lines = [f"{resolution.handle}: {resolution.status}"]
    if resolution.error:
        lines.append(f"  error: {resolution.error}")
    if resolution.answer is not None:
        answer = resolution.answer
        lines.append(f"  version {answer.get('version')} from {answer.get('authority')}")
        for value in answer.get("values", []):
            data = value["data"]["value"]
            shown = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
            lines.append(f"    {value['index']:>5}  {value['type']:26} {shown}")
    if resolution.verdict is not None:
        lines.append(
            f"  {verdict_state(resolution.verdict)}{' (stale)' if resolution.stale else ''}"
        )
        lines.extend(
            f"    [{'ok' if step.ok else 'FAIL'}] {step.name}: {step.detail}"
            for step in resolution.verdict.steps
        )
    return lines


def describe_lookup(lookup: Lookup) -> list[str]:
    """A lookup: how the code asked for mapped to a record, then that record."""
    lines = []
    if lookup.scheme not in ("", "handle") or lookup.asked != lookup.canonical:
        lines.append(f"{lookup.asked} ({lookup.scheme or 'unreadable'}) → {lookup.canonical}")
    if lookup.alias is not None:
        state = "verified" if lookup.alias.verified else "NOT VERIFIED"
        lines.append(f"  alias {lookup.alias.handle} → {lookup.handle} ({state})")
    return [*lines, *describe(lookup.resolution)]


def footprint_lines(node: dict[str, Any], depth: int = 1) -> list[str]:
    """A roll-up tree (RollupResult.tree) as indented lines, one product per line."""
    pad = "  " * depth
    own = node.get("own", {}).get("fossil")
    lines = [
        f"{pad}{node['id']} v{node.get('version')} [{node.get('verdict')}]:"
        f" {node['pcf_excluding_biogenic']} {node['unit']} ({node['kind']}"
        + (f", own {own}" if own is not None else "")
        + ")"
    ]
    for entry in node.get("inputs", []):
        quantity = entry["quantity"]
        lines.append(
            f"{pad}  + {quantity['value']} {quantity['unit']} × input = {entry['fossil']} kgCO2e:"
        )
        if "node" in entry:
            lines.extend(footprint_lines(entry["node"], depth + 2))
    return lines
