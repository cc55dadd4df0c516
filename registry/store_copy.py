"""Moving a node to another store: every row of every table, checked before it commits.

``glid store copy`` takes a node directory (the source stays as it was) and makes a new
one whose data lives in the target database: the keys, secrets and hand-off files are
copied, and every table row, with its exact bytes and numbering, is written in one
transaction on the target (:mod:`registry.store.copy`). Before that transaction commits,
the log recomputed from the copied leaves must equal the source's, or nothing is kept.
The new directory's ``store.url`` is written last, so a directory without it never
points at a half-made node.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

from registry.errors import NodeExists
from registry.log_check import LogCheck, check_log
from registry.store import DB_NAME, STORE_URL_FILE, Store, Tables, open_backend, store_exists
from registry.store.backend import Session
from registry.store.copy import CopyMismatch, copy_rows


@dataclass(frozen=True, slots=True)
class Copied:
    rows: dict[str, int]  # table -> rows copied
    log: LogCheck


def copy_node(source_dir: Path, target_dir: Path, url: str) -> Copied:
    """Copy the node in ``source_dir`` to a new directory whose data lives at ``url``."""
    if store_exists(target_dir) or (target_dir.exists() and any(target_dir.iterdir())):
        raise NodeExists(f"{target_dir} is not empty; name a new directory for the copy")
    with Store.open(source_dir) as source:
        before = check_log(source)
        if not before.ok:
            raise CopyMismatch(
                f"the log of {source_dir} is not whole ({'; '.join(before.problems)});"
                " run `glid store check` and restore from a backup before copying"
            )

        def same_log(session: Session) -> None:
            after = check_log(Tables(session))
            if (after.size, after.root, after.problems) != (before.size, before.root, []):
                raise CopyMismatch(
                    f"the copied log differs: size {after.size}, expected {before.size};"
                    f" {'; '.join(after.problems) or 'another root'}"
                )

        shutil.copytree(source_dir, target_dir, ignore=shutil.ignore_patterns(f"{DB_NAME}*"))
        try:
            target = open_backend(target_dir, url, create=True)
            try:
                rows = copy_rows(source.backend, target, before_commit=same_log)
            finally:
                target.close()
        except BaseException:
            shutil.rmtree(target_dir)
            raise
    url_file = target_dir / STORE_URL_FILE
    url_file.touch(mode=0o600)
    url_file.write_text(url + "\n")
    return Copied(rows, before)
