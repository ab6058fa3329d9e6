"""The admin's help menu has no link to Wagtail's release notes (off-site,
and labelled in whichever language asked first)."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home")]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_help_menu_has_no_wagtail_release_notes(client, admin_user, language):
    client.force_login(admin_user)
    client.cookies["django_language"] = language
    page = client.get("/admin/").content.decode()
    # The help menu is still there (its keyboard shortcuts item)...
    assert "keyboard-shortcuts" in page or "Kortkommandon" in page
    # ...without the release notes, in either language.
    assert "whats-new-in-wagtail" not in page
    assert "What's new in Wagtail" not in page and "Vad är nytt" not in page
