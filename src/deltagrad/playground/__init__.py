"""``deltagrad playground``: train the chapter's network in the browser and watch it learn
(chapter 7.7, 7.9), served from this process with no dependency beyond the standard library.

* :mod:`.datasets`: moons (the chapter's), circles, xor, blobs, spiral, and checked CSV uploads;
* :mod:`.session`: one session: the validated configuration, the data, the network, a
  background training thread (the compiled engine when Numba works), and the state the page
  polls: history, gradient norms, the decision boundary and every neuron's output as images,
  one sample's delta rule with its numbers;
* :mod:`.server`: the HTTP server (loopback by default; Host-header and token checks, size
  limits, timeouts and a connection cap; one thread reads requests, a fixed pool answers
  them; see its docstring for the API and the security model);
* ``static/``: the page (``index.html``, ``app.js``, ``style.css``), shipped as package data.

The command is :mod:`deltagrad.commands.playground`. Importing this package does not import
the web server (``selectors``, ``socket``); :mod:`.server` does.
"""
