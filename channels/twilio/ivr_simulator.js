// The IVR simulator page. Vanilla JS, no build step. Every text shown comes from the page's
// #ivr-texts block (channels/twilio/texts.yaml); prompts are inserted as text, never HTML.
(function () {
  "use strict";

  var TEXTS = JSON.parse(document.getElementById("ivr-texts").textContent);
  var app = document.querySelector(".app");
  var STEP_URL = app.getAttribute("data-step-url");
  var statusEl = document.getElementById("status");
  var callButton = document.getElementById("call");
  var hangupButton = document.getElementById("hangup");
  var keys = Array.prototype.slice.call(document.querySelectorAll(".key"));
  var speechForm = document.getElementById("speech-form");
  var speechInput = document.getElementById("speech");
  var sayButton = document.getElementById("say");
  var silenceButton = document.getElementById("silence");
  var player = document.getElementById("player");
  var transcript = document.getElementById("transcript");
  var callerEl = document.getElementById("caller");

  // Which call this is lives in the server's session cookie; the page only knows one is live.
  var live = false;
  var gatherUrl = null;
  var busy = false;
  var queue = [];

  // --- audio: each <Play> in order; a new answer interrupts the old one (like a Gather) ---
  function playNext() {
    if (!queue.length) return;
    player.src = queue.shift();
    var started = player.play();
    if (started && started.catch) started.catch(function () { /* autoplay refused: skip */ });
  }
  player.addEventListener("ended", playNext);
  player.addEventListener("error", playNext);

  function playAll(urls) {
    player.pause();
    queue = urls.slice();
    playNext();
  }

  // --- transcript ---------------------------------------------------------------------------
  function line(kind, text) {
    var li = document.createElement("li");
    li.className = kind;
    li.textContent = text;
    transcript.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function showEvents(events) {
    (events || []).forEach(function (e) {
      if (e.kind === "prompt") {
        line("bot", TEXTS.bot + " " + e.texts.join("\n"));
      } else if (e.kind === "caller") {
        if (e.digits) line("caller", TEXTS.you + " " + TEXTS.pressed + " " + e.digits);
        else if (e.speech) line("caller", TEXTS.you + " «" + e.speech + "»");
      } else if (e.kind === "sms") {
        line("system", TEXTS.sms + "\n" + e.text);
      }
    });
  }

  // --- state --------------------------------------------------------------------------------
  function setControls() {
    var canAnswer = live && gatherUrl !== null && !busy;
    callButton.disabled = live || busy;
    hangupButton.disabled = !live || busy;
    keys.forEach(function (k) { k.disabled = !canAnswer; });
    speechInput.disabled = !canAnswer;
    sayButton.disabled = !canAnswer;
    silenceButton.disabled = !canAnswer;
    statusEl.classList.toggle("live", live);
  }

  function ended() {
    live = false;
    gatherUrl = null;
    statusEl.textContent = TEXTS.ended;
    setControls();
  }

  function step(body) {
    busy = true;
    setControls();
    return fetch(STEP_URL, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 503) {
        // The service is briefly unavailable: its own polite words, when it sent them.
        return response.json().catch(function () { return null; }).then(function (data) {
          throw { outage: data && typeof data.detail === "string" ? data.detail : null };
        });
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (result) {
      busy = false;
      handle(result, body.action);
    }).catch(function (error) {
      busy = false;
      line("system", (error && error.outage) || TEXTS.connection_problem);
      setControls();
    });
  }

  function handle(result, action) {
    if (action === "hangup") {
      showEvents(result.events);
      ended();
      return;
    }
    live = true;
    if (result.caller) callerEl.textContent = TEXTS.caller + " " + result.caller;
    showEvents(result.events);
    playAll((result.plays || []).map(function (p) { return p.url; }));
    (result.say || []).forEach(function (t) { line("bot", TEXTS.bot + " " + t); });
    gatherUrl = result.gather ? result.gather.url : null;
    statusEl.textContent = TEXTS.in_call;
    setControls();
    if (result.dial) {
      line("system", TEXTS.dial + " " + result.dial);
      // A simulator cannot put anyone through: the transfer "completes" and the call ends.
      step({ action: "dial", url: result.dial_url, dial_status: "completed" });
    } else if (result.hangup) {
      step({ action: "hangup" });
    } else if (!result.gather && result.redirect) {
      step({ action: "gather", url: result.redirect });
    }
  }

  // --- controls -----------------------------------------------------------------------------
  callButton.addEventListener("click", function () {
    transcript.textContent = "";
    live = false;
    step({ action: "call" });
  });
  hangupButton.addEventListener("click", function () {
    player.pause();
    queue = [];
    step({ action: "hangup" });
  });
  keys.forEach(function (k) {
    k.addEventListener("click", function () {
      if (gatherUrl) step({ action: "gather", url: gatherUrl, digits: k.getAttribute("data-key") });
    });
  });
  speechForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var said = speechInput.value.trim();
    if (!said || !gatherUrl) return;
    speechInput.value = "";
    step({ action: "gather", url: gatherUrl, speech: said });
  });
  silenceButton.addEventListener("click", function () {
    if (gatherUrl) step({ action: "gather", url: gatherUrl });
  });
  document.addEventListener("keydown", function (event) {
    if (event.target === speechInput || !gatherUrl || busy) return;
    if (/^[0-9*#]$/.test(event.key)) step({ action: "gather", url: gatherUrl, digits: event.key });
  });

  setControls();
})();
