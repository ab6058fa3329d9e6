"""Question blocks for quizzes.

Every question and every option has a stable id (Wagtail's block ids), which is
what attempts record. Which options are correct lives only here, on the server.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from .blocks import list_item_char_block

PROMPT_FEATURES = ["bold", "italic"]
EXPLANATION_FEATURES = ["bold", "italic", "link", "ul"]


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Answer option"), max_length=300)
    correct = blocks.BooleanBlock(label=_("Correct"), required=False)
    feedback = blocks.CharBlock(
        label=_("Feedback"),
        required=False,
        max_length=500,
        help_text=_("Shown after submission to a learner who chose this option."),
    )

    class Meta:
        icon = "radio-full"
        label = _("Option")


class BaseQuestionBlock(blocks.StructBlock):
    prompt = blocks.RichTextBlock(label=_("Question"), features=PROMPT_FEATURES)
    explanation = blocks.RichTextBlock(
        label=_("Explanation"),
        required=False,
        features=EXPLANATION_FEATURES,
        help_text=_("Why the right answer is right; shown after submission."),
    )


class SingleChoiceBlock(BaseQuestionBlock):
    options = blocks.ListBlock(OptionBlock(), label=_("Options"), min_num=2, max_num=10)

    class Meta:
        icon = "radio-full"
        label = _("Single choice")

    def clean(self, value):
        cleaned = super().clean(value)
        if sum(bool(option["correct"]) for option in cleaned["options"]) != 1:
            raise StructBlockValidationError(
                block_errors={
                    "options": ValidationError(_("Mark exactly one option as correct."))
                }
            )
        return cleaned


class MultipleChoiceBlock(BaseQuestionBlock):
    options = blocks.ListBlock(OptionBlock(), label=_("Options"), min_num=2, max_num=10)

    class Meta:
        icon = "tasks"
        label = _("Multiple choice")

    def clean(self, value):
        cleaned = super().clean(value)
        if not any(option["correct"] for option in cleaned["options"]):
            raise StructBlockValidationError(
                block_errors={
                    "options": ValidationError(
                        _("Mark at least one option as correct.")
                    )
                }
            )
        return cleaned


class TrueFalseBlock(BaseQuestionBlock):
    correct_answer = blocks.ChoiceBlock(
        label=_("Correct answer"),
        choices=[("true", _("True")), ("false", _("False"))],
    )
    feedback_true = blocks.CharBlock(
        label=_("Feedback for “true”"), required=False, max_length=500
    )
    feedback_false = blocks.CharBlock(
        label=_("Feedback for “false”"), required=False, max_length=500
    )

    class Meta:
        icon = "tick"
        label = _("True or false")


class PairBlock(blocks.StructBlock):
    item = blocks.CharBlock(label=_("Item"), max_length=200)
    match = blocks.CharBlock(label=_("Matches"), max_length=200)

    class Meta:
        icon = "link"
        label = _("Pair")


class MatchingBlock(BaseQuestionBlock):
    """Learners choose a match for each item from a list (no dragging)."""

    pairs = blocks.ListBlock(PairBlock(), label=_("Pairs"), min_num=2, max_num=10)

    class Meta:
        icon = "link"
        label = _("Matching")

    def clean(self, value):
        cleaned = super().clean(value)
        matches = [pair["match"].strip().lower() for pair in cleaned["pairs"]]
        if len(set(matches)) != len(matches):
            raise StructBlockValidationError(
                block_errors={
                    "pairs": ValidationError(_("Each match must be different."))
                }
            )
        return cleaned


class OrderingBlock(BaseQuestionBlock):
    """Learners give each item its position (no dragging)."""

    items = blocks.ListBlock(
        # The input names itself: Wagtail gives a list's items no <label>.
        list_item_char_block(_("Item"), max_length=200),
        label=_("Items in the correct order"),
        # Shown out of order, two items would give the answer away.
        min_num=3,
        max_num=10,
    )

    class Meta:
        icon = "order"
        label = _("Ordering")


class QuestionStreamBlock(blocks.StreamBlock):
    single_choice = SingleChoiceBlock()
    multiple_choice = MultipleChoiceBlock()
    true_false = TrueFalseBlock()
    matching = MatchingBlock()
    ordering = OrderingBlock()

    class Meta:
        min_num = 1
