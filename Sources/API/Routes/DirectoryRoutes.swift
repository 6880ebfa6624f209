import Domain
import Foundation
import Hummingbird

/// The public directory: `GET /v1/services` (every e-service, its names, who may ask, its
/// payload schema, fees and deadlines) and `GET /v1/rulebook` (the regulations' numbers,
/// as dated editions).
struct DirectoryRoutes {
    let environment: APIEnvironment

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("/services") { _, _ in
            let rules = environment.rulebook.parameters(on: Day(Date()))
            let services = ServiceCatalog.all.map { ServiceView($0, rules: rules) }
            return try jsonResponse(["services": services])
        }
        router.get("/services/{code}") { _, context in
            guard let code = context.parameters.get("code"), let service = ServiceCatalog.service(code) else {
                throw APIError(.notFound, .unknownService, ["service": context.parameters.get("code") ?? ""])
            }
            return try jsonResponse(ServiceView(service, rules: environment.rulebook.parameters(on: Day(Date()))))
        }
        router.get("/rulebook") { _, _ in
            try jsonResponse(RulebookView(environment.rulebook))
        }
        router.get("/workflows") { _, _ in
            try jsonResponse(["workflows": ServiceCatalog.workflows.map(WorkflowView.init)])
        }
    }
}

/// The rulebook as published: editions with their dates, notes and full parameters.
struct RulebookView: Encodable {
    struct Edition: Encodable {
        let effective_from: String
        let note: String
        let parameters: RuleParameters
    }

    let editions: [Edition]

    init(_ rulebook: Rulebook) {
        editions = rulebook.editions.map { Edition(effective_from: $0.effectiveFrom.iso, note: $0.note, parameters: $0.parameters) }
    }

    func encode(to encoder: any Encoder) throws {
        // Parameters in snake_case, as in the rulebook file.
        var container = encoder.container(keyedBy: CodingKeys.self)
        let snake = JSONEncoder()
        snake.keyEncodingStrategy = .convertToSnakeCase
        let editions = try self.editions.map { edition -> JSONValue in
            let parameters = try JSONDecoder().decode(JSONValue.self, from: try snake.encode(edition.parameters))
            return ["effective_from": .string(edition.effective_from), "note": .string(edition.note), "parameters": parameters]
        }
        try container.encode(editions, forKey: .editions)
    }

    enum CodingKeys: String, CodingKey { case editions }
}

struct WorkflowView: Encodable {
    let name: String
    let name_ar: String
    let states: [String]
    let transitions: [[String: String]]
    let mermaid: String

    init(_ diagram: WorkflowDiagram) {
        name = diagram.name
        name_ar = diagram.nameAr
        states = diagram.states
        transitions = diagram.edges.map {
            ["from": $0.from, "to": $0.to, "action": $0.action, "event": $0.event, "by": $0.by.joined(separator: ",")]
        }
        mermaid = diagram.mermaid
    }
}
