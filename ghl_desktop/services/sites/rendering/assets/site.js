// Progressive enhancement only: every page works without it.
(function () {
  "use strict";
  // Where the visitor came from, sent with each form (the post's own Referer is this page).
  document.querySelectorAll('input[name="_ref"]').forEach(function (input) {
    input.value = document.referrer || "";
  });
  // One click, one submission: the button stays disabled while the post is on its way.
  document.querySelectorAll("form.site-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector('button[type="submit"]');
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  document.querySelectorAll(".countdown[data-ends-at]").forEach(function (box) {
    var end = Date.parse(box.getAttribute("data-ends-at"));
    var out = box.querySelector(".countdown-time");
    if (isNaN(end) || !out) { return; }
    function tick() {
      var left = Math.floor((end - Date.now()) / 1000);
      if (left <= 0) { out.textContent = box.getAttribute("data-expired-text"); return; }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
      var m = Math.floor(left % 3600 / 60), s = left % 60;
      out.textContent = (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
      setTimeout(tick, 1000);
    }
    tick();
  });
})();
