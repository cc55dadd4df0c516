import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from registry.store import Store
from resolver.cli import main
from templates_meta.builtin import builtin_templates
from tests.store_file import raw_connection
from tests.templates_data import coil_extension

COIL = "88.101.8/tpl.coil@1.0.0"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    directory = tmp_path / "secondary"
    code, _, err = run(
        capsys, "init", "--role", "secondary", "--prefix", "88.101", "--dir", str(directory)
    )
    assert code == 0, err
    # The first template command installs the built-ins; later snapshots compare to that.
    assert run(capsys, "template", "--dir", str(directory), "list")[0] == 0
    return directory


def write_template(tmp_path: Path, **changes: Any) -> Path:
    document = coil_extension(**changes)
    path = tmp_path / f"template-{len(list(tmp_path.glob('template-*')))}.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def stored_rows(directory: Path) -> list[Any]:
    store = Store.open(directory)
    try:
        return (
            raw_connection(store).execute("SELECT * FROM templates ORDER BY id, version").fetchall()
        )
    finally:
        store.close()


def test_list_shows_the_built_ins(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listed = run_json(capsys, "template", "--dir", str(node), "list", "--json")
    assert sorted(entry["ref"] for entry in listed) == sorted(t.ref for t in builtin_templates())
    assert {entry["state"] for entry in listed} == {"published"}
    code, out, _ = run(capsys, "template", "--dir", str(node), "list")
    assert code == 0
    assert any(
        line.split()[:3] == ["88/tpl.product-footprint@1.0.0", "public", "published"]
        for line in out.splitlines()
    )


def test_show_lists_inherited_fields_with_their_origin(
    node: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = run_json(capsys, "template", "--dir", str(node), "--json", "show", "88.101/tpl.steel")
    assert shown["ref"] == "88.101/tpl.steel@1.0.0"
    assert shown["chain"] == [
        "88.101/tpl.steel@1.0.0",
        "88/tpl.product-footprint@1.0.0",
        "88/tpl.product@1.0.0",
    ]
    by_name = {field["name"]: field for field in shown["fields"]}
    assert by_name["product_name"]["from"] == "88/tpl.product@1.0.0"
    assert by_name["declared_unit"] == {
        "name": "declared_unit",
        "index": 2100,
        "type": "enum",
        "required": True,
        "enum": ["kg", "t"],
        "labels": {"zh": "声明单位", "en": "Declared unit"},
        "description": "Restated from the product footprint: declared per mass only.",
        "from": "88.101/tpl.steel@1.0.0",
    }
    code, out, _ = run(capsys, "template", "--dir", str(node), "show", "88.101/tpl.steel@1.0.0")
    assert code == 0
    assert "   2500  process_route                enum required {BF-BOF, EAF, DRI}" in out


def test_propose_then_approve(
    node: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "template", "--dir", str(node), "propose", str(write_template(tmp_path))
    )
    assert (code, out) == (0, f"{COIL} proposed; node 88.101 decides\n")
    approved = run_json(capsys, "template", "--dir", str(node), "approve", COIL, "--json")
    assert (approved["state"], approved["reviewer"]) == ("approved", "88.101")
    listed = run_json(
        capsys, "template", "--dir", str(node), "list", "--state", "approved", "--json"
    )
    assert [entry["ref"] for entry in listed] == [COIL]


def test_reject_keeps_the_reason(
    node: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "template", "--dir", str(node), "propose", str(write_template(tmp_path)))
    code, out, _ = run(
        capsys,
        "template",
        "--dir",
        str(node),
        "reject",
        "88.101.8/tpl.coil",
        "--reason",
        "use mm bounds",
    )
    assert (code, out) == (0, f"{COIL} rejected: use mm bounds\n")
    code, _, err = run(capsys, "template", "--dir", str(node), "approve", COIL)
    assert code == 1
    assert err == f"glid: error: {COIL} was already rejected by 88.101; it is decided once\n"


def test_export_schema_prints_json_schema(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = run_json(
        capsys, "template", "--dir", str(node), "export-schema", "88/tpl.device-reading"
    )
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["meter_id", "quantity", "interval_start", "interval_end"]
    assert schema["properties"]["device"]["x-glid-index"] == 2004


def index_reuse() -> dict[str, Any]:
    return {
        "fields": [
            {"name": "coil", "index": 2500, "type": "string", "labels": {"zh": "卷", "en": "c"}}
        ]
    }


def bound_loosened() -> dict[str, Any]:
    share = {
        "name": "scrap_share",
        "index": 2503,
        "type": "decimal",
        "unit": "%",
        "min": "0",
        "max": "120",
        "labels": {"zh": "废钢比", "en": "Scrap share"},
    }
    return {"fields": [share]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            index_reuse(),
            "glid: error: 88.101.8/tpl.coil@1.0.0: field 'coil' reuses index 2500, which "
            "88.101/tpl.steel@1.0.0 gives to field 'process_route'; pick an unused index\n",
        ),
        (
            bound_loosened(),
            "glid: error: 88.101.8/tpl.coil@1.0.0: field 'scrap_share' (from "
            "88.101/tpl.steel@1.0.0) has maximum 100 %; 120 % would loosen it\n",
        ),
        (
            {"extends": "88.101/tpl.none@1.0.0"},
            "glid: error: 88.101.8/tpl.coil@1.0.0 extends 88.101/tpl.none@1.0.0, which cannot"
            " be used: template 88.101/tpl.none@1.0.0 is not known on node 88.101; see "
            "`glid template list`\n",
        ),
        (
            {
                "fields": [
                    {"name": "w", "index": 12, "type": "string", "labels": {"zh": "w", "en": "w"}}
                ]
            },
            "glid: error: template 88.101.8/tpl.coil is not valid:\n"
            "  - fields['w'].index: index 12 is below 2000; lower indexes are reserved\n",
        ),
    ],
)
def test_a_bad_proposal_exits_1_with_a_precise_message_and_stores_nothing(
    node: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, Any],
    message: str,
) -> None:
    before = stored_rows(node)
    code, out, err = run(
        capsys, "template", "--dir", str(node), "propose", str(write_template(tmp_path, **changes))
    )
    assert (code, out, err) == (1, "", message)
    assert stored_rows(node) == before


