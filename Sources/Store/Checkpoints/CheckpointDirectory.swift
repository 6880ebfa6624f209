import Foundation

/// The folder checkpoints live in: `checkpoint-000017.json`, one a checkpoint, never
/// rewritten. It belongs on storage the database's administrators cannot write (another
/// machine, an append-only bucket, an auditor's copy): the files are the evidence.
public struct CheckpointDirectory: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    static func name(_ sequence: Int) -> String { String(format: "checkpoint-%06d.json", sequence) }

    /// Every checkpoint, in order of sequence. A file that does not read is an error.
    public func load() throws -> [Checkpoint] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".json") }.sorted()
        let checkpoints = try names.map { name in
            do {
                let checkpoint = try Checkpoint(text: try Data(contentsOf: url.appendingPathComponent(name)))
                guard Self.name(checkpoint.sequence) == name else {
                    throw CheckpointError("it says it is checkpoint \(checkpoint.sequence)")
                }
                return checkpoint
            } catch {
                throw CheckpointError("\(url.appendingPathComponent(name).path): \(error)")
            }
        }
        // In the order of their numbers (names sort so only up to 999,999).
        return checkpoints.sorted { $0.sequence < $1.sequence }
    }

    /// Writes a new checkpoint; fails when its sequence exists already (another taker was
    /// first). The text goes to a temporary file that is then linked under its name, so a
    /// crash never leaves half a checkpoint under a checkpoint's name.
    public func write(_ checkpoint: Checkpoint) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let temporary = url.appendingPathComponent(".tmp-\(UUID().uuidString)")
        try Data(checkpoint.text.utf8).write(to: temporary)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let final = url.appendingPathComponent(Self.name(checkpoint.sequence))
        guard link(temporary.path, final.path) == 0 else {
            throw CheckpointError(errno == EEXIST ? "checkpoint \(checkpoint.sequence) exists already" : "cannot write \(final.path): errno \(errno)")
        }
    }
}

/// A directory's checkpoints checked as a chain: each signed by a key given, each naming the
/// one before it, no number missing; and the newest signed head of every stream.
///
/// Checking the newest head alone is enough: a taker signs a stream's new head only after
/// checking that its history still runs from the head signed before (`EventLog.continuity`),
/// so the newest head's hash commits to every earlier signed one.
public struct CheckpointChain: Sendable {
    public struct Signed: Sendable, Equatable {
        public let seq: Int64
        public let hash: [UInt8]
        /// The checkpoint that signed it.
        public let checkpoint: Int
    }

    public let checkpoints: [Checkpoint]
    /// Each stream's newest signed head (the earlier ones are on its chain before it).
    public let heads: [String: Signed]
    /// What is wrong with the files themselves.
    public let problems: [String]

    /// `keys`: the public keys to trust, by id; nil checks the chain but not the signatures
    /// (for taking the next checkpoint, whose taker trusts its own directory).
    public init(_ checkpoints: [Checkpoint], keys: [String: CheckpointPublicKey]?) {
        self.checkpoints = checkpoints
        var problems: [String] = []
        var heads: [String: Signed] = [:]
        var previous: Checkpoint?
        for checkpoint in checkpoints {
            let name = "checkpoint \(checkpoint.sequence)"
            if let keys {
                if let key = keys[checkpoint.keyID] {
                    if !checkpoint.isSigned(by: key) { problems.append("\(name): the signature does not match its content (the file was changed)") }
                } else {
                    problems.append("\(name): signed by key \(checkpoint.keyID), which is not among the public keys given")
                }
            }
            let expected = (previous?.sequence ?? 0) + 1
            if checkpoint.sequence != expected { problems.append("\(name): checkpoint \(expected) is missing before it") }
            if checkpoint.previous != previous?.digest {
                problems.append("\(name): does not name checkpoint \(previous?.sequence ?? 0) as the one before it (a checkpoint was replaced or removed)")
            }
            for head in checkpoint.heads {
                if let earlier = heads[head.stream], earlier.seq > head.seq {
                    problems.append("\(name): \(head.stream) goes back from #\(earlier.seq) to #\(head.seq)")
                } else if let earlier = heads[head.stream], earlier.seq == head.seq, earlier.hash != head.hash {
                    problems.append("\(name): \(head.stream) #\(head.seq) signed again with another hash than in checkpoint \(earlier.checkpoint)")
                }
                heads[head.stream] = Signed(seq: head.seq, hash: head.hash, checkpoint: checkpoint.sequence)
            }
            previous = checkpoint
        }
        self.heads = heads
        self.problems = problems
    }

    /// Each stream's newest signed head, as `EventLog.continuity` takes it.
    public var marks: [String: (seq: Int64, hash: [UInt8], checkpoint: Int)] {
        heads.mapValues { ($0.seq, $0.hash, $0.checkpoint) }
    }

    /// The heads of `current` that differ from the newest signed ones: the next checkpoint's.
    public func changes(since current: [String: (seq: Int64, hash: [UInt8])]) -> [Checkpoint.Head] {
        current.compactMap { stream, head in
            if let signed = heads[stream], signed.seq == head.seq, signed.hash == head.hash { return nil }
            return Checkpoint.Head(stream: stream, seq: head.seq, hash: head.hash)
        }
    }
}
