// 指挥大屏: reload the screen's body (an HTML fragment of the same page) every data-refresh
// seconds, without a full page reload; a failed fetch keeps the figures shown and tries again.
(function () {
  "use strict";
  var box = document.getElementById("screen");
  if (!box) return;
  // The screen is drawn for 1920×1080; a smaller window (a 1366×768 laptop) shows it scaled
  // down whole, never cropped or scrolled sideways.
  function fit() {
    var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080, 1);
    box.style.transformOrigin = "0 0";
    box.style.transform = s < 1 ? "scale(" + s + ")" : "";
    document.body.style.height = s < 1 ? 1080 * s + "px" : "";
    document.body.style.overflow = s < 1 ? "hidden" : "";
  }
  fit();
  window.addEventListener("resize", fit);
  if (!window.fetch) return;
  var seconds = Math.max(parseInt(box.getAttribute("data-refresh"), 10) || 180, 30);
  function refresh() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) { box.innerHTML = html; box.setAttribute("data-refreshed", String(Date.now())); })
      .catch(function () { box.setAttribute("data-refresh-failed", String(Date.now())); })
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }
  window.setTimeout(refresh, seconds * 1000);
})();
