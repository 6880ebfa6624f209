import Domain

/// A workflow's states and transitions laid out for SVG: states in columns by their
/// distance from the initial state (left to right, as `--dot` draws them), transitions as
/// curves labelled with their action. From the same tables the engine runs.
enum WorkflowDrawing {
    static func view(_ diagram: WorkflowDiagram, anchor: String, title: String) -> [String: Any] {
        // Columns: breadth-first distance from the initial state; unreachable ones last.
        var layer: [String: Int] = [diagram.initial: 0]
        var frontier = [diagram.initial]
        while !frontier.isEmpty {
            var next: [String] = []
            for state in frontier {
                for edge in diagram.edges where edge.from == state && layer[edge.to] == nil {
                    layer[edge.to] = (layer[state] ?? 0) + 1
                    next.append(edge.to)
                }
            }
            frontier = next
        }
        let deepest = layer.values.max() ?? 0
        for state in diagram.states where layer[state] == nil { layer[state] = deepest + 1 }
        let columns = Dictionary(grouping: diagram.states, by: { layer[$0] ?? 0 }).sorted { $0.key < $1.key }

        let rowHeight = 64, nodeHeight = 30, gap = 110, margin = 20
        var boxes: [String: (x: Int, y: Int, w: Int)] = [:]
        var x = margin, tallest = 0
        for (_, states) in columns {
            let width = (states.map { $0.count * 7 + 24 }.max() ?? 60)
            for (row, state) in states.enumerated() {
                boxes[state] = (x, margin + 18 + row * rowHeight, width)
            }
            tallest = max(tallest, states.count)
            x += width + gap
        }
        let width = max(x - gap + margin, 200), height = margin * 2 + 18 + max(1, tallest) * rowHeight

        let nodes: [[String: Any]] = diagram.states.compactMap { state in
            guard let box = boxes[state] else { return nil }
            let outgoing = diagram.edges.contains { $0.from == state && $0.to != state }
            return ["name": state, "x": box.x, "y": box.y, "w": box.w, "h": nodeHeight, "cx": box.x + box.w / 2,
                    "cy": box.y + nodeHeight / 2 + 4, "initial": state == diagram.initial, "final": !outgoing]
        }
        var seen: [String: Int] = [:]
        let edges: [[String: Any]] = diagram.edges.compactMap { edge in
            guard let from = boxes[edge.from], let to = boxes[edge.to] else { return nil }
            // Several edges between the same two states bend apart.
            let pair = edge.from + "→" + edge.to
            let nth = seen[pair, default: 0]
            seen[pair] = nth + 1
            let path: String, lx: Int, ly: Int
            if edge.from == edge.to {
                let cx = from.x + from.w / 2, top = from.y
                let rise = 22 + nth * 12
                path = "M\(cx - 10),\(top) C\(cx - 30),\(top - rise) \(cx + 30),\(top - rise) \(cx + 10),\(top)"
                (lx, ly) = (cx, top - rise + 4)
            } else {
                let forward = to.x > from.x
                let sx = forward ? from.x + from.w : from.x + from.w / 2, sy = forward ? from.y + nodeHeight / 2 : from.y + nodeHeight
                let ex = forward ? to.x : to.x + to.w / 2, ey = forward ? to.y + nodeHeight / 2 : to.y + nodeHeight
                let bend = (forward ? 0 : 40) + nth * 18
                let mx = (sx + ex) / 2, my = (sy + ey) / 2 + (forward ? -bend : bend)
                path = "M\(sx),\(sy) Q\(mx),\(my) \(ex),\(ey)"
                (lx, ly) = (mx, (sy + ey + 2 * my) / 4 - 4)
            }
            return ["path": path, "lx": lx, "ly": ly, "action": edge.action, "from": edge.from, "to": edge.to,
                    "event": edge.event, "by": edge.by.joined(separator: ", ")]
        }
        return ["anchor": anchor, "title": title, "width": width, "height": height, "nodes": nodes, "edges": edges]
    }
}
