import Foundation
import Testing
import TestSupport

/// `muamala checkpoint` and `muamala verify --checkpoints`, as an operator and an auditor run them.
@Suite("Checkpoint commands")
struct CheckpointCommandTests {
    @Test("keygen, take, verify: intact; a superuser's re-hashed edit passes plain verify and fails verify --checkpoints (exit 4)")
    func auditorFindsForgery() async throws {
        try await withScratchDatabase { database in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("muamala-cli-cp-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let key = folder.appendingPathComponent("signing.key").path
            let checkpoints = folder.appendingPathComponent("checkpoints").path
            let keygen = try await CLIProcess.run(["checkpoint", "keygen", key], databaseURL: database.url)
            #expect(keygen.status == 0, "\(keygen.stderr)")
            try await database.run { db in try HistoryForgery.append(4, to: "worker:2000000014", on: db) }
            let take = try await CLIProcess.run(["checkpoint", "--key", key, "--dir", checkpoints, "--json"], databaseURL: database.url)
            #expect(take.status == 0, "\(take.stderr)")
            #expect(take.stdout.contains(#""sequence" : 1"#))

            let audit = ["verify", "--checkpoints", checkpoints, "--public-key", key + ".pub"]
            let intact = try await CLIProcess.run(audit, databaseURL: database.url)
            #expect(intact.status == 0, "\(intact.stdout) \(intact.stderr)")
            #expect(intact.stdout.contains("1 of 1 signed heads reached"))

            try await database.run { db in try HistoryForgery.rewrite("worker:2000000014", seq: 2, data: #"{"n": 7}"#, on: db) }
            let plain = try await CLIProcess.run(["verify"], databaseURL: database.url)
            #expect(plain.status == 0, "the unkeyed chain is whole after the forgery: \(plain.stdout)")
            let forged = try await CLIProcess.run(audit, databaseURL: database.url)
            #expect(forged.status == 4)
            #expect(forged.stdout.contains("worker:2000000014 #4: not the event checkpoint 1 signed"), "\(forged.stdout)")

            // Without a key to trust, verify says so rather than trusting nothing.
            let keyless = try await CLIProcess.run(["verify", "--checkpoints", checkpoints], databaseURL: database.url)
            #expect(keyless.status != 0 && keyless.stderr.contains("--public-key"))
        }
    }
}
