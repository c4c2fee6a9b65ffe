// DOST operator console. Vanilla JS, no build step. Every text comes from the page's
// #console-config block (the catalog's operator section); data is inserted as text, never HTML.
// Live updates arrive on a WebSocket, which also carries the heartbeat that keeps the operator
// online (30 s without one: offline, their chats go back to the queue).
(function () {
  "use strict";

  var CONFIG = JSON.parse(document.getElementById("console-config").textContent);
  var T = CONFIG.texts;
  var CSRF = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var HEARTBEAT_MS = 10000;
  var TYPING_MS = 4000;

  var current = null; // the open conversation's id
  var currentView = null;
  var unread = {};
  var socket = null;
  var lastTyping = 0;
  var alerts = 0;

  // --- helpers ------------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function api(method, path, body) {
    return fetch(CONFIG.api + path, {
      method: method,
      headers: { "Accept": "application/json", "Content-Type": "application/json",
                 "X-CSRF-Token": CSRF },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 401) window.location.reload();
      return response.json().catch(function () { return null; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    }).catch(function () { return { ok: false, status: 0, data: null }; });
  }

  function conversationPath(id, suffix) {
    return "/conversations/" + encodeURIComponent(id) + (suffix || "");
  }

  function waitText(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return (minutes ? minutes + " " + T.minutes_short + " " : "") + rest + " " + T.seconds_short;
  }

  function channelName(channel) { return T["channel_" + channel] || channel || ""; }
  function reasonName(reason) { return T["reason_" + reason] || reason || ""; }
  function statusName(status) { return T["status_" + status] || status || ""; }
  function serviceName(id) { return (id && CONFIG.services[id]) || id || ""; }

  function fill(list, items, render) {
    list.textContent = "";
    if (!items.length) {
      list.appendChild(el("li", "empty-item", list.getAttribute("data-empty")));
      return;
    }
    items.forEach(function (item) { list.appendChild(render(item)); });
  }

  function notice(text) {
    var box = $("conversation-notice");
    box.textContent = text;
    box.hidden = !text;
  }

  // --- alerts: sound, browser notification, the page's own mark --------------------------------
  function beep() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.15;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.25);
    } catch (e) { /* no sound available */ }
  }

  function alertOperator(text) {
    alerts += 1;
    document.body.setAttribute("data-alerts", String(alerts));
    document.title = "(" + alerts + ") " + T.page_title;
    beep();
    if (window.Notification && Notification.permission === "granted") {
      try { new Notification(T.heading, { body: text, tag: "dost-handoff" }); } catch (e) { /* */ }
    }
  }

  window.addEventListener("focus", function () {
    alerts = 0;
    document.title = T.page_title;
  });

  $("notify").addEventListener("click", function () {
    if (window.Notification) Notification.requestPermission();
  });

  // --- lists --------------------------------------------------------------------------------
  function itemSummary(item) {
    var box = el("div", "summary");
    box.appendChild(el("strong", null, channelName(item.channel)));
    if (item.service) box.appendChild(el("span", "service", serviceName(item.service)));
    box.appendChild(el("span", "reason", reasonName(item.reason)));
    box.appendChild(el("span", "wait", T.waiting + " " + waitText(item.waiting_seconds)));
    if (item.kind === "call" && item.call) box.appendChild(callCard(item.call));
    return box;
  }

  // An incoming call: the proven number (masked), the keys pressed, what the caller asked.
  function callCard(call) {
    var card = el("div", "call-card");
    card.appendChild(el("strong", null, T.incoming_call));
    if (call.caller) card.appendChild(el("span", "call-number", T.call_number + " " + call.caller));
    if (call.ivr) card.appendChild(el("span", "call-ivr", T.call_ivr + " " + call.ivr));
    if (call.asked) card.appendChild(el("span", "call-asked", T.call_asked + " " + call.asked));
    return card;
  }

  function refreshQueue() {
    return api("GET", "/queue").then(function (result) {
      if (!result.ok) return;
      $("queue-count").textContent = String(result.data.length);
      fill($("queue"), result.data, function (item) {
        var li = el("li", "item");
        li.setAttribute("data-conversation", item.conversation_id);
        li.appendChild(itemSummary(item));
        var take = el("button", "primary take", T.take);
        take.type = "button";
        take.addEventListener("click", function () { takeConversation(item.conversation_id); });
        li.appendChild(take);
        return li;
      });
    });
  }

  function refreshMine() {
    return api("GET", "/mine").then(function (result) {
      if (!result.ok) return;
      fill($("mine"), result.data, function (item) {
        var li = el("li", "item mine-item");
        li.setAttribute("data-conversation", item.conversation_id);
        if (item.conversation_id === current) li.classList.add("current");
        li.appendChild(itemSummary(item));
        li.appendChild(el("span", "status", statusName(item.status)));
        if (unread[item.conversation_id]) li.appendChild(el("span", "unread", T.unread));
        var open = el("button", "secondary", T.open);
        open.type = "button";
        open.addEventListener("click", function () { openConversation(item.conversation_id); });
        li.appendChild(open);
        return li;
      });
    });
  }

  function refreshCallbacks() {
    return api("GET", "/callbacks").then(function (result) {
      if (!result.ok) return;
      var open = result.data.filter(function (task) { return task.status === "open"; });
      fill($("callbacks"), open, function (task) {
        var li = el("li", "item");
        li.appendChild(el("strong", null, task.phone));
        li.appendChild(el("span", null, T.callback_preferred + " " + task.preferred));
        li.appendChild(el("span", null, T.attempts + " " + task.attempts.length));
        if (task.due_at) {  // the next attempt, within the operators' hours (Baku time)
          var dueAt = new Date(task.due_at);
          var when = dueAt.toLocaleString("az-AZ", { timeZone: "Asia/Baku", dateStyle: "short",
                                                     timeStyle: "short" });
          li.appendChild(el("span", dueAt <= new Date() ? "due now" : "due", T.callback_due + " " + when));
        }
        [["callback_answered", true], ["callback_no_answer", false]].forEach(function (pair) {
          var button = el("button", "secondary", T[pair[0]]);
          button.type = "button";
          button.addEventListener("click", function () {
            api("POST", "/callbacks/" + task.id + "/attempts", { answered: pair[1] })
              .then(refreshCallbacks);
          });
          li.appendChild(button);
        });
        return li;
      });
    });
  }

  // --- one conversation -----------------------------------------------------------------------
  function appendLine(entry) {
    var role = entry.role === "user" ? "user" : entry.role === "operator" ? "operator" : "bot";
    var li = el("li", "line " + role);
    li.appendChild(el("span", "who", T["role_" + role]));
    li.appendChild(el("span", "text", entry.text));
    $("transcript").appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function definition(list, term, value) {
    list.appendChild(el("dt", null, term));
    list.appendChild(el("dd", null, value === null || value === undefined || value === "" ? T.nothing : value));
  }

  function renderView(view) {
    currentView = view;
    $("empty").hidden = true;
    $("conversation").hidden = false;
    $("conversation-title").textContent = channelName(view.handoff.channel) + " · " + view.label;
    $("conversation-status").textContent = statusName(view.handoff.status);
    var service = view.understood.service;
    $("conversation-service").textContent = service ? service.name : "";
    var transcript = $("transcript");
    transcript.textContent = "";
    view.transcript.forEach(appendLine);

    var understood = $("understood");
    understood.textContent = "";
    definition(understood, T.intent, view.understood.intent);
    definition(understood, T.service, service ? service.name : null);
    definition(understood, T.entities, view.understood.entities.map(function (e) {
      return e.entity + ": " + e.value;
    }).join(", "));
    understood.appendChild(el("dt", null, T.answers));
    var answers = el("dd");
    view.understood.answers.forEach(function (answer) {
      var box = el("div", "answer");
      if (answer.intent) box.appendChild(el("p", "source", answer.intent));
      box.appendChild(el("p", null, answer.text));
      answer.sources.forEach(function (source) {
        box.appendChild(el("p", "source", source.title + (source.url ? " — " + source.url : "") +
                                         " (" + source.passport + ", " + source.field + ")"));
      });
      answers.appendChild(box);
    });
    understood.appendChild(answers);

    var identity = $("identity");
    identity.textContent = "";
    if (view.identity) {
      definition(identity, T.phone, view.identity.phone);
      definition(identity, T.fin, view.identity.fin);
      definition(identity, T.proof, view.identity.proof);
    } else {
      identity.appendChild(el("dd", null, T.identity_none));
    }
    renderNotes(view.notes);
    var mine = view.handoff.operator === CONFIG.me;
    var takeable = view.handoff.status === "queued" ||
                   (mine && view.handoff.status === "offered");
    $("take-current").hidden = !takeable;
    ["send", "transfer", "close", "reply", "canned", "transfer-target"].forEach(function (id) {
      $(id).disabled = !(mine || (CONFIG.supervisor && id === "close"));
    });
  }

  function renderNotes(notes) {
    var list = $("notes");
    list.textContent = "";
    notes.forEach(function (note) {
      list.appendChild(el("li", null, note.operator + ": " + note.text));
    });
  }

  function openConversation(id) {
    current = id;
    delete unread[id];
    notice("");
    return api("GET", conversationPath(id)).then(function (result) {
      if (!result.ok) { notice(T.failed); return; }
      renderView(result.data);
      refreshMine();
      loadCanned(id);
    });
  }

  function takeConversation(id) {
    return api("POST", conversationPath(id, "/take")).then(function (result) {
      if (!result.ok) {
        notice(result.status === 409 ? T.taken_by_other : T.failed);
        refreshQueue();
        return;
      }
      refreshQueue();
      return openConversation(id);
    });
  }

  function loadCanned(id) {
    var select = $("canned");
    while (select.options.length > 1) select.remove(1);
    api("GET", conversationPath(id, "/canned")).then(function (result) {
      if (!result.ok) return;
      result.data.forEach(function (canned) {
        var option = el("option", null, canned.title);
        option.value = canned.text;
        select.appendChild(option);
      });
    });
    var target = $("transfer-target");
    target.textContent = "";
    api("GET", "/colleagues").then(function (result) {
      if (!result.ok) return;
      var people = el("optgroup");
      people.label = T.transfer_operators;
      result.data.operators.forEach(function (name) {
        var option = el("option", null, name);
        option.value = "operator:" + name;
        people.appendChild(option);
      });
      var skills = el("optgroup");
      skills.label = T.transfer_skills;
      result.data.skills.forEach(function (skill) {
        var option = el("option", null, skill.name);
        option.value = "skill:" + skill.id;
        skills.appendChild(option);
      });
      target.appendChild(people);
      target.appendChild(skills);
    });
  }

  $("canned").addEventListener("change", function (event) {
    if (event.target.value) $("reply").value = event.target.value;
    event.target.selectedIndex = 0;
    $("reply").focus();
  });

  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text || !current) return;
    var id = current;
    api("POST", conversationPath(id, "/messages"), { text: text }).then(function (result) {
      if (!result.ok) { notice(result.status === 409 ? T.taken_by_other : T.failed); return; }
      $("reply").value = "";
      if (id === current) appendLine({ role: "operator", text: text });
      notice(result.data.delivered ? "" : T.not_delivered);
      refreshMine();
    });
  });

  $("reply").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });

  $("reply").addEventListener("input", function () {
    var now = Date.now();
    if (!current || now - lastTyping < TYPING_MS || !socket || socket.readyState !== 1) return;
    lastTyping = now;
    socket.send(JSON.stringify({ type: "typing", conversation_id: current }));
  });

  $("take-current").addEventListener("click", function () {
    if (current) takeConversation(current);
  });

  $("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("note").value.trim();
    if (!text || !current) return;
    var id = current;
    api("POST", conversationPath(id, "/notes"), { text: text }).then(function (result) {
      if (!result.ok) { notice(T.failed); return; }
      $("note").value = "";
      if (id === current) openConversation(id);
    });
  });

  $("transfer").addEventListener("click", function () {
    var value = $("transfer-target").value;
    if (!value || !current) return;
    var parts = value.split(":");
    var body = parts[0] === "operator" ? { operator: parts[1] } : { skill: parts[1] };
    api("POST", conversationPath(current, "/transfer"), body).then(function (result) {
      if (!result.ok) { notice(T.failed); return; }
      closeView();
    });
  });

  $("close").addEventListener("click", function () {
    if (!current || !window.confirm(T.confirm_close)) return;
    api("POST", conversationPath(current, "/close")).then(function (result) {
      if (!result.ok) { notice(T.failed); return; }
      closeView();
    });
  });

  function closeView() {
    current = null;
    currentView = null;
    $("conversation").hidden = true;
    $("empty").hidden = false;
    refreshMine();
    refreshQueue();
  }

  $("logout").addEventListener("click", function () {
    fetch(CONFIG.logout, { method: "POST", headers: { "X-CSRF-Token": CSRF },
                           credentials: "same-origin" })
      .then(function () { window.location.reload(); });
  });

  // --- live updates ---------------------------------------------------------------------------
  var refreshTimer = null;
  function refreshSoon() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      refreshQueue();
      refreshMine();
    }, 150);
  }

  function onEvent(event) {
    switch (event.type) {
      case "handoff":
        alertOperator(T.new_handoff);
        refreshSoon();
        break;
      case "offer":
        alertOperator(T.offered);
        refreshSoon();
        break;
      case "message":
        if (event.from !== "citizen") break;
        if (event.conversation_id === current) {
          appendLine({ role: "user", text: event.text });
        } else {
          unread[event.conversation_id] = true;
          refreshSoon();
        }
        break;
      case "lapsed":
      case "requeued":
      case "closed":
        if (event.conversation_id === current) {
          notice(T[event.type === "closed" ? "closed_elsewhere" : event.type]);
          openConversation(current);
        }
        refreshSoon();
        break;
      case "callback":
        refreshCallbacks();
        break;
      default:
        refreshSoon();
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + CONFIG.ws);
    socket.addEventListener("open", function () {
      $("live").setAttribute("data-state", "on");
      $("live").textContent = T.connected;
      refreshQueue();
      refreshMine();
      refreshCallbacks();
    });
    socket.addEventListener("message", function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event && typeof event.type === "string") onEvent(event);
    });
    socket.addEventListener("close", function () {
      $("live").setAttribute("data-state", "off");
      $("live").textContent = T.connection_lost;
      setTimeout(connect, 2000);
    });
  }

  setInterval(function () {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: "heartbeat" }));
  }, HEARTBEAT_MS);
  setInterval(refreshQueue, 5000); // the waiting times keep counting

  // --- the supervisor's view ------------------------------------------------------------------
  function percent(value) { return value === null ? T.nothing : Math.round(value * 100) + " %"; }
  function seconds(value) { return value === null ? T.nothing : waitText(Math.round(value)); }

  function refreshStats() {
    api("GET", "/stats").then(function (result) {
      if (!result.ok) return;
      var s = result.data;
      var list = $("stats");
      list.textContent = "";
      definition(list, T.queue_length, String(s.queue_length));
      definition(list, T.longest_wait, seconds(s.longest_wait_seconds));
      definition(list, T.mean_wait, seconds(s.mean_wait_seconds));
      definition(list, T.online, s.operators_online.map(function (op) {
        return op.name + " (" + T.load + " " + op.load + "/" + op.capacity + ")";
      }).join(", "));
      definition(list, T.today + ": " + T.conversations, String(s.today.conversations));
      definition(list, T.handoff_rate, percent(s.today.handoff_rate));
      definition(list, T.containment, percent(s.today.containment));
      definition(list, T.time_to_answer, seconds(s.today.time_to_answer_p50) + " / " +
                                         seconds(s.today.time_to_answer_p90));
      definition(list, T.answered_within_target, percent(s.today.answered_within_target));
      definition(list, T.queue_abandonment, percent(s.today.queue_abandonment));
      definition(list, T.ratings, s.today.ratings + (s.today.rating_mean ? " · " + s.today.rating_mean : ""));
    });
  }

  function refreshCannedList() {
    api("GET", "/canned").then(function (result) {
      if (!result.ok) return;
      var list = $("canned-list");
      list.textContent = "";
      result.data.forEach(function (canned) {
        var li = el("li", null);
        li.appendChild(el("strong", null, canned.title));
        li.appendChild(el("span", null, canned.text));
        var remove = el("button", "secondary", T.delete);
        remove.type = "button";
        remove.addEventListener("click", function () {
          api("DELETE", "/canned/" + canned.id).then(refreshCannedList);
        });
        li.appendChild(remove);
        list.appendChild(li);
      });
    });
  }

  function ruleSummary(rule) {
    var parts = [];
    if (rule.keywords.length) parts.push(T.rule_keywords + ": " + rule.keywords.join(", "));
    if (rule.intent) parts.push(T.rule_intent + ": " + rule.intent);
    if (rule.service) parts.push(T.rule_service + ": " + serviceName(rule.service));
    if (rule.repeats) parts.push(T.rule_repeats + ": " + rule.repeats);
    return parts.join(" · ");
  }

  function refreshRuleList() {
    api("GET", "/rules").then(function (result) {
      if (!result.ok) return;
      var list = $("rule-list");
      list.textContent = "";
      result.data.forEach(function (rule) {
        var li = el("li", null);
        li.appendChild(el("strong", null, rule.title));
        li.appendChild(el("span", null, ruleSummary(rule)));
        var remove = el("button", "secondary", T.delete);
        remove.type = "button";
        remove.addEventListener("click", function () {
          api("DELETE", "/rules/" + rule.id).then(refreshRuleList);
        });
        li.appendChild(remove);
        list.appendChild(li);
      });
    });
  }

  if (CONFIG.supervisor) {
    Object.keys(CONFIG.services || {}).forEach(function (id) {
      var option = el("option", null, serviceName(id));
      option.value = id;
      $("rule-service").appendChild(option);
    });
    refreshRuleList();
    $("rule-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        title: $("rule-title").value.trim(),
        keywords: $("rule-keywords").value.split(",").map(function (k) { return k.trim(); })
          .filter(function (k) { return k; }),
        intent: $("rule-intent").value.trim() || null,
        service: $("rule-service").value.trim() || null,
        repeats: parseInt($("rule-repeats").value, 10) || 0
      };
      if (!body.title) return;
      var id = Math.random().toString(16).slice(2, 10);
      api("PUT", "/rules/" + id, body).then(function (result) {
        if (!result.ok) return;
        ["rule-title", "rule-keywords", "rule-intent", "rule-service", "rule-repeats"].forEach(
          function (field) { $(field).value = ""; });
        refreshRuleList();
      });
    });
  }

  if (CONFIG.supervisor) {
    refreshStats();
    refreshCannedList();
    setInterval(refreshStats, 5000);
    $("canned-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var title = $("canned-name").value.trim();
      var text = $("canned-text").value.trim();
      if (!title || !text) return;
      var id = Math.random().toString(16).slice(2, 10);
      api("PUT", "/canned/" + id, { title: title, text: text }).then(function (result) {
        if (!result.ok) return;
        $("canned-name").value = "";
        $("canned-text").value = "";
        refreshCannedList();
      });
    });
  }

  connect();
})();
