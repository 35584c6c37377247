// The graph explorer (visualize/explore.py): layout, pan and zoom, modules opened and
// closed, details of every op, tensor and wire, search, and the backward pass step by step.
//
// DATA is what visualize.explore.read_model wrote. Every user string in it is put on the
// page with textContent or setAttribute, never as markup.
//
// The layout is a small layered one (as Graphviz's dot, much simplified): each visible unit
// (a node, or a closed module standing for all its nodes) gets a layer by the longest path
// from the inputs (inputs pulled next to their first user), units within a layer are
// ordered by the barycentre of their neighbours with a module's members kept together, and
// each layer is placed near its neighbours. It runs again after each open or close.
//
// The saved page reads actions from its address, for tests and demos:
//   #do=open:0.linear,close:0,openall,closeall,search:W1,zoom:in,zoom:out,zoom:fit,
//       step:3,next,prev,hover:NAME,select:NAME,wire:K
// and reports its state on the root element (data-scale, data-open, data-units, data-step,
// data-selected, data-matches), and after each action in data-log (a JSON list of states
// with the details panel's text).
function graphExplorer(root, DATA) {
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var SVGNS = "http://www.w3.org/2000/svg";
  var LAYER_GAP = 120, NODE_GAP = 18, CHAR_W = 6.6, LINE_H = 15, PAD = 12, TITLE_H = 16;
  var INITIAL_UNITS = 30;  // open modules level by level while at most this many units show
  var MAX_LABEL = 36;
  // Zoomed out below this, node labels (12 px) are under 7 px: the view says how to zoom.
  var LEGIBLE = 0.6;
  // Narrower than this (px), the details panel goes under the drawing.
  var NARROW = 980;
  // A wire from a tensor drawn this far from its user (an RNN's weights, used at every step)
  // is drawn as a stub into the user, named after the tensor, as TensorBoard does for nodes
  // of many uses: a bundle of wires across the whole graph reads as noise.
  var STUB_SPAN = 2.5 * LAYER_GAP, STUB = 90, LEAF = { param: true, input: true, "const": true };
  var nodes = DATA.nodes, edges = DATA.edges, steps = DATA.steps || [];
  var lastStep = Math.max(0, steps.length - 1);
  function find(selector) { return root.querySelector(selector); }
  var svg = find(".ax-svg"), view = find(".ax-view"), stage = find(".ax-stage");
  var panel = find(".ax-panel"), search = find(".ax-search"), found = find(".ax-found");
  var slider = find(".ax-slider"), counter = find(".ax-counter"), caption = find(".ax-caption");
  if (DATA.note) { find(".ax-note").textContent = " " + DATA.note + "."; }

  // ---- Modules: one per path prefix of any node's path. DATA.modules titles them as the
  // pictures do (type and name: "BatchNorm1d  bn1"); a flat sum of many terms is a box of
  // its own ("sum of 300 terms", with its formula), closed at first.
  var modules = {}, moduleList = [], about = {};
  function keyOf(path, n) { return JSON.stringify(path.slice(0, n)); }
  (DATA.modules || []).forEach(function (info) { about[keyOf(info.path, info.path.length)] = info; });
  nodes.forEach(function (node, i) {
    node.keys = [];
    for (var d = 1; d <= node.path.length; d++) {
      var k = keyOf(node.path, d);
      var m = modules[k];
      if (!m) {
        var info = about[k] || {};
        m = modules[k] = { key: k, path: node.path.slice(0, d), depth: d,
                           parent: d > 1 ? keyOf(node.path, d - 1) : null,
                           title: info.title || node.path[d - 1], sum: info.sum || null,
                           members: [], ops: 0 };
        moduleList.push(m);
      }
      m.members.push(i);
      if (node.kind === "op") { m.ops++; }
      node.keys.push(k);
    }
  });
  var open = {};

  // ---- State: step shown, selection, matches, view transform.
  var step = lastStep, pinned = null, hovered = null, matches = [], matchAt = -1;
  var scale = 1, tx = 0, ty = 0;
  var L = null;  // the current layout

  var usersOf = nodes.map(function () { return []; });
  edges.forEach(function (e) { usersOf[e[0]].push(e[1]); });
  function ownUnit(i) {
    var keys = nodes[i].keys;
    for (var d = 0; d < keys.length; d++) { if (!open[keys[d]]) { return "m" + keys[d]; } }
    return "n" + i;
  }
  // A parameter, unnamed constant or number used only inside one closed module is drawn
  // inside it (as TensorBoard folds a layer's weights into the layer); inputs and named
  // data (x) stay visible.
  var FOLDED = { param: true, "const": true, number: true };
  function unitKeyOf(i) {
    var own = ownUnit(i), users = usersOf[i], node = nodes[i];
    var folds = FOLDED[node.kind] && !(node.kind === "const" && node.named);
    if (own.charAt(0) === "m" || !folds || !users.length) { return own; }
    var first = ownUnit(users[0]);
    if (first.charAt(0) !== "m") { return own; }
    for (var k = 1; k < users.length; k++) { if (ownUnit(users[k]) !== first) { return own; } }
    return first;
  }

  function countUnits() {
    var seen = {}, n = 0;
    for (var i = 0; i < nodes.length; i++) {
      var u = unitKeyOf(i);
      if (!seen[u]) { seen[u] = true; n++; }
    }
    return n;
  }

  // Open modules level by level while the graph stays small (INITIAL_UNITS) and, fitted to
  // the stage, legible: a narrow notebook cell starts with fewer modules open than a
  // full window (a click opens the rest). Lays the graph out (L).
  function openInitially() {
    open = {};
    L = layout();
    var legible = fitScale() >= LEGIBLE;
    for (var depth = 1; ; depth++) {
      var level = moduleList.filter(function (m) {  // (a sum stays closed: it is long)
        return m.depth === depth && (m.parent === null || open[m.parent]) && !m.sum;
      });
      if (!level.length) { return; }
      level.forEach(function (m) { open[m.key] = true; });
      if (level.length > 1 && countUnits() > INITIAL_UNITS) {
        level.forEach(function (m) { delete open[m.key]; });
        L = layout();
        return;
      }
      L = layout();
      if (legible && fitScale() < LEGIBLE) {
        level.forEach(function (m) { delete open[m.key]; });
        L = layout();
        return;
      }
    }
  }

  function textWidth(s, size) { return s.length * CHAR_W * (size || 12) / 12; }
  function short(s) { return s.length > MAX_LABEL ? s.slice(0, MAX_LABEL - 1) + "\u2026" : s; }

  // ---- Layout
  function layout() {
    var unitOf = new Array(nodes.length), units = {}, list = [];
    for (var i = 0; i < nodes.length; i++) {
      var key = unitKeyOf(i), u = units[key];
      if (!u) {
        u = units[key] = { id: key, order: list.length, preds: [], succs: [], wires: [] };
        if (key.charAt(0) === "m") {
          var m = modules[key.slice(1)];
          u.module = m;
          u.kind = "module";
          u.lines = [short(m.title)];
          if (m.sum) { u.lines.push(short(m.sum)); }
          u.lines.push(m.ops + (m.ops === 1 ? " op" : " ops") + " \u25B8 open");
          u.keys = m.path.slice(0, m.depth - 1).map(function (p, d) { return keyOf(m.path, d + 1); });
        } else {
          var node = nodes[i];
          u.node = i;
          u.kind = node.kind;
          u.lines = [short(node.label)];
          if (node.kind !== "op" && node.kind !== "number" && node.value &&
              node.value.shape !== "()") {
            u.lines.push(node.value.shape);
          }
          u.keys = node.keys;
        }
        var w = 0;
        u.lines.forEach(function (s, k) { w = Math.max(w, textWidth(s, k ? 10 : 12)); });
        u.w = Math.max(u.kind === "number" ? 24 : 44, w + (u.kind === "op" ? 26 : 16));
        u.h = u.lines.length * LINE_H + 10;
        list.push(u);
      }
      unitOf[i] = u;
    }
    // Wires between units (those inside a closed module vanish; parallel ones merge).
    var wires = [], wireOf = {};
    edges.forEach(function (e, k) {
      var a = unitOf[e[0]], b = unitOf[e[1]];
      if (a === b) { return; }
      var wk = a.id + "\u0000" + b.id, w = wireOf[wk];
      if (!w) {
        w = wireOf[wk] = { from: a, to: b, edges: [], index: wires.length };
        wires.push(w);
        a.succs.push(b);
        b.preds.push(a);
      }
      w.edges.push(k);
    });
    // Open modules with something to show are blocks, laid out inside out: each block's
    // contents on their own (its units and the blocks of its open children), then the block
    // as one item of its parent's layout. So boxes never overlap, and a module reads as a
    // unit of the picture, as in the Graphviz drawings.
    var groups = {}, rootGroup = { key: null, depth: 0, units: [], children: [] };
    function groupOf(key) {
      if (key === null) { return rootGroup; }
      var g = groups[key];
      if (!g) {
        var m = modules[key];
        g = groups[key] = { key: key, module: m, depth: m.depth, units: [], children: [] };
        groupOf(m.parent).children.push(g);
      }
      return g;
    }
    list.forEach(function (u) {
      var g = groupOf(u.keys.length ? u.keys[u.keys.length - 1] : null);
      g.units.push(u);
    });
    L_groups = groups;
    var blocks = [];
    (function arrange(g) {
      g.children.forEach(arrange);
      // The items: g's own units and its children's blocks (ordered by their first unit).
      var items = g.units.slice();
      g.children.forEach(function (c) { items.push(c); });
      items.forEach(function (it) {
        it.first = it.units ? firstOrder(it) : it.order;
        it.ipreds = []; it.isuccs = [];
      });
      items.sort(function (p, q) { return p.first - q.first; });
      items.forEach(function (it, k) { it.idx = k; });
      var seen = {};
      wires.forEach(function (w) {
        var p = itemIn(g, w.from), q = itemIn(g, w.to);
        if (!p || !q || p === q) { return; }
        var k = p.idx + ":" + q.idx;
        if (seen[k]) { return; }
        seen[k] = true;
        p.isuccs.push(q); q.ipreds.push(p);
      });
      var size = layered(items);
      if (g.key !== null) {
        g.w = size.w + 2 * PAD; g.h = size.h + 2 * PAD + TITLE_H;
        g.items = items;
        blocks.push(g);
      } else {
        rootGroup.items = items;
      }
    })(rootGroup);
    function firstOrder(g) {
      var f = Infinity;
      g.units.forEach(function (u) { f = Math.min(f, u.order); });
      g.children.forEach(function (c) { f = Math.min(f, firstOrder(c)); });
      return f;
    }
    // Absolute positions: each block's items inside its padding, below its title.
    (function position(items, x0, y0) {
      items.forEach(function (it) {
        it.x += x0; it.y += y0;
        if (it.items) { position(it.items, it.x + PAD, it.y + PAD + TITLE_H); }
      });
    })(rootGroup.items, 0, 0);
    var boxList = blocks.map(function (g) {
      return { key: g.key, module: g.module, x0: g.x, y0: g.y, x1: g.x + g.w, y1: g.y + g.h };
    });
    boxList.sort(function (p, q) { return p.module.depth - q.module.depth; });  // outer first
    var ext = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    rootGroup.items.forEach(function (it) {
      ext.x0 = Math.min(ext.x0, it.x); ext.y0 = Math.min(ext.y0, it.y);
      ext.x1 = Math.max(ext.x1, it.x + it.w); ext.y1 = Math.max(ext.y1, it.y + it.h);
    });
    return { units: list, unitOf: unitOf, wires: wires, boxes: boxList, ext: ext };
  }

  // The item of group g holding unit u: u itself, or the block of g's child holding it
  // (null when u is outside g).
  function itemIn(g, u) {
    var d = g.depth;
    if (d > 0 && u.keys[d - 1] !== g.key) { return null; }
    if (u.keys.length === d) { return u; }
    return L_groups[u.keys[d]];
  }
  var L_groups = null;

  // Each item's rank: a topological order of the items (Kahn's), the earliest in forward
  // order first among those ready; in a cycle (closed modules can make one) the earliest
  // waiting item goes next.
  function topologicalRanks(items) {
    var waiting = items.length, ready = [], next = 0;
    items.forEach(function (u) { u.missing = u.ipreds.length; u.rank = -1; });
    function push(u) {  // ready stays sorted by forward order, earliest last
      var lo = 0, hi = ready.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (ready[mid].first > u.first) { lo = mid + 1; } else { hi = mid; } }
      ready.splice(lo, 0, u);
    }
    items.forEach(function (u) { if (!u.missing) { push(u); } });
    var byFirst = items.slice().sort(function (a, b) { return a.first - b.first; }), scan = 0;
    while (waiting) {
      var u = ready.pop();
      if (!u) {  // a cycle: the earliest item not ranked yet
        while (byFirst[scan].rank >= 0) { scan++; }
        u = byFirst[scan];
      }
      if (u.rank >= 0) { continue; }
      u.rank = next++;
      waiting--;
      u.isuccs.forEach(function (s) { if (--s.missing === 0 && s.rank < 0) { push(s); } });
    }
  }

  // A layered layout of items ({w, h, first, ipreds, isuccs}) in forward order (by first):
  // sets each item's x, y (from 0, 0); returns the size.
  function layered(items) {
    topologicalRanks(items);
    items = items.slice().sort(function (a, b) { return a.rank - b.rank; });
    // Layers: the longest path from the inputs, in forward order (an item feeding an
    // earlier one, possible once modules are closed, is not followed).
    items.forEach(function (u) {
      u.layer = 0;
      u.ipreds.forEach(function (p) { if (p.rank < u.rank) { u.layer = Math.max(u.layer, p.layer + 1); } });
    });
    // Then each item as late as its users allow: an input beside its first user, an RNN's
    // input projection beside the step that needs it (not all stacked at the start).
    for (var r = items.length - 1; r >= 0; r--) {
      var v = items[r], near = Infinity;
      v.isuccs.forEach(function (s) { if (s.rank > v.rank) { near = Math.min(near, s.layer); } });
      if (near !== Infinity) { v.layer = Math.max(v.layer, near - 1); }
    }
    var layers = [], l;
    items.forEach(function (u) { (layers[u.layer] = layers[u.layer] || []).push(u); });
    for (l = 0; l < layers.length; l++) { layers[l] = layers[l] || []; }
    function fractions(layer) {
      layer.forEach(function (u, k) { u.frac = (k + 0.5) / layer.length; });
    }
    layers.forEach(fractions);
    function sortLayer(layer, neighbours) {
      layer.forEach(function (u) {
        var ns = neighbours(u), s = 0;
        ns.forEach(function (n) { s += n.frac; });
        u.bary = ns.length ? s / ns.length : u.frac;
      });
      layer.sort(function (a, b) { return a.bary - b.bary || a.rank - b.rank; });
      fractions(layer);
    }
    var before = function (u) { return u.ipreds.filter(function (p) { return p.layer < u.layer; }); };
    var after = function (u) { return u.isuccs.filter(function (s) { return s.layer > u.layer; }); };
    for (var sweep = 0; sweep < 4; sweep++) {
      for (l = 1; l < layers.length; l++) { sortLayer(layers[l], before); }
      for (l = layers.length - 2; l >= 0; l--) { sortLayer(layers[l], after); }
    }
    // x: layers side by side; y: stacked, then each layer moved towards its neighbours.
    var x = 0;
    layers.forEach(function (layer) {
      var w = 0;
      layer.forEach(function (u) { w = Math.max(w, u.w); });
      layer.forEach(function (u) { u.x = x + (w - u.w) / 2; });
      x += w + LAYER_GAP;
    });
    function place(layer, neighbours) {
      var top = -Infinity, shift = 0;
      layer.forEach(function (u) {
        var ns = neighbours(u), want = u.y + u.h / 2;
        if (ns.length) {
          want = 0;
          ns.forEach(function (n) { want += n.y + n.h / 2; });
          want /= ns.length;
        }
        var y = Math.max(want - u.h / 2, top + NODE_GAP);
        shift += y - (want - u.h / 2);
        u.y = y;
        top = y + u.h;
      });
      // The whole layer moves back by the mean push, so it centres on its neighbours.
      shift /= Math.max(1, layer.length);
      layer.forEach(function (u) { u.y -= shift; });
    }
    layers.forEach(function (layer) {
      var y = 0;
      layer.forEach(function (u, k) { if (k) { y += NODE_GAP; } u.y = y; y += u.h; });
      layer.forEach(function (u) { u.y -= y / 2; });
    });
    for (var pass = 0; pass < 2; pass++) {
      for (l = 1; l < layers.length; l++) { place(layers[l], before); }
      for (l = layers.length - 2; l >= 0; l--) { place(layers[l], after); }
    }
    var y0 = Infinity, y1 = -Infinity;
    items.forEach(function (u) { y0 = Math.min(y0, u.y); y1 = Math.max(y1, u.y + u.h); });
    items.forEach(function (u) { u.y -= y0; });
    return { w: Math.max(0, x - LAYER_GAP), h: items.length ? y1 - y0 : 0 };
  }

  // ---- Drawing
  function el(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function text(parent, s, x, y, cls) {
    var t = el("text", { x: x, y: y, "text-anchor": "middle" }, parent);
    if (cls) { t.setAttribute("class", cls); }
    t.textContent = s;
    return t;
  }

  function draw() {
    while (view.firstChild) { view.removeChild(view.firstChild); }
    var boxLayer = el("g", {}, view), wireLayer = el("g", {}, view), unitLayer = el("g", {}, view);
    L.boxes.forEach(function (b) {
      var g = el("g", { "class": "ax-box" }, boxLayer);
      el("rect", { x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0, rx: 6 }, g);
      var t = el("text", { x: b.x0 + 6, y: b.y0 + 13, "class": "ax-box-title" }, g);
      t.textContent = "\u25BE " + b.module.title;
      t.addEventListener("click", function (ev) { ev.stopPropagation(); toggle(b.module, false); });
      b.title = t;
    });
    L.wires.forEach(function (w) {
      var a = w.from, b = w.to;
      var x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2;
      if (x2 < x1) {  // (a wire back to an earlier layer)
        x1 = a.x; x2 = b.x + b.w;
      }
      var stub = LEAF[a.kind] && x2 >= x1 && (x2 - x1 > STUB_SPAN || Math.abs(y2 - y1) > STUB_SPAN);
      if (stub) { x1 = x2 - STUB; y1 = y2 - 24; }  // (its name clear of the labels at x2 - 60)
      var dx = Math.max(30, Math.abs(x2 - x1) / 2);
      var dir = x2 >= x1 ? 1 : -1;
      var d = "M" + x1 + "," + y1 + " C" + (x1 + dir * dx) + "," + y1 + " " + (x2 - dir * dx) +
        "," + y2 + " " + x2 + "," + y2;
      var g = el("g", { "class": "ax-wire" }, wireLayer);
      el("path", { d: d, "class": "ax-line" }, g);
      if (stub) {
        w.stub = text(g, a.lines[0], x1 - 3, y1 + 3, "ax-stub");
        w.stub.setAttribute("text-anchor", "end");
        el("circle", { cx: x1, cy: y1, r: 2.5, "class": "ax-stub-end" }, g);
      }
      var hit = el("path", { d: d, "class": "ax-hit" }, g);
      // The label sits near the wire's head, between the layers (where the op it feeds
      // sent its gradient back); on a wire across layers, near its tail: at the head it
      // would meet the wire from the layer before (a flat sum's chain), running alongside.
      var span = Math.abs(x2 - x1), atTail = span > 1.5 * LAYER_GAP;
      var t = Math.min(1, Math.max(0, (LAYER_GAP / 2) / Math.max(1, span)));
      var lx = atTail ? x1 + dir * LAYER_GAP / 2 : x2 - dir * LAYER_GAP / 2;
      var ease = t < 0.5 ? 2 * t * t : 1 - 2 * (1 - t) * (1 - t);
      var ly = atTail ? y1 + (y2 - y1) * ease : y2 + (y1 - y2) * ease;
      // (A stub carries its tensor's name only: its value and gradient are a hover away.)
      w.value = text(stub ? null : g, "", lx, ly - 2, "ax-v");
      w.grad = text(stub ? null : g, "", lx, ly + 9, "ax-g");
      el("polygon", { points: (x2 - dir * 6) + "," + (y2 - 3.5) + " " + x2 + "," + y2 + " " +
                      (x2 - dir * 6) + "," + (y2 + 3.5), fill: "#6b7280" }, g);
      w.g = g;
      hit.addEventListener("mouseover", function () { hover({ wire: w }); });
      hit.addEventListener("mouseout", function () { hover(null); });
      hit.addEventListener("click", function (ev) { ev.stopPropagation(); if (!dragged) { select({ wire: w }); } });
    });
    L.units.forEach(function (u) {
      var g = el("g", { "class": "ax-unit kind-" + u.kind, "data-unit": u.id }, unitLayer);
      if (u.kind === "op") {
        el("ellipse", { cx: u.x + u.w / 2, cy: u.y + u.h / 2, rx: u.w / 2, ry: u.h / 2, "class": "ax-shape" }, g);
      } else {
        el("rect", { x: u.x, y: u.y, width: u.w, height: u.h, rx: u.kind === "module" ? 8 : 3, "class": "ax-shape" }, g);
      }
      u.lines.forEach(function (s, k) {
        text(g, s, u.x + u.w / 2, u.y + 5 + LINE_H * (k + 0.75), k ? "ax-sub" : null);
      });
      if (u.module) { g.setAttribute("data-path", u.module.path.join(".")); }
      else { g.setAttribute("data-name", nodes[u.node].name); }
      u.g = g;
      g.addEventListener("mouseover", function () { hover({ unit: u }); });
      g.addEventListener("mouseout", function () { hover(null); });
      g.addEventListener("click", function (ev) {
        ev.stopPropagation();
        if (dragged) { return; }
        if (u.module) { toggle(u.module, true); } else { select({ unit: u }); }
      });
    });
    paint();
  }

  // What the current step shows: wires' gradients, the active op, matches, selection.
  function known(e) { return e[4] !== null && e[4] !== undefined && e[4] <= step; }
  function paint() {
    var stepping = steps.length > 0;
    var active = stepping && step > 0 ? DATA.active[step] : null;
    L.wires.forEach(function (w) {
      var one = w.edges.length === 1 ? edges[w.edges[0]] : null;
      var sent = w.edges.filter(function (k) { return known(edges[k]); });
      var isNew = stepping && w.edges.some(function (k) { return edges[k][4] === step; }) && step > 0;
      if (one) {
        var v = nodes[one[0]].value;
        w.value.textContent = v ? v.short : "";
        w.grad.textContent = one[3] ? (known(one) ? one[3].short : "\u2026") : "";
      } else {
        w.value.textContent = w.edges.length + " wires";
        w.grad.textContent = sent.length ? sent.length + " gradients" : "";
      }
      var cls = w.stub ? "ax-wire stub" : "ax-wire";
      if (stepping && !sent.length) { cls += " pending"; }
      if (isNew) { cls += " new"; }
      if (selectedIs({ wire: w })) { cls += " selected"; }
      w.g.setAttribute("class", cls);
    });
    var matchUnits = {};
    matches.forEach(function (m, k) {
      var u = m.module ? L.units.filter(function (v) { return v.module === m.module; })[0] || null
        : L.unitOf[m.node];
      if (u) { matchUnits[u.id] = matchUnits[u.id] || (k === matchAt ? "current" : "match"); }
      if (u && k === matchAt) { matchUnits[u.id] = "current"; }
    });
    L.units.forEach(function (u) {
      var cls = "ax-unit kind-" + u.kind;
      if (active !== null && L.unitOf[active] === u) { cls += " active"; }
      if (matchUnits[u.id]) { cls += " " + matchUnits[u.id]; }
      if (selectedIs({ unit: u })) { cls += " selected"; }
      u.g.setAttribute("class", cls);
    });
    if (stepping) {
      slider.max = String(lastStep);
      slider.value = String(step);
      counter.textContent = "Step " + step + " / " + lastStep;
      caption.textContent = steps[step];
    }
    showDetails(hovered || pinned);
    report();
  }

  function selectedIs(s) {
    return !!pinned && ((s.unit && pinned.unit === s.unit) || (s.wire && pinned.wire === s.wire));
  }

  // ---- The details panel
  function add(parent, tag, s, cls) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (s !== undefined && s !== null) { e.textContent = s; }
    parent.appendChild(e);
    return e;
  }
  function arrayBlock(parent, heading, info, cls, pendingNote) {
    var box = add(parent, "div", null, cls);
    add(box, "div", heading, "ax-row");
    if (!info) { add(box, "div", "none", "ax-row"); return; }
    if (pendingNote) { add(box, "div", pendingNote, "ax-row"); return; }
    add(box, "div", "shape " + info.shape + "  " + info.dtype, "ax-row");
    if (info.stats) { add(box, "div", info.stats, "ax-row"); }
    add(box, "pre", info.text);
    if (!info.full) { add(box, "div", "(summarized: too large to write in full)", "ax-row"); }
  }
  var KINDS = { op: "op", param: "parameter", input: "input (requires grad)",
                "const": "data (requires no grad)", number: "a number", output: "the output" };
  function showDetails(s) {
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    if (!s) {
      add(panel, "div", "Hover or click an op, a tensor or a wire to see its values and " +
          "gradients in full.", "ax-row");
      return;
    }
    var stepping = steps.length > 0;
    if (s.unit && s.unit.module) {
      var m = s.unit.module;
      add(panel, "h3", m.title);
      if (m.sum) {
        add(panel, "div", m.sum, "ax-row");
        add(panel, "div", "a flat sum of " + m.ops + " + and \u2212 ops, drawn as one box; " +
            "click it to open it to its terms.", "ax-row");
      } else {
        add(panel, "div", "module " + m.path.join("."), "ax-row");
        add(panel, "div", m.ops + " ops, " + m.members.length + " nodes inside; click it to open it.", "ax-row");
      }
      // What a closed module hides that a learner asks for first: its parameters' gradients.
      nodes.forEach(function (node, i) {
        if (node.kind === "param" && L.unitOf[i] === s.unit) {
          var g = node.grad, done = !stepping || (node.done !== null && node.done !== undefined && node.done <= step);
          add(panel, "div", node.label + " " + (node.value ? node.value.shape : "") + ": " +
              (!g ? "no gradient" : done ? "grad " + (g.stats || g.text) : "gradient not complete yet"), "ax-row");
        }
      });
      return;
    }
    if (s.unit) {
      var node = nodes[s.unit.node];
      add(panel, "h3", node.title || node.label);
      add(panel, "div", KINDS[node.kind] || node.kind, "ax-row");
      if (node.name && node.name !== node.label) { add(panel, "div", "name: " + node.name, "ax-row"); }
      if (node.path.length) { add(panel, "div", "in module " + node.path.join("."), "ax-row"); }
      if (node.step) { add(panel, "div", "runs its backward at step " + node.step, "ax-row"); }
      arrayBlock(panel, node.kind === "op" ? "value (its output)" : "value", node.value, "ax-value");
      if (node.kind !== "number") {
        var pending = stepping && node.grad && !(node.done !== null && node.done !== undefined && node.done <= step)
          ? "not complete at this step: the ops using it have not all sent their share" : null;
        arrayBlock(panel, "gradient", node.grad, "ax-grad", pending);
      }
      return;
    }
    var w = s.wire;
    add(panel, "h3", "wire " + w.from.lines[0] + " \u2192 " + w.to.lines[0]);
    w.edges.slice(0, 50).forEach(function (k) {
      var e = edges[k];
      if (w.edges.length > 1) { add(panel, "div", nodes[e[0]].label + " \u2192 " + nodes[e[1]].label, "ax-row"); }
      add(panel, "div", "input " + (e[2] + 1) + " of " + (nodes[e[1]].title || nodes[e[1]].label), "ax-row");
      arrayBlock(panel, "value", nodes[e[0]].value, "ax-value");
      arrayBlock(panel, "gradient sent back along it", e[3], "ax-grad",
                 e[3] && !known(e) ? "not sent yet at this step" : null);
    });
    if (w.edges.length > 50) { add(panel, "div", (w.edges.length - 50) + " more wires", "ax-row"); }
  }
  function hover(s) { hovered = s; showDetails(hovered || pinned); }
  function select(s) { touch(); pinned = s; paint(); }

  // ---- Pan and zoom
  // The first view is the whole graph fitted to the stage, as TensorBoard and Netron open:
  // the structure first, then zoom. "fitted" stays true until the user pans or zooms; while
  // it is, a change of the stage's size (a notebook cell laid out after the script ran, a
  // window resized) fits again.
  var fitted = false, hint = find(".ax-hint");
  function apply() {
    view.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + scale + ")");
    // Wire labels smaller than about 5 px are noise: shown again when zoomed in.
    root.classList.toggle("far", scale < 0.55);
    // Node labels under LEGIBLE read as specks: say the view is zoomed out and how to zoom.
    var pct = Math.round(scale * 100) + "%";
    hint.textContent = scale >= LEGIBLE ? "" : fitted
      ? "The whole graph, at " + pct + ": wheel or + to zoom in, drag to pan"
      : "At " + pct + ": wheel or + to zoom in, Fit for the whole graph";
    hint.hidden = scale >= LEGIBLE;
    report();
  }
  function size() {
    var r = svg.getBoundingClientRect();
    return { w: r.width || 800, h: r.height || 500 };
  }
  function zoomAt(px, py, factor) {
    touch();
    var s = Math.min(8, Math.max(0.02, scale * factor));
    tx = px - (px - tx) * s / scale; ty = py - (py - ty) * s / scale; scale = s;
    fitted = false;
    apply();
  }
  // The whole graph in view, centred (never above 1.5: a small graph is not blown up).
  var MARGIN = 20;
  function fitScale() {
    var e = L.ext, sz = size();
    var w = Math.max(1, e.x1 - e.x0), h = Math.max(1, e.y1 - e.y0);
    return Math.max(0.02, Math.min(1.5, (sz.w - 2 * MARGIN) / w, (sz.h - 2 * MARGIN) / h));
  }
  function fit() {
    var e = L.ext, sz = size();
    scale = fitScale();
    tx = (sz.w - (e.x1 - e.x0) * scale) / 2 - e.x0 * scale;
    ty = (sz.h - (e.y1 - e.y0) * scale) / 2 - e.y0 * scale;
    fitted = true;
    apply();
  }
  function centreOn(x, y, minScale) {
    var sz = size();
    touch();
    if (minScale && scale < minScale) { scale = minScale; }
    tx = sz.w / 2 - x * scale; ty = sz.h / 2 - y * scale;
    fitted = false;
    apply();
  }
  // A narrow cell (a notebook's output area is 700-900 px) gives the drawing the whole
  // width: the details go under it.
  function measure() {
    var w = root.getBoundingClientRect().width;
    if (w) { root.classList.toggle("narrow", w < NARROW); }
  }
  // Until the user does anything (touch), a new size starts over: the modules opened for
  // it, fitted; after, a fitted view is fitted again.
  var untouched = true, laidFor = "";
  function touch() { untouched = false; }
  root.addEventListener("mousedown", touch, true);
  function start() {
    measure();
    openInitially();
    draw();
    fit();
    var sz = size();
    laidFor = sz.w + "x" + sz.h;
  }
  function resized() {
    var sz = size();
    if (!L || laidFor === sz.w + "x" + sz.h) { return; }
    if (untouched) { start(); return; }
    measure();
    if (fitted) { fit(); }
    sz = size();
    laidFor = sz.w + "x" + sz.h;
  }
  if (window.ResizeObserver) { new ResizeObserver(resized).observe(stage); }
  // A cell whose script ran before it had a size (not attached yet, or hidden: size() then
  // guesses): look again now and then until it has one, for 10 minutes (ResizeObserver
  // tells only when the browser renders a frame, which a hidden page may not).
  function waitForSize(tries) {
    var r = svg.getBoundingClientRect();
    if (r.width && r.height) { resized(); return; }
    if (tries > 0) { setTimeout(function () { waitForSize(tries - 1); }, 250); }
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = svg.getBoundingClientRect();
    zoomAt(ev.clientX - r.left, ev.clientY - r.top, Math.exp(-ev.deltaY * 0.0015));
  }, { passive: false });
  var drag = null, dragged = false;
  svg.addEventListener("mousedown", function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, tx: tx, ty: ty }; dragged = false;
  });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { dragged = true; }
    tx = drag.tx + dx; ty = drag.ty + dy; fitted = false; apply();
  });
  window.addEventListener("mouseup", function () { drag = null; setTimeout(function () { dragged = false; }, 0); });
  svg.addEventListener("click", function () { if (!dragged) { select(null); } });
  function zoomButton(factor) { var sz = size(); zoomAt(sz.w / 2, sz.h / 2, factor); }
  find(".ax-zoom-in").addEventListener("click", function () { zoomButton(1.25); });
  find(".ax-zoom-out").addEventListener("click", function () { zoomButton(0.8); });
  find(".ax-fit").addEventListener("click", function () { touch(); fit(); });

  // ---- Open and close, keeping the module where it was on the screen
  function relayout(anchorKey) {
    var before = anchorKey ? screenOf(anchorKey) : null;
    var t0 = Date.now();
    L = layout();
    draw();
    root.setAttribute("data-ms", String(Date.now() - t0));  // (measured, for the notes)
    if (before) {
      var after = screenOf(anchorKey);
      if (after) { tx += before.x - after.x; ty += before.y - after.y; fitted = false; apply(); }
    }
  }
  function screenOf(key) {
    // Where a module is drawn (its unit when closed, its box when open), in screen pixels.
    var u = L.units.filter(function (v) { return v.module && v.module.key === key; })[0];
    var b = L.boxes.filter(function (c) { return c.key === key; })[0];
    if (u) { return { x: u.x * scale + tx, y: (u.y + u.h / 2) * scale + ty }; }
    if (b) { return { x: b.x0 * scale + tx, y: (b.y0 + b.y1) / 2 * scale + ty }; }
    return null;
  }
  function toggle(m, value) {
    touch();
    if (value) { open[m.key] = true; } else { closeUnder(m.key); }
    relayout(m.key);
  }
  function closeUnder(key) {
    moduleList.forEach(function (m) {
      if (m.key === key || m.key.indexOf(key.slice(0, -1) + ",") === 0) { delete open[m.key]; }
    });
  }
  find(".ax-open-all").addEventListener("click", function () {
    touch();
    moduleList.forEach(function (m) { open[m.key] = true; });
    relayout(null); fit();
  });
  find(".ax-close-all").addEventListener("click", function () {
    touch();
    open = {};
    relayout(null); fit();
  });
  find(".ax-labels").addEventListener("change", function (ev) {
    root.classList.toggle("nolabels", !ev.target.checked);
  });

  // ---- Search: tensor names, op labels, module paths
  function findMatches(q) {
    q = q.trim().toLowerCase();
    var out = [];
    if (!q) { return out; }
    moduleList.forEach(function (m) {
      var hay = [m.path.join("."), m.title, m.sum || ""].join("\u0000").toLowerCase();
      if (hay.indexOf(q) >= 0) { out.push({ module: m }); }
    });
    nodes.forEach(function (node, i) {
      var hay = [node.name, node.label, node.title || ""].join("\u0000").toLowerCase();
      if (hay.indexOf(q) >= 0) { out.push({ node: i }); }
    });
    return out;
  }
  function goTo(k) {
    if (!matches.length) { return; }
    matchAt = ((k % matches.length) + matches.length) % matches.length;
    var m = matches[matchAt], keys = m.module ? nodes[m.module.members[0]].keys.slice(0, m.module.depth - 1)
      : nodes[m.node].keys;
    var changed = false;
    keys.forEach(function (key) { if (!open[key]) { open[key] = true; changed = true; } });
    if (changed) { L = layout(); draw(); }
    var u = m.module ? L.units.filter(function (v) { return v.module === m.module; })[0] : L.unitOf[m.node];
    var b = m.module && !u ? L.boxes.filter(function (c) { return c.module === m.module; })[0] : null;
    if (u) {
      pinned = { unit: u };
      centreOn(u.x + u.w / 2, u.y + u.h / 2, 1);
    } else if (b) {
      centreOn((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2, 0);
    }
    found.textContent = (matchAt + 1) + " of " + matches.length;
    paint();
  }
  search.addEventListener("input", function () {
    touch();
    matches = findMatches(search.value); matchAt = -1;
    found.textContent = search.value.trim() ? matches.length + " found" : "";
    paint();
  });
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { ev.preventDefault(); goTo(matchAt + (ev.shiftKey ? -1 : 1)); }
  });

  // ---- The backward pass, step by step
  function showStep(k) {
    touch();
    step = Math.max(0, Math.min(lastStep, k));
    paint();
    // Follow the op that ran: bring it into view when it is off the screen.
    var active = step > 0 ? L.unitOf[DATA.active[step]] : null;
    if (active) {
      var sz = size(), cx = (active.x + active.w / 2) * scale + tx, cy = (active.y + active.h / 2) * scale + ty;
      var mx = (active.w / 2) * scale + 30, my = (active.h / 2) * scale + 30;
      if (cx < mx || cy < my || cx > sz.w - mx || cy > sz.h - my) { centreOn(active.x + active.w / 2, active.y + active.h / 2, 0); }
    }
  }
  if (!steps.length) { find(".ax-steps").hidden = true; }
  find(".ax-prev").addEventListener("click", function () { showStep(step - 1); });
  find(".ax-next").addEventListener("click", function () { showStep(step + 1); });
  slider.addEventListener("input", function () { showStep(parseInt(slider.value, 10)); });
  root.addEventListener("keydown", function (ev) {
    if (ev.target === search || ev.target === slider) { return; }
    if (ev.key === "ArrowRight") { showStep(step + 1); ev.preventDefault(); }
    if (ev.key === "ArrowLeft") { showStep(step - 1); ev.preventDefault(); }
  });

  function report() {
    if (!L) { return; }
    root.setAttribute("data-scale", scale.toFixed(3));
    root.setAttribute("data-open", String(Object.keys(open).length));
    root.setAttribute("data-units", String(L.units.length));
    root.setAttribute("data-step", String(step));
    root.setAttribute("data-matches", String(matches.length));
    var s = pinned && (pinned.unit ? pinned.unit.lines[0] : "wire");
    root.setAttribute("data-selected", s || "");
    // Where the graph is drawn in the stage (pixels: x0,y0,x1,y1), the stage's size, the hint.
    var e = L.ext, sz = size();
    root.setAttribute("data-view", [e.x0 * scale + tx, e.y0 * scale + ty, e.x1 * scale + tx,
      e.y1 * scale + ty].map(Math.round).join(","));
    root.setAttribute("data-stage", Math.round(sz.w) + "," + Math.round(sz.h));
    root.setAttribute("data-hint", !hint || hint.hidden ? "" : hint.textContent);
  }

  start();
  waitForSize(2400);

  if (!root.classList.contains("page")) { return; }
  // ---- Actions from the address (the saved page only)
  var m = /(?:^#|&)do=([^&]*)/.exec(location.hash), log = [];
  function snapshot(action) {
    var state = { action: action, panel: panel.textContent, caption: caption.textContent };
    var keys = ["scale", "open", "units", "step", "selected", "matches", "ms", "view", "stage", "hint"];
    keys.forEach(function (k) {
      state[k] = root.getAttribute("data-" + k);
    });
    log.push(state);
    root.setAttribute("data-log", JSON.stringify(log));
  }
  snapshot("");
  (m ? m[1].split(",") : []).forEach(function (action) {
    var colon = action.indexOf(":");
    var verb = colon < 0 ? action : action.slice(0, colon);
    var arg = colon < 0 ? "" : decodeURIComponent(action.slice(colon + 1));
    function unitNamed(name) {
      return L.units.filter(function (u) { return !u.module && nodes[u.node].name === name; })[0];
    }
    function mouse(target, type) {
      if (target) { target.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true })); }
    }
    var mod = moduleList.filter(function (x) { return x.path.join(".") === arg; })[0];
    var sz = size();
    if (verb === "open" && mod) {
      var u = L.units.filter(function (v) { return v.module === mod; })[0];
      if (u) { mouse(u.g, "click"); }
    } else if (verb === "close" && mod) {
      var b = L.boxes.filter(function (c) { return c.module === mod; })[0];
      if (b) { mouse(b.title, "click"); }
    } else if (verb === "openall") { find(".ax-open-all").click();
    } else if (verb === "closeall") { find(".ax-close-all").click();
    } else if (verb === "zoom") {
      if (arg === "fit") { find(".ax-fit").click(); } else {
        var r = svg.getBoundingClientRect();
        svg.dispatchEvent(new WheelEvent("wheel", { bubbles: true, cancelable: true,
          clientX: r.left + sz.w / 2, clientY: r.top + sz.h / 2, deltaY: arg === "in" ? -200 : 200 }));
      }
    } else if (verb === "search") {
      search.value = arg;
      search.dispatchEvent(new Event("input", { bubbles: true }));
      search.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    } else if (verb === "step") {
      slider.value = arg;
      slider.dispatchEvent(new Event("input", { bubbles: true }));
    } else if (verb === "next" || verb === "prev") { find(".ax-" + verb).click();
    } else if (verb === "hover") { mouse(unitNamed(arg) && unitNamed(arg).g, "mouseover");
    } else if (verb === "select") { mouse(unitNamed(arg) && unitNamed(arg).g, "click");
    } else if (verb === "wire") {
      var w = L.wires[parseInt(arg, 10)];
      if (w) { mouse(w.g.querySelector(".ax-hit"), "click"); }
    }
    snapshot(action);
  });
}
