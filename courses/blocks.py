"""StreamField blocks for lessons and information material."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtailmedia.blocks import VideoChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]


class ImageWithAltBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        help_text=_(
            "Describe what the image shows for people who cannot see it. Required."
        ),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    """A self-hosted video. Captions (WebVTT) and a transcript are required
    (WCAG 1.2.2 and 1.2.3): a video without them cannot be published."""

    video = VideoChooserBlock(label=_("Video file"))
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    captions = DocumentChooserBlock(
        label=_("Captions (WebVTT)"),
        help_text=_("Upload the captions as a .vtt document and choose it here."),
    )
    captions_language = blocks.ChoiceBlock(
        label=_("Captions language"),
        choices=[("sv", _("Swedish")), ("en", _("English"))],
        default="sv",
    )
    transcript = blocks.RichTextBlock(
        label=_("Transcript"),
        features=["bold", "italic", "ol", "ul"],
        help_text=_("Everything that is said and shown in the video, as text."),
    )

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"

    def clean(self, value):
        cleaned = super().clean(value)
        errors = {}
        captions = cleaned.get("captions")
        if captions and not captions.file.name.lower().endswith(".vtt"):
            errors["captions"] = ValidationError(
                _("Captions must be a WebVTT file (.vtt).")
            )
        video = cleaned.get("video")
        if video and getattr(video, "type", "video") != "video":
            errors["video"] = ValidationError(_("Choose a video file."))
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return cleaned


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    description = blocks.CharBlock(
        label=_("Description"), required=False, max_length=250
    )

    class Meta:
        icon = "doc-full"
        label = _("Document download")
        template = "courses/blocks/document.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[("info", _("Information")), ("warning", _("Warning"))],
        default="info",
    )
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.RichTextBlock(
        label=_("Text"), features=["bold", "italic", "link", "ul"]
    )

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "courses/blocks/callout.html"


class ExpandableBlock(blocks.StructBlock):
    summary = blocks.CharBlock(label=_("Heading"), max_length=200)
    content = blocks.RichTextBlock(label=_("Content"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "collapse-down"
        label = _("Expandable section")
        template = "courses/blocks/expandable.html"


def list_item_char_block(label, **kwargs):
    """A CharBlock for the items of a ListBlock. Wagtail's editor writes no
    <label> for a list's items (a struct's fields get one), which leaves the
    input unnamed for screen readers (axe: `label`, critical); the input
    carries its name itself. Still a plain CharBlock: the stored data and the
    migrations' block definitions do not change."""
    block = blocks.CharBlock(label=label, **kwargs)
    block.field.widget.attrs["aria-label"] = label
    return block


class KeyPointsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120, default="")
    points = blocks.ListBlock(
        list_item_char_block(_("Point"), max_length=300), label=_("Points"), min_num=1
    )

    class Meta:
        icon = "list-ul"
        label = _("Key points")
        template = "courses/blocks/key_points.html"


class LessonStreamBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)
    image = ImageWithAltBlock()
    video = VideoBlock()
    document = DocumentBlock()
    callout = CalloutBlock()
    expandable = ExpandableBlock()
    key_points = KeyPointsBlock()
