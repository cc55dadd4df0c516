"""`glid demo`: a whole identifier network on loopback, with sample carbon data.

Five nodes in one process: the top node 88; the steel (88.101) and automotive (88.104)
secondary nodes; a pellet plant running its own node (88.101.9); a steel mill hosted on
the steel node (88.101.7); a parts maker running its own node (88.104.3). The parts maker's
bracket names the mill's coil as an input, whose record names the plant's pellets: a buyer
resolves the bracket from the top node, verifies it to the trust anchor, and rolls its
footprint up the three levels.
"""

import asyncio
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accounting.efficiency import evaluate
from accounting.enterprise import from_record
from glid_core.errors import GlidError
from glid_core.layout import TEMPLATE_INDEX, TEMPLATE_TYPE
from registry import delegation
from registry.node import TRUST_ANCHOR_FILE, init_node, write_json
from registry.schemes import to_canonical
from registry.service import registrar
from registry.store import Store
from resolver.client import Resolver, load_trust_anchor
from resolver.footprint import network_footprint
from resolver.lookup import ALIAS_TYPE
from resolver.page_view import EFFICIENCY_LINK
from resolver.serve import RunningNode, start
from resolver.settings import Settings
from resolver.sync_client import SyncResolver
from resolver.text import describe, footprint_lines

DEMO_FILE = "demo.json"
RUNNING = "running;"  # the line `glid demo` prints once its network serves
ENV_FILE = "env"


class DemoError(GlidError):
    """The demo network could not be set up."""


@dataclass
class DemoNode:
    name: str
    role: str
    prefix: str
    directory: Path
    admin_identity: str
    admin_secret: str
    parent: "DemoNode | None" = None
    running: RunningNode | None = None

    @property
    def url(self) -> str:
        return "" if self.running is None else self.running.url


def _item(index: int, name: str, value: Any) -> dict[str, Any]:
    kind = "string" if isinstance(value, str) else "json"
    return {"index": index, "type": name, "data": {"format": kind, "value": value}}


def _qty(value: str, unit: str) -> dict[str, str]:
    return {"value": value, "unit": unit}


def _footprint(template: str, name: str, maker: str, unit: str, pcf: str) -> list[dict[str, Any]]:
    return [
        _item(TEMPLATE_INDEX, TEMPLATE_TYPE, template),
        _item(2000, "product_name", name),
        _item(2001, "manufacturer", maker),
        _item(2100, "declared_unit", unit),
        _item(2101, "declared_unit_amount", "1"),
        _item(2102, "pcf_excluding_biogenic", _qty(pcf, "kgCO2e")),
        _item(2104, "fossil_ghg_emissions", _qty(pcf, "kgCO2e")),
        _item(2110, "primary_data_share", "100"),
        _item(2114, "reference_period_start", "2025-01-01"),
        _item(2115, "reference_period_end", "2025-12-31"),
        _item(2116, "geography", "CN-ZJ"),
        _item(2117, "boundary", "cradle-to-gate"),
        _item(2118, "standards", ["ISO 14067:2018", "GB/T 24067-2024", "PACT v3"]),
        _item(2119, "characterization_factors", "AR6"),
    ]


EFFICIENCY = "88.104.3/carbon-efficiency-2023"
PELLETS = "88.101.9/pellet-lot-2026-07"
COIL = "88.101.7/coil-2026-001"
BRACKET = "88.104.3/bracket-A1"
# The bracket as other coding schemes know it; each maps to BRACKET through a signed alias
# record under its scheme's home prefix (hosted on the top node), the private code through
# one under the maker's own prefix.
BRACKET_CODES = {
    "gtin": "06901234567892",
    "oid": "1.2.156.3001.104.3.1",
    "ecode": "100120104000300001",
    "private": "private:88.104.3:FS-2026-0001",
}
SCHEME_HOMES = ("88.gs1", "88.oid", "88.ecode")


