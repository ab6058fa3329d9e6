// The HR import's "checking your file…" and "applying your file…" pages: ask
// every few seconds whether the worker's dry run (or apply) is done, and show
// it when it is (a reload, which the server answers with the dry run page or
// the outcome). Without this script the page's
// link does the same by hand.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var url = script.getAttribute("data-status-url");
  var seconds = parseInt(script.getAttribute("data-poll-seconds"), 10) || 3;
  if (!url) return;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { ready: true }; })
      .then(function (status) {
        if (status.ready) {
          window.location.reload();
        } else {
          window.setTimeout(poll, seconds * 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, seconds * 1000); });
  }
  window.setTimeout(poll, seconds * 1000);
})();
