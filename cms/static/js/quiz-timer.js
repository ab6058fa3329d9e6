// The quiz timer: shows the time left, announces it to screen readers at
// 5 minutes and 1 minute (WCAG 2.2.1 warns before time runs out), and submits
// the saved answers when it runs out. The server enforces the deadline anyway.
(function () {
  "use strict";
  var timer = document.querySelector("[data-seconds-left]");
  var form = document.querySelector("[data-quiz-form]");
  if (!timer || !form) return;
  var value = timer.querySelector("[data-timer-value]");
  var announce = timer.querySelector("[data-timer-announce]");
  // Translated through Django's JavaScript catalogue (loaded before this file).
  var gettext = window.gettext || function (text) { return text; };
  var texts = {
    left: gettext("%s minutes left."),
    one: gettext("1 minute left."),
    up: gettext("Time is up. Your answers are being submitted.")
  };
  var endsAt = Date.now() + 1000 * (parseInt(timer.getAttribute("data-seconds-left"), 10) || 0);
  var announced = {};

  function format(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    value.textContent = format(left);
    [5, 1].forEach(function (minutes) {
      if (left <= minutes * 60 && left > 0 && !announced[minutes]) {
        announced[minutes] = true;
        announce.textContent = minutes === 1 ? texts.one : texts.left.replace("%s", minutes);
      }
    });
    if (left === 0) {
      announce.textContent = texts.up;
      var submit = document.createElement("input");
      submit.type = "hidden";
      submit.name = "action";
      submit.value = "submit";
      form.appendChild(submit);
      form.submit();
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
