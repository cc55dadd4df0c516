"""A private PostgreSQL cluster in a temporary directory, for tests and benchmarks.

It never touches a system cluster: ``initdb`` makes a new data directory, the server
listens only on a Unix socket inside that directory (no TCP port, so runs on one machine
cannot collide), and :meth:`LocalCluster.stop` removes it all. PostgreSQL refuses to run as
root, so when this process is root the cluster runs as the ``postgres`` user (Debian's
package creates it), which owns the directory.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from glob import glob
from pathlib import Path

from registry.errors import StoreError

HOW_TO_GET_ONE = (
    "install PostgreSQL's server programs (Debian: `apt-get install postgresql`, which puts"
    " initdb and pg_ctl in /usr/lib/postgresql/VERSION/bin) or name the directory that holds"
    " them in GLID_PG_BIN"
)


class NoPostgres(StoreError):
    """No PostgreSQL server programs were found on this machine."""


def server_programs() -> Path:
    """The directory holding initdb and pg_ctl: $GLID_PG_BIN when set (and only it), else
    Debian's newest, else the one on the PATH."""
    named = os.environ.get("GLID_PG_BIN")
    if named:
        candidates = [Path(named)]
    else:
        candidates = [Path(p) for p in sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True)]
        on_path = shutil.which("pg_ctl")
        if on_path:
            candidates.append(Path(on_path).parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise NoPostgres(
        f"no initdb/pg_ctl found (looked in {[str(c) for c in candidates]}); " + HOW_TO_GET_ONE
    )


@dataclass
class LocalCluster:
    """One running throwaway server; ``url`` connects to its ``postgres`` database."""

    root: Path
    programs: Path
    run_as: str | None

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    @classmethod
    def start(cls, *, settings: dict[str, str] | None = None) -> "LocalCluster":
        """initdb and start a server; ``settings`` become ``-c name=value`` options."""
        cluster = cls._new()
        try:
            cluster._run(
                "initdb",
                "-D",
                str(cluster.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            )
            cluster._launch(settings)
        except BaseException:
            shutil.rmtree(cluster.root, ignore_errors=True)
            raise
        return cluster

    def standby(self, *, settings: dict[str, str] | None = None) -> "LocalCluster":
        """A hot standby of this server, streaming from it: ``pg_basebackup -R`` copies the
        data directory and writes the replication settings, then the copy starts in
        recovery on a socket directory of its own."""
        copy = self._new()
        try:
            copy._run(
                "pg_basebackup",
                "-D",
                str(copy.data),
                "-d",
                self.url(),
                "-R",
                "-X",
                "stream",
                "--no-sync",
            )
            copy._launch(settings)
        except BaseException:
            shutil.rmtree(copy.root, ignore_errors=True)
            raise
        return copy

    @classmethod
    def _new(cls) -> "LocalCluster":
        programs = server_programs()
        run_as = "postgres" if os.geteuid() == 0 else None
        cluster = cls(Path(tempfile.mkdtemp(prefix="glid-pg-")), programs, run_as)
        cluster.socket_dir.mkdir()
        if run_as is not None:
            owner = pwd.getpwnam(run_as)
            for path in (cluster.root, cluster.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        return cluster

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _launch(self, settings: dict[str, str] | None) -> None:
        options = {"listen_addresses": "''", "unix_socket_directories": str(self.socket_dir)}
        options.update(settings or {})
        flags = " ".join(f"-c {name}={value}" for name, value in options.items())
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", flags,
            "-w", "start",
        )  # fmt: skip

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.programs / program), *args],
            user=self.run_as,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            detail = log.read_text() if log.is_file() else ""
            raise StoreError(
                f"{program} failed ({done.returncode}): {done.stderr.strip()} {detail[-2000:]}"
            )

    def stop(self) -> None:
        """Stop the server at once and remove its directory."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
