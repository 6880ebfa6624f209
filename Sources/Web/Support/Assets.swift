import Crypto
import Foundation
import Hummingbird

/// The one stylesheet (the pages carry no inline style and no script: the Content-Security-
/// Policy allows neither).
enum Assets {
    static let css = """
        :root { --ink: #1b2a24; --muted: #5b6b63; --line: #d6ddd9; --brand: #006c35; --refused: #b5651d; --bg: #f7f9f8; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, "Noto Naskh Arabic", "Segoe UI", Tahoma, sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--brand); }
        a:focus, button:focus, input:focus, select:focus, summary:focus { outline: 3px solid #f2b705; outline-offset: 2px; }
        .skip { position: absolute; inset-inline-start: -999px; }
        .skip:focus { inset-inline-start: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 2; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        header.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .75rem 1.5rem; background: var(--brand); color: #fff; }
        header.top a { color: #fff; }
        .brand { font-weight: 700; text-decoration: none; }
        header nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
        header nav a[aria-current] { text-decoration: underline 3px; }
        .switches { margin-inline-start: auto; display: flex; gap: .75rem; align-items: center; }
        form.inline { display: inline; margin: 0; }
        button { font: inherit; padding: .35rem .9rem; border: 1px solid var(--brand); background: #fff; color: var(--brand); border-radius: 4px; cursor: pointer; }
        header button { background: transparent; color: #fff; border-color: #fff; }
        main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
        footer { text-align: center; color: var(--muted); font-size: .85rem; padding: 1rem; }
        h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
        .lead, .note, .muted { color: var(--muted); }
        .big { font-size: 1.25rem; } .big strong { font-size: 1.6rem; color: var(--brand); }
        form.period, form.card { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        form.card { background: #fff; border: 1px solid var(--line); padding: 1rem; border-radius: 6px; max-width: 40rem; }
        input, select { font: inherit; padding: .3rem .5rem; border: 1px solid var(--muted); border-radius: 4px; }
        input[type=password], input[type=search] { min-width: 20rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; margin: .5rem 0 1rem; }
        th, td { padding: .35rem .6rem; border-bottom: 1px solid var(--line); text-align: start; }
        td[data-value], td[data-outcome] { text-align: end; font-variant-numeric: tabular-nums; }
        tr.group th { background: #e8f0ec; font-weight: 700; }
        tr.derived th, tr.derived td { font-style: italic; color: var(--muted); font-weight: 400; }
        tfoot th, tfoot td { font-weight: 700; border-top: 2px solid var(--ink); }
        caption { text-align: start; color: var(--muted); padding: .25rem 0; }
        svg.chart { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
        svg.chart .completed { fill: var(--brand); } svg.chart .refused { fill: var(--refused); } svg.chart .plain { fill: var(--brand); }
        svg.chart .axis { stroke: var(--muted); }
        svg.chart text { font-size: 12px; fill: var(--ink); } svg.chart text.label { font-size: 10.5px; }
        .legend .key { display: inline-block; width: .9rem; height: .9rem; vertical-align: middle; }
        .legend .key.completed { background: var(--brand); } .legend .key.refused { background: var(--refused); }
        dl.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem; }
        .tile { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .75rem; }
        .tile dt { color: var(--muted); font-size: .9rem; } .tile dd { margin: 0; font-size: 1.6rem; font-weight: 700; }
        .tile.alert { border-color: var(--refused); } .tile.alert dd { color: var(--refused); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; background: #fff; padding: 1rem; border: 1px solid var(--line); border-radius: 6px; }
        dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
        pre { background: #fff; border: 1px solid var(--line); padding: .75rem; overflow-x: auto; direction: ltr; text-align: left; white-space: pre-wrap; word-break: break-word; }
        .state.completed { color: var(--brand); } .state.rejected, .state.failed { color: var(--refused); }
        ol.timeline { list-style: none; padding: 0; border-inline-start: 3px solid var(--line); }
        ol.timeline li { margin: 0 0 .75rem; padding-inline-start: 1rem; position: relative; }
        ol.timeline time { color: var(--muted); font-variant-numeric: tabular-nums; }
        time, code, .muted, pre { unicode-bidi: isolate; } time, code { direction: ltr; }
        ul.next li.no { color: var(--muted); } ul.reasons { list-style: none; padding: 0; }
        .notice { background: #e8f0ec; border-inline-start: 4px solid var(--brand); padding: .5rem 1rem; }
        .error { background: #fbeee4; border-inline-start: 4px solid var(--refused); padding: .5rem 1rem; }
        svg.diagram { max-width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; direction: ltr; }
        svg.diagram .node rect { fill: #e8f0ec; stroke: var(--brand); }
        svg.diagram .node.initial rect { stroke-width: 3; } svg.diagram .node.final rect { fill: #fff; stroke-dasharray: 4 2; }
        svg.diagram text { font-size: 12px; fill: var(--ink); }
        svg.diagram .edge path { fill: none; stroke: var(--muted); } svg.diagram marker path { fill: var(--muted); }
        svg.diagram .edge text { font-size: 10px; fill: var(--muted); }
        ul.toc { columns: 3; }
        .press p { font-size: 1.1rem; line-height: 1.9; }
        """

    /// The stylesheet's address, named by its content: a new style is a new address, so it may
    /// be kept for a year.
    static let stylesheetPath = "/assets/muamala-" + SHA256.hash(data: Data(css.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined() + ".css"

    static func stylesheet() -> Response {
        Page.text(css, contentType: "text/css; charset=utf-8", cache: "public, max-age=31536000, immutable")
    }
}
