// Records where the learner is in a lesson (scroll position) and the time spent,
// so that "Resume" can bring them back. Progress only moves forward on the server.
(function () {
  "use strict";
  var article = document.querySelector("[data-progress-url]");
  if (!article) return;
  var url = article.getAttribute("data-progress-url");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var lastSent = Date.now();
  var maxPercent = 0;

  function percentScrolled() {
    var body = article.getBoundingClientRect();
    var seen = window.innerHeight - body.top;
    var percent = Math.round((100 * seen) / Math.max(body.height, 1));
    return Math.max(0, Math.min(100, percent));
  }

  function send(useBeacon) {
    if (!csrf) return;
    var now = Date.now();
    var seconds = Math.round((now - lastSent) / 1000);
    lastSent = now;
    var position = percentScrolled();
    maxPercent = Math.max(maxPercent, position);
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf.value);
    data.append("position", String(position));
    data.append("progress", String(maxPercent));
    data.append("seconds", String(Math.min(seconds, 300)));
    if (useBeacon && navigator.sendBeacon) {
      navigator.sendBeacon(url, data);
      return;
    }
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).catch(function () {});
  }

  window.addEventListener("scroll", function () {
    maxPercent = Math.max(maxPercent, percentScrolled());
  }, { passive: true });
  window.setInterval(function () {
    if (document.visibilityState === "visible") send(false);
  }, 30000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") send(true);
  });

  var resume = document.querySelector("[data-resume]");
  var saved = parseInt(article.getAttribute("data-last-position"), 10) || 0;
  if (resume && saved > 0) {
    resume.hidden = false;
    resume.addEventListener("click", function () {
      var rect = article.getBoundingClientRect();
      var target = window.scrollY + rect.top + (rect.height * saved) / 100 - window.innerHeight;
      window.scrollTo({ top: Math.max(0, target) });
      resume.hidden = true;
    });
  }
})();
