"""Files the commands read as JSON are read as strictly as a node reads a request body."""

from pathlib import Path

import pytest

from resolver.cli.options import read_json
from resolver.cli.output import InputError


def test_a_json_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{"name": "钢卷", "n": [1, 2.5]}', encoding="utf-8")
    assert read_json(path) == {"name": "钢卷", "n": [1, 2.5]}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"v": "a\\ud800b"}', "no low surrogate in string"),  # no canonical encoding writes it
        ('{"v": NaN}', "unexpected character"),
        ('{"v": 1', "unexpected end of data"),
    ],
)
def test_what_no_canonical_encoding_could_write_is_refused(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = tmp_path / "doc.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_json(path, "bundle file")
    assert str(caught.value).startswith(f"the bundle file {path} is not JSON: {reason}")
