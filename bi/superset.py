"""Apache Superset on the published warehouse: `make bi` sets it up and serves the dashboard.

Superset runs in its own virtualenv (.venv-bi, pins in bi/requirements.txt); this module runs in
the pipeline's and drives Superset through its command line and its REST API:

1. `superset db upgrade`, `superset init` and the admin login, with Superset's metadata database
   (SQLite) in the state folder beside the published warehouse (`.warehouse/superset/`);
2. gunicorn serves Superset on 127.0.0.1:PARKING_BI_PORT;
3. the dashboard kept as code in bi/dashboard/ (Superset's export format) is imported through
   /api/v1/assets/import/, which overwrites what the bundle holds, with this machine's path of
   the published warehouse filled into the database's connection (read-only, see the bundle).

`python -m bi.superset export` does the reverse after an edit in Superset's UI: it exports the
dashboard and writes the bundle back into bi/dashboard/, the path replaced by its placeholder.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import requests

from parking_warehouse import REPO_ROOT
from parking_warehouse.config import Settings
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.publish import warehouse_paths

BI_DIR = REPO_ROOT / "bi"
BUNDLE_DIR = BI_DIR / "dashboard"
CONFIG_FILE = BI_DIR / "superset_config.py"
REQUIREMENTS = BI_DIR / "requirements.txt"
DEFAULT_VENV = REPO_ROOT / ".venv-bi"
WAREHOUSE_PLACEHOLDER = "{{ warehouse }}"  # in bi/dashboard/databases/*.yaml, filled at import
DASHBOARD_SLUG = "parking-operations"
# The bundle is imported as "assets" (everything in it overwritten), not as a dashboard export.
BUNDLE_METADATA = "version: 1.0.0\ntype: assets\n"

# setting -> (environment variable, default)
_ENVIRONMENT = {
    "port": ("PARKING_BI_PORT", "8088"),
    "admin_user": ("PARKING_BI_ADMIN_USER", "admin"),
    "admin_password": ("PARKING_BI_ADMIN_PASSWORD", "admin"),
    "venv": ("PARKING_BI_VENV", str(DEFAULT_VENV)),
}


@dataclass(frozen=True)
class SupersetSettings:
    """Where Superset keeps its state, where it listens and who logs in."""

    warehouse: Path
    port: int
    admin_user: str
    admin_password: str
    venv: Path

    @classmethod
    def resolve(cls, settings: Settings, environ: Mapping[str, str] | None = None,
                **overrides) -> SupersetSettings:
        """The published warehouse from `settings`; the rest from overrides, else PARKING_BI_*,
        else the defaults."""
        environ = os.environ if environ is None else environ
        values = {field: overrides.get(field) or environ.get(variable) or default
                  for field, (variable, default) in _ENVIRONMENT.items()}
        try:
            port = int(values["port"])
        except ValueError:
            port = 0
        if not 0 < port < 65536:
            raise ParkingWarehouseError(f"PARKING_BI_PORT={values['port']!r} is not a TCP port (1-65535)")
        return cls(warehouse=settings.warehouse, port=port, admin_user=values["admin_user"],
                   admin_password=values["admin_password"], venv=Path(values["venv"]).resolve())

    @property
    def home(self) -> Path:
        """Superset's state folder: its metadata database superset.db and its secret key."""
        return warehouse_paths(self.warehouse).state_dir / "superset"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dashboard_url(self) -> str:
        return f"{self.url}/superset/dashboard/{DASHBOARD_SLUG}/"

    def executable(self, name: str) -> Path:
        path = self.venv / "bin" / name
        if not path.exists():
            raise ParkingWarehouseError(
                f"{path} does not exist: create Superset's virtualenv with `make bi-setup` "
                f"(pip install -r {REQUIREMENTS.relative_to(REPO_ROOT)} into {self.venv})")
        return path

    def environment(self) -> dict[str, str]:
        """The environment of every Superset process: bi/superset_config.py and what it reads."""
        return dict(os.environ) | {
            "SUPERSET_CONFIG_PATH": str(CONFIG_FILE),
            "SUPERSET_HOME": str(self.home),
            "PARKING_BI_HOME": str(self.home),
            "PARKING_BI_SECRET_KEY": secret_key(self.home),
            "FLASK_APP": "superset.app:create_app()",
        }


def secret_key(home: Path) -> str:
    """Superset's SECRET_KEY: PARKING_BI_SECRET_KEY, else one made once for this state folder."""
    if os.environ.get("PARKING_BI_SECRET_KEY"):
        return os.environ["PARKING_BI_SECRET_KEY"]
    key_file = home / "secret_key"
    if not key_file.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


# --------------------------------------------------------------------------- set-up


