/* The resident website's one script: the maps (every map's base layer from the tile setting the page's <body>
   names) and "me too". The pages work without it; no inline script anywhere (the CSP forbids it). */
(function () {
  "use strict";
  var DEVICE_KEY = "hromada.device";
  var SUPPORTED_KEY = "hromada.supported";  // the public ids of the reports this browser supports ("My reports")
  var body = document.body.dataset;

  // Every map's base layer: the one tile source the page's <body> names (MAP_TILE_URL, its attribution and deepest
  // zoom; no URL: no base layer), as on the staff pages.
  function newMap(el, options) {
    var maxZoom = parseInt(body.tileMaxZoom, 10) || 19;
    var map = L.map(el, Object.assign({ maxZoom: maxZoom }, options || {}));
    if (body.tileUrl) {
      L.tileLayer(body.tileUrl, { maxZoom: maxZoom, attribution: body.tileAttribution || "" }).addTo(map);
    }
    return map;
  }

  // A report's page: a still map with the point (the address is written beside it).
  function reportMap(el) {
    var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = newMap(el, {
      zoomControl: false, dragging: false, scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false,
      keyboard: false, touchZoom: false, tap: false
    });
    map.setView(point, 17);
    L.circleMarker(point, { radius: 9, color: "#fff", weight: 3, fillColor: "#c75000", fillOpacity: 1,
      interactive: false }).addTo(map);
    el.dataset.ready = "true";
  }

  // The public map: clusters from the public map tiles (/api/v1/map/tiles/{z}/{x}/{y}, cached by the browser with
  // their ETag), one request per tile on screen; a cluster zooms in when selected (click or Enter).
  function publicMap(el) {
    var map = newMap(el);
    var extent = (el.dataset.extent || "").split(",").map(parseFloat);
    if (extent.length === 4 && extent.every(isFinite)) {
      map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
    } else {
      map.fitWorld();
    }
    var label = el.dataset.clusterLabel || "{n}";
    var layers = {};
    var pending = 0;
    var DataTiles = L.GridLayer.extend({
      createTile: function (coords) {
        var key = coords.z + "/" + coords.x + "/" + coords.y;
        var url = el.dataset.tiles.replace("{z}", coords.z).replace("{x}", coords.x).replace("{y}", coords.y);
        pending += 1;
        el.dataset.loading = "true";
        fetch(url + "?" + el.dataset.query, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { features: [] }; })
          .catch(function () { return { features: [] }; })
          .then(function (data) {
            var group = L.layerGroup(data.features.map(function (f) { return cluster(f); }));
            if (layers[key]) { map.removeLayer(layers[key]); }
            layers[key] = group.addTo(map);
            pending -= 1;
            if (pending === 0) { el.dataset.loading = "false"; }
          });
        return document.createElement("div");
      }
    });
    function cluster(feature) {
      var n = feature.properties.count;
      var size = n < 10 ? 32 : n < 100 ? 38 : 46;
      var c = feature.geometry.coordinates;
      var marker = L.marker([c[1], c[0]], {
        icon: L.divIcon({ className: "cluster", html: String(n), iconSize: [size, size] }),
        title: label.replace("{n}", n), alt: label.replace("{n}", n), keyboard: true, riseOnHover: true
      });
      function zoomIn() {
        map.setView(marker.getLatLng(), Math.min(map.getZoom() + 2, map.getMaxZoom()));
      }
      marker.on("click", zoomIn);
      marker.on("keypress", function (e) {  // Enter or Space on a focused cluster, as a click
        if (e.originalEvent.key === "Enter" || e.originalEvent.key === " ") { zoomIn(); }
      });
      return marker;
    }
    var tiles = new DataTiles({ tileSize: 256 });
    tiles.on("tileunload", function (e) {
      var key = e.coords.z + "/" + e.coords.x + "/" + e.coords.y;
      if (layers[key]) { map.removeLayer(layers[key]); delete layers[key]; }
    });
    tiles.addTo(map);
    el.dataset.ready = "true";
  }

  // "Me too" from this browser: it registers as a web device once (its token kept in this browser only), then
  // supports the report through the same API as the app.
  function device(lang) {
    var saved = window.localStorage.getItem(DEVICE_KEY);
    if (saved) { return Promise.resolve(JSON.parse(saved)); }
    return fetch("/api/v1/devices", {
      method: "POST", headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify({ platform: "web", locale: lang })
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (made) {
      var kept = { device_id: made.device_id, token: made.token };
      window.localStorage.setItem(DEVICE_KEY, JSON.stringify(kept));
      return kept;
    });
  }

  // Remember a report this browser supports, for "My reports".
  function remember(publicId) {
    var ids = JSON.parse(window.localStorage.getItem(SUPPORTED_KEY) || "[]");
    if (ids.indexOf(publicId) < 0) { ids.unshift(publicId); }
    window.localStorage.setItem(SUPPORTED_KEY, JSON.stringify(ids));
  }

  function meToo(button) {
    var lang = body.lang || document.documentElement.lang;
    var status = document.getElementById("me-too-status");
    var count = document.getElementById("support-count");
    var path = "/api/v1/reports/" + encodeURIComponent(button.dataset.report);
    function done() {
      button.disabled = true;
      button.textContent = button.dataset.done;
    }
    button.hidden = false;
    var saved = window.localStorage.getItem(DEVICE_KEY);
    if (saved) {
      fetch(path, { headers: { Authorization: "Bearer " + JSON.parse(saved).token } })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (d) { if (d.supported) { done(); } })
        .catch(function () { return null; });
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      device(lang).then(function (d) {
        return fetch(path + "/supports", {
          method: "POST", headers: { Authorization: "Bearer " + d.token, "Accept-Language": lang }
        });
      }).then(function (r) {
        return r.json().then(function (answer) {
          if (!r.ok) { throw new Error(answer.message || String(r.status)); }
          count.textContent = String(answer.support_count);
          remember(button.dataset.report);
          done();
          status.textContent = button.dataset.done;
        });
      }).catch(function (e) {
        button.disabled = false;
        status.textContent = e.message;
      });
    });
  }

  // For the report form and "My reports" (forms.js): the same maps, device and memory of supports.
  window.HromadaSite = { newMap: newMap, device: device, remember: remember, SUPPORTED_KEY: SUPPORTED_KEY };

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("report-map");
    if (el && window.L) { reportMap(el); }
    el = document.getElementById("public-map");
    if (el && window.L) { publicMap(el); }
    var button = document.getElementById("me-too");
    if (button) { meToo(button); }
  });
})();
