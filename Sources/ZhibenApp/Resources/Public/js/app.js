// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.classList && form.classList.contains("confirm")) {
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }
});

// The township suggestions follow the county chosen in the enterprise form.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select.id !== "f-countyCode") return;
  var data = document.getElementById("township-data");
  var list = document.getElementById("townships");
  if (!data || !list) return;
  var townships = JSON.parse(data.textContent)[select.value] || [];
  list.textContent = "";
  townships.forEach(function (name) {
    var option = document.createElement("option");
    option.value = name;
    list.appendChild(option);
  });
});

// On a phone a list's rows are cards: each cell is labelled with its column's heading (also the rows
// the live board adds later), and the filters fold away behind one button.
(function () {
  function label(table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) return;
    var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (td.tagName === "TD" && !td.hasAttribute("data-label")) td.setAttribute("data-label", names[i] || "");
      });
    });
  }
  // Content drawn again later (a point's live section) is labelled through this.
  window.zhibenLabelTables = function (root) {
    Array.prototype.forEach.call(root.querySelectorAll("table.data"), label);
  };
  Array.prototype.forEach.call(document.querySelectorAll("table.data"), function (table) {
    label(table);
    var body = table.querySelector("tbody");
    if (body && window.MutationObserver) new MutationObserver(function () { label(table); }).observe(body, { childList: true });
  });
  var en = document.documentElement.lang === "en";
  Array.prototype.forEach.call(document.querySelectorAll("form.filters"), function (form) {
    var set = Array.prototype.some.call(form.elements, function (el) {
      return (el.tagName === "SELECT" || (el.tagName === "INPUT" && el.type !== "hidden" && el.type !== "submit" && el.type !== "checkbox")) && el.value
        || (el.type === "checkbox" && el.checked);
    });
    var button = document.createElement("button");
    button.type = "button";
    button.className = "filters-toggle";
    button.setAttribute("aria-expanded", "false");
    button.textContent = (en ? "Filters" : "筛选") + (set ? (en ? " (set)" : "（已设置）") : "");
    form.classList.add("collapsed");
    form.parentNode.insertBefore(button, form);
    button.addEventListener("click", function () {
      var open = form.classList.toggle("collapsed") === false;
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();

// Print buttons on ledgers and checklists.
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.hasAttribute && target.hasAttribute("data-print")) window.print();
});

// The alarm board follows the server's stream. Each row has its place in the board's order (data-rank:
// unacknowledged first, level 1 before level 2, then newest): a changed alarm is redrawn and moved to
// its place, one raised since the page was drawn comes in at its place and is marked new, and the
// first page keeps its length. The count is the server's (a `total` event after each batch of
// changes), so a change to an alarm on another page never counts twice. A level-1 alarm can sound a
// tone (off until switched on: browsers let a page play sound only after a click).
(function () {
  var board = document.querySelector("[data-alarm-stream]");
  if (!board || !window.EventSource) return;
  var rows = board.querySelector("[data-rows]");
  var empty = board.querySelector("[data-empty]");
  var wrap = board.querySelector(".table-wrap");
  var total = board.querySelector("[data-total]");
  var status = board.querySelector(".live-status");
  var button = board.querySelector("[data-sound]");
  var states = (board.getAttribute("data-states") || "").split(",").filter(Boolean);
  var outOnly = board.getAttribute("data-out") === "1";
  var live = board.getAttribute("data-insert") === "1";
  var since = parseInt(board.getAttribute("data-since"), 10) || 0;
  var per = parseInt(board.getAttribute("data-per"), 10) || 20;
  var newLabel = board.getAttribute("data-new") || "";
  var count = parseInt(total.getAttribute("data-total"), 10) || 0;
  var sound = false;
  try { sound = window.localStorage.getItem("zhiben-alarm-sound") === "on"; } catch (e) {}
  var audio = null;

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35].forEach(function (at) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        tone.type = "square";
        tone.frequency.value = 880;
        gain.gain.value = 0.08;
        tone.connect(gain);
        gain.connect(audio.destination);
        tone.start(audio.currentTime + at);
        tone.stop(audio.currentTime + at + 0.25);
      });
    } catch (e) {}
  }
  function showSound() {
    button.textContent = button.getAttribute(sound ? "data-on" : "data-off");
    button.setAttribute("aria-pressed", sound ? "true" : "false");
  }
  button.hidden = false;
  showSound();
  button.addEventListener("click", function () {
    sound = !sound;
    try { window.localStorage.setItem("zhiben-alarm-sound", sound ? "on" : "off"); } catch (e) {}
    showSound();
    if (sound) beep();
  });
  function showRows() {
    var none = !rows.querySelector("tr");
    empty.hidden = !none;
    wrap.hidden = none;
  }
  // Puts a row at its place among the others; false when its place is after the page's last row while
  // other alarms (`others` in all) follow on later pages, or after a full page.
  function place(row, others) {
    var rank = row.getAttribute("data-rank");
    var list = rows.querySelectorAll("tr");
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-rank") > rank) { rows.insertBefore(row, list[i]); return true; }
    }
    if (list.length >= per || others > list.length) return false;
    rows.appendChild(row);
    return true;
  }

  var source = new EventSource(board.getAttribute("data-alarm-stream"));
  source.addEventListener("open", function () {
    status.textContent = status.getAttribute("data-live");
    status.className = "live-status on";
  });
  source.addEventListener("error", function () {
    status.textContent = status.getAttribute("data-lost");
    status.className = "live-status off";
  });
  source.addEventListener("total", function (event) {
    var n = parseInt(event.data, 10);
    if (isNaN(n)) return;
    count = n;
    total.textContent = total.textContent.replace(/\d+/, String(n));
  });
  source.addEventListener("alarm", function (event) {
    var alarm = JSON.parse(event.data);
    var matches = (states.length === 0 || states.indexOf(alarm.state) >= 0) && (!outOnly || alarm.out);
    var existing = rows.querySelector('tr[data-id="' + alarm.id + '"]');
    if (!matches) {
      if (existing) { existing.remove(); showRows(); }
      return;
    }
    var template = document.createElement("template");
    template.innerHTML = alarm.row.trim();
    var row = template.content.firstElementChild;
    var isNew = alarm.raised >= since;
    var graver = alarm.level === 1 && alarm.state === "active" && (!existing || existing.getAttribute("data-level") !== "1");
    if (existing) existing.remove();
    else if (!live) return;
    if (!place(row, existing ? count - 1 : count)) { showRows(); return; }
    if (existing && existing.classList.contains("new")) isNew = true;
    if (isNew) {
      row.classList.add("new");
      var mark = document.createElement("span");
      mark.className = "tag red new-mark";
      mark.textContent = newLabel;
      row.firstElementChild.appendChild(document.createTextNode(" "));
      row.firstElementChild.appendChild(mark);
    }
    row.classList.add("fresh");
    var all = rows.querySelectorAll("tr");
    for (var i = per; i < all.length; i++) all[i].remove();
    showRows();
    if (graver && sound) beep();
  });
})();

