import ArgumentParser
import Domain
import Engine
import Foundation
import PQ
import Store

/// `muamala submit`: queue a request, as an operator or as a portal user.
struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a request: queued, or with --wait decided at once when it can be (validated as the HTTP API does).",
        discussion: """
            The payload comes from --payload FILE (JSON; - for standard input) and/or --field \
            name=value pairs (numbers and true/false are typed; quote JSON strings to force text).

            Examples:
              muamala submit work-permit.renew --field worker_id=2000000007 --field establishment_id=1-10 --field months=12
              muamala submit establishment.open --payload file.json --wait 10
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var actor: ActorOptions

    @Argument(help: "The service code (see `muamala services`).")
    var service: String

    @Option(help: "A JSON file with the payload object (- for standard input).")
    var payload: String?

    @Option(name: .customLong("field"), help: "A payload field as name=value; repeatable.")
    var fields: [String] = []

    @Option(help: "Idempotency key (default: a new one); the same key returns the first request.")
    var key: String?

    @Option(help: """
        Wait this many seconds for the decision. As with the API's ?wait=, the request is then \
        decided at once when nothing is queued ahead of it on its subject; otherwise a running \
        daemon decides it.
        """)
    var wait: Int = 0

    @Flag(help: "Show the decision the engine would make now, and write nothing (no request, no event, no key).")
    var dryRun = false

    func run() async throws {
        var object: [String: JSONValue] = [:]
        if let payload {
            let data = payload == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: payload))
            guard case .object(let parsed)? = JSONValue.parse(utf8: data) else {
                throw ValidationError("the payload must be a JSON object")
            }
            object = parsed
        }
        let specs = ServiceCatalog.service(service)?.fields ?? []
        for field in fields {
            guard let equals = field.firstIndex(of: "=") else { throw ValidationError("--field takes name=value, got \(field)") }
            let name = String(field[..<equals])
            let text = String(field[field.index(after: equals)...])
            object[name] = Self.typed(text, as: specs.first { $0.name == name }?.type)
        }
        if dryRun { return try await Self.dryRun(service, object, global: global, actor: actor) }
        try await Self.send(service, object, global: global, actor: actor, key: key, wait: wait)
    }

    /// The decision a submission would get now; exit 0 when it would complete, 5 when it
    /// would be refused (3 when refused before deciding, as for a real submission).
    static func dryRun(_ service: String, _ object: [String: JSONValue], global: GlobalOptions, actor: ActorOptions) async throws {
        let connection = try await global.connect()
        let principal = try await actor.principal(connection)
        let operations = try await global.operations(deciding: true)
        let submission = Intake.Submission(service: service, payload: .object(object), idempotencyKey: nil, origin: "cli")
        let result = try await operations.dryRun(submission, by: principal)
        await operations.pool.close()
        switch result {
        case .failure(let refusal):
            throw refused(refusal)
        case .success(let dryRun):
            if global.json {
                print(dryRun.json.jsonText)
            } else {
                print("dry run   \(dryRun.service) (nothing written)")
                print("subject   \(dryRun.subject)")
                if let establishment = dryRun.establishment { print("for       \(establishment)") }
                print("as        \(dryRun.actorRole.rawValue)")
                switch dryRun.decision.verdict {
                case .completed(let summary):
                    print("would     complete")
                    for (key, value) in summary.sorted(by: { $0.key < $1.key }) { print("  \(key): \(brief(value))") }
                    for event in dryRun.decision.events { print("event     \(event.type) on \(event.aggregate)") }
                    for timer in dryRun.decision.timers { print("timer     \(timer.service) on \(timer.due.iso)") }
                case .rejected(let reason):
                    print("would     be refused (\(reason.code))")
                    print("          \(reason.english)")
                    print("          \(reason.arabic)")
                }
            }
            if !dryRun.decision.isCompleted { throw ExitCode(5) }
        }
    }

    /// Submits a payload as `actor` (default: the operator, as staff), through the same intake
    /// as the API; prints the request (decided, when waited for), or every refusal and exit 3.
    static func send(_ service: String, _ object: [String: JSONValue], global: GlobalOptions, actor: ActorOptions,
                     key: String? = nil, wait: Int) async throws {
        let connection = try await global.connect()
        let principal = try await actor.principal(connection)
        // Waiting, the request is decided at once when it can be, exactly as the daemon would.
        let operations = try await global.operations(deciding: wait > 0)
        let submission = Intake.Submission(
            service: service, payload: .object(object), idempotencyKey: key ?? UUID().uuidString.lowercased(), notify: wait > 0,
            origin: "cli")
        let accepted: Intake.Accepted
        switch try await operations.submit(submission, by: principal, wait: .seconds(wait)) {
        case .success(let value):
            accepted = value
        case .failure(let refusal):
            await operations.pool.close()
            throw refused(refusal)
        }
        await operations.pool.close()
        let record = accepted.record
        try RequestDisplay.show(record, json: global.json, existing: { if case .existing = accepted { return true } else { return false } }())
    }

    /// Prints every reason of a refusal before queuing, in both languages; exit 3.
    static func refused(_ refusal: Intake.Refusal) -> ExitCode {
        for problem in refusal.reasons {
            FileHandle.standardError.write(Data("refused (\(problem.reason.code)): \(problem.field): \(problem.reason.english)\n    \(problem.reason.arabic)\n".utf8))
        }
        return ExitCode(3)
    }

    /// The value as the service's field expects it; for unknown fields: `12` → number,
    /// `true` → boolean, `"12"` → string 12, anything else → string.
    static func typed(_ text: String, as type: FieldSpec.FieldType?) -> JSONValue {
        switch type {
        case .integer?, .number?:
            if let number = Double(text) { return .number(number) }
        case .boolean?:
            if text == "true" || text == "false" { return .bool(text == "true") }
        case .some:
            return .string(text)
        case nil:
            break
        }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { return .string(String(text.dropFirst().dropLast())) }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let number = Double(text), !text.contains(where: { $0.isLetter }), !(text.count > 1 && text.hasPrefix("0") && !text.hasPrefix("0.")) {
            return .number(number)
        }
        return .string(text)
    }
}

/// How the CLI prints one request.
enum RequestDisplay {
    static func show(_ record: RequestRecord, json: Bool, existing: Bool = false) throws {
        if json {
            try printJSON(record)
            return
        }
        print("request   \(record.id.uuidString.lowercased())\(existing ? "  (already submitted with this key)" : "")")
        print("service   \(record.service)")
        print("state     \(record.state.rawValue)")
        print("subject   \(record.subject)")
        if let establishment = record.establishmentID { print("for       \(establishment)") }
        print("by        \(record.actorID) (\(record.actorRole))")
        print("submitted \(record.submittedAt.iso)")
        if let decided = record.decidedAt { print("decided   \(decided.iso)") }
        print("attempts  \(record.attempts)")
        switch record.state {
        case .rejected:
            print("reason    \(brief(record.outcome?["code"]))")
            print("          \(brief(record.outcome?["message_en"]))")
            print("          \(brief(record.outcome?["message_ar"]))")
        case .completed:
            for (key, value) in (record.outcome?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                print("  \(key): \(brief(value))")
            }
        case .failed, .queued:
            if let error = record.lastError { print("error     \(error)") }
        case .cancelled:
            break
        }
    }
}