def sample_records() -> dict[str, list[dict[str, Any]]]:
    """Three products, each per one declared unit; the arithmetic is in docs/DEMO.md."""
    pellets = _footprint(
        "88/tpl.product-footprint@1.0.0", "氧化球团 Iron ore pellets", "示例球团厂", "t", "185"
    )
    coil = [
        *_footprint("88.101/tpl.steel@1.0.0", "热轧钢卷 Q235B", "浙江示例钢铁", "t", "2050"),
        _item(2106, "own_fossil_emissions", _qty("1754", "kgCO2e")),
        _item(2108, "allocation_method", "mass"),
        _item(2109, "inputs", [{"id": PELLETS, "quantity": _qty("1.6", "t")}]),
        _item(2500, "process_route", "BF-BOF"),
        _item(2501, "product_category", "hot-rolled coil"),
        _item(2502, "steel_grade", "Q235B"),
    ]
    bracket = [
        *_footprint(
            "88.104/tpl.automotive-parts@1.0.0",
            "前副车架支架 Subframe bracket",
            "浙江示例汽车零部件",
            "piece",
            "96.4",
        ),
        _item(2106, "own_fossil_emissions", _qty("30.8", "kgCO2e")),
        _item(2108, "allocation_method", "mass"),
        _item(2109, "inputs", [{"id": COIL, "quantity": _qty("0.032", "t")}]),
        _item(2, EFFICIENCY_LINK, EFFICIENCY),
        _item(2800, "part_number", "FS-2026-0001"),
        _item(2801, "vehicle_category", "M1"),
        _item(2802, "part_mass", _qty("28.5", "kg")),
    ]
    efficiency = [
        _item(TEMPLATE_INDEX, TEMPLATE_TYPE, "88/tpl.carbon-efficiency@1.0.0"),
        _item(2000, "enterprise_name", "浙江示例汽车零部件有限公司"),
        _item(2001, "year", 2023),
        _item(2002, "industry_code", "C3670"),
        _item(2003, "region", "浙江省宁波市"),
        _item(2004, "value_added", _qty("18600", "10k CNY")),
        _item(2007, "natural_gas", _qty("62.5", "10k Nm3")),
        _item(2008, "diesel", _qty("18.2", "t")),
        _item(2012, "purchased_electricity", _qty("21400", "MWh")),
        _item(2013, "zero_carbon_electricity", _qty("3200", "MWh")),
        _item(2014, "purchased_heat", _qty("15000", "GJ")),
    ]
    return {PELLETS: pellets, COIL: coil, BRACKET: bracket, EFFICIENCY: efficiency}


def _prepare(directory: Path) -> None:
    if directory.exists():
        if not (directory / DEMO_FILE).exists() and any(directory.iterdir()):
            raise DemoError(f"{directory} exists and is not a previous demo; choose another --dir")
        shutil.rmtree(directory)
    directory.mkdir(parents=True)


def _init(directory: Path, name: str, role: str, prefix: str, passphrase: bytes) -> DemoNode:
    created = init_node(directory / name, role=role, prefix=prefix, passphrase=passphrase)
    created.store.close()
    secret = created.admin_secret_file.read_text().strip()
    return DemoNode(name, role, prefix, directory / name, created.admin_identity, secret)


def _delegate(parent: DemoNode, child: DemoNode, passphrase: bytes) -> None:
    delegation.delegate_locally(parent.directory, child.directory, passphrase)
    child.parent = parent


@dataclass
class Demo:
    directory: Path
    passphrase: bytes
    nodes: list[DemoNode]
    hosted: list[dict[str, str]]

    def node(self, prefix: str) -> DemoNode:
        return next(node for node in self.nodes if node.prefix == prefix)

    @property
    def anchor(self) -> Path:
        return self.node("88").directory / TRUST_ANCHOR_FILE

    async def stop(self) -> None:
        for node in reversed(self.nodes):
            if node.running is not None:
                await node.running.stop()
                node.running = None

    def to_json(self) -> dict[str, Any]:
        return {
            "trust_anchor": str(self.anchor),
            "root": self.node("88").url,
            "passphrase": self.passphrase.decode(),
            "nodes": [
                {
                    "name": node.name,
                    "role": node.role,
                    "prefix": node.prefix,
                    "url": node.url,
                    "directory": str(node.directory),
                    "admin_identity": node.admin_identity,
                    "admin_secret": node.admin_secret,
                }
                for node in self.nodes
            ],
            "hosted": self.hosted,
            "samples": {
                "pellets": PELLETS,
                "coil": COIL,
                "bracket": BRACKET,
                "carbon_efficiency": EFFICIENCY,
                "bracket_codes": BRACKET_CODES,
            },
        }


async def build(directory: Path, passphrase: bytes) -> Demo:
    """Create, delegate, start and fill every node."""
    _prepare(directory)
    top = _init(directory, "top", "top", "88", passphrase)
    steel = _init(directory, "steel", "secondary", "88.101", passphrase)
    auto = _init(directory, "automotive", "secondary", "88.104", passphrase)
    plant = _init(directory, "pellet-plant", "enterprise", "88.101.9", passphrase)
    maker = _init(directory, "parts-maker", "enterprise", "88.104.3", passphrase)
    for parent, child in ((top, steel), (top, auto), (steel, plant), (auto, maker)):
        _delegate(parent, child, passphrase)
    with Store.open(steel.directory) as store:
        mill = delegation.host(store, passphrase, "88.101.7")
    demo = Demo(
        directory,
        passphrase,
        [top, steel, auto, plant, maker],
        [
            {
                "prefix": mill.prefix,
                "host": "88.101",
                "admin_identity": mill.admin_identity,
                "admin_secret": mill.admin_secret,
            }
        ],
    )
    for node in demo.nodes:
        node.running = await start(Settings(node.directory, passphrase=passphrase))
    for node in demo.nodes:
        if node.parent is not None:
            with Store.open(node.parent.directory) as store:
                delegation.set_site(store, node.prefix, node.url)
    with Store.open(top.directory) as store:
        for home in SCHEME_HOMES:
            delegation.host(store, passphrase, home)
    homes = {PELLETS: plant, COIL: steel, BRACKET: maker, EFFICIENCY: maker}
    records = sample_records()
    for code in BRACKET_CODES.values():
        alias = str(to_canonical(code).identifier)
        records[alias] = [_item(1, ALIAS_TYPE, BRACKET)]
        homes[alias] = maker if alias.startswith("88.104.3/") else top
    for handle, values in records.items():
        with Store.open(homes[handle].directory) as store:
            outcome = registrar(store, passphrase).register_one(handle, values, "demo")
        if not outcome.accepted:
            raise DemoError(f"sample record {handle} was refused: {outcome.error}")
    write_json(directory / DEMO_FILE, demo.to_json(), mode=0o600)  # passphrase, secrets
    env = directory / ENV_FILE
    env.touch(mode=0o600)  # holds the passphrase too
    env.write_text(environment(demo), encoding="utf-8")
    return demo