def test_approving_a_template_this_node_does_not_review_is_refused(
    node: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    industry = write_template(tmp_path, id="88.101/tpl.wire", layer="industry")
    run(capsys, "template", "--dir", str(node), "propose", str(industry))
    before = stored_rows(node)
    code, _, err = run(capsys, "template", "--dir", str(node), "approve", "88.101/tpl.wire")
    assert code == 1
    assert err == (
        "glid: error: node 88.101 may not approve 88.101/tpl.wire@1.0.0: the industry template"
        " of 88.101 is decided by node 88\n"
    )
    assert stored_rows(node) == before


def test_unknown_templates_unreadable_files_and_usage_errors(
    node: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "template", "--dir", str(node), "show", "88/tpl.none")
    assert (code, err) == (
        1,
        "glid: error: no version of template 88/tpl.none is known on node 88.101; see"
        " `glid template list`\n",
    )
    missing = tmp_path / "missing.json"
    code, _, err = run(capsys, "template", "--dir", str(node), "propose", str(missing))
    assert code == 1 and err.startswith(f"glid: error: cannot read the template file {missing}")
    with pytest.raises(SystemExit) as usage:
        main(["template", "--dir", str(node), "reject", COIL])
    assert usage.value.code == 2
    assert "--reason" in capsys.readouterr().err


def test_a_directory_without_a_node_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "template", "--dir", str(tmp_path / "none"), "list")
    assert code == 1 and "is not a glid node" in err


def test_reader_closing_the_pipe_ends_quietly(tmp_path: Path) -> None:
    node = tmp_path / "top"
    assert main(["init", "--role", "top", "--prefix", "88", "--dir", str(node)]) == 0
    glid = Path(sys.executable).with_name("glid")
    reader_closed, writer = os.pipe()
    os.close(reader_closed)  # nobody will read: the first write fails with EPIPE
    process = subprocess.run(
        [str(glid), "template", "--dir", str(node), "list", "--json"],
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    os.close(writer)
    assert process.returncode == 141
    assert "Traceback" not in process.stderr
