"""Import org units from the HR system's export: a dry run unless --apply."""

from organisation.hr_import import UNITS

from .import_staff import HrImportCommand


class Command(HrImportCommand):
    help = (
        "Import org units from a CSV or XLSX file (docs/hr-import.md). "
        "Prints the dry-run plan; with --apply, applies it all or nothing."
    )
    kind = UNITS