def superset_command(bi: SupersetSettings, *args: str) -> str:
    """Run `superset ARGS` in Superset's virtualenv; its output, or an error naming the command."""
    result = subprocess.run([str(bi.executable("superset")), *args], env=bi.environment(),
                            capture_output=True, text=True, check=False, cwd=bi.home)
    if result.returncode != 0:
        raise ParkingWarehouseError(
            f"`superset {' '.join(args)}` failed (exit {result.returncode}):\n"
            f"{(result.stdout + result.stderr)[-3000:]}")
    return result.stdout + result.stderr


def initialise(bi: SupersetSettings) -> None:
    """Superset's metadata database (migrated, roles and permissions) and the admin login.

    The migrations and `superset init` run again only when bi/requirements.txt changed (a new
    Superset); the admin's password is set from the settings every time.
    """
    if not bi.warehouse.exists():
        raise ParkingWarehouseError(
            f"no published warehouse at {bi.warehouse}: run the pipeline first (`make run`)")
    bi.home.mkdir(parents=True, exist_ok=True)
    stamp = bi.home / "initialised"
    version = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not (bi.home / "superset.db").exists() or not stamp.exists() or stamp.read_text() != version:
        superset_command(bi, "db", "upgrade")
        superset_command(bi, "init")
        stamp.write_text(version)
    output = superset_command(bi, "fab", "create-admin", "--username", bi.admin_user,
                              "--password", bi.admin_password, "--firstname", "Parking",
                              "--lastname", "Admin", "--email", f"{bi.admin_user}@localhost")
    if "already exists" in output:
        superset_command(bi, "fab", "reset-password", "--username", bi.admin_user,
                         "--password", bi.admin_password)


# --------------------------------------------------------------------------- the server


