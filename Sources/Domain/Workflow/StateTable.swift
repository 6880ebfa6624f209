/// A workflow as a table of transitions: from a state, an action leads to a state and is
/// recorded as an event. The engine, the docs (`muamala workflows`) and the exhaustive tests
/// all read the same table.
public protocol StateTable {
    associatedtype State: RawRepresentable & CaseIterable & Hashable & Sendable where State.RawValue == String

    /// The workflow's name (`work-permit`).
    static var name: String { get }
    static var nameAr: String { get }
    /// The pseudo-state before the first transition (no case yet).
    static var initial: State { get }
    static var transitions: [Transition<State>] { get }
}

/// One row of a workflow's table.
public struct Transition<State: Hashable & Sendable>: Sendable, Hashable {
    /// The action, as named by its service (`renew`, `accept`, `lapse`).
    public let action: String
    public let from: State
    public let to: State
    /// What happened, in the past tense (`permitRenewed`).
    public let event: String
    /// Who may take this step.
    public let by: Set<Actor.Role>

    public init(_ action: String, from: State, to: State, event: String, by: Set<Actor.Role>) {
        self.action = action
        self.from = from
        self.to = to
        self.event = event
        self.by = by
    }
}

extension StateTable {
    /// The row for `action` from `state`, if the table has one.
    public static func transition(_ action: String, from state: State) -> Transition<State>? {
        transitions.first { $0.action == action && $0.from == state }
    }

    /// The row for `action` from `state` to `target`, when an action has several outcomes.
    public static func transition(_ action: String, from state: State, to target: State) -> Transition<State>? {
        transitions.first { $0.action == action && $0.from == state && $0.to == target }
    }

    /// Every action the table knows.
    public static var actions: [String] {
        var seen: [String] = []
        for transition in transitions where !seen.contains(transition.action) { seen.append(transition.action) }
        return seen
    }

    /// States no transition leaves.
    public static var terminalStates: [State] {
        State.allCases.filter { state in !transitions.contains { $0.from == state } }
    }

    /// The refusal for an action the table does not allow from `state`.
    public static func notAllowed(_ action: String, in state: State) -> Reason {
        Reason.Code.notAllowedInState(["action": action, "case": name, "case_ar": nameAr, "state": state.rawValue])
    }
}

/// The tables in a form that does not depend on their state types: for diagrams and docs.
public struct WorkflowDiagram: Sendable {
    public struct Edge: Sendable, Hashable {
        public let from: String
        public let to: String
        public let action: String
        public let event: String
        public let by: [String]
    }

    public let name: String
    public let nameAr: String
    public let initial: String
    public let states: [String]
    public let edges: [Edge]

    public init<Table: StateTable>(_ table: Table.Type) {
        name = Table.name
        nameAr = Table.nameAr
        initial = Table.initial.rawValue
        states = Table.State.allCases.map(\.rawValue)
        edges = Table.transitions.map {
            Edge(from: $0.from.rawValue, to: $0.to.rawValue, action: $0.action, event: $0.event, by: $0.by.map(\.rawValue).sorted())
        }
    }

    /// Graphviz text.
    public var dot: String {
        var lines = ["digraph \"\(name)\" {", "  rankdir=LR;", "  node [shape=box, style=rounded];",
                     "  \"\(initial)\" [shape=point];"]
        for edge in edges {
            lines.append("  \"\(edge.from)\" -> \"\(edge.to)\" [label=\"\(edge.action)\\n(\(edge.by.joined(separator: ", ")))\"];")
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// Mermaid `stateDiagram-v2` text.
    public var mermaid: String {
        var lines = ["stateDiagram-v2"]
        for edge in edges {
            let from = edge.from == initial ? "[*]" : edge.from
            lines.append("    \(from) --> \(edge.to): \(edge.action) (\(edge.by.joined(separator: ", ")))")
        }
        return lines.joined(separator: "\n")
    }
}
