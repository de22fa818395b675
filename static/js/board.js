// The print button of the wall chart's print view (the page's print stylesheet fits A3 landscape).
(function () {
  "use strict";
  var btn = document.getElementById("print-btn");
  if (btn) btn.addEventListener("click", function () { window.print(); });
})();
