// The review page: "select all" for the approve checkboxes (CSP: script-src 'self').
(function () {
  var all = document.getElementById("check-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
  });
})();