// An inspection's field form keeps a draft on the device as it is filled in (a lost connection loses
// nothing). The draft is restored on the version it was started from; it is dropped once the server
// has saved (the page comes back with ?done=). A save based on an older version is refused by the
// server, and the draft stays here to be checked and sent again. A save without a connection waits
// for it and is sent when it is back.
(function () {
  var form = document.querySelector("form[data-draft]");
  if (!form || !window.localStorage) return;
  var key = form.getAttribute("data-draft");
  var version = form.getAttribute("data-version");
  if (/[?&]done=/.test(location.search) || form.hasAttribute("data-saved")) { localStorage.removeItem(key); }
  function collect() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "_csrf" || el.name === "baseVersion" || el.disabled) return;
      if (el.type === "radio") { if (el.checked) values[el.name] = el.value; }
      else if (el.type !== "submit") values[el.name] = el.value;
    });
    return values;
  }
  var stored = null;
  try { stored = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
  if (stored && stored.values) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in stored.values) || el.disabled) return;
      if (el.type === "radio") el.checked = stored.values[el.name] === el.value;
      else if (el.type !== "submit") el.value = stored.values[el.name];
    });
    // A draft begun on an older version says so: submitting it replaces what changed meanwhile.
    var note = form.querySelector(stored.version === version ? ".draft-note" : ".draft-note-stale");
    if (note) note.hidden = false;
  }
  window.setTimeout(function () { showTally(); }, 0);
  form.addEventListener("input", function () {
    localStorage.setItem(key, JSON.stringify({ version: version, values: collect(), at: Date.now() }));
  });
  // The tally above the checklist follows the answers as they are given.
  var tally = form.querySelector("[data-tally]");
  var labels = {};
  if (tally) (tally.getAttribute("data-labels") || "").split(";").forEach(function (pair) {
    var kv = pair.split(":");
    if (kv.length === 2) labels[kv[0]] = kv[1];
  });
  function counts() {
    var by = {}, filled = 0, open = [];
    var items = form.querySelectorAll(".check-item");
    Array.prototype.forEach.call(items, function (li) {
      var chosen = li.querySelector("input[type=radio]:checked");
      if (chosen) { by[chosen.value] = (by[chosen.value] || 0) + 1; filled += 1; } else open.push(li);
    });
    var parts = Object.keys(labels).map(function (k) { return labels[k] + " " + (by[k] || 0); });
    return { total: items.length, filled: filled, open: open, text: parts.join(tally ? tally.getAttribute("data-sep") : ", ") };
  }
  function fill(template, n) {
    return template.replace("{total}", n.total).replace("{filled}", n.filled).replace("{open}", n.open.length).replace("{counts}", n.text);
  }
  function showTally() { if (tally) tally.textContent = fill(tally.getAttribute("data-template"), counts()); }
  form.addEventListener("change", function (event) {
    var item = event.target.closest && event.target.closest(".check-item");
    if (item && event.target.type === "radio") {
      item.classList.toggle("failed", event.target.value === "fail");
      item.classList.remove("unanswered");
    }
    showTally();
  });
  // Completing asks once, with the counts; with items still open it says so and shows the first.
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.value !== "complete" || !tally) return;
    var n = counts();
    if (n.open.length > 0) {
      event.preventDefault();
      n.open.forEach(function (li) { li.classList.add("unanswered"); });
      window.alert(fill(button.getAttribute("data-refuse-open"), n));
      n.open[0].scrollIntoView({ block: "center" });
      return;
    }
    if (!window.confirm(fill(button.getAttribute("data-confirm-complete"), n))) event.preventDefault();
  });
  // Without a connection a submit would lose the page: the draft stays on the device, the page says
  // so, and the save (or completion) is sent by itself once the connection is back.
  var pending = null;
  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented || navigator.onLine !== false) return;
    event.preventDefault();
    localStorage.setItem(key, JSON.stringify({ version: version, values: collect(), at: Date.now() }));
    pending = (event.submitter && event.submitter.value) || "save";
    var note = form.querySelector(".offline-note");
    if (note) note.hidden = false;
  });
  window.addEventListener("online", function () {
    if (!pending) return;
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = pending;
    pending = null;
    form.appendChild(action);
    form.submit();
  });
})();

