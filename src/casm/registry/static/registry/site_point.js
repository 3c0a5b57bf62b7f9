// A small map of one site over the country outlines (no tiles).
(function () {
  "use strict";
  var element = document.getElementById("site-point");
  if (!element || !window.L) { return; }
  var point = JSON.parse(element.dataset.point);
  var map = L.map(element, { zoomControl: true, attributionControl: false }).setView(point, 7);
  fetch(element.dataset.outlines).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, { style: { color: "#777", weight: 0.8, fillColor: "#eef1f4", fillOpacity: 1 }, interactive: false }).addTo(map).bringToBack();
  });
  L.circleMarker(point, { radius: 7, color: "#333", fillColor: "#c2572b", fillOpacity: 0.9 }).addTo(map);
})();
