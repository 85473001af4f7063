/* Hromada staff UI: the queue map that follows the filters, and the broadcast composer's map.
   No inline scripts anywhere (the Content-Security-Policy forbids them): everything starts here. */
(function () {
  "use strict";

  // Every map's base layer: the one tile source the page's <body> names (MAP_TILE_URL, its attribution and
  // deepest zoom; no URL: no base layer). Maps are made only through here.
  function newMap(el, options) {
    var config = document.body.dataset;
    var maxZoom = parseInt(config.tileMaxZoom, 10) || 19;
    var map = L.map(el, Object.assign({ maxZoom: maxZoom }, options || {}));
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { maxZoom: maxZoom, attribution: config.tileAttribution || "" }).addTo(map);
    }
    return map;
  }

  // A municipality's map: its districts, the view fitted to them (the whole world when there are none); then
  // `onReady(map)` adds what needs a view.
  function baseMap(el, onArea, onReady) {
    var map = newMap(el, { preferCanvas: true });
    fetch(el.dataset.areas, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geojson) {
        var layer = L.geoJSON(geojson, { style: { color: "#3b5b92", weight: 1, fillOpacity: 0.05 } })
          .bindTooltip(function (l) { return l.feature.properties.code + " " + l.feature.properties.name; });
        if (onArea) {
          layer.on("click", function (e) {
            if (onArea(e.layer)) { L.DomEvent.stopPropagation(e); }
          });
        }
        map.invalidateSize();
        if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); } else { map.fitWorld(); }
        layer.addTo(map);
        if (onReady) { onReady(map); }
        el.dataset.ready = "true";
      });
    return map;
  }

  function queueMap(el) {
    var cluster = L.markerClusterGroup({ chunkedLoading: true });
    baseMap(el, null, function (map) { map.addLayer(cluster); });
    var reportUrl = el.dataset.report.replace(/0$/, "");

    // The first load asks with the page's own query (a refused value the form cannot show, such as an unknown
    // status, is refused by the map too); later loads follow the form. A refused or failed answer empties the map.
    function load(query) {
      el.dataset.loading = "true";
      fetch(el.dataset.points + "?" + query, { credentials: "same-origin" })
        .then(function (r) {
          return r.ok ? r.json() : r.json().catch(function () { return {}; }).then(function (body) {
            return { points: [], refused: body.message || String(r.status) };
          });
        })
        .catch(function () { return { points: [], refused: "network" }; })
        .then(function (data) {
          cluster.clearLayers();
          if (data.refused) { el.dataset.refused = data.refused; } else { delete el.dataset.refused; }
          var markers = data.points.map(function (p) {
            var m = L.circleMarker([p.lat, p.lon], {
              radius: 6, weight: 1, color: p.overdue ? "#b00020" : "#1f5fa8",
              fillColor: p.overdue ? "#e53935" : "#4f8fd8", fillOpacity: 0.8
            });
            m.bindTooltip(p.public_id + " · " + (p.status_label || p.status));
            m.on("click", function () { window.location.href = reportUrl + p.id; });
            return m;
          });
          cluster.addLayers(markers);
          el.dataset.count = String(data.points.length);
          el.dataset.query = query;
          el.dataset.loading = "false";
        });
    }

    load(el.dataset.pageQuery || "");
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target && e.detail.target.id === "results") {
        load(new URLSearchParams(new FormData(document.getElementById("filters"))).toString());
      }
    });
  }

  function composeMap(el) {
    var areas = document.querySelector('select[name="areas"]');
    var map = baseMap(el, function (layer) {
      // With "areas" chosen, a click on a district toggles it in the audience; otherwise the click
      // goes to the map (the centre of a radius).
      var chosen = document.querySelector('input[name="audience"]:checked');
      if (!chosen || chosen.value !== "areas") { return false; }
      var code = layer.feature.properties.code;
      var option = Array.prototype.find.call(areas.options, function (o) { return o.value === code; });
      if (!option) { return false; }
      option.selected = !option.selected;
      layer.setStyle(option.selected ? { fillOpacity: 0.35, fillColor: "#c2185b" } : { fillOpacity: 0.05 });
      return true;
    }, function () { ready = true; drawCircle(); });
    var circle = null, ready = false;
    var lat = document.getElementById("lat"), lon = document.getElementById("lon");
    var radius = document.getElementById("radius"), polygon = document.getElementById("polygon");

    function choose(value) {
      var radio = document.querySelector('input[name="audience"][value="' + value + '"]');
      if (radio) { radio.checked = true; }
    }

    function drawCircle() {
      if (!ready) { return; }  // drawn once the map has its view
      if (circle) { map.removeLayer(circle); circle = null; }
      var y = parseFloat(lat.value), x = parseFloat(lon.value), r = parseFloat(radius.value);
      if (!isNaN(y) && !isNaN(x) && !isNaN(r)) {
        circle = L.circle([y, x], { radius: r, color: "#c2185b" }).addTo(map);
      }
    }

    map.on("click", function (e) {
      if (map.pm && map.pm.globalDrawModeEnabled()) { return; }
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      choose("radius");
      drawCircle();
    });
    [lat, lon, radius].forEach(function (input) { input.addEventListener("change", drawCircle); });

    if (map.pm) {
      map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
        drawRectangle: true, drawPolygon: true, drawCircle: false, drawText: false, editMode: true,
        dragMode: false, cutPolygon: false, removalMode: true, rotateMode: false });
      map.on("pm:create", function (e) {
        polygon.value = JSON.stringify(e.layer.toGeoJSON().geometry);
        choose("polygon");
      });
      map.on("pm:remove", function () { polygon.value = ""; });
    }
  }

  function charts() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas.chart").forEach(function (canvas) {
      var distribution = JSON.parse(canvas.dataset.distribution || "{}");
      var labels = Object.keys(distribution);
      new window.Chart(canvas, {
        type: "bar",
        data: { labels: labels, datasets: [{ data: labels.map(function (k) { return distribution[k]; }),
                                              backgroundColor: "#4f8fd8" }] },
        options: { animation: false, responsive: false, plugins: { legend: { display: false } },
                   scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
      canvas.dataset.drawn = "true";
    });
  }

  // -- the dashboard: sparklines, an indicator's trend with its interval band, districts ranked with their
  // intervals, and the choropleth map (the colours are the values' traffic lights). --
  var LIGHTS = { green: "#2e7d32", amber: "#f9a825", red: "#c62828", none: "#90a4ae", suppressed: "#e0e0e0" };

  function sparklines() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas.sparkline").forEach(function (canvas) {
      var series = JSON.parse(canvas.dataset.series || "[]");
      new window.Chart(canvas, {
        type: "line",
        data: { labels: series.map(function (p) { return p.period; }),
                datasets: [{ data: series.map(function (p) { return p.value; }), borderColor: "#1f5fa8",
                             borderWidth: 1.5, pointRadius: 0, spanGaps: false }] },
        options: { animation: false, responsive: false, events: [], plugins: { legend: { display: false },
                   tooltip: { enabled: false } }, scales: { x: { display: false }, y: { display: false } } }
      });
      canvas.dataset.drawn = "true";
    });
  }

  function trendChart(canvas, data) {
    var points = data.trend;
    var labels = points.map(function (p) { return p.period; });
    function pick(key) { return points.map(function (p) { return p.suppressed ? null : p[key]; }); }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: [
        { label: canvas.dataset.label + " (+)", data: pick("ci_high"), borderWidth: 0, pointRadius: 0,
          backgroundColor: "rgba(31,95,168,0.15)", fill: "+1" },
        { label: canvas.dataset.label + " (-)", data: pick("ci_low"), borderWidth: 0, pointRadius: 0, fill: false },
        { label: data.indicator.name, data: pick("headline"), borderColor: "#1f5fa8", pointRadius: 3, fill: false }
      ] },
      options: { animation: false, responsive: false, plugins: { legend: { display: false } },
                 scales: { y: { title: { display: true, text: canvas.dataset.unit } } } }
    });
    canvas.dataset.drawn = "true";
  }

  function rankingChart(canvas, data) {
    var shown = data.districts.filter(function (d) { return !d.suppressed && d.ci_low !== null; });
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: shown.map(function (d) { return d.area.code; }), datasets: [
        { label: "95%", data: shown.map(function (d) { return [d.ci_low, d.ci_high]; }),
          backgroundColor: shown.map(function (d) { return LIGHTS[d.status] || LIGHTS.none; }), barPercentage: 0.5 }
      ].concat(data.total && !data.total.suppressed && data.total.headline !== null ? [
        // the municipality's value: a district whose interval does not cross this line differs beyond the noise
        { type: "line", label: "", data: shown.map(function () { return data.total.headline; }), indexAxis: "y",
          borderColor: "#1d2330", borderDash: [4, 4], borderWidth: 1.5, pointRadius: 0 }
      ] : []) },
      options: { indexAxis: "y", animation: false, responsive: false, plugins: { legend: { display: false } } }
    });
    canvas.dataset.drawn = "true";
  }

  function choropleth(el, data) {
    var byCode = {};
    data.districts.forEach(function (d) { byCode[d.area.code] = d; });
    var map = newMap(el);
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geojson) {
        var layer = window.L.geoJSON(geojson, {
          style: function (f) {
            var d = byCode[f.properties.code];
            return { color: "#455a64", weight: 1, fillOpacity: 0.6, className: "area area-" + f.properties.code,
                     fillColor: d ? (LIGHTS[d.status] || LIGHTS.none) : LIGHTS.suppressed };
          },
          onEachFeature: function (f, l) {
            var d = byCode[f.properties.code];
            l.bindTooltip(f.properties.code + " " + f.properties.name + (d && !d.suppressed && d.headline !== null
              ? ": " + d.headline.toFixed(1) + " (n=" + d.n + ")" : ""));
            l.on("click", function () {
              layer.setStyle(function (g) { return { weight: g.properties.code === f.properties.code ? 3 : 1 }; });
              var params = new URLSearchParams({ area: f.properties.code, period: el.dataset.period,
                                                 service: el.dataset.service, provenance: el.dataset.provenance });
              window.htmx.ajax("GET", el.dataset.services + "?" + params.toString(), "#services");
              el.dataset.chosen = f.properties.code;
            });
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds());
        el.dataset.ready = "true";
      });
  }

  function indicatorPage() {
    var trend = document.getElementById("trend");
    if (!trend || !window.Chart) { return; }
    fetch(trend.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        trendChart(trend, data);
        var ranking = document.getElementById("ranking");
        if (ranking) { rankingChart(ranking, data); }
        var map = document.getElementById("indicator-map");
        if (map && window.L) { choropleth(map, data); }
      });
  }

  // A refused htmx request (4xx/5xx) is not swapped in: its message goes to the form's alert region instead.
  function refusalText(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    try {
      if (type.indexOf("json") !== -1) { return JSON.parse(xhr.responseText).message || ""; }
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var found = doc.querySelector("main .error, .error, main p");
      return found ? found.textContent.trim() : "";
    } catch (ignored) {
      return "";
    }
  }

  function refusalRegion(elt) {
    var form = elt.closest("form") || elt.parentElement;
    var region = form.querySelector(".refusal");
    if (!region) {
      region = document.createElement("p");
      region.className = "error refusal";
      region.setAttribute("role", "alert");
      form.appendChild(region);
    }
    return region;
  }

  function refusals() {
    document.body.addEventListener("htmx:beforeRequest", function (e) {
      var form = e.detail.elt.closest("form");
      var region = form && form.querySelector(".refusal");
      if (region) { region.hidden = true; region.textContent = ""; }
    });
    document.body.addEventListener("htmx:responseError", function (e) {
      var region = refusalRegion(e.detail.elt);
      region.textContent = refusalText(e.detail.xhr) || document.body.dataset.refused;
      region.hidden = false;
    });
    document.body.addEventListener("htmx:sendError", function (e) {
      var region = refusalRegion(e.detail.elt);
      region.textContent = document.body.dataset.refused;
      region.hidden = false;
    });
  }

  function start() {
    refusals();
    charts();
    sparklines();
    indicatorPage();
    var queue = document.getElementById("map");
    if (queue && window.L) { queueMap(queue); }
    var compose = document.getElementById("compose-map");
    if (compose && window.L) { composeMap(compose); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