// Enterprise pickers: typing asks the server for up to eight enterprises in the caller's scope (name,
// credit code or pinyin initials); arrow keys move through them, Enter or a tap chooses one and keeps
// its id in the hidden field. Typing again after a choice clears it, so the text alone is never taken
// for the previous enterprise.
(function () {
  var en = document.documentElement.lang === "en";
  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), function (box) {
    var input = box.querySelector("input[role=combobox]");
    var hidden = box.querySelector("[data-picker-id]");
    var list = box.querySelector(".picker-list");
    var chosen = box.querySelector("[data-picker-chosen]");
    var url = box.getAttribute("data-picker");
    var timer = null, asked = 0, items = [], active = -1;
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      if (i >= 0 && list.children[i]) {
        input.setAttribute("aria-activedescendant", list.children[i].id);
        list.children[i].scrollIntoView({ block: "nearest" });
      }
    }
    function choose(item) {
      hidden.value = item.id;
      input.value = item.name;
      if (chosen) chosen.textContent = (en ? "Chosen: " : "已选：") + item.creditCode + " · " + item.county;
      close();
      box.dispatchEvent(new CustomEvent("picker-chosen", { bubbles: true, detail: item }));
    }
    function show(found) {
      items = found;
      list.textContent = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "none";
        none.textContent = en ? "No enterprise in your jurisdiction matches." : "辖区内没有匹配的企业。";
        list.appendChild(none);
      }
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("data-id", item.id);
        li.textContent = item.name;
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = item.creditCode + " · " + item.county;
        li.appendChild(meta);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(found.length ? 0 : -1);
    }
    function ask() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var mine = ++asked;
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) { if (mine === asked && document.activeElement === input) show(found); })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      hidden.value = "";
      if (chosen) chosen.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) {
        if (e.key === "ArrowDown" && input.value.trim()) { ask(); e.preventDefault(); }
        return;
      }
      if (e.key === "ArrowDown") { mark(Math.min(items.length - 1, active + 1)); e.preventDefault(); }
      else if (e.key === "ArrowUp") { mark(Math.max(0, active - 1)); e.preventDefault(); }
      else if (e.key === "Enter") { if (active >= 0 && items[active]) { choose(items[active]); e.preventDefault(); } }
      else if (e.key === "Escape") { close(); e.preventDefault(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  });
})();

// A monitoring point's live section follows the server's stream: the latest reading, online or offline,
// the trend and the recent alarms are drawn again whenever they change.
(function () {
  var section = document.querySelector("[data-point-stream]");
  if (!section || !window.EventSource) return;
  var source = new EventSource(section.getAttribute("data-point-stream"));
  source.addEventListener("live", function (event) {
    var open = Array.prototype.map.call(section.querySelectorAll("details"), function (d) { return d.open; });
    section.innerHTML = event.data;
    Array.prototype.forEach.call(section.querySelectorAll("details"), function (d, i) { if (open[i]) d.open = true; });
    if (window.zhibenLabelTables) window.zhibenLabelTables(section);
    section.setAttribute("data-updated", String(Date.now()));
  });
  source.addEventListener("error", function () {
    var status = section.querySelector(".live-status");
    if (status) status.textContent = section.getAttribute("data-lost");
  });
  source.addEventListener("open", function () {
    var status = section.querySelector(".live-status");
    if (status) status.textContent = "";
  });
})();

