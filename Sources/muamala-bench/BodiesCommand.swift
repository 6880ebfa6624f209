import ArgumentParser
import Domain
import Foundation
import PQ

/// `muamala-bench bodies`: the HTTP phases' requests, in the seed's mix (`SeedMix`), as JSON
/// lines `{"service": …, "payload": …}` for `muamala-bench http --bodies`.
///
/// Written against the population as it is (after the drain, in `Scripts/bench`), one line for
/// each request a phase sends: the load cycles through the file, and a second pass would
/// register the same newcomers again. Give each phase its own `--seed` and `--first-new`.
struct BodiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bodies",
        abstract: "Write HTTP request bodies in the seed's mix.",
        discussion: """
            Example, for a phase of 9,000 requests/s for 60 s:
              muamala-bench bodies --database-url "$URL" --requests 540000 --seed 8 --first-new 60000000 --output bodies.jsonl
            """)

    @Option(help: "libpq connection string or URI (a database with a population).") var databaseURL: String
    @Option(help: "Lines to write: as many as the phase sends (rate × seconds).") var requests: Int
    @Option(help: "Random seed.") var seed: UInt64 = 8
    @Option(help: """
        Newcomers (arrived residents, new establishments) are numbered after this; keep the ranges \
        of two files, and of the queued backlog (50,000,000), apart.
        """) var firstNew = 60_000_000
    @Option(help: """
        Lines between a newcomer's registration and first permit (at 9,000/s, 2,000 lines are 0.2 s: \
        the permit is sent after the registration is decided, as a portal would).
        """) var followUpGap = 2_000
    @Option(help: "The file to write (replaced).") var output: String

    func validate() throws {
        guard requests > 0 else { throw ValidationError("--requests must be positive") }
        guard followUpGap >= 0 else { throw ValidationError("--follow-up-gap must not be negative") }
        guard firstNew > 0, firstNew < 90_000_000 else { throw ValidationError("--first-new must be 1…89,999,999 (an iqama is 2, eight digits, a check digit)") }
    }

    func run() async throws {
        let connection = try await Connection.connect(ConnectionConfig(connectionString: databaseURL, applicationName: "muamala-bench"))
        let (residents, establishments) = try await SeedMix.population(connection)
        var random = SeededRandom(seed: seed)
        var mix = SeedMix(residents: residents, establishments: establishments, firstNew: firstNew, today: Day(Date()))
        mix.followUpGap = followUpGap
        let plan = mix.plan(count: requests, random: &random)
        var text: [UInt8] = []
        text.reserveCapacity(plan.count * 200)
        for request in plan {
            text += JSONValue.object(["service": .string(request.service), "payload": .object(request.payload)]).jsonBytes
            text.append(UInt8(ascii: "\n"))
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(text)) else {
            throw ValidationError("could not write \(output)")
        }
        print(SeedMix.summary(plan))
    }
}
