import Crypto
import Domain
import Foundation

/// A signed statement of the history's stream heads: "on this day the stream `worker:…`
/// ended at event 7, whose hash is …". Modelled on Certificate Transparency's signed tree
/// heads: once signed, a head can be checked against the database at any later time, and a
/// history rewritten by anyone without the key — a superuser who edits an event and
/// recomputes every later hash and the stream head included — no longer reaches it.
///
/// Each checkpoint lists the heads that changed since the one before it (the first lists
/// them all), names the one before it by its digest, and is signed whole:
///
/// ```json
/// {"format": "muamala-checkpoint/1", "sequence": 17, "taken_at": "2026-12-06T06:00:00Z",
///  "previous": "<sha-256 of checkpoint 16, hex>", "key_id": "<hex>",
///  "heads": [["worker:2000000014", 7, "<hash, hex>"], …], "signature": "<Ed25519, base64>"}
/// ```
///
/// What is signed is the object without `signature`, written as `JSONValue.jsonText`
/// writes it (sorted keys, no spaces). The digest that the next checkpoint names covers
/// the whole file as written, signature included.
public struct Checkpoint: Sendable {
    public struct Head: Sendable, Equatable {
        public let stream: String
        public let seq: Int64
        public let hash: [UInt8]
    }

    public static let format = "muamala-checkpoint/1"

    public let sequence: Int
    public let takenAt: Date
    /// The digest of the checkpoint before it; nil for the first.
    public let previous: String?
    public let keyID: String
    public let heads: [Head]
    public let signature: Data

    /// What the signature covers.
    var body: JSONValue {
        [
            "format": .string(Self.format), "sequence": JSONValue(sequence), "taken_at": .string(Self.iso(takenAt)),
            "previous": previous.map(JSONValue.string) ?? .null, "key_id": .string(keyID),
            "heads": .array(heads.map { [.string($0.stream), .number(Double($0.seq)), .string(Self.hex($0.hash))] }),
        ]
    }

    /// The file's text.
    public var text: String {
        guard case .object(var object) = body else { return "" }
        object["signature"] = .string(signature.base64EncodedString())
        return JSONValue.object(object).jsonText + "\n"
    }

    /// What the next checkpoint names this one by.
    public var digest: String { Self.hex(Array(SHA256.hash(data: Data(text.utf8)))) }

    /// Signs the heads that changed since `previous`.
    public static func make(sequence: Int, takenAt: Date, previous: Checkpoint?, heads: [Head], signer: CheckpointSigner) throws -> Checkpoint {
        let unsigned = Checkpoint(sequence: sequence, takenAt: takenAt, previous: previous?.digest, keyID: signer.keyID,
                                  heads: heads.sorted { $0.stream < $1.stream }, signature: Data())
        let signature = try signer.sign(unsigned.body.jsonBytes)
        return Checkpoint(sequence: unsigned.sequence, takenAt: unsigned.takenAt, previous: unsigned.previous, keyID: unsigned.keyID,
                          heads: unsigned.heads, signature: signature)
    }

    /// Reads a checkpoint file's text (its signature is checked by `CheckpointChain`).
    public init(text: Data) throws {
        guard case .object(let object)? = JSONValue.parse(utf8: text), object["format"]?.stringValue == Self.format,
              let sequence = object["sequence"]?.intValue, sequence >= 1,
              let taken = object["taken_at"]?.stringValue, let takenAt = Self.date(taken),
              let keyID = object["key_id"]?.stringValue,
              let signatureText = object["signature"]?.stringValue, let signature = Data(base64Encoded: signatureText),
              case .array(let list)? = object["heads"] else {
            throw CheckpointError("not a \(Self.format) file")
        }
        var heads: [Head] = []
        heads.reserveCapacity(list.count)
        for entry in list {
            guard case .array(let parts) = entry, parts.count == 3, let stream = parts[0].stringValue,
                  let seq = parts[1].intValue, seq >= 1, let hash = parts[2].stringValue.flatMap(Self.bytes), hash.count == 32 else {
                throw CheckpointError("a head is malformed")
            }
            heads.append(Head(stream: stream, seq: Int64(seq), hash: hash))
        }
        self.init(sequence: sequence, takenAt: takenAt, previous: object["previous"]?.stringValue, keyID: keyID, heads: heads, signature: signature)
    }

    init(sequence: Int, takenAt: Date, previous: String?, keyID: String, heads: [Head], signature: Data) {
        self.sequence = sequence
        self.takenAt = takenAt
        self.previous = previous
        self.keyID = keyID
        self.heads = heads
        self.signature = signature
    }

    func isSigned(by key: CheckpointPublicKey) -> Bool {
        key.keyID == keyID && key.isValid(signature, for: body.jsonBytes)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(_ hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        for index in stride(from: 0, to: utf8.count, by: 2) {
            guard let byte = UInt8(String(decoding: utf8[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
    static func date(_ text: String) -> Date? { try? Date(text, strategy: .iso8601) }
}