// A checklist item's photo is sent without leaving the page: the answers not yet saved stay as they are,
// the page stays where it is, and the item shows its new photo. If the server refuses (or answers
// something unexpected), the form is sent the ordinary way and the page says why.
(function () {
  var en = document.documentElement.lang === "en";
  Array.prototype.forEach.call(document.querySelectorAll("form[enctype='multipart/form-data'][id^='ph-']"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData || !window.DOMParser) return;
      var input = document.querySelector("input[type=file][form='" + form.id + "']");
      var item = input && input.closest("li.check-item");
      if (!item || !input.files || !input.files.length) return;
      event.preventDefault();
      var status = item.querySelector(".photo-status");
      if (!status) {
        status = document.createElement("p");
        status.className = "photo-status small";
        status.setAttribute("role", "status");
        item.appendChild(status);
      }
      status.textContent = en ? "Uploading…" : "正在上传…";
      var buttons = item.querySelectorAll(".photo-upload button");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (res) {
          if (!res.ok || res.url.indexOf("uploaded=photo") < 0) throw new Error("refused");
          return res.text();
        })
        .then(function (text) {
          var fresh = new DOMParser().parseFromString(text, "text/html").getElementById(item.id);
          if (!fresh) throw new Error("refused");
          // Only the photos and the upload are taken from the server's page; the answers stay as typed.
          ["thumbs", "photo-upload"].forEach(function (name) {
            var now = item.querySelector("." + name), next = fresh.querySelector("." + name);
            if (next && now) now.replaceWith(next);
            else if (next) item.insertBefore(next, item.querySelector(".photo-upload") || status);
            else if (now) now.remove();
          });
          status.textContent = en ? "Photo uploaded." : "照片已上传。";
        })
        .catch(function (error) {
          if (error && error.message === "refused") { form.submit(); return; }
          status.textContent = en ? "No connection: the photo was not uploaded. Try again once online." : "网络不通，照片未上传；恢复连接后请再试。";
          Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        });
    });
  });
})();

// A permit's forms on the phone (gas tests, entries and exits, suspension, closing) work without a
// connection: each submit made offline is kept on the device with the moment it happened, and the
// queue is sent in order once the connection is back; the server records each at its own moment and
// refuses one that comes before the permit's last record. Queued actions carry no version: each
// applies to the permit as it then is, and the workflow refuses what no longer fits.
(function () {
  var forms = document.querySelectorAll("form[data-offline-queue]");
  if (!forms.length || !window.localStorage || !window.fetch) return;
  var key = forms[0].getAttribute("data-offline-queue");
  var note = document.querySelector(".offline-note");
  var template = note ? note.textContent : "";
  function read() { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; } }
  function write(q) { if (q.length) localStorage.setItem(key, JSON.stringify(q)); else localStorage.removeItem(key); }
  function show() {
    var q = read();
    if (!note) return;
    note.hidden = q.length === 0;
    note.textContent = template.replace("{n}", q.length);
  }
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) { event.preventDefault(); return; }
      var at = form.querySelector("input[name=at]");
      if (navigator.onLine !== false) { if (at) at.value = ""; return; }
      event.preventDefault();
      var fields = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "version" || el.type === "submit") return;
        fields.push([el.name, el.name === "at" ? new Date().toISOString() : el.value]);
      });
      var q = read();
      q.push({ url: form.getAttribute("action"), fields: fields });
      write(q);
      show();
      Array.prototype.forEach.call(form.querySelectorAll("input[type=text], input:not([type])"), function (el) { el.value = ""; });
    });
  });
  var sending = false;
  function send() {
    var q = read();
    if (sending || !q.length || navigator.onLine === false) return;
    sending = true;
    var next = q[0];
    var body = new URLSearchParams();
    next.fields.forEach(function (kv) { body.append(kv[0], kv[1]); });
    fetch(next.url, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
      // Sent: the server took it, or refused it with its reasons (a refusal is not retried).
      var rest = read().slice(1);
      write(rest);
      sending = false;
      if (!r.ok) { try { sessionStorage.setItem(key + "-refused", String(r.status)); } catch (e) {} }
      if (rest.length) send(); else location.reload();
    }).catch(function () { sending = false; show(); });
  }
  window.addEventListener("online", send);
  // What the server refused of the queue sent last time (a gas test after the window closed …) is said once.
  var refusedNote = document.querySelector(".offline-refused");
  try {
    var refused = sessionStorage.getItem(key + "-refused");
    if (refused && refusedNote) { refusedNote.hidden = false; sessionStorage.removeItem(key + "-refused"); }
  } catch (e) {}
  show();
  send();
})();
