// Keeps the session of a person at work on this page alive (a running quiz,
// a SCORM attempt): a small POST every few minutes, which the server counts
// as activity. Pages where nobody works (My learning, reports) have no such
// script, so a shared computer left on them still signs out after the idle
// time. The absolute lifetime of a session ends it whatever this does.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var url = script.getAttribute("data-keep-alive-url");
  var seconds = parseInt(script.getAttribute("data-keep-alive-seconds"), 10) || 300;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!url || !csrf) return;
  window.setInterval(function () {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf.value);
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .catch(function () {});
  }, seconds * 1000);
})();
