import ArgumentParser
import Domain
import Foundation
import PQ
import Store

/// `muamala request show|list|retry|cancel`.
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Look up, list, re-drive or withdraw requests.",
        subcommands: [Show.self, List.self, Retry.self, Cancel.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one request and its decision.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The request id.") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("not a request id: \(id)") }
            let operations = try await global.operations()
            let principal = try await actor.principal(try await global.connect())
            let found = try await operations.request(uuid, for: principal)
            await operations.pool.close()
            guard let record = found else { throw ValidationError("no request \(id)") }
            try RequestDisplay.show(record, json: global.json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List requests, newest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Option(help: "Only this establishment (1-12345).") var establishment: String?
        @Option(help: "Only this state: queued, completed, rejected, failed, cancelled.") var state: String?
        @Option(help: "Only this worker (national ID or iqama).") var worker: String?
        @Option(help: "Continue before this sequence number (paging).") var before: Int64?
        @Option(help: "How many (1 to 500).") var limit = 50

        func validate() throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit is 1 to 500") }
        }

        func run() async throws {
            var filter = RequestQueue.ListFilter(limit: limit)
            if let establishment {
                guard let id = try? EstablishmentID(establishment) else { throw ValidationError("not an establishment number: \(establishment)") }
                filter.establishment = id.description
            }
            if let state {
                guard let parsed = RequestRecord.State(rawValue: state) else {
                    throw ValidationError("state is one of \(RequestRecord.State.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.state = parsed
            }
            if let worker {
                guard let person = try? PersonID(worker) else { throw ValidationError("not a national ID or iqama number: \(worker)") }
                filter.subject = Subject.worker(person).key
            }
            filter.before = before
            let operations = try await global.operations()
            let principal = try await actor.principal(try await global.connect())
            let result = try await operations.requests(filter, for: principal)
            await operations.pool.close()
            let records: [RequestRecord]
            switch result {
            case .success(let page): records = page
            case .failure(.establishmentRequired): throw ValidationError("give --establishment: this account lists one establishment at a time")
            case .failure(.forbidden): throw ValidationError("this account may not list that establishment's requests")
            }
            if global.json {
                try printJSON(records)
                return
            }
            printTable(["SEQ", "ID", "SERVICE", "STATE", "SUBJECT", "SUBMITTED", "REASON"], records.map {
                [String($0.seq), $0.id.uuidString.lowercased(), $0.service, $0.state.rawValue, $0.subject, $0.submittedAt.iso,
                 $0.reasonCode ?? ""]
            })
            if records.count == limit, let last = records.last { print("(more: --before \(last.seq))") }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry", abstract: "Re-drive a failed request (attempts start again).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The request id.") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("not a request id: \(id)") }
            let operations = try await global.operations()
            let result = try await operations.redrive(uuid, by: ActorOptions.operatorPrincipal)
            await operations.pool.close()
            switch result {
            case .success(let record): try RequestDisplay.show(record, json: global.json)
            case .failure(.forbidden): throw ValidationError("only staff may re-drive a request")
            case .failure(.refused(.notFound)): throw ValidationError("no request \(id)")
            case .failure(.refused(.wrongState(let state))): throw ValidationError("only a failed request can be re-driven; this one is \(state.rawValue)")
            case .failure(.refused(.beingProcessed)): throw ValidationError("the request is being processed")
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Withdraw a queued request.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The request id.") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("not a request id: \(id)") }
            let operations = try await global.operations()
            let principal = try await actor.principal(try await global.connect())
            let result = try await operations.cancel(uuid, by: principal)
            await operations.pool.close()
            switch result {
            case .success(let record): try RequestDisplay.show(record, json: global.json)
            case .failure(.forbidden): throw ValidationError("only its submitter (or staff) may withdraw a request")
            case .failure(.refused(.notFound)): throw ValidationError("no request \(id)")
            case .failure(.refused(.wrongState(let state))): throw ValidationError("only a queued request can be withdrawn; this one is \(state.rawValue)")
            case .failure(.refused(.beingProcessed)): throw ValidationError("the request is being processed right now; try again")
            }
        }
    }
}

/// `muamala queue`: how the queue stands.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Depth, rate, oldest due request and failed requests.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let connection = try await global.connect()
        let clock = try await global.clock(connection)
        let statistics = try await connection.run { db in
            try RequestQueue.statistics(businessNow: try clock.now(on: db), realNow: Date(), on: db)
        }
        if global.json {
            try printJSON(statistics)
            return
        }
        print("due now            \(statistics.due)")
        print("  retrying         \(statistics.retrying)")
        print("scheduled (timers) \(statistics.scheduled)")
        print("oldest due         \(String(format: "%.1f", statistics.oldestDueAgeSeconds)) s")
        print("finished/minute    \(statistics.finishedLastMinute ?? 0)")
        print("failed (parked)    \(statistics.failed)\(statistics.failed > 0 ? "  — see: muamala request list --state failed" : "")")
    }
}
