// The pre-check's maps. The form's map: each click adds a corner ("latitude, longitude") to
// the corners box, or an outline traced by hand replaces them; the polygon follows what the
// box holds, typed, clicked or traced. The result's
// map: the area and the shapes it overlaps, coloured by verdict. Outlines only, no tiles
// (nothing from the internet); without JavaScript the form works by typing or uploading.
(function () {
  "use strict";
  if (!window.L) { return; }
  var COLOURS = { area: "#c2572b", blocks: "#a1261c", decision: "#d6a400", info: "#0b57a4" };

  function outlines(map, url) {
    fetch(url).then(function (r) { return r.json(); }).then(function (data) {
      L.geoJSON(data, { style: { color: "#888", weight: 1, fillOpacity: 0 }, interactive: false }).addTo(map);
    }).catch(function () { /* the map still works without its background */ });
  }

  var result = document.getElementById("screening-map");
  var data = document.getElementById("screening-data");
  if (result && data) {
    var shapes = JSON.parse(data.textContent);
    var resultMap = L.map(result, { attributionControl: false });
    outlines(resultMap, result.dataset.outlines);
    if (shapes && shapes.features) {
      var layer = L.geoJSON(shapes, {
        style: function (feature) {
          var role = feature.properties.role;
          return { color: COLOURS[role] || "#333", weight: role === "area" ? 3 : 1, fillOpacity: role === "area" ? 0.1 : 0.3 };
        },
        onEachFeature: function (feature, shape) {
          if (feature.properties.label) { shape.bindTooltip(feature.properties.label); }
        }
      }).addTo(resultMap);
      resultMap.fitBounds(layer.getBounds(), { padding: [10, 10] });
    }
  }

  var element = document.getElementById("area-picker");
  var corners = document.getElementById("id_corners");
  if (!element || !corners) { return; }
  var map = L.map(element, { attributionControl: false }).setView([0, 20], 3);
  outlines(map, element.dataset.outlines);
  var polygon = null;

  function points() {
    var found = [];
    corners.value.split(/\n/).forEach(function (line) {
      var parts = line.trim().split(/[,;\s]+/);
      if (parts.length !== 2) { return; }
      var lat = Number(parts[0]), lon = Number(parts[1]);
      if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) { found.push([lat, lon]); }
    });
    return found;
  }

  function draw() {
    var found = points();
    if (polygon) { map.removeLayer(polygon); polygon = null; }
    if (found.length) {
      polygon = L.polygon(found, { color: COLOURS.area, weight: 2, fillOpacity: 0.15 }).addTo(map);
    }
    element.dataset.corners = String(found.length);
  }

  function line(latlng) {
    var point = latlng.wrap();
    return point.lat.toFixed(6) + ", " + point.lng.toFixed(6);
  }

  var tracing = false, traced = null, justTraced = false;
  map.on("click", function (event) {
    if (tracing || justTraced) { justTraced = false; return; }
    corners.value = corners.value.replace(/\s+$/, "") + (corners.value.trim() ? "\n" : "") + line(event.latlng);
    draw();
  });

  // Tracing by hand: press, draw the outline, release. The path is thinned to the corners that
  // matter at this zoom (Leaflet's Douglas-Peucker, 3 pixels) and replaces the corners box.
  var trace = document.getElementById("area-trace");
  function tracingSet(on) {
    tracing = on;
    trace.setAttribute("aria-pressed", on ? "true" : "false");
    element.classList.toggle("tracing", on);
    if (on) { map.dragging.disable(); } else { map.dragging.enable(); }
  }
  if (trace && window.PointerEvent) {
    trace.hidden = false;
    trace.addEventListener("click", function () { tracingSet(!tracing); });
    element.addEventListener("pointerdown", function (event) {
      if (!tracing) { return; }
      event.preventDefault();
      element.setPointerCapture(event.pointerId);
      traced = [map.mouseEventToLatLng(event)];
      if (polygon) { map.removeLayer(polygon); }
      polygon = L.polyline(traced, { color: COLOURS.area, weight: 2 }).addTo(map);
    });
    element.addEventListener("pointermove", function (event) {
      if (!tracing || !traced) { return; }
      traced.push(map.mouseEventToLatLng(event));
      polygon.setLatLngs(traced);
    });
    element.addEventListener("pointerup", function () {
      if (!tracing || !traced) { return; }
      var pixels = traced.map(function (latlng) { return map.latLngToLayerPoint(latlng); });
      var kept = L.LineUtil.simplify(pixels, 3).map(function (point) { return map.layerPointToLatLng(point); });
      traced = null;
      justTraced = true;
      tracingSet(false);
      if (kept.length >= 3) { corners.value = kept.map(line).join("\n"); }
      draw();
    });
  }
  corners.addEventListener("input", draw);
  var clear = document.getElementById("area-clear");
  if (clear) { clear.addEventListener("click", function () { corners.value = ""; draw(); }); }
  draw();
  if (polygon) { map.fitBounds(polygon.getBounds(), { padding: [10, 10] }); }
})();
