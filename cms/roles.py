"""The platform's roles as Django groups, created idempotently.

HR authors (``HR-redaktörer``) author and publish courses, lessons, quizzes
and information material, manage images, documents and video, grant quiz
time accommodations and revoke certificates (with a reason); they cannot
administer the site (no users, groups, sites or settings). Wagtail's own
"Moderators" group and its default "Moderators approval" workflow remain
available for review before publishing.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from courses.models import CourseIndexPage
from learners.actions.history import hr_records_collection

HR_AUTHORS = "HR-redaktörer"

PAGE_PERMISSIONS = [
    "add_page",
    "change_page",
    "publish_page",
    "lock_page",
    "unlock_page",
]
COLLECTION_PERMISSIONS = {
    ("wagtailimages", "image"): ["add", "change", "choose"],
    ("wagtaildocs", "document"): ["add", "change", "choose"],
    # wagtailmedia has no "choose" permission; "add" lets the chooser list media.
    ("wagtailmedia", "media"): ["add", "change"],
}
MODEL_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("courses", "add_category"),
    ("courses", "change_category"),
    ("courses", "delete_category"),
    ("courses", "view_category"),
    ("learners", "add_quizaccommodation"),
    ("learners", "change_quizaccommodation"),
    ("learners", "delete_quizaccommodation"),
    ("learners", "view_quizaccommodation"),
    ("learners", "revoke_certificate"),
]


@transaction.atomic
def ensure_hr_author_group() -> Group:
    group, _created = Group.objects.get_or_create(name=HR_AUTHORS)
    for app_label, codename in MODEL_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    # Page permissions on the catalogue(s) only: HR authors courses and
    # information material, not the home page or the accessibility statement.
    for catalogue in CourseIndexPage.objects.all():
        for codename in PAGE_PERMISSIONS:
            permission = Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            )
            GroupPagePermission.objects.get_or_create(
                group=group, page=catalogue, permission=permission
            )
    material = course_material_collection()
    for (app_label, model), actions in COLLECTION_PERMISSIONS.items():
        for action in actions:
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=f"{action}_{model}"
            )
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=material, permission=permission
            )
    return group


COURSE_MATERIAL = "Kursmaterial"


def course_material_collection():
    """The collection HR authors work in: the images, documents and video of
    courses and information material. A child of the root beside the HR
    records (learners' "HR-handlingar"), never above them: a permission on a
    collection reaches its children, and the root's would reach people's
    records."""
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=COURSE_MATERIAL).first()
    return collection or root.add_child(name=COURSE_MATERIAL)


HR_ADMINISTRATORS = "HR-administratörer"

HR_ADMIN_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    # The HR import (units and staff).
    ("organisation", "add_staffprofile"),
    ("organisation", "change_staffprofile"),
    ("organisation", "view_staffprofile"),
    # Delegations of units to deputies and assistants.
    ("organisation", "add_unitdelegation"),
    ("organisation", "change_unitdelegation"),
    ("organisation", "delete_unitdelegation"),
    ("organisation", "view_unitdelegation"),
    # Completions from before go-live or done elsewhere.
    ("learners", "record_completion"),
    # The audit log, read only.
    ("organisation", "view_auditevent"),
    # Sign-in lockouts (django-axes' failed attempts): see them and lift one.
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
    ("learners", "revoke_certificate"),
    ("learners", "add_quizaccommodation"),
    ("learners", "change_quizaccommodation"),
    ("learners", "delete_quizaccommodation"),
    ("learners", "view_quizaccommodation"),
    # Mandatory training: rules, exemptions, retakes. A coordinator's rules
    # are limited to their administration (assignments.admin_views.rule_scope).
    ("assignments", "add_assignmentrule"),
    ("assignments", "change_assignmentrule"),
    ("assignments", "delete_assignmentrule"),
    ("assignments", "view_assignmentrule"),
    ("assignments", "add_exemption"),
    ("assignments", "change_exemption"),
    ("assignments", "delete_exemption"),
    ("assignments", "view_exemption"),
    ("assignments", "require_retake"),
    # Reminders: the delivery log (read only) and the reminder policy.
    ("notifications", "view_notification"),
    # Messages given up: told about them, and send them again.
    ("notifications", "resend_notification"),
    ("reminders", "view_notificationitem"),
    ("reminders", "change_reminderpolicy"),
    # Reports: goals and what managers may see.
    ("reports", "add_reportgoal"),
    ("reports", "change_reportgoal"),
    ("reports", "delete_reportgoal"),
    ("reports", "view_reportgoal"),
    ("reports", "change_reportsettings"),
]


@transaction.atomic
def ensure_hr_admin_group() -> Group:
    """Central HR in the admin: imports staff, delegates units, reads the audit
    log, revokes certificates and grants accommodations. No page authoring and
    no site administration (users, groups, sites, settings)."""
    group, _created = Group.objects.get_or_create(name=HR_ADMINISTRATORS)
    for app_label, codename in HR_ADMIN_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    # Attachments to people's records are served to the groups that may
    # record completions: this one, also for any stored before it was set up.
    hr_records_collection()
    return group
