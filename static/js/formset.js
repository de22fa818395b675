// Adds a row to an inline formset from its <template id="<prefix>-empty">; no library needed.
(function () {
  "use strict";
  document.querySelectorAll("button.addrow").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var prefix = btn.getAttribute("data-target");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var tpl = document.getElementById(prefix + "-empty");
      var tbody = document.querySelector("#" + prefix + "-table tbody");
      var index = parseInt(total.value, 10);
      var html = tpl.innerHTML.replace(/__prefix__/g, String(index));
      tbody.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  });
})();
