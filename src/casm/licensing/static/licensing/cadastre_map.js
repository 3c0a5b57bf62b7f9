// The cadastre's map: the shapes in view are asked for each time the map stops moving, simplified
// by the server to the zoom, so that a national cadastre never travels whole. Outlines only, no
// tiles (nothing from the internet).
(function () {
  "use strict";
  var element = document.getElementById("cadastre-map");
  if (!element || !window.L) { return; }
  var status = document.getElementById("cadastre-map-status");
  var kind = document.getElementById("cadastre-kind");
  var COLOURS = { title: "#7a4a00", asm_zone: "#1e6b30", protected: "#0b57a4", restriction: "#a1261c" };
  var map = L.map(element, { attributionControl: false }).setView([-2.5, 23.5], 5);
  var shapes = L.geoJSON(null, {
    style: function (feature) {
      return { color: COLOURS[feature.properties.kind] || "#333", weight: 1, fillOpacity: 0.25 };
    },
    onEachFeature: function (feature, layer) {
      var p = feature.properties;
      var text = [p.code, p.type, p.holder, p.status].filter(Boolean).join(" · ");
      layer.bindTooltip(text);
    }
  }).addTo(map);
  var asked = 0;

  function say(text) { if (status) { status.textContent = text; } }

  function load() {
    var b = map.getBounds();
    var box = [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()),
               Math.min(180, b.getEast()), Math.min(90, b.getNorth())].map(function (v) { return v.toFixed(4); });
    var url = element.dataset.shapes + "?bbox=" + box.join(",") + (kind && kind.value ? "&kind=" + encodeURIComponent(kind.value) : "");
    var mine = ++asked;
    say(element.dataset.labelLoading);
    fetch(url).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (data) {
      if (mine !== asked) { return; }
      shapes.clearLayers();
      shapes.addData(data);
      var shown = String(data.features.length);
      say(data.truncated
        ? element.dataset.labelTruncated.replace("%s", shown).replace("%s", String(data.matched))
        : element.dataset.labelShown.replace("%s", shown));
      element.dataset.shown = shown;
      element.dataset.drawn = "1";
    }).catch(function () { if (mine === asked) { say(element.dataset.labelFailed); } });
  }

  fetch(element.dataset.outlines).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, { style: { color: "#888", weight: 1, fillOpacity: 0 }, interactive: false }).addTo(map);
    shapes.bringToFront();
  }).catch(function () { /* the shapes still show without the background */ });
  map.on("moveend", load);
  if (kind) { kind.addEventListener("change", load); }
  load();
})();
