// The project form's map: a click on a district sets the longitude and latitude fields (the
// inverse of parks.geo's projection, whose parameters the SVG carries as data attributes).
(function () {
  "use strict";
  var svg = document.querySelector(".mappick svg.citymap");
  var lon = document.getElementById("id_longitude"), lat = document.getElementById("id_latitude");
  if (!svg || !lon || !lat) return;
  var p = {};
  ["lon0", "latTop", "kx", "k", "x0", "y0"].forEach(function (key) { p[key] = parseFloat(svg.dataset[key]); });
  var ns = "http://www.w3.org/2000/svg";
  var mark = document.createElementNS(ns, "circle");
  mark.setAttribute("r", "7");
  mark.setAttribute("class", "pick");
  function place() {
    var lo = parseFloat(lon.value), la = parseFloat(lat.value);
    if (isNaN(lo) || isNaN(la)) { if (mark.parentNode) mark.parentNode.removeChild(mark); return; }
    mark.setAttribute("cx", p.x0 + (lo - p.lon0) * p.kx * p.k);
    mark.setAttribute("cy", p.y0 + (p.latTop - la) * p.k);
    svg.appendChild(mark);
  }
  svg.addEventListener("click", function (ev) {
    var pt = svg.createSVGPoint();
    pt.x = ev.clientX; pt.y = ev.clientY;
    var m = pt.matrixTransform(svg.getScreenCTM().inverse());
    lon.value = (p.lon0 + (m.x - p.x0) / (p.kx * p.k)).toFixed(6);
    lat.value = (p.latTop - (m.y - p.y0) / p.k).toFixed(6);
    lon.dispatchEvent(new Event("change", { bubbles: true }));
    lat.dispatchEvent(new Event("change", { bubbles: true }));
    place();
  });
  lon.addEventListener("change", place);
  lat.addEventListener("change", place);
  place();
})();
