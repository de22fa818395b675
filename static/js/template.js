// Fills the milestone rows from a countdown template (倒排工期) before saving, so the dates can
// be checked and adjusted; the server computes them (projects:template_preview).
(function () {
  "use strict";
  var btn = document.getElementById("tpl-preview");
  if (!btn) return;
  var msg = document.getElementById("tpl-msg");
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#ms-table tbody tr")); }
  function field(row, suffix) { return row.querySelector("[name$='-" + suffix + "']"); }
  btn.addEventListener("click", function () {
    var template = document.getElementById("id_template").value;
    var target = document.getElementById("id_template_target").value;
    var url = btn.getAttribute("data-url") + "?template=" + encodeURIComponent(template) + "&target=" + encodeURIComponent(target);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (res) {
        if (!res.ok) { msg.textContent = res.data.error; msg.className = "errors"; return; }
        var filled = 0;
        res.data.items.forEach(function (item) {
          var row = rows().filter(function (r) {
            var kind = field(r, "kind");
            return kind && kind.value === item.kind && (item.kind !== "other" || field(r, "name").value === item.name);
          })[0];
          if (!row) row = rows().filter(function (r) { var k = field(r, "kind"); return k && !k.value; })[0];
          if (!row) {
            document.querySelector("button.addrow[data-target='ms']").click();
            var all = rows();
            row = all[all.length - 1];
          }
          field(row, "kind").value = item.kind;
          field(row, "name").value = item.name;
          field(row, "planned_date").value = item.planned_date;
          filled += 1;
        });
        // The rows now carry the dates: saving must not apply the template a second time.
        document.getElementById("id_template").value = "";
        msg.className = "ok";
        msg.textContent = msg.getAttribute("data-done").replace("{n}", String(filled));
      })
      .catch(function () { msg.className = "errors"; msg.textContent = msg.getAttribute("data-failed"); });
  });
})();
