// The site map: country outlines drawn from the platform itself (no tiles), sites grouped by
// the server on a grid that follows the zoom, single sites once few enough are in view.
(function () {
  "use strict";
  var element = document.getElementById("site-map");
  if (!element || !window.L) { return; }
  var status = document.getElementById("site-map-status");
  // On a phone the filters start folded, below the map (casm/fold.js and the style sheet).
  var map = L.map(element, { worldCopyJump: true, minZoom: 2, maxZoom: 16, preferCanvas: true });
  map.attributionControl.addAttribution("Natural Earth");
  var colours = { green: "#2e7d32", yellow: "#b58900", red: "#c62828", blue: "#1565c0" };
  var points = L.layerGroup().addTo(map);
  var outlines = L.layerGroup().addTo(map);
  var request = 0, footprintRequest = 0;
  var footprintZoom = parseInt(element.dataset.footprintZoom || "13", 10);

  fetch(element.dataset.outlines).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      style: function (feature) {
        var mine = feature.properties.alpha3 === element.dataset.country;
        return { color: "#777", weight: mine ? 2 : 0.7, fillColor: mine ? "#fff8e6" : "#eef1f4", fillOpacity: 1 };
      },
      interactive: false
    }).addTo(map);
    layer.bringToBack();
    var fitted = false;
    if (element.dataset.country) {
      layer.eachLayer(function (l) {
        if (l.feature.properties.alpha3 === element.dataset.country) { map.fitBounds(l.getBounds()); fitted = true; }
      });
    }
    if (!fitted) { map.setView([0, 20], 3); }
  });

  function label(text) { var span = document.createElement("span"); span.textContent = text; return span.innerHTML; }
  // A site's name and a link to its page, for a point's or a footprint's popup.
  function sitePopup(p) {
    return "<strong>" + label(p.name) + '</strong><br><a href="' +
      element.dataset.clusters.replace("clusters.json", String(p.id) + "/") + '">' + label(p.code) + "</a>";
  }

  function load() {
    var bounds = map.getBounds();
    var box = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map(function (v) { return v.toFixed(4); });
    var query = element.dataset.query ? element.dataset.query + "&" : "";
    var url = element.dataset.clusters + "?" + query + "zoom=" + map.getZoom() + "&bbox=" + box.join(",");
    var mine = ++request;
    status.textContent = element.dataset.labelLoading;
    fetch(url).then(function (r) { return r.json(); }).then(function (data) {
      if (mine !== request) { return; }
      points.clearLayers();
      data.features.forEach(function (feature) {
        var c = feature.geometry.coordinates, p = feature.properties, marker;
        if (p.count) {
          var size = Math.round(22 + Math.min(30, Math.sqrt(p.count) * 1.2));
          marker = L.marker([c[1], c[0]], {
            icon: L.divIcon({ className: "cluster", html: String(p.count), iconSize: [size, size] }),
            title: p.count + " " + element.dataset.labelSites, keyboard: true
          });
          marker.on("click", function () { map.setView([c[1], c[0]], Math.min(map.getZoom() + 2, 16)); });
        } else {
          marker = L.circleMarker([c[1], c[0]], { radius: 5, color: "#333", weight: 1, fillColor: colours[p.certification_status] || "#c2572b", fillOpacity: 0.9 });
          marker.bindPopup(sitePopup(p));
        }
        points.addLayer(marker);
      });
      status.textContent = element.dataset.labelInView.replace("%s", data.total);
      element.dataset.drawn = "1";
    }).catch(function () {
      if (mine === request) { status.textContent = element.dataset.labelFailed; }
    });
  }
  // Footprints are a few hundred metres across: drawn once the map is close enough to see them.
  function loadFootprints() {
    var mine = ++footprintRequest;
    if (map.getZoom() < footprintZoom) { outlines.clearLayers(); return; }
    var bounds = map.getBounds();
    var box = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map(function (v) { return v.toFixed(4); });
    var query = element.dataset.query ? element.dataset.query + "&" : "";
    fetch(element.dataset.footprints + "?" + query + "bbox=" + box.join(",")).then(function (r) { return r.json(); }).then(function (data) {
      if (mine !== footprintRequest) { return; }
      outlines.clearLayers();
      L.geoJSON(data, {
        style: { color: "#8a3b1c", weight: 2, fillColor: "#c2572b", fillOpacity: 0.25 },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          layer.bindPopup(sitePopup(p));
        }
      }).addTo(outlines);
      element.dataset.footprintsDrawn = String(data.features.length);
    }).catch(function () { /* the points stay; the outlines come with the next move */ });
  }
  map.on("moveend", load);
  map.on("moveend", loadFootprints);
})();
