// Several people or units in one form field (organisation/multiple_choosers.py).
// "Add" opens the person or unit chooser with several at once (?multiple=1);
// what comes back is added to the list, each one once. "Remove" takes one off.
// The chosen ones are hidden inputs in the list, so the form posts what it
// shows. Keyboard: the modal gives the focus back to "Add" when it closes;
// after a removal the focus goes to the next "Remove" (or the previous one,
// or "Add"), never to the top of the page. The status line tells a screen
// reader what was added or removed. The texts come translated from the page.
(function () {
    "use strict";

    function setUp(root) {
        if (root.dataset.multipleChooserReady) {
            return;
        }
        root.dataset.multipleChooserReady = "true";
        var list = root.querySelector("[data-multiple-chooser-list]");
        var empty = root.querySelector("[data-multiple-chooser-empty]");
        var add = root.querySelector("[data-multiple-chooser-add]");
        var status = root.querySelector("[data-multiple-chooser-status]");
        var template = root.querySelector("template[data-multiple-chooser-template]");

        function chosenIds() {
            return Array.prototype.map.call(
                list.querySelectorAll("input[type=hidden]"),
                function (input) { return input.value; }
            );
        }

        function refresh() {
            var any = list.querySelector("[data-multiple-chooser-item]") !== null;
            list.hidden = !any;
            empty.hidden = any;
        }

        // Emptied first, so that the same words twice are announced twice.
        function announce(text) {
            status.textContent = "";
            window.setTimeout(function () { status.textContent = text; }, 100);
        }

        function addItem(result) {
            var id = String(result.id);
            if (chosenIds().indexOf(id) !== -1) {
                return false;
            }
            var item = template.content.querySelector("[data-multiple-chooser-item]").cloneNode(true);
            item.querySelector("input[type=hidden]").value = id;
            item.querySelector("[data-multiple-chooser-title]").textContent = result.title;
            item.querySelector("[data-multiple-chooser-remove-title]").textContent = " " + result.title;
            list.appendChild(item);
            return true;
        }

        list.addEventListener("click", function (event) {
            var button = event.target.closest("[data-multiple-chooser-remove]");
            if (!button) {
                return;
            }
            var item = button.closest("[data-multiple-chooser-item]");
            var next = item.nextElementSibling || item.previousElementSibling;
            var title = item.querySelector("[data-multiple-chooser-title]").textContent;
            item.remove();
            refresh();
            (next ? next.querySelector("[data-multiple-chooser-remove]") : add).focus();
            announce(root.dataset.removedText.replace("%s", title));
        });

        add.addEventListener("click", function () {
            window.ModalWorkflow({
                url: root.dataset.chooserUrl,
                urlParams: { multiple: 1 },
                triggerElement: add,
                onload: window.CHOOSER_MODAL_ONLOAD_HANDLERS,
                responses: {
                    chosen: function (result) {
                        var results = Array.isArray(result) ? result : [result];
                        var added = results.filter(addItem).map(function (r) { return r.title; });
                        refresh();
                        announce(
                            added.length
                                ? root.dataset.addedText.replace("%s", added.join(", "))
                                : root.dataset.nothingAddedText
                        );
                    },
                },
            });
        });
        refresh();
    }

    function setUpAll() {
        document.querySelectorAll("[data-multiple-chooser]").forEach(setUp);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setUpAll);
    } else {
        setUpAll();
    }
})();
