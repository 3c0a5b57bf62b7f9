// The site form's map: a click sets the latitude and longitude; typing them moves the point.
// It draws the country outlines only (no tiles: nothing from the internet), and zooms to the
// country chosen in the form. Without JavaScript the form works as before, by typing.
(function () {
  "use strict";
  var element = document.getElementById("point-picker");
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  if (!element || !window.L || !latitude || !longitude) { return; }
  var country = document.getElementById("id_country");
  // The map sits right after the longitude, where the point is typed.
  var figure = element.closest("figure");
  var field = longitude.closest(".field");
  if (figure && field) { field.after(figure); }
  var codes = JSON.parse(element.dataset.countries || "{}");
  var map = L.map(element, { attributionControl: false }).setView([5, 20], 2);
  var outlines = null;
  var marker = null;

  function number(input) {
    var text = (input.value || "").trim().replace(",", ".");
    var value = text === "" ? NaN : Number(text);
    return isFinite(value) ? value : null;
  }

  function place() {
    var lat = number(latitude), lon = number(longitude);
    if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      if (marker) { map.removeLayer(marker); marker = null; }
      element.dataset.placed = "";
      return false;
    }
    if (marker) {
      marker.setLatLng([lat, lon]);
    } else {
      marker = L.circleMarker([lat, lon], { radius: 7, color: "#333", fillColor: "#c2572b", fillOpacity: 0.9 }).addTo(map);
    }
    element.dataset.placed = lat.toFixed(6) + "," + lon.toFixed(6);
    return true;
  }

  function showCountry() {
    if (!outlines || !country) { return false; }
    var alpha3 = codes[country.value];
    var found = null;
    outlines.eachLayer(function (layer) {
      if (layer.feature && layer.feature.properties.alpha3 === alpha3) { found = layer; }
    });
    if (found) { map.fitBounds(found.getBounds(), { padding: [10, 10] }); }
    return !!found;
  }

  map.on("click", function (event) {
    var point = event.latlng.wrap();
    latitude.value = point.lat.toFixed(6);
    longitude.value = point.lng.toFixed(6);
    [latitude, longitude].forEach(function (input) {
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    place();
  });
  [latitude, longitude].forEach(function (input) {
    input.addEventListener("input", function () {
      if (place()) { map.panTo(marker.getLatLng()); }
    });
  });
  if (country) { country.addEventListener("change", showCountry); }

  fetch(element.dataset.outlines).then(function (r) { return r.json(); }).then(function (data) {
    outlines = L.geoJSON(data, {
      style: { color: "#777", weight: 0.8, fillColor: "#eef1f4", fillOpacity: 1 }, interactive: false
    }).addTo(map).bringToBack();
    if (place()) {
      map.setView(marker.getLatLng(), 8);
    } else {
      showCountry();
    }
    element.dataset.ready = "1";
  });
})();
