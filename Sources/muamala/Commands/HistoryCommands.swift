import ArgumentParser
import Domain
import Foundation
import PQ
import Store

/// `muamala verify`: proves that nobody edited the history.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every event chain and compare it with the stored hashes and heads (and signed checkpoints).",
        discussion: """
            Without --checkpoints this proves that the history is whole as stored, which \
            anyone who may write the database could rebuild. With --checkpoints FOLDER it also \
            proves that every stream still passes through the head signed for it there, with \
            keys the database never held: give the public keys you trust (--public-key, \
            repeatable; keys kept beside the checkpoints prove nothing against whoever can \
            write that folder). Give --after with the digest of the newest checkpoint you saw \
            last time, so that a folder cut back to an older checkpoint is noticed too.

            With --state it checks the state instead: every row of every aggregate against \
            its record of versions (aggregate_versions), naming each row that differs from its \
            newest version or has none (changed with the triggers off), each recorded row gone \
            with no removal recorded (TRUNCATE), and each change made outside the engine, a \
            bulk load and the migrations (a superuser's UPDATE), with who, when and the \
            columns it changed. A deliberate correction says what it is in its transaction: \
            SET LOCAL muamala.change_source = 'migration'.

            Exit status 0 when the history is intact (or the state consistent), 4 when it is \
            not (each problem is listed).
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Check the current rows against their record of versions instead of the event chains.") var state = false
    @Option(help: "A folder of checkpoints (muamala checkpoint) to check the history against.") var checkpoints: String?
    @Option(name: .customLong("public-key"), help: "A public key to trust for the checkpoints (repeatable).") var publicKeys: [String] = []
    @Option(help: "The digest of a checkpoint the folder must still hold (the newest one seen before).") var after: String?

    func validate() throws {
        if checkpoints != nil && publicKeys.isEmpty {
            throw ValidationError("give --public-key: the keys you trust, kept apart from the checkpoints")
        }
        if checkpoints == nil && (!publicKeys.isEmpty || after != nil) {
            throw ValidationError("--public-key and --after go with --checkpoints")
        }
        if state && checkpoints != nil {
            throw ValidationError("--state checks the rows, not the chains: run it apart from --checkpoints")
        }
    }

    func run() async throws {
        if state { return try await verifyState() }
        var signed: [String: CheckpointChain.Signed] = [:]
        var fileProblems: [String] = []
        var checkpointCount = 0
        if let checkpoints {
            let folder = URL(fileURLWithPath: checkpoints)
            let keyFiles = publicKeys.map { URL(fileURLWithPath: $0) }
            let keys = Dictionary(try keyFiles.map { let key = try CheckpointPublicKey(file: $0); return (key.keyID, key) }) { first, _ in first }
            let chain = CheckpointChain(try CheckpointDirectory(folder).load(), keys: keys)
            if chain.checkpoints.isEmpty { throw ValidationError("no checkpoints in \(folder.path)") }
            signed = chain.heads
            fileProblems = chain.problems
            if let after, !chain.checkpoints.contains(where: { $0.digest == after.lowercased() }) {
                fileProblems.append("no checkpoint in \(folder.path) has the digest \(after): the folder was cut back or replaced")
            }
            checkpointCount = chain.checkpoints.count
            if !global.json, let newest = chain.checkpoints.last {
                FileHandle.standardError.write(Data("newest checkpoint: \(newest.sequence), digest \(newest.digest) (give it as --after next time)\n".utf8))
            }
        }
        let connection = try await global.connect()
        let json = global.json
        let heads = signed
        var report = try await connection.withTransaction(isolation: .repeatableRead, readOnly: true) { db in
            try EventLog.verify(signed: heads, progress: { count in
                if !json { FileHandle.standardError.write(Data("\rchecked \(count) events".utf8)) }
            }, on: db)
        }
        report.problems = fileProblems + report.problems
        if !json { FileHandle.standardError.write(Data("\n".utf8)) }
        if json {
            try printJSON(report)
        } else {
            print("\(report.events) events in \(report.streams) streams: \(report.isIntact ? "intact" : "\(report.problems.count) problem(s)")")
            if checkpoints != nil {
                print("\(report.signedHeadsReached) of \(report.signedHeads) signed heads reached, from \(checkpointCount) checkpoint(s)")
            }
            for problem in report.problems.prefix(50) { print("  " + problem) }
        }
        if !report.isIntact { throw ExitCode(4) }
    }

    /// `--state`: the rows against their record, in one snapshot.
    private func verifyState() async throws {
        let connection = try await global.connect()
        let json = global.json
        let report = try await connection.withTransaction(isolation: .repeatableRead, readOnly: true) { db in
            try StateCheck.run(progress: { step in
                if !json { FileHandle.standardError.write(Data("checking \(step)…\n".utf8)) }
            }, on: db)
        }
        if json {
            try printJSON(report)
        } else {
            let rows = report.rows.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let found = report.differences.count + report.unlisted
            print("\(rows): \(report.isConsistent ? "every row is its newest recorded version" : "\(found) difference(s)")")
            for difference in report.differences.prefix(50) { print("  " + difference.description) }
            if found > 50 { print("  … and \(found - 50) more (--json lists up to 1,000)") }
        }
        if !report.isConsistent { throw ExitCode(4) }
    }
}

/// `muamala history <id>`: events of a request, a worker, an establishment or an aggregate.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show the events of a request (UUID), a worker (national ID or iqama) or an establishment (1-12345).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "What to show the history of.") var id: String
    @Option(help: "At most this many events.") var limit = 500

    func run() async throws {
        var stream: String?, request: UUID?
        let aggregate: String? = nil
        if let uuid = UUID(uuidString: id) {
            request = uuid
        } else if let person = try? PersonID(id) {
            stream = Subject.worker(person).key
        } else if let establishment = try? EstablishmentID(id) {
            stream = Subject.establishment(establishment).key
        } else {
            throw ValidationError("give a request id, a national ID or iqama, or an establishment number")
        }
        let connection = try await global.connect()
        let limit = self.limit
        let (byStream, byAggregate, byRequest) = (stream, aggregate, request)
        let events = try await connection.run { db in
            try EventLog.history(stream: byStream, aggregate: byAggregate, request: byRequest, limit: limit, on: db)
        }
        if global.json { return try printJSON(events) }
        if events.isEmpty { print("no events") }
        printTable(["TIME", "STREAM", "#", "EVENT", "AGGREGATE", "ACTOR", "REQUEST"], events.map {
            [$0.at.iso, $0.stream, String($0.seq), $0.type, $0.aggregate, $0.actorID, $0.requestID?.uuidString.lowercased() ?? ""]
        })
    }
}

/// `muamala workflows`: every state machine, from the tables the engine runs.
struct Workflows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workflows", abstract: "Print every workflow's states and transitions (text, --dot, --mermaid or --markdown).")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Graphviz dot.") var dot = false
    @Flag(help: "Mermaid stateDiagram-v2.") var mermaid = false
    @Flag(help: "The whole of docs/WORKFLOWS.md (Mermaid diagrams and tables).") var markdown = false

    func run() async throws {
        if markdown {
            print(WorkflowDocument.render(), terminator: "")
            return
        }
        if global.json {
            struct Edge: Encodable { let from, action, to, event: String; let by: [String] }
            struct Table: Encodable { let name, name_ar, initial: String; let states: [String]; let transitions: [Edge] }
            return try printJSON(ServiceCatalog.workflows.map { diagram in
                Table(name: diagram.name, name_ar: diagram.nameAr, initial: diagram.initial, states: diagram.states,
                      transitions: diagram.edges.map { Edge(from: $0.from, action: $0.action, to: $0.to, event: $0.event, by: $0.by) })
            })
        }
        for diagram in ServiceCatalog.workflows {
            if dot {
                print(diagram.dot)
            } else if mermaid {
                print("%% \(diagram.name) — \(diagram.nameAr)")
                print(diagram.mermaid)
            } else {
                print("\(diagram.name) (\(diagram.nameAr))")
                printTable(["FROM", "ACTION", "TO", "EVENT", "BY"], diagram.edges.map {
                    [$0.from, $0.action, $0.to, $0.event, $0.by.joined(separator: ",")]
                })
            }
            print("")
        }
    }
}

/// `muamala services`: the unified e-service directory.
struct Services: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "services", abstract: "List every e-service: code, names, who may request it.")
    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the JSON Schema of a submission's body (docs/openapi.yaml's Submission) instead.")
    var submissionSchema = false

    func run() async throws {
        if submissionSchema {
            print(ServiceCatalog.submissionSchema.jsonText)
            return
        }
        if global.json {
            struct Entry: Encodable { let code, name_en, name_ar: String; let roles: [String]; let fields: [String] }
            return try printJSON(ServiceCatalog.all.map {
                Entry(code: $0.code, name_en: $0.nameEn, name_ar: $0.nameAr, roles: $0.roles.map(\.rawValue).sorted(), fields: $0.fields.map(\.name))
            })
        }
        printTable(["CODE", "NAME", "الاسم", "WHO"], ServiceCatalog.all.map {
            [$0.code, $0.nameEn, $0.nameAr, $0.roles.map(\.rawValue).sorted().joined(separator: ",")]
        })
    }
}
