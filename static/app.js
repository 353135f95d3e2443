// Rumbo's only script besides htmx. It marks fragments busy while they load
// and shows the "Reintentar" state when a fragment cannot be reached at all
// (a server that answers with an error sends its own error fragment).
(function () {
  "use strict";

  function fragmentOf(evt) {
    var t = evt.detail && evt.detail.target;
    return t && t.closest ? t.closest("[data-fragment]") : null;
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    // Polling cards ("every 60s") rest while the tab is hidden.
    var elt = evt.detail && evt.detail.elt;
    if (document.hidden && elt && /\bevery\b/.test(elt.getAttribute("hx-trigger") || "")) {
      evt.preventDefault();
      return;
    }
    var f = fragmentOf(evt);
    if (!f) return;
    f.setAttribute("aria-busy", "true");
    // afterRequest may find no fragment when the swap replaced the element
    // the request came from (outerHTML inside a fragment): clear it here too.
    var xhr = evt.detail && evt.detail.xhr;
    if (xhr) xhr.addEventListener("loadend", function () { f.removeAttribute("aria-busy"); });
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    var f = fragmentOf(evt);
    if (f) f.removeAttribute("aria-busy");
  });

  document.addEventListener("htmx:sendError", function (evt) {
    var f = fragmentOf(evt);
    if (!f) return;
    var url = evt.detail.requestConfig && evt.detail.requestConfig.path;
    var box = document.createElement("div");
    box.className = "fragment-error";
    box.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.innerHTML = "<strong>Error cargando datos.</strong> No se pudo contactar con el servidor.";
    box.appendChild(p);
    if (url) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button secondary";
      b.textContent = "Reintentar";
      b.setAttribute("hx-get", url);
      b.setAttribute("hx-target", "closest [data-fragment]");
      box.appendChild(b);
    }
    f.replaceChildren(box);
    if (window.htmx) window.htmx.process(box);
  });
})();
