"""Production refuses to start without its secrets; HR authors do not administer."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from cms.roles import HR_AUTHORS, ensure_hr_author_group
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def run_check(env):
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
    }
    clean_env.update(env, DJANGO_SETTINGS_MODULE="cms.settings.production")
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "CRITICAL"],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_secrets():
    result = run_check({})
    assert result.returncode != 0
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert name in result.stderr


def test_production_starts_with_its_secrets():
    result = run_check(
        {
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "kompetens.example.se",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/kompetens",
            "REDIS_URL": "redis://127.0.0.1:6379/15",
        }
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def hr_author(catalogue):
    user = UserFactory(username="helena")
    user.groups.add(ensure_hr_author_group())
    return user


@pytest.mark.django_db
def test_role_setup_is_idempotent():
    first = ensure_hr_author_group()
    count = first.permissions.count(), first.page_permissions.count()
    second = ensure_hr_author_group()
    assert first.pk == second.pk
    assert (second.permissions.count(), second.page_permissions.count()) == count
    assert second.name == HR_AUTHORS


@pytest.mark.django_db
def test_hr_author_can_author_pages_but_not_administer(client, hr_author, course):
    client.force_login(hr_author)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    add_lesson = reverse(
        "wagtailadmin_pages:add", args=("courses", "lessonpage", course.pk)
    )
    assert client.get(add_lesson).status_code == 200
    assert (
        client.get(reverse("wagtailadmin_pages:edit", args=(course.pk,))).status_code
        == 200
    )
    for name in (
        "wagtailusers_users:index",
        "wagtailusers_groups:index",
        "wagtailsites:index",
    ):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403), name
        if response.status_code == 302:
            assert response["Location"] != reverse(name)
    assert hr_author.has_perm("wagtailadmin.access_admin")
    assert not hr_author.is_superuser


@pytest.mark.django_db
def test_learner_cannot_enter_the_admin(client, learner):
    client.force_login(learner)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.django_db
def test_hr_authors_edit_the_catalogue_but_not_the_home_page(
    client, home, catalogue, course
):
    hr = UserFactory()
    hr.groups.add(ensure_hr_author_group())
    client.force_login(hr)
    assert (
        client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).status_code
        == 200
    )
    for page in (home, catalogue.get_parent()):
        response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        assert response.status_code == 302, page
    response = client.post(reverse("wagtailadmin_pages:unpublish", args=[home.pk]))
    home.refresh_from_db()
    assert home.live
