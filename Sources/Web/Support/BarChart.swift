/// A bar chart's geometry, for the `bar_chart` template: the server draws it, the page
/// needs no script. Bars run right to left in Arabic.
struct BarChart {
    struct Bar {
        let value: Int
        /// Part of `value` drawn in the second colour (refused and the like), from the top.
        let secondary: Int
        let label: String?
        let tooltip: String
    }

    static func render(id: String, title: String, bars: [Bar], language: Language, showValues: Bool) -> [String: Any] {
        let width = 960, height = 260, top = 24, bottom = 36, side = 24
        let plot = height - top - bottom
        let highest = max(1, bars.map(\.value).max() ?? 1)
        let slot = bars.isEmpty ? width : (width - 2 * side) / bars.count
        let barWidth = max(2, slot * 7 / 10)
        let drawn: [[String: Any]] = bars.enumerated().map { index, bar in
            let position = language.isArabic ? bars.count - 1 - index : index
            let x = side + position * slot + (slot - barWidth) / 2
            let h = bar.value * plot / highest
            let y = top + plot - h
            let secondary = min(h, bar.secondary * plot / highest)
            var drawn: [String: Any] = [
                "x": x, "y": y, "w": barWidth, "h": h, "cx": x + barWidth / 2, "class": bar.secondary > 0 || showValues ? "completed" : "plain",
                "tooltip": bar.tooltip, "value_y": max(12, y - 4), "label_y": height - bottom + 18,
            ]
            if secondary > 0 { drawn["rejected_h"] = secondary; drawn["rejected_y"] = y }
            if showValues, bar.value > 0 { drawn["value"] = language.number(bar.value) }
            if let label = bar.label { drawn["label"] = label }
            return drawn
        }
        return ["id": id, "title": title, "width": width, "height": height, "baseline": top + plot, "bars": drawn]
    }
}
