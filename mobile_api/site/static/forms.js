/* "Report a problem" and "My reports": both through /api/v1, as the app does, with this browser's web device
   (site.js registers it once and keeps its token under hromada.device). The words come from the page (data-t-*),
   already in its language; no inline script anywhere (the CSP forbids it). */
(function () {
  "use strict";
  var site = window.HromadaSite;
  var lang = document.body.dataset.lang || document.documentElement.lang;
  var texts = (document.getElementById("texts") || { dataset: {} }).dataset;
  var MAX_PHOTOS = 5;
  var LONGEST_SIDE = 2048;

  function T(key, params) {
    var name = "t" + key.split("-").map(function (w) { return w.charAt(0).toUpperCase() + w.slice(1); }).join("");
    var words = texts[name] || key;
    Object.keys(params || {}).forEach(function (k) { words = words.split("{" + k + "}").join(String(params[k])); });
    return words;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function savedDevice() {
    var saved = window.localStorage.getItem("hromada.device");
    return saved ? JSON.parse(saved) : null;
  }

  // One call of the resident API: {ok, status, body}; a network failure rejects.
  function api(path, options, device) {
    options = options || {};
    var headers = Object.assign({ "Accept-Language": lang }, options.headers || {});
    if (device) { headers.Authorization = "Bearer " + device.token; }
    return fetch(path, Object.assign({}, options, { headers: headers, credentials: "same-origin" }))
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          return { ok: r.ok, status: r.status, body: body };
        });
      });
  }

  function formError(words) {
    var node = document.getElementById("form-error");
    node.textContent = words;
    node.hidden = false;
    return node;
  }

  function say(id, words, isError) {
    var node = document.getElementById(id);
    node.textContent = words || "";
    node.classList.toggle("error", Boolean(isError && words));
  }

  function reportHref(template, publicId) {
    return template.replace("{id}", encodeURIComponent(publicId));
  }

  function dateWords(iso, timeZone) {
    var locale = { pl: "pl-PL", uk: "uk-UA" }[lang] || "en-GB";
    var options = { dateStyle: "long", timeStyle: "short" };
    if (timeZone) { options.timeZone = timeZone; }  // the municipality's clock, as on its other pages
    return new Intl.DateTimeFormat(locale, options).format(new Date(iso));
  }

  // ---- Report a problem ------------------------------------------------------------------------------------------

  function reportForm(form) {
    var state = { point: null, jurisdiction: form.dataset.jurisdiction, loaded: null, services: [], photos: [],
      attempt: null };
    var select = document.getElementById("service");
    var search = document.getElementById("service-search");
    var questions = document.getElementById("questions");
    var placeOut = document.getElementById("place");
    var map = null;
    var pin = null;
    form.hidden = false;

    // -- where: the map and its pin
    var mapEl = document.getElementById("pick-map");
    if (window.L) {
      map = site.newMap(mapEl);
      var extent = (form.dataset.extent || "").split(",").map(parseFloat);
      if (extent.length === 4 && extent.every(isFinite)) {
        map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
      } else {
        map.fitWorld();
      }
      map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, "map"); });
      mapEl.dataset.ready = "true";
    } else {
      mapEl.hidden = true;
    }

    function placePin(lat, lon, recentre) {
      if (!map) { return; }
      if (!pin) {
        pin = L.marker([lat, lon], {
          draggable: true, keyboard: true, title: mapEl.dataset.pinTitle, alt: mapEl.dataset.pinTitle,
          icon: L.divIcon({ className: "pin", iconSize: [28, 28], iconAnchor: [14, 28] })
        }).addTo(map);
        pin.on("dragend", function () { var p = pin.getLatLng(); setPoint(p.lat, p.lng, "map"); });
      } else {
        pin.setLatLng([lat, lon]);
      }
      if (recentre) { map.setView([lat, lon], Math.max(map.getZoom(), 17)); }
    }

    function setPoint(lat, lon, how, label) {
      state.point = { lat: lat, lon: lon };
      placePin(lat, lon, how !== "map");
      hideError("where-error");
      placeOut.textContent = label || "…";
      return api("/api/v1/locate?lat=" + lat.toFixed(6) + "&lon=" + lon.toFixed(6)).then(function (res) {
        if (!res.ok) { throw new Error(res.body.message || String(res.status)); }
        var found = res.body;
        if (!found.inside) {
          state.point = null;
          placeOut.textContent = "";
          showError("where-error", [T("outside", { city: form.dataset.city }), found.message].filter(Boolean).join(" "));
          document.getElementById("nearby").hidden = true;
          return;
        }
        var near = label || (found.address ? T("near", { address: found.address.label }) : "");
        placeOut.textContent = [near, found.area ? T("district", { name: found.area.name }) : "",
          found.jurisdiction.name].filter(Boolean).join(" · ");
        state.jurisdiction = found.jurisdiction.code;
        return loadServices().then(refreshNearby);
      }).catch(function (e) { showError("where-error", T("failed", { reason: e.message })); });
    }

    document.getElementById("use-location").addEventListener("click", function () {
      if (!navigator.geolocation) { say("geo-status", T("geo-unavailable"), true); return; }
      say("geo-status", T("geo-asking"));
      navigator.geolocation.getCurrentPosition(function (pos) {
        say("geo-status", "");
        setPoint(pos.coords.latitude, pos.coords.longitude, "device");
      }, function (err) {
        say("geo-status", err.code === 1 ? T("geo-refused") : T("geo-unavailable"), true);
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });

    // -- where: a typed address and the register's candidates (a list of buttons)
    var address = document.getElementById("address");
    var results = document.getElementById("address-results");
    function findAddress() {
      var q = address.value.trim();
      results.textContent = "";
      if (!q) { say("address-status", T("no-address"), true); return; }
      say("address-status", T("searching"));
      api("/api/v1/addresses?limit=6&jurisdiction=" + encodeURIComponent(form.dataset.jurisdiction) + "&q=" +
          encodeURIComponent(q)).then(function (res) {
        if (!res.ok) { say("address-status", flatErrors(res.body)[0] ? flatErrors(res.body)[0][1] : res.body.message, true); return; }
        if (!res.body.items.length) { say("address-status", res.body.message || T("no-address"), true); return; }
        say("address-status", T("addresses-found", { n: res.body.items.length }));
        res.body.items.forEach(function (a, i) {
          var words = [a.label, a.postcode, a.area ? a.area.name : "", a.jurisdiction.name].filter(Boolean).join(", ");
          var button = el("button", { type: "button", "class": "choice", id: "address-" + i, text: words });
          button.addEventListener("click", function () {
            results.textContent = "";
            say("address-status", "");
            address.value = a.label;
            setPoint(a.lat, a.lon, "address", a.label);
            placeOut.focus();
          });
          results.appendChild(el("li", {}, [button]));
        });
      }).catch(function () { say("address-status", T("offline"), true); });
    }
    document.getElementById("find-address").addEventListener("click", findAddress);
    address.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); findAddress(); }
    });

    // -- what: the catalogue by group, narrowed by a keyword
    function plain(words) {
      return (words || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }
    function loadServices() {
      if (state.loaded === state.jurisdiction) { return Promise.resolve(); }
      return api("/api/v1/services?jurisdiction=" + encodeURIComponent(state.jurisdiction)).then(function (res) {
        if (!res.ok) { throw new Error(res.body.message || String(res.status)); }
        state.loaded = state.jurisdiction;
        state.services = res.body.services;
        fillServices();
      });
    }
    function fillServices() {
      var words = plain(search.value.trim());
      var chosen = select.value;
      var groups = {};
      var order = [];
      var count = 0;
      select.textContent = "";
      select.appendChild(el("option", { value: "", text: T("choose-service") }));
      state.services.forEach(function (s) {
        var haystack = plain([s.name, s.description, (s.keywords || []).join(" "), s.group ? s.group.name : ""].join(" "));
        if (words && words.split(/\s+/).some(function (w) { return haystack.indexOf(w) < 0; })) { return; }
        var key = s.group ? s.group.code : "";
        if (!groups[key]) {
          groups[key] = el("optgroup", { label: s.group ? s.group.name : T("choose-service") });
          order.push(key);
        }
        var option = el("option", { value: s.service_code, text: s.name });
        if (s.service_code === chosen) { option.selected = true; }
        groups[key].appendChild(option);
        count += 1;
      });
      order.forEach(function (k) { select.appendChild(groups[k]); });
      if (words) {
        say("service-count", count ? T("services-match", { n: count }) : T("no-services-match"));
      } else {
        say("service-count", "");
      }
      if (count === 1 && words) { select.value = select.querySelector("optgroup option").value; }
      if (select.value !== chosen) { serviceChosen(); }
    }
    function currentService() {
      return state.services.filter(function (s) { return s.service_code === select.value; })[0] || null;
    }
    function serviceChosen() {
      var service = currentService();
      hideError("service-error");
      document.getElementById("service-about").textContent = service ? service.description || "" : "";
      renderQuestions(service);
      refreshNearby();
    }
    search.addEventListener("input", fillServices);
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); fillServices(); select.focus(); }
    });
    select.addEventListener("change", serviceChosen);

    // -- what: the service's questions, from the catalogue
    function renderQuestions(service) {
      questions.textContent = "";
      if (!service) { return; }
      service.questions.slice().sort(function (a, b) { return a.order - b.order; }).forEach(function (q) {
        var id = "a-" + q.code;
        var title = q.label + (q.required ? " " + T("required-mark") : "");
        var hint = q.hint ? el("span", { "class": "hint", id: id + "-hint", text: q.hint }) : null;
        var error = el("p", { "class": "error field-error", id: "e-" + q.code, hidden: "" });
        var described = (hint ? id + "-hint " : "") + "e-" + q.code;
        var box;
        if (q.datatype === "singlevaluelist" || q.datatype === "multivaluelist") {  // the error under the question
          box = el("fieldset", { "class": "question", id: id, "aria-describedby": described },
            [el("legend", { text: title }), hint, error]);
          q.options.forEach(function (o, i) {
            var input = el("input", { type: q.datatype === "singlevaluelist" ? "radio" : "checkbox", name: id,
              id: id + "-" + i, value: o.key });
            box.appendChild(el("p", { "class": "check" }, [input, el("label", { "for": id + "-" + i, text: o.name })]));
          });
        } else {
          var kind = { number: "text", datetime: "date" }[q.datatype] || "text";
          var input = q.datatype === "text" ? el("textarea", { rows: "3" }) : el("input", { type: kind });
          input.id = id;
          input.setAttribute("aria-describedby", described);
          if (q.required) { input.setAttribute("aria-required", "true"); }
          if (q.datatype === "number") { input.setAttribute("inputmode", "decimal"); }
          box = el("div", { "class": "question" }, [el("label", { "for": id, text: title }), hint, error, input]);
        }
        questions.appendChild(box);
      });
    }
    function answers() {
      var out = {};
      var missing = [];
      var service = currentService();
      (service ? service.questions : []).forEach(function (q) {
        var id = "a-" + q.code;
        var value;
        if (q.datatype === "singlevaluelist") {
          var checked = form.querySelector("input[name='" + id + "']:checked");
          value = checked ? checked.value : null;
        } else if (q.datatype === "multivaluelist") {
          value = Array.prototype.map.call(form.querySelectorAll("input[name='" + id + "']:checked"),
            function (i) { return i.value; });
          if (!value.length) { value = null; }
        } else {
          value = document.getElementById(id).value.trim() || null;
        }
        if (value !== null) { out[q.code] = value; } else if (q.required) { missing.push(q.code); }
      });
      return { values: out, missing: missing };
    }

    // -- the open reports nearby, before sending: "me too" instead of a duplicate
    function refreshNearby() {
      var section = document.getElementById("nearby");
      var list = document.getElementById("nearby-list");
      if (!state.point || !select.value) { section.hidden = true; return Promise.resolve(); }
      var path = "/api/v1/reports/nearby?lat=" + state.point.lat.toFixed(6) + "&lon=" + state.point.lon.toFixed(6) +
        "&service_code=" + encodeURIComponent(select.value);
      return api(path, {}, savedDevice()).then(function (res) {
        list.textContent = "";
        if (!res.ok) { section.hidden = true; return; }
        section.hidden = false;
        say("nearby-intro", res.body.items.length ? T("nearby-intro") : T("nearby-none"));
        res.body.items.forEach(function (r) { list.appendChild(nearbyItem(r)); });
      });
    }
    function nearbyItem(r) {
      var link = el("a", { href: reportHref(form.dataset.reportHref, r.public_id), id: "near-" + r.public_id,
        text: r.service_name });
      var item = el("li", {}, [
        link,
        el("span", { "class": "status status-" + r.status, text: r.status_label }),
        el("span", { "class": "where", text: [r.address, T("away", { m: Math.round(r.distance_m) })].filter(Boolean).join(" · ") }),
        r.description ? el("span", { "class": "excerpt", text: r.description.slice(0, 200) }) : null,
        el("span", { "class": "when", text: T("supporters", { n: r.support_count }) + " · " + r.public_id })
      ]);
      if (r.is_mine) {
        item.appendChild(el("span", { text: T("yours") }));
        return item;
      }
      var button = el("button", { type: "button", "class": "me-too", "aria-describedby": "near-" + r.public_id,
        text: T("me-too") });
      if (r.supported) { button.disabled = true; }
      button.addEventListener("click", function () { support(r, button, item); });
      item.appendChild(el("p", {}, [button]));
      return item;
    }
    function support(r, button, item) {
      button.disabled = true;
      site.device(lang).then(function (d) {
        return api("/api/v1/reports/" + encodeURIComponent(r.public_id) + "/supports", { method: "POST" }, d);
      }).then(function (res) {
        if (!res.ok) { throw new Error(res.body.message || String(res.status)); }
        site.remember(r.public_id);
        item.querySelector(".when").textContent = T("supporters", { n: res.body.support_count }) + " · " + r.public_id;
        say("support-status", T("supported", { id: r.public_id }));
      }).catch(function (e) {
        button.disabled = false;
        say("support-status", T("failed", { reason: e.message }), true);
      });
    }

    // -- photos: resized in this browser (JPEG, longest side 2048 px) before they are sent
    var photoInput = document.getElementById("photos");
    var photoList = document.getElementById("photo-list");
    function resize(file) {
      return createImageBitmap(file).then(function (bitmap) {
        var scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(bitmap.width * scale));
        canvas.height = Math.max(1, Math.round(bitmap.height * scale));
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        if (bitmap.close) { bitmap.close(); }
        return new Promise(function (resolve, reject) {
          canvas.toBlob(function (blob) { return blob ? resolve(blob) : reject(new Error("encode")); }, "image/jpeg", 0.85);
        });
      });
    }
    function showPhotos() {
      photoList.textContent = "";
      state.photos.forEach(function (p, i) {
        var remove = el("button", { type: "button", "aria-label": T("remove", { name: p.name }), text: "✕" });
        remove.addEventListener("click", function () {
          state.photos.splice(i, 1);
          showPhotos();
          photoInput.focus();
        });
        photoList.appendChild(el("li", {}, [el("span", { text: T("photo-ready", { name: p.name }) }), remove]));
      });
      photoInput.dataset.ready = String(state.photos.length);
    }
    photoInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photoInput.files);
      var problems = [];
      photoInput.dataset.ready = "busy";
      if (state.photos.length + files.length > MAX_PHOTOS) {
        problems.push(T("photo-too-many"));
        files = files.slice(0, Math.max(0, MAX_PHOTOS - state.photos.length));
      }
      Promise.all(files.map(function (f) {
        return resize(f).then(function (blob) { return { name: f.name, blob: blob }; }, function () {
          if (/^image\//.test(f.type)) { return { name: f.name, blob: f }; }  // e.g. HEIC: the server converts it
          problems.push(T("photo-not-image", { name: f.name }));
          return null;
        });
      })).then(function (made) {
        made.forEach(function (p) { if (p) { state.photos.push(p); } });
        photoInput.value = "";
        if (problems.length) { showError("photos-error", problems.join(" ")); } else { hideError("photos-error"); }
        showPhotos();
      });
    });

    // -- errors next to their fields
    var FIELDS = { service_code: "service-error", lat: "where-error", lon: "where-error", address: "where-error",
      description: "description-error", "contact.name": "contact-name-error", "contact.email": "contact-email-error",
      anonymous: "contact-email-error" };
    var CONTROLS = { "where-error": "address", "service-error": "service", "description-error": "description",
      "contact-name-error": "contact-name", "contact-email-error": "contact-email" };
    function control(errorId) {
      if (errorId.indexOf("e-") === 0) {
        var code = errorId.slice(2);
        return document.querySelector("#a-" + code + " input") || document.getElementById("a-" + code);
      }
      return CONTROLS[errorId] ? document.getElementById(CONTROLS[errorId]) : null;
    }
    function showError(errorId, words) {
      var node = document.getElementById(errorId);
      node.textContent = words;
      node.hidden = false;
      var c = control(errorId);
      var box = errorId.indexOf("e-") === 0 ? document.getElementById("a-" + errorId.slice(2)) : c;
      if (box) { box.setAttribute("aria-invalid", "true"); }
      return c;
    }
    function hideError(errorId) {
      var node = document.getElementById(errorId);
      if (!node) { return; }
      node.hidden = true;
      node.textContent = "";
      var box = errorId.indexOf("e-") === 0 ? document.getElementById("a-" + errorId.slice(2)) : control(errorId);
      if (box) { box.removeAttribute("aria-invalid"); }
    }
    function clearErrors() {
      Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (n) { hideError(n.id); });
      document.getElementById("form-error").hidden = true;
    }
    function flatErrors(body) {  // [[field, words]] from the API's errors.json (nested or dotted)
      var out = [];
      function walk(node, path) {
        if (Array.isArray(node)) { out.push([path, node.join(" ")]); return; }
        if (node && typeof node === "object") {
          Object.keys(node).forEach(function (k) { walk(node[k], path ? path + "." + k : k); });
        }
      }
      walk((body.errors || {}).json || (body.errors || {}).query || {}, "");
      return out;
    }
    function showFieldErrors(list) {  // each next to its field; the others (and a summary) above the form
      var first = null;
      var general = [];
      list.forEach(function (pair) {
        var errorId = pair[0].indexOf("answers.") === 0 ? "e-" + pair[0].slice(8) : FIELDS[pair[0]];
        if (!errorId || !document.getElementById(errorId)) { general.push(pair[1]); return; }
        var c = showError(errorId, pair[1]);
        first = first || c;
      });
      var summary = formError(general.length ? general.join(" ") : T("fix-fields"));
      (first || summary).focus();
    }

    // -- send
    function key() {
      return window.crypto && crypto.randomUUID ? crypto.randomUUID() :
        Date.now().toString(36) + Math.random().toString(36).slice(2);
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clearErrors();
      say("send-status", "");
      var given = answers();
      var problems = [];
      if (!state.point) { problems.push(["lat", T("no-point")]); }
      if (!select.value) { problems.push(["service_code", T("no-service")]); }
      given.missing.forEach(function (code) { problems.push(["answers." + code, T("required")]); });
      if (problems.length) { showFieldErrors(problems); return; }
      var anonymous = document.getElementById("anonymous").checked;
      var name = document.getElementById("contact-name").value.trim();
      var email = document.getElementById("contact-email").value.trim();
      var body = { service_code: select.value, description: document.getElementById("description").value,
        lat: state.point.lat, lon: state.point.lon, answers: given.values, anonymous: anonymous };
      if (!anonymous && (name || email)) { body.contact = { name: name || null, email: email || null }; }
      var json = JSON.stringify(body);
      if (!state.attempt || state.attempt.json !== json) { state.attempt = { json: json, key: key() }; }
      var attempt = state.attempt;
      var button = document.getElementById("send");
      button.disabled = true;
      say("send-status", T("sending"));
      site.device(lang).then(function (d) {
        return api("/api/v1/reports", { method: "POST", body: json,
          headers: { "Content-Type": "application/json", "Idempotency-Key": attempt.key } }, d).then(function (res) {
          if (res.ok) { return uploadPhotos(d, res.body, attempt.key).then(function (failed) { done(res.body, failed); }); }
          button.disabled = false;
          say("send-status", "");
          var fields = flatErrors(res.body);
          if (fields.length) { showFieldErrors(fields); return; }
          formError(T("failed", { reason: res.body.message || res.status })).focus();
        });
      }).catch(function () {
        button.disabled = false;
        say("send-status", T("offline"), true);
      });
    });
    function uploadPhotos(d, report, attemptKey) {
      var failed = [];
      return state.photos.reduce(function (chain, p, i) {
        return chain.then(function () {
          var data = new FormData();
          data.append("photo", p.blob, (p.name || "photo").replace(/\.[^.]*$/, "") + ".jpg");
          return api("/api/v1/reports/" + report.id + "/photos",
            { method: "POST", body: data, headers: { "Idempotency-Key": attemptKey + "-photo-" + i } }, d)
            .then(function (res) { if (!res.ok) { failed.push(T("photo-failed", { name: p.name, reason: res.body.message || res.status })); } },
              function () { failed.push(T("photo-failed", { name: p.name, reason: T("offline") })); });
        });
      }, Promise.resolve()).then(function () { return failed; });
    }
    function done(report, failed) {
      var section = document.getElementById("done");
      form.hidden = true;
      document.getElementById("done-id").textContent = report.public_id;
      document.getElementById("done-link").setAttribute("href", reportHref(form.dataset.reportHref, report.public_id));
      var problems = document.getElementById("done-problems");
      failed.forEach(function (words) { problems.appendChild(el("li", { text: words })); });
      section.hidden = false;
      section.focus();
      window.scrollTo(0, 0);
    }

    loadServices().then(function () { form.dataset.ready = "true"; })
      .catch(function (e) { showError("service-error", T("failed", { reason: e.message })); });
  }

  // ---- My reports ------------------------------------------------------------------------------------------------

  function myReports(box) {
    var statuses = JSON.parse(box.dataset.statuses);
    var device = savedDevice();
    function item(r) {
      return el("li", {}, [
        el("a", { href: reportHref(box.dataset.reportHref, r.public_id), text: r.service_name }),
        el("span", { "class": "status status-" + r.status, text: statuses[r.status] || "" }),
        el("span", { "class": "where", text: r.address || (r.area ? r.area.name : r.jurisdiction.name) }),
        el("span", { "class": "when", text: dateWords(r.requested_at, box.dataset.timeZone) + " · " + r.public_id })
      ]);
    }
    function empty(listId, emptyId, words) {
      var list = document.getElementById(listId);
      if (list.children.length) { return; }
      var node = document.getElementById(emptyId);
      (document.getElementById(emptyId + "-text") || node).textContent = words;
      node.hidden = false;
    }
    var mine = device ? api("/api/v1/me/reports?limit=100", {}, device).then(function (res) {
      if (!res.ok) { throw new Error(String(res.status)); }
      res.body.items.forEach(function (r) { document.getElementById("mine").appendChild(item(r)); });
    }) : Promise.resolve();
    var ids = JSON.parse(window.localStorage.getItem(site.SUPPORTED_KEY) || "[]");
    var supported = Promise.all(ids.map(function (id) {
      return api("/api/v1/reports/" + encodeURIComponent(id), {}, device).then(function (res) {
        return res.ok && res.body.supported !== false ? res.body : null;  // hidden since, or support withdrawn
      }, function () { return null; });
    })).then(function (found) {
      found.forEach(function (r) { if (r) { document.getElementById("supported").appendChild(item(r)); } });
    });
    Promise.all([mine, supported]).catch(function () { say("mine-status", T("load-failed"), true); }).then(function () {
      empty("mine", "mine-empty", T("mine-empty"));
      empty("supported", "supported-empty", T("supported-empty"));
      box.dataset.ready = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (form) { reportForm(form); }
    var box = document.getElementById("my-reports");
    if (box) { myReports(box); }
  });
})();
