"""Form fields for choosing people and units, shared by the admin views: the
choosers of `organisation.choosers`, limited to a scope."""

from .choosers import PersonChoiceField, UnitChoiceField


def person_field(label, *, own=False, required=True):
    """A person chosen with the person chooser (by name, employee number or
    unit): nobody until `limit_to_scope`. `own`: the chooser lists the
    asker's scope without the units delegated to them."""
    return PersonChoiceField(label, own=own, required=required)


def unit_field(label, *, own=False, required=True, help_text=""):
    """A unit chosen with the unit chooser: none until `limit_to_scope`."""
    return UnitChoiceField(label, own=own, required=required, help_text=help_text)


def limit_to_scope(field, scope, keep=None):
    """Let a person or unit field take only the choices of `scope` (an
    `organisation.scope.Scope`), and `keep` (an id already chosen, kept on an
    edit). A value outside is a form error saying so, and nothing is saved;
    the form shows nothing of whom or what it names."""
    field.limit_to(scope, keep=keep)
