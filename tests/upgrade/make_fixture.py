"""Build tests/upgrade/v0.8.0.sql: the database of the previous release (0.8.0, commit abf8d61)
made by that release's own migrations, with a small agency, its grid, a forecast, planned missions,
a visit under way, two promoted models with their saved state, an API token and the audit events.

    python tests/upgrade/make_fixture.py [COMMIT] [OUT]

The release's tree is exported with `git archive` into a temporary folder (no worktree, nothing in
this checkout changes), migrated into a scratch database on the server of DATABASE_URL, seeded with
tests/ops/seed.py (copied in) and dumped with `pg_dump --inserts` (plain SQL, readable in a diff).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
COMMIT = sys.argv[1] if len(sys.argv) > 1 else "abf8d61"
OUT = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests" / "upgrade" / "v0.8.0.sql"
SEED = """
from django.test.utils import setup_test_environment
setup_test_environment()
from django.contrib.auth import get_user_model
from agency import roles
from tests.conftest import TEST_PASSWORD
from tests.ops.seed import seed, small_agency_rows
small_agency_rows()
officer = get_user_model().objects.create_user(username="officer", password=TEST_PASSWORD)
officer.groups.add(roles.sync_roles()["Officer"])
seeded = seed(officer)
print("seeded", seeded)
"""


def main() -> None:
    url = urlparse(os.environ["DATABASE_URL"])
    name = "missions_upgrade_fixture"
    admin = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username]
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "release"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "archive", COMMIT], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        (tree / ".venv").symlink_to(ROOT / ".venv")
        shutil.copy(ROOT / "tests" / "ops" / "seed.py", tree / "tests" / "ops_seed.py")
        (tree / "tests" / "ops").mkdir(exist_ok=True)
        (tree / "tests" / "ops" / "__init__.py").touch()
        shutil.move(tree / "tests" / "ops_seed.py", tree / "tests" / "ops" / "seed.py")
        subprocess.run(["dropdb", *admin, "--if-exists", name], check=True)
        subprocess.run(["createdb", *admin, name], check=True)
        env = dict(
            os.environ,
            DATABASE_URL=url._replace(path=f"/{name}").geturl(),
            MISSIONS_VAR_DIR=str(Path(folder) / "var"),
        )
        python = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=tree, env=env, check=True)
        subprocess.run([python, "manage.py", "shell", "-c", SEED], cwd=tree, env=env, check=True)
        dump = subprocess.run(
            ["pg_dump", *admin, "--inserts", "--no-owner", "--no-privileges", name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        OUT.write_text(dump)
        subprocess.run(["dropdb", *admin, name], check=True)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) from {COMMIT}")


if __name__ == "__main__":
    main()
