// Wagtail's rich text editor (Draftail) draws an editable area with
// role="textbox" but no name: its <label> points at the hidden input that
// holds the value, so a screen reader announces "edit text" and nothing else
// (axe: aria-input-field-name, WCAG 4.1.2). Name each area by its field's
// label, also for editors added later (a new StreamField block).
(function () {
    "use strict";
    var counter = 0;

    // The label of the field the area belongs to: Wagtail writes it beside
    // the field, in the field's wrapper. A rich text block straight in a
    // StreamField has no label but its block's heading ("Text").
    function labelFor(area) {
        var wrapper = area.closest("[data-field-wrapper], .w-field__wrapper");
        var label = wrapper && wrapper.querySelector("label.w-field__label, .w-field__label");
        if (label && label.textContent.trim()) {
            return label;
        }
        // A rich text field straight in a tab: Wagtail writes its label in
        // the panel's heading, outside the wrapper, for the hidden input.
        var input = wrapper && wrapper.querySelector("input[id]");
        label = input && document.querySelector('label[for="' + CSS.escape(input.id) + '"]');
        if (label && label.textContent.trim()) {
            return label;
        }
        var block = area.closest("[data-streamfield-child], .c-sf-container__block-container, .c-sf-block");
        var heading = block && block.querySelector(".c-sf-block__type");
        if (heading && heading.textContent.trim()) {
            return heading;
        }
        return null;
    }

    function nameAreas(root) {
        root.querySelectorAll(".public-DraftEditor-content[role=textbox]").forEach(function (area) {
            if (area.getAttribute("aria-label") || area.getAttribute("aria-labelledby")) {
                return;
            }
            var label = labelFor(area);
            if (!label) {
                return;
            }
            if (!label.id) {
                counter += 1;
                label.id = "kompetens-rich-text-label-" + counter;
            }
            area.setAttribute("aria-labelledby", label.id);
        });
    }

    function start() {
        nameAreas(document);
        new MutationObserver(function () {
            nameAreas(document);
        }).observe(document.body, { childList: true, subtree: true });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
