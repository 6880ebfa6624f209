import Domain
import Foundation
import PQ
import Store

/// What a worker may do next, and why not: the services an operator would consider, each
/// decided as a dry run against the current state (nothing is submitted or stored).
public enum NextSteps {
    public struct Option: Sendable, Encodable {
        public let service: String
        public let allowed: Bool
        public let reason: Reason?
    }

    /// Dry runs of the common services for this worker, at the clock's time.
    public static func forWorker(_ worker: PersonID, rulebook: Rulebook, clock: EngineClock, on db: isolated Connection) throws -> [Option] {
        var needs = AggregateStore.Needs()
        needs.workers.insert(worker)
        let loaded = try AggregateStore().load(needs, on: db)
        let world = loaded.world
        let now = try clock.now(on: db)
        let employer = world.workers[worker]?.employer
        var candidates: [(ServiceDefinition, [String: JSONValue])] = [
            (FinalExitFlow.request, ["worker_id": .string(worker.digits)]),
        ]
        if let employer {
            let at: [String: JSONValue] = ["worker_id": .string(worker.digits), "establishment_id": .string(employer.description)]
            candidates = [
                (WorkPermitFlow.renew, at.merging(["months": 12]) { $1 }),
                (WorkPermitFlow.issue, at.merging(["months": 12]) { $1 }),
                (FinalExitFlow.issue, at),
                (AbsenceReportFlow.file, at),
            ] + candidates
        }
        // The actions the worker's open cases allow from where they stand (people's, not timers').
        for file in world.openCases(of: worker) {
            guard let workflow = ServiceCatalog.workflow(of: file.kind) else { continue }
            for edge in workflow.edges where edge.from == file.state && !edge.by.allSatisfy({ $0 == "system" || $0 == "staff" }) {
                guard let service = ServiceCatalog.service("\(workflow.name).\(edge.action)"),
                      !candidates.contains(where: { $0.0.code == service.code }) else { continue }
                var payload: [String: JSONValue] = ["worker_id": .string(worker.digits)]
                if service.fields.contains(where: { $0.name == "establishment_id" }) {
                    // Whose move it is: the current employer answers a transfer (the case's
                    // counterpart); everything else is the establishment the case was opened for.
                    let side = service.subjectAccess == .employee && file.counterpart != nil && file.kind == .transfer
                        ? file.counterpart : file.establishment
                    payload["establishment_id"] = .string(side?.description ?? "")
                }
                candidates.append((service, payload))
            }
        }
        let rules = rulebook.parameters(on: Day(now))
        return candidates.map { service, payload in
            let request = RequestInput(
                id: UUID(), service: service.code, actor: Actor(id: "advice", role: .staff),
                establishment: service.establishment(of: Payload(values: payload)), subject: .worker(worker),
                payload: Payload(values: payload), submittedAt: now)
            let decision = service.decide(DecisionContext(request: request, now: now, rules: rules, world: world))
            return Option(service: service.code, allowed: decision.isCompleted, reason: decision.reason)
        }
    }
}
