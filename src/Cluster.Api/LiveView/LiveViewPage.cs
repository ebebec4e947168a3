namespace Cluster.Api.LiveView;

/// <summary>
/// The live view's page, compiled in: plain semantic HTML (a table of brokers, a table per
/// topic), a little CSS, and a script that polls the HTTP API every few seconds and rebuilds the
/// tables with DOM calls (textContent only, so names can never inject markup). Lagging replicas
/// (assigned but not in the ISR) and offline partitions (no leader) are marked in words as well
/// as in colour. Kept in one file, without a build step, so that any node can serve it as is.
/// </summary>
public static class LiveViewPage
{
    public const string Style = """

        :root { color-scheme: light; --ok: #1b5e20; --warn: #8a4b00; --bad: #b00020; --line: #c8c8c8; --muted: #555; }
        * { box-sizing: border-box; }
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0; color: #111; background: #fafafa; }
        header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 1.25rem; }
        header { padding-top: 1rem; }
        h1 { font-size: 1.5rem; margin: 0.5rem 0 0.25rem; }
        h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; border-bottom: 1px solid var(--line); padding-bottom: 0.25rem; }
        h3 { font-size: 1.05rem; margin: 1.25rem 0 0.4rem; }
        h3 .meta { font-weight: normal; color: var(--muted); font-size: 0.9rem; }
        #status { margin: 0; color: var(--muted); }
        #status.error { color: var(--bad); font-weight: 600; }
        .summary { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; padding: 0; margin: 0.75rem 0; list-style: none; }
        .summary li strong { font-variant-numeric: tabular-nums; }
        table { border-collapse: collapse; width: 100%; background: #fff; font-variant-numeric: tabular-nums; }
        caption { text-align: left; color: var(--muted); font-size: 0.85rem; padding: 0.2rem 0; caption-side: top; }
        th, td { border: 1px solid var(--line); padding: 0.3rem 0.55rem; text-align: left; vertical-align: top; }
        th { background: #eee; font-weight: 600; }
        td.num { text-align: right; }
        td.leader, td.replicas, td.isr { white-space: nowrap; }
        .badge { display: inline-block; padding: 0 0.45rem; border-radius: 0.6rem; font-size: 0.85rem; border: 1px solid currentColor; }
        .status-up { color: var(--ok); }
        .status-unreachable { color: var(--warn); }
        .status-down { color: var(--bad); }
        .replica { display: inline-block; min-width: 1.6rem; margin: 0 0.15rem 0.1rem 0; padding: 0 0.3rem; border-radius: 0.25rem; background: #e8f0e8; text-align: center; }
        .replica.leader { font-weight: 700; text-decoration: underline; }
        .replica.lagging { background: #ffe9c7; color: #6b3600; outline: 2px dashed #c26a00; }
        tr.under-replicated td { background: #fff7ea; }
        tr.offline td { background: #fde7ea; }
        tr.offline td.state { color: var(--bad); font-weight: 700; }
        tr.under-replicated td.state { color: var(--warn); font-weight: 600; }
        .stale { opacity: 0.6; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        footer { color: var(--muted); font-size: 0.85rem; padding-bottom: 2rem; margin-top: 2rem; }

        """;

