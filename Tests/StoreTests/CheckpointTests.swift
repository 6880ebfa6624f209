import Domain
import Engine
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// Signed checkpoints make the history evidence against the one actor the chain alone does
/// not stop: whoever may write the database.
@Suite("Signed checkpoints")
struct CheckpointTests {
    /// A fresh folder with a key in `keys/`.
    static func folder() throws -> (URL, CheckpointSigner) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("muamala-checkpoints-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("keys"), withIntermediateDirectories: true)
        let signer = try CheckpointSigner.generate(to: root.appendingPathComponent("keys/signing.key"))
        return (root, signer)
    }

    static func verify(_ db: isolated Connection, _ folder: URL, keys: [CheckpointPublicKey]) throws -> EventLog.Verification {
        let chain = CheckpointChain(try CheckpointDirectory(folder).load(), keys: Dictionary(uniqueKeysWithValues: keys.map { ($0.keyID, $0) }))
        var report = try EventLog.verify(signed: chain.heads, on: db)
        report.problems = chain.problems + report.problems
        return report
    }

    @Test("a history edited and re-hashed, or cut short, by a superuser verifies as a chain but not against its checkpoints")
    func forgeryFound() async throws {
        try await withScratchDatabase { database in
            let (folder, signer) = try Self.folder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let connection = try await database.connect()
            let checkpointer = Checkpointer(directory: CheckpointDirectory(folder), signer: signer)
            try await connection.run { db in
                try HistoryForgery.append(5, to: "worker:2000000014", on: db)
                try HistoryForgery.append(3, to: "establishment:1-1", on: db)
            }
            let first = try await checkpointer.take(on: connection)
            #expect(first.sequence == 1 && first.heads.count == 2 && first.previous == nil)
            try await connection.run { db in try HistoryForgery.append(2, to: "worker:2000000014", on: db) }
            let second = try await checkpointer.take(on: connection)
            #expect(second.heads.map(\.stream) == ["worker:2000000014"] && second.heads.first?.seq == 7)
            #expect(second.previous == first.digest)

            let intact = try await connection.run { db in try Self.verify(db, folder, keys: [signer.publicKey]) }
            #expect(intact.isIntact, "\(intact.problems)")
            #expect(intact.signedHeads == 2 && intact.signedHeadsReached == 2)

            // An event edited, every later hash and the head recomputed: the chain alone is fooled.
            try await connection.run { db in try HistoryForgery.rewrite("worker:2000000014", seq: 3, data: #"{"n": 999}"#, on: db) }
            let unkeyed = try await connection.run { db in try EventLog.verify(on: db) }
            #expect(unkeyed.isIntact, "the forgery should pass the unkeyed chain: \(unkeyed.problems)")
            let keyed = try await connection.run { db in try Self.verify(db, folder, keys: [signer.publicKey]) }
            #expect(keyed.problems == ["worker:2000000014 #7: not the event checkpoint 2 signed (history rewritten)"])

            // The tail of another stream removed and its head moved back.
            try await connection.run { db in try HistoryForgery.truncate("establishment:1-1", keeping: 2, on: db) }
            #expect(try await connection.run { db in try EventLog.verify(on: db) }.isIntact)
            let cut = try await connection.run { db in try Self.verify(db, folder, keys: [signer.publicKey]) }
            #expect(cut.problems.contains("establishment:1-1: the history no longer reaches #3, signed in checkpoint 1 (events removed)"))
            #expect(cut.signedHeadsReached == 0)
        }
    }

    @Test("the checkpoint files themselves: an edit breaks the signature, a removal the chain, an unknown key is named; the taker stops")
    func filesChecked() async throws {
        try await withScratchDatabase { database in
            let (folder, signer) = try Self.folder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let connection = try await database.connect()
            let checkpointer = Checkpointer(directory: CheckpointDirectory(folder), signer: signer)
            for n in 1...3 {
                try await connection.run { db in try HistoryForgery.append(n, to: "worker:200000001\(n)", on: db) }
                try await checkpointer.take(on: connection)
            }
            let second = folder.appendingPathComponent("checkpoint-000002.json")
            // A signed head changed in the file: its signature no longer matches.
            let original = try String(contentsOf: second, encoding: .utf8)
            let edited = original.replacingOccurrences(of: #"["worker:2000000012",2,"#, with: #"["worker:2000000012",1,"#)
            #expect(edited != original)
            try edited.write(to: second, atomically: true, encoding: .utf8)
            let tampered = CheckpointChain(try CheckpointDirectory(folder).load(), keys: [signer.keyID: signer.publicKey])
            #expect(tampered.problems.contains("checkpoint 2: the signature does not match its content (the file was changed)"))
            #expect(tampered.problems.contains("checkpoint 3: does not name checkpoint 2 as the one before it (a checkpoint was replaced or removed)"))
            // Removed instead.
            try FileManager.default.removeItem(at: second)
            let gap = CheckpointChain(try CheckpointDirectory(folder).load(), keys: [signer.keyID: signer.publicKey])
            #expect(gap.problems.contains("checkpoint 3: checkpoint 2 is missing before it"))
            await #expect(throws: CheckpointError.self) { try await checkpointer.take(on: connection) }
            // A key nobody gave.
            let (elsewhere, stranger) = try Self.folder()
            defer { try? FileManager.default.removeItem(at: elsewhere) }
            let unknown = CheckpointChain(try CheckpointDirectory(folder).load(), keys: [stranger.keyID: stranger.publicKey])
            #expect(unknown.problems.contains { $0.contains("not among the public keys given") })
        }
    }

    @Test("a key is never overwritten, its file is not lost by trying, and a key file others may read is refused")
    func keyFiles() throws {
        let (folder, signer) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("keys/signing.key")
        let before = try Data(contentsOf: file)
        #expect(throws: CheckpointError.self) { try CheckpointSigner.generate(to: file) }
        // With its .pub gone, generating over the private key still refuses and keeps it whole.
        try FileManager.default.removeItem(atPath: file.path + ".pub")
        #expect(throws: CheckpointError.self) { try CheckpointSigner.generate(to: file) }
        #expect(try Data(contentsOf: file) == before)
        #expect(try CheckpointSigner(file: file).keyID == signer.keyID)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect(throws: CheckpointError.self) { try CheckpointSigner(file: file) }
    }

    @Test("a taker refuses to sign over a history rewritten since the last checkpoint; verify still finds it")
    func takerRefusesForgery() async throws {
        try await withScratchDatabase { database in
            let (folder, signer) = try Self.folder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let connection = try await database.connect()
            let checkpointer = Checkpointer(directory: CheckpointDirectory(folder), signer: signer)
            try await connection.run { db in try HistoryForgery.append(5, to: "worker:2000000014", on: db) }
            try await checkpointer.take(on: connection)
            // Rewritten and grown: the next head would be signed over the forgery.
            try await connection.run { db in
                try HistoryForgery.rewrite("worker:2000000014", seq: 3, data: #"{"n": 42}"#, on: db)
                try HistoryForgery.append(2, to: "worker:2000000014", on: db)
            }
            let refusal = await #expect(throws: CheckpointError.self) { try await checkpointer.take(on: connection) }
            #expect(refusal?.description.contains("worker:2000000014: #5, signed in checkpoint 1, is not in the history as signed") == true,
                    "\(String(describing: refusal))")
            #expect(try CheckpointDirectory(folder).load().count == 1)
            let report = try await connection.run { db in try Self.verify(db, folder, keys: [signer.publicKey]) }
            #expect(!report.isIntact)
            // A stream that grows honestly is signed again.
            try await connection.run { db in try HistoryForgery.append(1, to: "establishment:1-1", on: db) }
            let honest = FileManager.default.temporaryDirectory.appendingPathComponent("muamala-cp-honest-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: honest) }
            let fresh = Checkpointer(directory: CheckpointDirectory(honest), signer: signer)
            try await connection.run { db in try HistoryForgery.append(1, to: "establishment:2-1", on: db) }
            try await fresh.take(on: connection)
            try await connection.run { db in try HistoryForgery.append(3, to: "establishment:2-1", on: db) }
            let next = try await fresh.take(on: connection)
            #expect(next.heads.contains { $0.stream == "establishment:2-1" && $0.seq == 4 })
        }
    }
}
