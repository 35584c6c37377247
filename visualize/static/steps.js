// The step-through player (visualize/steps.py): previous / play / next, a slider, the keys
// and, on its own page, the address's hash. Everything is found from `root`, the player's
// element, so two players on one page (two notebook outputs) never touch each other.
function stepsPlayer(root) {
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  function find(selector) { return root.querySelector(selector); }
  var frames = root.querySelectorAll(".frame");
  var slider = find(".slider"), counter = find(".counter"), caption = find(".caption");
  var prev = find(".prev"), next = find(".next"), play = find(".play");
  var last = frames.length - 1, current = 0, timer = null;
  var interval = parseInt(root.getAttribute("data-interval"), 10) || 1500;
  var page = root.getAttribute("data-page") === "true";

  function show(step) {
    current = Math.max(0, Math.min(last, step));
    for (var i = 0; i < frames.length; i++) { frames[i].hidden = (i !== current); }
    slider.value = String(current);
    counter.textContent = "Step " + current + " / " + last;
    caption.textContent = frames[current].getAttribute("data-caption");
    prev.disabled = current === 0;
    next.disabled = current === last;
  }
  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.innerHTML = "&#9654; Play";
    play.setAttribute("aria-pressed", "false");
  }
  function start() {
    if (current === last) { show(0); }  // at the end, play starts over
    play.innerHTML = "&#10073;&#10073; Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      show(current + 1);
      if (current === last) { pause(); }
    }, interval);
  }
  function toggle() { if (timer === null) { start(); } else { pause(); } }
  // Moving by hand stops the playback.
  function go(step) { pause(); show(step); }

  prev.addEventListener("click", function () { go(current - 1); });
  next.addEventListener("click", function () { go(current + 1); });
  play.addEventListener("click", toggle);
  slider.addEventListener("input", function () { go(parseInt(slider.value, 10)); });
  function onKey(event) {
    var t = event.target;
    if (t === slider) { return; }  // the slider moves itself with the arrows
    if (t && t.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) {
      return;  // the button clicks itself
    }
    var keys = { ArrowRight: function () { go(current + 1); },
                 ArrowLeft: function () { go(current - 1); },
                 Home: function () { go(0); }, End: function () { go(last); },
                 " ": toggle };
    if (keys[event.key]) { keys[event.key](); event.preventDefault(); }
  }
  // On its own page the keys work anywhere; in a notebook only while the player has the
  // focus (a click on it gives it), so the notebook's own keys keep working.
  (page ? document : root).addEventListener("keydown", onKey);
  root.addEventListener("click", function (event) {
    if (event.target === root || event.target.closest(".stage")) { root.focus(); }
  });
  show(0);
  if (!page) { return; }

  // The hash: #step=3 opens step 3; #press=next,play,ArrowRight presses buttons or keys.
  var params = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {
    var kv = part.split("=");
    if (kv[0]) { params[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1] || ""); }
  });
  show(parseInt(params.step, 10) || 0);
  var buttons = { next: next, prev: prev };
  (params.press ? params.press.split(",") : []).forEach(function (action) {
    if (buttons[action]) { buttons[action].click(); }
    else if (action === "play") { if (timer === null) { play.click(); } }
    else if (action === "pause") { if (timer !== null) { play.click(); } }
    else if (/^[A-Za-z]+$/.test(action)) {
      var key = action === "Space" ? " " : action;
      document.dispatchEvent(new KeyboardEvent("keydown", { key: key }));
    }
  });
}
