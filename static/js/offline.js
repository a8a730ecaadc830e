/* Offline field capture (issue 14), on every page of a logged-in user.

   - Registers the service worker (/sw.js) and fetches the field pages and the map's data once online, so that
     they open without a signal.
   - Forms marked data-offline-kind (report a hazard, progress, patrol) are kept on the phone when it is offline
     (or when asked to: "Keep on this phone"): in IndexedDB, photos made smaller with a canvas first.
   - Back online, the queue is sent in the order it was made, one item at a time: photos first, in pieces the
     server resumes (/offline/uploads/<id>/), then the write to the REST API with the item's own id
     (X-Client-Id), so that a repeat never makes a second record.
   - What the server did not take (a stale version, a likely duplicate, a refusal) stays, marked, until the user
     decides: send again on the current version, send anyway, open the page, or discard. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("offline-config").textContent);
  var T = cfg.text;
  var DB_NAME = "floodwatch-offline", STORE = "queue";
  var PIECE = 256 * 1024, MAX_SIDE = 1600, QUALITY = 0.82;
  var SENT_KEPT_MS = 24 * 3600 * 1000;  // what was sent stays listed for a day
  var SKIP = ["csrfmiddlewaretoken", "prefix", "next", "kept_photos"];
  var lang = document.documentElement.lang || "zh-hans";
  var syncing = false, loginNeeded = false, installPrompt = null;

  function text(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; }).replace(/%%/g, "%");
  }
  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content != null) { node.textContent = content; }
    return node;
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return match ? decodeURIComponent(match[1]) : (input ? input.value : "");
  }

  /* The queue, in IndexedDB: it outlives reloads, restarts and new versions of the service worker. */
  var dbPromise = null;
  function db() {
    dbPromise = dbPromise || new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, {keyPath: "id"}); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
    return dbPromise;
  }
  function run(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode), request = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(request ? request.result : undefined); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  function allItems() {
    return run("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.sort(function (a, b) { return a.created - b.created; });
    });
  }
  function save(item) { return run("readwrite", function (s) { return s.put(item); }).then(snapshot); }
  function remove(id) { return run("readwrite", function (s) { return s.delete(id); }).then(snapshot); }
  // The queue's states on the page, e.g. "sent,sent,waiting": what the panel shows, readable at once (tests).
  function snapshot() {
    return allItems().then(function (items) {
      document.documentElement.dataset.queue = items.map(function (i) { return i.state; }).sort().join(",");
      document.documentElement.dataset.queueRepeats = items.filter(function (i) { return i.result && i.result.repeat; }).length;
    });
  }

  /* Photos made smaller on the phone: at most MAX_SIDE pixels, JPEG, upright. */
  function compress(file) {
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
    }).then(function (blob) {
      if (!blob) { throw new Error("no blob"); }
      return {id: newId(), name: file.name.replace(/\.[^.]*$/, "") + ".jpg", blob: blob};
    }).catch(function () {
      return {id: newId(), name: file.name, blob: file};  // not decodable here: sent as taken, the server checks it
    });
  }

  /* A form's fields as [name, value] pairs without its prefix; photos and other files apart. */
  function capture(form) {
    var prefix = form.dataset.offlinePrefix || "", fields = [], photoFiles = [], files = [];
    Array.prototype.forEach.call(form.elements, function (input) {
      var name = input.name && input.name.indexOf(prefix) === 0 ? input.name.slice(prefix.length) : input.name;
      if (!name || input.disabled || SKIP.indexOf(name) >= 0 || /^(submit|button|reset)$/.test(input.type)) { return; }
      if (input.type === "file") {
        Array.prototype.forEach.call(input.files, function (f) {
          if (/^image\//.test(input.accept || "")) { photoFiles.push(f); } else { files.push({field: name, name: f.name, blob: f}); }
        });
      } else if ((input.type === "checkbox" || input.type === "radio") && !input.checked) {
        return;
      } else if (input.tagName === "SELECT" && input.multiple) {
        Array.prototype.forEach.call(input.selectedOptions, function (o) { fields.push([name, o.value]); });
      } else {
        fields.push([name, input.value]);
      }
    });
    if (form.dataset.offlineKind === "hazard") { fields.push(["check_duplicates", "1"]); }
    return Promise.all(photoFiles.map(compress)).then(function (photos) {
      var title = fields.filter(function (f) { return f[0] === "title"; })[0];
      return {
        id: newId(), kind: form.dataset.offlineKind, url: form.dataset.offlineUrl, user: cfg.user,
        label: form.dataset.offlineLabel || (title ? title[1] : ""), page: form.dataset.offlinePage || location.pathname,
        fields: fields, photos: photos, files: files, created: Date.now(), state: "waiting"
      };
    });
  }

  function keep(form) {
    return capture(form).then(save).then(function () {
      form.reset();
      form.dispatchEvent(new CustomEvent("floodwatch:queued", {bubbles: true}));
      var note = el("div", "queued-note", T.queued);
      note.setAttribute("role", "status");
      form.parentNode.insertBefore(note, form);
      note.scrollIntoView({block: "center"});
      setTimeout(function () { note.remove(); }, 8000);
      render();
      sync();
    });
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.dataset || !form.dataset.offlineKind || navigator.onLine) { return; }
    ev.preventDefault();
    keep(form);
  }, true);

  function addKeepButtons() {
    document.querySelectorAll("form[data-offline-kind]").forEach(function (form) {
      var button = el("button", "keep-offline", T.keep);
      button.type = "button";
      button.addEventListener("click", function () { keep(form); });
      var submit = form.querySelector("button.primary");
      (submit ? submit.parentNode : form).insertBefore(button, submit ? submit.nextSibling : null);
    });
  }

  /* Sending, in order, one item at a time. */
  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    loginNeeded = false;
    return allItems().then(function (items) {
      var todo = items.filter(function (i) { return i.user === cfg.user && (i.state === "waiting" || i.state === "sending"); });
      return todo.reduce(function (chain, item) {
        return chain.then(function (stop) { return stop ? true : send(item); });
      }, Promise.resolve(false));
    }).catch(function () { /* tried again on the next occasion */ }).then(function () {
      syncing = false;
      render();
    });
  }

  function send(item) {
    item.state = "sending";
    return save(item).then(render).then(function () {
      return item.photos.reduce(function (chain, photo) {
        return chain.then(function () { return uploadPhoto(photo); });
      }, Promise.resolve());
    }).then(function () {
      var body = new FormData();
      item.fields.forEach(function (f) { body.append(f[0], f[1]); });
      item.photos.forEach(function (p) { body.append("uploads", p.id); });
      (item.files || []).forEach(function (f) { body.append(f.field, f.blob, f.name); });
      return fetch(item.url, {method: "POST", body: body, credentials: "same-origin",
                              headers: {"X-CSRFToken": csrfToken(), "X-Client-Id": item.id, "Accept": "application/json"}});
    }).then(function (response) {
      return response.text().then(function (raw) {
        var answer = {};
        try { answer = JSON.parse(raw); } catch (e) { answer = {}; }
        return settle(item, response.status, answer, response.headers.get("X-Repeat") === "1");
      });
    }, function (error) {
      if (error && error.refused) { return settle(item, 400, {errors: {photo: error.message}}); }
      item.state = "waiting";  // no connection after all, or the server is away: later
      return save(item).then(function () { return true; });
    });
  }

  /* What the answer means for the item; true to stop sending for now. */
  function settle(item, status, answer, repeat) {
    var stop = false;
    if (status >= 200 && status < 300) {
      var p = answer.properties || answer;
      item.state = "sent";
      item.sent = Date.now();
      item.result = {url: p.url || "", code: p.code || "", repeat: !!repeat};  // repeat: the server had it already
      item.photos = item.photos.map(function (ph) { return {id: ph.id, name: ph.name}; });  // the server has them
      item.files = [];
    } else if (status === 409 && answer.in_progress) {
      item.state = "waiting";
      stop = true;
    } else if (status === 409) {
      item.state = "conflict";
      item.problem = {message: answer.error || "", current: answer.current || null, duplicate: answer.duplicate || null};
    } else if (status === 400) {
      item.state = "refused";
      var errors = answer.errors || {error: answer.error || String(status)};
      item.problem = {message: Object.keys(errors).map(function (k) { return errors[k]; }).join(" ")};
    } else {
      item.state = "waiting";
      loginNeeded = status === 401 || status === 403;
      stop = true;
    }
    return save(item).then(function () { return stop; });
  }

  function uploadPhoto(photo) {
    var url = cfg.uploadUrl.replace("00000000-0000-0000-0000-000000000000", photo.id);
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
      if (r.status === 404) { return {received: 0}; }
      if (!r.ok) { throw new Error("upload " + r.status); }
      return r.json();
    }).then(function (state) { return state.complete ? null : pieces(photo, url, state.received); });
  }

  function pieces(photo, url, offset) {
    var size = photo.blob.size;
    var query = "?size=" + size + "&offset=" + offset + "&name=" + encodeURIComponent(photo.name);
    return fetch(url + query, {method: "POST", body: photo.blob.slice(offset, offset + PIECE), credentials: "same-origin",
                               headers: {"X-CSRFToken": csrfToken(), "Content-Type": "application/octet-stream"}})
      .then(function (r) {
        return r.json().then(function (state) {
          if (r.status === 400) {
            var refusal = new Error(Object.values(state.errors || {}).join(" "));
            refusal.refused = true;
            throw refusal;
          }
          if (!r.ok && r.status !== 409) { throw new Error("upload " + r.status); }
          return state.complete ? null : pieces(photo, url, state.received);
        });
      });
  }

  /* The user's decisions on what the server did not take. */
  function setField(item, name, value) {
    item.fields = item.fields.filter(function (f) { return f[0] !== name; }).concat([[name, String(value)]]);
  }
  function retry(item, change) {
    change(item);
    item.state = "waiting";
    item.problem = null;
    return save(item).then(render).then(sync);
  }
  function discard(item) {
    if (window.confirm(T.confirmDiscard)) { remove(item.id).then(render); }
  }

  /* The banner, the dock's button and the panel. */
  var banner = document.getElementById("offline-banner");
  var button = document.getElementById("queue-button");
  var panel = document.getElementById("queue-panel");
  var list = document.getElementById("queue-items");
  var note = document.getElementById("queue-note");
  var age = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, {numeric: "auto"}) : null;

  function ageOf(ms) {
    var minutes = Math.round((Date.now() - ms) / 60000);
    if (!age) { return new Date(ms).toLocaleString(); }
    if (minutes < 60) { return age.format(-minutes, "minute"); }
    if (minutes < 48 * 60) { return age.format(-Math.round(minutes / 60), "hour"); }
    return age.format(-Math.round(minutes / 1440), "day");
  }

  function render() {
    banner.hidden = navigator.onLine;
    document.body.classList.toggle("is-offline", !navigator.onLine);
    return allItems().then(function (items) {
      items.filter(function (i) { return i.state === "sent" && Date.now() - i.sent > SENT_KEPT_MS; })
        .forEach(function (i) { remove(i.id); });
      items = items.filter(function (i) { return !(i.state === "sent" && Date.now() - i.sent > SENT_KEPT_MS); });
      var waiting = items.filter(function (i) { return i.state === "waiting" || i.state === "sending"; }).length;
      var stuck = items.filter(function (i) { return i.state === "conflict" || i.state === "refused"; }).length;
      button.hidden = items.length === 0;
      button.textContent = (waiting ? text(T.count, {n: waiting}) : T.countNone) + (stuck ? " · " + text(T.needsYou, {n: stuck}) : "");
      button.classList.toggle("needs-you", stuck > 0);
      note.textContent = loginNeeded ? T.loginAgain : "";
      list.replaceChildren.apply(list, items.slice().reverse().map(row));
    });
  }

  function row(item) {
    var li = el("li", "queue-item state-" + item.state);
    li.dataset.id = item.id;
    var head = el("div", "queue-head");
    head.appendChild(el("strong", null, T[item.kind] || item.kind));
    head.appendChild(el("span", "queue-label", item.label || ""));
    li.appendChild(head);
    var photoCount = item.photos.length;
    li.appendChild(el("div", "queue-meta", T[item.state] + " · " + ageOf(item.sent || item.created) +
                      (photoCount ? " · " + text(T.photos, {n: photoCount}) : "")));
    if (item.user !== cfg.user) {
      li.appendChild(el("div", "queue-problem", text(T.otherUser, {user: item.user})));
      return li;
    }
    if (item.state === "sent" && item.result && item.result.url) {
      var link = el("a", null, (item.result.code ? item.result.code + " · " : "") + T.sentLink);
      link.href = item.result.url;
      li.appendChild(link);
    }
    if (item.problem) { li.appendChild(problem(item)); }
    return li;
  }

  function problem(item) {
    var box = el("div", "queue-problem"), p = item.problem, actions = el("div", "queue-actions");
    box.appendChild(el("p", null, p.message));
    if (p.current) {
      box.appendChild(el("p", null, text(T.now, {pct: p.current.progress_pct, status: p.current.status_label || p.current.status})));
      if (p.current.status !== "accepted") {
        actions.appendChild(action(T.resend, "resend", function () {
          retry(item, function (i) { setField(i, "version", p.current.version); });
        }));
      }
    }
    if (p.duplicate) {
      actions.appendChild(action(T.sendAnyway, "send-anyway", function () {
        retry(item, function (i) { setField(i, "check_duplicates", "0"); });
      }));
      actions.appendChild(linkTo(text(T.openDuplicate, {code: p.duplicate.code}), p.duplicate.url));
    }
    var page = (p.current && p.current.url) || item.page;
    if (page) { actions.appendChild(linkTo(T.open, page)); }
    actions.appendChild(action(T.discard, "discard", function () { discard(item); }));
    box.appendChild(actions);
    return box;
  }
  function action(label, name, onClick) {
    var b = el("button", "queue-" + name, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function linkTo(label, href) {
    var a = el("a", "queue-open", label);
    a.href = href;
    return a;
  }

  function togglePanel(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  }
  button.addEventListener("click", function () { togglePanel(panel.hidden); });
  document.getElementById("queue-close").addEventListener("click", function () { togglePanel(false); });

  /* Installing: Chromium offers it once the manifest and the worker are there; the button asks. */
  var install = document.getElementById("install-app");
  window.addEventListener("beforeinstallprompt", function (ev) {
    ev.preventDefault();
    installPrompt = ev;
    install.hidden = false;
  });
  install.addEventListener("click", function () {
    if (!installPrompt) { return; }
    installPrompt.prompt();
    installPrompt.userChoice.then(function () { installPrompt = null; install.hidden = true; });
  });
  window.addEventListener("appinstalled", function () { install.hidden = true; });

  /* The field pages and the map's data, fetched while there is a signal, for when there is none. */
  function warm() {
    if (!navigator.onLine || !window.caches) { return Promise.resolve(); }
    return caches.open("fw-pages").then(function (cache) {
      return Promise.all(cfg.warm.map(function (url) {
        return fetch(url, {credentials: "same-origin"}).then(function (r) {
          if (r.status === 200 && new URL(r.url).pathname.indexOf("/accounts/") !== 0) { return cache.put(url, r); }
        }).catch(function () { /* the next page tries again */ });
      }));
    }).then(function () { document.documentElement.dataset.offlineReady = "1"; });
  }

  // Logging out: the pages kept are this user's; the queue stays, tagged with its user.
  document.querySelectorAll("form[action$='/accounts/logout/']").forEach(function (form) {
    form.addEventListener("submit", function () { if (window.caches) { caches.delete("fw-pages"); } });
  });

  window.addEventListener("online", function () { render(); sync(); });
  window.addEventListener("offline", render);
  setInterval(function () { if (navigator.onLine) { sync(); } }, 30000);

  window.FloodwatchOffline = {items: allItems, sync: sync, render: render, snapshot: snapshot};
  snapshot();
  addKeepButtons();
  render();
  var ready = "serviceWorker" in navigator
    ? navigator.serviceWorker.register(cfg.worker, {scope: "/"}).then(function () { return navigator.serviceWorker.ready; })
    : Promise.resolve();
  ready.catch(function () { /* still usable online */ }).then(warm).then(sync);
})();
