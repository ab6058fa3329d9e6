"""`manage.py check --deploy` under production settings prints no warning:
the security settings (HSTS, secure cookies, HTTPS redirect, nosniff,
frame options) are what production runs with. Two checks are silenced in
cms/settings/production.py, each with its reason; nothing else may be."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def production_check(**extra_env):
    # Only what production needs, not the test run's environment (the browser
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE, which production must never have).
    env = {
        key: os.environ[key]
        for key in ("PATH", "HOME", "LANG", "TMPDIR")
        if key in os.environ
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        # What production refuses to start without (README "Configuration").
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="kompetens.example.se",
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kompetens"
        ),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        **extra_env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = production_check()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    # Only the two checks with a written reason are silenced.
    assert "(2 silenced)" in output, output


def test_check_deploy_fails_when_a_security_setting_is_weakened():
    """The check really runs with production's settings: turning the HTTPS
    redirect and secure cookies off is reported."""
    result = production_check(SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W008" in output
    assert "security.W012" in output


def test_check_deploy_needs_no_silencing_once_hsts_preload_is_decided():
    result = production_check(SECURE_HSTS_PRELOAD="1")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "(1 silenced)" in output, output
