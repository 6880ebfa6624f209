import Foundation
import Logging
import PQ
import ServiceLifecycle
import Store

/// Takes signed checkpoints of the history's stream heads (`Checkpoint`): the heads that
/// changed since the newest checkpoint in the folder, read in one snapshot, signed with a
/// key the database never holds, written as the folder's next file.
public struct Checkpointer: Sendable {
    public let directory: CheckpointDirectory
    public let signer: CheckpointSigner

    public init(directory: CheckpointDirectory, signer: CheckpointSigner) {
        self.directory = directory
        self.signer = signer
    }

    /// Takes the next checkpoint. Refuses while the folder's own chain is broken (a file
    /// missing or replaced), and when a stream's history no longer runs from the head signed
    /// before to its head now (rewritten since): both are for an operator to look at
    /// (`muamala verify --checkpoints`), never to paper over with a new signature.
    ///
    /// The folder is read and written on a thread of its own, not on Swift's pool.
    @discardableResult
    public func take(on connection: Connection, now: Date = Date()) async throws -> Checkpoint {
        let directory = self.directory
        let existing = try await Blocking.run { try directory.load() }
        let chain = CheckpointChain(existing, keys: nil)
        if let problem = chain.problems.first {
            throw CheckpointError("the checkpoints in \(directory.url.path) do not form a chain (\(problem)); run muamala verify --checkpoints")
        }
        let marks = chain.marks
        let (changes, broken) = try await connection.withTransaction(isolation: .repeatableRead, readOnly: true) { db in
            let heads = try EventLog.currentHeads(on: db)
            let changes = chain.changes(since: heads)
            let changed = Dictionary(uniqueKeysWithValues: changes.map { ($0.stream, (seq: $0.seq, hash: $0.hash)) })
            return (changes, try EventLog.continuity(from: marks, to: changed, on: db))
        }
        if !broken.isEmpty {
            throw CheckpointError("the history no longer runs from what checkpoint \(existing.last?.sequence ?? 0) and those before signed; "
                + "nothing signed: \(broken.prefix(5).joined(separator: "; "))\(broken.count > 5 ? "; and \(broken.count - 5) more" : "")")
        }
        let checkpoint = try Checkpoint.make(
            sequence: (existing.last?.sequence ?? 0) + 1, takenAt: now, previous: existing.last, heads: changes, signer: signer)
        try await Blocking.run { try directory.write(checkpoint) }
        return checkpoint
    }
}

/// The daemon's schedule: a checkpoint every `interval` (and one at start), when it is
/// configured with a key and a folder. With several daemons configured so, each tries; the
/// folder takes one file per number, and a taker that comes second tries at its next turn.
public struct CheckpointService: Service {
    let checkpointer: Checkpointer
    let pool: ConnectionPool
    let interval: Duration
    let logger: Logger

    public init(checkpointer: Checkpointer, pool: ConnectionPool, interval: Duration, logger: Logger) {
        self.checkpointer = checkpointer
        self.pool = pool
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let checkpoint = try await pool.withConnection { connection in try await checkpointer.take(on: connection) }
                    logger.info("checkpoint taken", metadata: [
                        "sequence": .stringConvertible(checkpoint.sequence), "heads": .stringConvertible(checkpoint.heads.count),
                        "key_id": .string(checkpoint.keyID),
                    ])
                } catch {
                    logger.error("cannot take a checkpoint", metadata: ["error": .string(String(reflecting: error))])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
