/* Search on a site opened from disk (file://).

   Material's search runs in a Web Worker, and Chromium and Firefox refuse to start a worker from
   a file:// URL. On file:// only, this replaces `Worker` with a stand-in that runs the worker's
   script in a hidden same-origin <iframe> instead, passing messages both ways as a worker would.
   The search index itself comes from search/search_index.js (the `offline` plugin writes it).
   Material's offline plugin would load a stand-in like this from a CDN; this file is named so
   that it does not (mkdocs.yml, extra.polyfills), and the site needs no network. */
(function () {
  "use strict";
  if (location.protocol !== "file:") {
    return;
  }

  function later(fn) {
    setTimeout(fn, 0); // messages arrive asynchronously, as from a real worker
  }

  function copy(data) {
    return typeof structuredClone === "function" ? structuredClone(data) : data;
  }

  class IFrameWorker extends EventTarget {
    constructor(url) {
      super();
      this.onmessage = null;
      this.onerror = null;
      this.pending = []; // posted before the worker's script has run
      this.frame = document.createElement("iframe");
      this.frame.setAttribute("aria-hidden", "true");
      this.frame.tabIndex = -1;
      this.frame.style.display = "none";
      (document.body || document.documentElement).appendChild(this.frame); // about:blank: same origin
      const scope = this.frame.contentWindow;
      scope.postMessage = (data) => later(() => this.deliver("message", copy(data)));
      scope.importScripts = (...urls) => load(scope, urls);
      load(scope, [new URL(url, location.href).href]).then(
        () => {
          const queued = this.pending;
          this.pending = null;
          queued.forEach((data) => this.postMessage(data));
        },
        () => this.deliver("error", null),
      );
    }

    postMessage(data) {
      if (this.pending) {
        this.pending.push(data);
        return;
      }
      const scope = this.frame.contentWindow;
      const event = new scope.MessageEvent("message", { data: copy(data) });
      later(() => scope.dispatchEvent(event));
    }

    deliver(type, data) {
      const event = type === "message" ? new MessageEvent(type, { data }) : new Event(type);
      const handler = type === "message" ? this.onmessage : this.onerror;
      if (typeof handler === "function") {
        handler.call(this, event);
      }
      this.dispatchEvent(event);
    }

    terminate() {
      this.frame.remove();
    }
  }

  // Scripts run one after another in the frame; resolves when the last has run.
  function load(scope, urls) {
    return urls.reduce(function (done, url) {
      return done.then(function () {
        return new Promise(function (resolve, reject) {
          const script = scope.document.createElement("script");
          script.src = url;
          script.onload = resolve;
          script.onerror = reject;
          scope.document.head.appendChild(script);
        });
      });
    }, Promise.resolve());
  }

  window.IFrameWorker = IFrameWorker; // the search worker looks for it to find its own folder
  window.Worker = IFrameWorker;
})();
