/// `docs/WORKFLOWS.md`, written from the same tables the engine runs (a test keeps the file
/// equal to this; `muamala workflows --markdown` prints it).
public enum WorkflowDocument {
    public static func render() -> String {
        var lines = [
            "# Workflows",
            "",
            "Generated from the workflow tables in `Sources/Domain/Workflows` by `muamala workflows --markdown`;",
            "a test fails when this file and the tables differ. Each transition is one action of a service (its code",
            "is usually `<workflow>.<action>`; `GET /v1/services` lists them all), taken by the roles shown; `system`",
            "actions are timers and facts from other government systems. A case in a closed state is history: the",
            "worker is back at `none` for that kind.",
            "",
        ]
        for diagram in ServiceCatalog.workflows {
            lines.append("## \(diagram.name) — \(diagram.nameAr)")
            lines.append("")
            lines.append("```mermaid")
            lines.append(diagram.mermaid)
            lines.append("```")
            lines.append("")
            lines.append("| from | action | to | event | by |")
            lines.append("| --- | --- | --- | --- | --- |")
            for edge in diagram.edges {
                lines.append("| \(edge.from) | `\(edge.action)` | \(edge.to) | \(edge.event) | \(edge.by.joined(separator: ", ")) |")
            }
            lines.append("")
        }
        lines.append("## Cross-workflow rules")
        lines.append("")
        lines.append("An open case of these kinds refuses these services (reason `worker.case_open`):")
        lines.append("")
        lines.append("| service | refused while open |")
        lines.append("| --- | --- |")
        for (service, kinds) in CrossRules.blockers.sorted(by: { $0.key < $1.key }) {
            lines.append("| `\(service)` | \(kinds.map(\.english).joined(separator: ", ")) |")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
