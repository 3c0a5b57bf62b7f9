// A small map of one site over the country outlines (no tiles), with its footprint if it has one.
(function () {
  "use strict";
  var element = document.getElementById("site-point");
  if (!element || !window.L) { return; }
  var point = JSON.parse(element.dataset.point);
  var map = L.map(element, { zoomControl: true, attributionControl: false }).setView(point, 7);
  fetch(element.dataset.outlines).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, { style: { color: "#777", weight: 0.8, fillColor: "#eef1f4", fillOpacity: 1 }, interactive: false }).addTo(map).bringToBack();
  });
  if (element.dataset.footprint) {
    // A footprint is a few hundred metres across: the map zooms to it, where it can be seen.
    var footprint = L.geoJSON(JSON.parse(element.dataset.footprint), {
      style: { color: "#8a3b1c", weight: 2, fillColor: "#c2572b", fillOpacity: 0.35 }, interactive: false
    }).addTo(map);
    map.fitBounds(footprint.getBounds(), { maxZoom: 16, padding: [20, 20] });
    element.dataset.footprintDrawn = "1";
  }
  L.circleMarker(point, { radius: 7, color: "#333", fillColor: "#c2572b", fillOpacity: 0.9 }).addTo(map);
})();