    public const string Script = """

        "use strict";
        const REFRESH_MS = 3000;
        const $ = (id) => document.getElementById(id);

        function el(tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attrs || {})) {
            if (value === null || value === undefined || value === false) continue;
            if (key === "className") node.className = value; else node.setAttribute(key, String(value));
          }
          for (const child of children.flat()) {
            if (child === null || child === undefined) continue;
            node.append(child instanceof Node ? child : document.createTextNode(String(child)));
          }
          return node;
        }

        async function getJson(path) {
          const response = await fetch(path, { cache: "no-store", headers: { "Accept": "application/json" } });
          const body = await response.json().catch(() => null);
          if (!response.ok) {
            const reason = body && body.error ? body.error + ": " + (body.message || "") : "HTTP " + response.status;
            throw new Error(path + " answered " + reason);
          }
          return body;
        }

        async function load() {
          const [cluster, list] = await Promise.all([getJson("/v1/cluster"), getJson("/v1/topics?internal=true")]);
          const names = (list.topics || []).slice().sort();
          const topics = await Promise.all(names.map((name) =>
            getJson("/v1/topics/" + encodeURIComponent(name)).catch((e) => ({ name, error: e.message, partitions: [], configs: {} }))));
          return { cluster, topics };
        }

        const offset = (n) => (typeof n === "number" && n >= 0 ? n.toLocaleString("en-US") : "unknown");

        function renderBrokers(cluster) {
          const rows = (cluster.brokers || []).slice().sort((a, b) => a.id - b.id).map((b) => {
            const controller = b.id === cluster.controller;
            return el("tr", { "data-broker": b.id, "data-status": b.status },
              el("th", { scope: "row" }, "Broker " + b.id),
              el("td", null, b.host),
              el("td", { className: "num" }, b.port),
              el("td", null, el("a", { href: "http://" + b.host + ":" + b.httpPort + "/" }, b.httpPort)),
              el("td", null, el("span", { className: "badge status-" + b.status }, b.status)),
              el("td", null, controller ? "controller" : ""));
          });
          $("brokers").replaceChildren(...rows);
        }

        function replicaList(ids, isr, leader, markLagging) {
          return ids.map((id) => {
            const lagging = markLagging && !isr.includes(id);
            const classes = ["replica"];
            if (id === leader) classes.push("leader");
            if (lagging) classes.push("lagging");
            return el("span", { className: classes.join(" "), "data-replica": id, title: lagging ? "not in the ISR (lagging)" : (id === leader ? "leader" : "in sync") },
              String(id),
              lagging ? el("span", { className: "visually-hidden" }, " (lagging)") : null,
              id === leader ? el("span", { className: "visually-hidden" }, " (leader)") : null);
          });
        }

        function renderTopic(topic) {
          const partitions = (topic.partitions || []).slice().sort((a, b) => a.partition - b.partition);
          const rf = partitions.reduce((m, p) => Math.max(m, (p.replicas || []).length), 0);
          const internal = topic.name.startsWith("__");
          const heading = el("h3", { id: "topic-" + topic.name },
            topic.name, " ",
            el("span", { className: "meta" },
              (internal ? "internal topic, " : "") + partitions.length + " partition" + (partitions.length === 1 ? "" : "s") +
              ", replication factor " + rf +
              (topic.configs && topic.configs["min.insync.replicas"] ? ", min.insync.replicas " + topic.configs["min.insync.replicas"] : "")));
          if (topic.error) return el("section", { className: "topic", "data-topic": topic.name }, heading, el("p", { className: "error" }, topic.error));

          const head = el("thead", null, el("tr", null,
            ["Partition", "Leader", "Leader epoch", "Replicas", "In-sync replicas (ISR)", "Log start offset", "High watermark", "Log end offset", "State"]
              .map((h) => el("th", { scope: "col" }, h))));
          const body = el("tbody", null, partitions.map((p) => {
            const replicas = p.replicas || [], isr = p.isr || [];
            const offline = p.leader < 0;
            const lagging = replicas.filter((r) => !isr.includes(r));
            const state = offline ? "Offline: no leader" : lagging.length ? "Under-replicated: " + lagging.join(", ") + " lagging" : "In sync";
            return el("tr", {
                className: offline ? "offline" : lagging.length ? "under-replicated" : "",
                "data-partition": p.partition, "data-leader": p.leader, "data-high-watermark": p.highWatermark,
                "data-log-start-offset": p.logStartOffset, "data-isr": isr.join(","), "data-replicas": replicas.join(","),
              },
              el("th", { scope: "row" }, p.partition),
              el("td", { className: "leader" }, offline ? "none" : "Broker " + p.leader),
              el("td", { className: "num" }, p.leaderEpoch),
              el("td", { className: "replicas" }, replicaList(replicas, isr, p.leader, true)),
              el("td", { className: "isr" }, replicaList(isr, isr, p.leader, false)),
              el("td", { className: "num log-start" }, offset(p.logStartOffset)),
              el("td", { className: "num high-watermark" }, offset(p.highWatermark)),
              el("td", { className: "num log-end" }, offset(p.logEndOffset)),
              el("td", { className: "state" }, state));
          }));
          const caption = el("caption", null, "Partitions of " + topic.name);
          return el("section", { className: "topic", "data-topic": topic.name, "aria-labelledby": "topic-" + topic.name },
            heading, el("table", null, caption, head, body));
        }

        function render({ cluster, topics }) {
          $("cluster-id").textContent = cluster.clusterId || "";
          renderBrokers(cluster);
          const all = topics.flatMap((t) => t.partitions || []);
          const under = all.filter((p) => p.leader >= 0 && (p.isr || []).length < (p.replicas || []).length).length;
          const offline = all.filter((p) => p.leader < 0).length;
          const up = (cluster.brokers || []).filter((b) => b.status === "up").length;
          $("summary-brokers").textContent = up + " of " + (cluster.brokers || []).length + " up";
          $("summary-controller").textContent = cluster.controller >= 0 ? "Broker " + cluster.controller : "none";
          $("summary-topics").textContent = String(topics.length);
          $("summary-partitions").textContent = String(all.length);
          $("summary-under").textContent = String(under);
          $("summary-offline").textContent = String(offline);
          const sections = topics.map(renderTopic);
          $("topics").replaceChildren(...(sections.length ? sections : [el("p", null, "No topics yet.")]));
        }

        let lastGood = null;
        async function refresh() {
          const status = $("status");
          try {
            const data = await load();
            render(data);
            lastGood = new Date();
            status.className = "";
            status.textContent = "Updated " + lastGood.toLocaleTimeString("en-GB") + " from " + location.host + "; refreshing every " + REFRESH_MS / 1000 + " s.";
            document.body.dataset.loaded = "true";
            $("content").classList.remove("stale");
          } catch (e) {
            status.className = "error";
            status.textContent = "Cannot refresh from " + location.host + ": " + e.message +
              (lastGood ? ". Showing data from " + lastGood.toLocaleTimeString("en-GB") + "." : ".");
            $("content").classList.add("stale");
          } finally {
            setTimeout(refresh, REFRESH_MS);
          }
        }
        refresh();

        """;

    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Cluster live view</title>
        <style>
        """ + Style + """
        </style>
        </head>
        <body>
        <header>
          <h1>Cluster <span id="cluster-id"></span></h1>
          <p id="status" role="status" aria-live="polite">Loading…</p>
        </header>
        <main id="content">
          <ul class="summary" aria-label="Summary">
            <li>Brokers: <strong id="summary-brokers">…</strong></li>
            <li>Controller: <strong id="summary-controller">…</strong></li>
            <li>Topics: <strong id="summary-topics">…</strong></li>
            <li>Partitions: <strong id="summary-partitions">…</strong></li>
            <li>Under-replicated: <strong id="summary-under">…</strong></li>
            <li>Offline: <strong id="summary-offline">…</strong></li>
          </ul>
          <section aria-labelledby="brokers-heading">
            <h2 id="brokers-heading">Brokers</h2>
            <table>
              <caption>Every broker the cluster has registered, with its state as this node sees it</caption>
              <thead><tr><th scope="col">Broker</th><th scope="col">Host</th><th scope="col">Akka port</th><th scope="col">HTTP port</th><th scope="col">Status</th><th scope="col">Role</th></tr></thead>
              <tbody id="brokers"></tbody>
            </table>
          </section>
          <section aria-labelledby="topics-heading">
            <h2 id="topics-heading">Topics</h2>
            <div id="topics"><p>Loading…</p></div>
          </section>
        </main>
        <footer>
          <p>The leader is underlined. A replica with a dashed outline is assigned to the partition but not in its ISR (lagging).
          Rows of under-replicated partitions are tinted amber, rows of offline partitions (no leader) red.
          Offsets are read from each partition's leader; "unknown" means it did not answer in time.</p>
        </footer>
        <script>
        """ + Script + """
        </script>
        </body>
        </html>

        """;
}