def start(bi: SupersetSettings, log_file: Path | None = None) -> subprocess.Popen:
    """gunicorn serving Superset on 127.0.0.1:port, in the background (its own process group)."""
    log_file = log_file or bi.home / "superset.log"
    log = open(log_file, "ab")  # noqa: SIM115 - handed to the server process
    try:
        return subprocess.Popen(
            [str(bi.executable("gunicorn")), "--bind", f"127.0.0.1:{bi.port}", "--workers", "1",
             "--threads", "8", "--timeout", "120", "--limit-request-line", "0",
             "superset.app:create_app()"],
            env=bi.environment(), cwd=bi.home, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    finally:
        log.close()


def wait_until_up(bi: SupersetSettings, server: subprocess.Popen, timeout: float = 300) -> None:
    """Wait for /health to answer OK; an error with the log's tail if the server died or never did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ParkingWarehouseError(
                f"Superset exited with code {server.returncode} while starting:\n{log_tail(bi)}")
        try:
            if requests.get(f"{bi.url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise ParkingWarehouseError(f"Superset did not answer on {bi.url} within {timeout:.0f} s:\n{log_tail(bi)}")


def log_tail(bi: SupersetSettings, chars: int = 3000) -> str:
    log_file = bi.home / "superset.log"
    return log_file.read_text(errors="replace")[-chars:] if log_file.exists() else "(no log)"


def stop(server: subprocess.Popen) -> None:
    """Stop the server and its workers (its process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --------------------------------------------------------------------------- REST API


def login(bi: SupersetSettings) -> requests.Session:
    """A session logged in through /api/v1/security/login, with the CSRF token POSTs need."""
    session = requests.Session()
    answer = session.post(f"{bi.url}/api/v1/security/login", timeout=60, json={
        "username": bi.admin_user, "password": bi.admin_password, "provider": "db", "refresh": False})
    if answer.status_code != 200:
        raise ParkingWarehouseError(
            f"cannot log in to Superset at {bi.url} as {bi.admin_user!r} (PARKING_BI_ADMIN_USER / "
            f"PARKING_BI_ADMIN_PASSWORD): HTTP {answer.status_code} {answer.text[:300]}")
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    csrf = session.get(f"{bi.url}/api/v1/security/csrf_token/", timeout=60)
    csrf.raise_for_status()
    session.headers["X-CSRFToken"] = csrf.json()["result"]
    session.headers["Referer"] = bi.url
    return session


def bundle_zip(bi: SupersetSettings, bundle_dir: Path = BUNDLE_DIR) -> bytes:
    """bi/dashboard/ as the ZIP Superset imports, the published warehouse's path filled in."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path in sorted(p for p in bundle_dir.rglob("*.yaml") if p.is_file()):
            text = path.read_text()
            if path.parent.name == "databases":
                text = text.replace(WAREHOUSE_PLACEHOLDER, str(bi.warehouse))
            bundle.writestr(str(PurePosixPath("bundle", path.relative_to(bundle_dir).as_posix())), text)
    return buffer.getvalue()


def import_bundle(bi: SupersetSettings, session: requests.Session, bundle_dir: Path = BUNDLE_DIR) -> None:
    """Import the bundle with /api/v1/assets/import/: databases, datasets, charts and dashboards
    it holds are created or overwritten (the dashboard as kept in git wins)."""
    answer = session.post(f"{bi.url}/api/v1/assets/import/", timeout=300,
                          files={"bundle": ("bundle.zip", bundle_zip(bi, bundle_dir), "application/zip")})
    if answer.status_code != 200:
        raise ParkingWarehouseError(
            f"Superset refused the dashboard bundle {bundle_dir}: HTTP {answer.status_code} "
            f"{answer.text[:2000]}")


def dashboard_id(bi: SupersetSettings, session: requests.Session, slug: str = DASHBOARD_SLUG) -> int:
    answer = session.get(f"{bi.url}/api/v1/dashboard/{slug}", timeout=60)
    if answer.status_code != 200:
        raise ParkingWarehouseError(f"Superset has no dashboard {slug!r}: HTTP {answer.status_code}")
    return answer.json()["result"]["id"]


def export_bundle(bi: SupersetSettings, session: requests.Session, bundle_dir: Path = BUNDLE_DIR,
                  slug: str = DASHBOARD_SLUG) -> list[Path]:
    """Export the dashboard (with its charts, datasets and database) into `bundle_dir`, replacing
    what is there; the warehouse's path becomes the placeholder again. The files written."""
    answer = session.get(f"{bi.url}/api/v1/dashboard/export/",
                         params={"q": f"!({dashboard_id(bi, session, slug)})"}, timeout=300)
    if answer.status_code != 200:
        raise ParkingWarehouseError(f"Superset did not export {slug!r}: HTTP {answer.status_code} {answer.text[:500]}")
    shutil.rmtree(bundle_dir, ignore_errors=True)
    bundle_dir.mkdir(parents=True)
    (bundle_dir / "metadata.yaml").write_text(BUNDLE_METADATA)  # no timestamp: quiet diffs
    written = [bundle_dir / "metadata.yaml"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as bundle:
        for name in bundle.namelist():
            relative = PurePosixPath(*PurePosixPath(name).parts[1:])  # drop the export's root folder
            if str(relative) == "metadata.yaml":
                continue
            text = bundle.read(name).decode()
            if relative.parts[0] == "databases":
                text = text.replace(str(bi.warehouse), WAREHOUSE_PLACEHOLDER)
            # Superset names files <name>_<id>.yaml; ids differ between machines, names do not
            target = bundle_dir / relative.parent / re.sub(r"_\d+\.yaml$", ".yaml", relative.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            written.append(target)
    return written


# --------------------------------------------------------------------------- make bi


def set_up_and_start(bi: SupersetSettings) -> subprocess.Popen:
    """Everything `make bi` does before it waits: initialise, start, import. The running server."""
    initialise(bi)
    server = start(bi)
    try:
        wait_until_up(bi, server)
        import_bundle(bi, login(bi))
    except BaseException:
        stop(server)
        raise
    return server


def serve(bi: SupersetSettings) -> None:
    server = set_up_and_start(bi)
    print(f"""
Superset serves the dashboard "Parking operations" on the published warehouse (read-only):
  dashboard   {bi.dashboard_url}
  login       {bi.admin_user} / (PARKING_BI_ADMIN_PASSWORD; default admin)
  warehouse   {bi.warehouse}
  state, log  {bi.home}
Ctrl-C stops it.""", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopped by a supervisor: stop Superset too
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)


def export(bi: SupersetSettings) -> None:
    """Write the dashboard as edited in the running Superset back into bi/dashboard/."""
    written = export_bundle(bi, login(bi))
    print(f"wrote {len(written)} files into {BUNDLE_DIR}; review them with `git diff` and commit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bi.superset", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=("serve", "export"), default="serve",
                        help="serve (default): set up Superset, import bi/dashboard/ and serve it; "
                             "export: write the dashboard of the running Superset back into bi/dashboard/")
    parser.add_argument("--port", default=None, help="port on 127.0.0.1 (env PARKING_BI_PORT, default 8088)")
    parser.add_argument("--warehouse", default=None, help="the published DuckDB file (env PARKING_WAREHOUSE)")
    args = parser.parse_args(argv)
    try:
        bi = SupersetSettings.resolve(Settings.resolve({"warehouse": args.warehouse}), port=args.port)
        {"serve": serve, "export": export}[args.command](bi)
    except ParkingWarehouseError as error:
        print(f"make bi: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