def environment(demo: Demo) -> str:
    """``glid-demo/env``: the shell variables that point glid's buyer commands (and the
    examples in docs/) at this network; ``. glid-demo/env`` in another terminal."""
    values = {
        "GLID_ROOT": demo.node("88").url,
        "GLID_TRUST_ANCHOR": str(demo.anchor.resolve()),
        "GLID_PASSPHRASE": demo.passphrase.decode(),
    }
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items())


def next_steps(demo: Demo) -> list[str]:
    """The three commands a buyer types next, with this network's URL and real ids."""
    where = f"--root {demo.node('88').url} --trust-anchor {demo.anchor}"
    return [
        f"glid resolve {BRACKET} {where}",
        f"glid footprint {BRACKET} {where}",
        f"glid grade {EFFICIENCY} {where}",
    ]


async def buyer_view(demo: Demo) -> list[str]:
    """What a buyer sees: the bracket resolved from the top node, verified, rolled up."""
    anchor = load_trust_anchor(demo.anchor)
    lines = [f"buyer: resolving {BRACKET} from the top node {demo.node('88').url}"]
    async with Resolver(demo.node("88").url, anchor) as resolver:
        resolution = await resolver.resolve(BRACKET, bundle=True)
        lines.extend(describe(resolution))
        # The roll-up blocks on each level of the supply chain: run it off the event loop,
        # which serves the demo's nodes meanwhile.
        rolling = SyncResolver(demo.node("88").url, anchor)
        result = await asyncio.to_thread(network_footprint, rolling, [BRACKET], verified_only=True)
        lines.append(f"footprint of {BRACKET} rolled up through its suppliers:")
        lines.extend(footprint_lines(result.to_json()["roots"][0], 1))
        lines.append(f"  ({rolling.stats.requests} requests to the network)")
        lines.append(await _grade_line(resolver))
    return lines


async def _grade_line(resolver: Resolver) -> str:
    """The buyer grades the parts maker from its verified carbon-efficiency record."""
    graded = await resolver.resolve(EFFICIENCY)
    if not graded.verified or graded.answer is None:
        raise DemoError(f"{EFFICIENCY} did not verify: {graded.error}")
    efficiency = evaluate(from_record(graded.answer["values"], id=EFFICIENCY))
    summary = efficiency.to_json()
    return (
        f"carbon efficiency of {efficiency.enterprise.enterprise_name} ({EFFICIENCY}, verified):"
        f" L {summary['L']} tCO2/10k CNY, K {summary['K']}, grade {efficiency.grade}"
    )


async def run(directory: Path, *, keep_running: bool, passphrase: bytes | None = None) -> Demo:
    secret = passphrase or secrets.token_urlsafe(18).encode()
    demo = await build(directory, secret)
    try:
        for node in demo.nodes:
            print(f"{node.role:10} {node.prefix:9} {node.url}  ({node.name})")
        print(f"hosted     88.101.7  on {demo.node('88.101').url}  (steel mill)")
        print("\n".join(await buyer_view(demo)))
        print(f"network description: {directory / DEMO_FILE}")
        if keep_running:
            print("\nthe network runs until Ctrl-C; in another terminal, try:")
            print("\n".join(f"  {line}" for line in next_steps(demo)))
            print(f"(or `. {directory / ENV_FILE}` and leave out --root and --trust-anchor)")
            print(f"{RUNNING} stop with Ctrl-C or SIGTERM", flush=True)
            await _wait_for_signal()
    finally:
        await demo.stop()
    return demo


def spawn(directory: Path, printed: list[str] | None = None) -> subprocess.Popen[str]:
    """`glid demo --dir DIRECTORY` as a process of its own, returned once its network
    serves (benchmarks and tests use it as a user's terminal would); what it printed on
    the way goes into ``printed``. Stop it with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "resolver.cli", "demo", "--dir", str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(RUNNING):
            return process
        if printed is not None:
            printed.append(line)
    process.wait()
    raise DemoError(f"glid demo stopped before its network served (exit {process.returncode})")


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
