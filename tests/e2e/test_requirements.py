"""requirements.txt alone runs the service: a clean virtualenv, manage.py check and a worker start."""

import subprocess

import pytest

from tests.support.processes import ROOT

pytestmark = pytest.mark.e2e


def test_a_clean_virtualenv_from_requirements_txt_checks_and_starts_a_worker() -> None:
    # given / when: scripts/check_requirements.sh builds a venv without system site-packages,
    # installs requirements.txt only, imports every third-party module the service imports,
    # runs manage.py check and starts a Celery worker with the embedded settings.
    result = subprocess.run(
        [str(ROOT / "scripts" / "check_requirements.sh")], cwd=ROOT, capture_output=True, text=True, timeout=300
    )

    # then
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    assert "System check identified no issues" in result.stdout
    assert "a Celery worker start all succeed" in result.stdout
